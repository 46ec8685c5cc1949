//! A panic never drops a connection and is never silent.
//!
//! - A panic while a request is handled is caught by [`catch_panic_layer`] (inside the
//!   tracing span of the request) and answered 500 with a short page in the three
//!   languages; the panic hook has logged it with the request's id.
//! - Reactive tasks that Leptos spawns on their own (effects, resources) run through
//!   [`ReactiveTasks`], which catches a panic of such a task and logs it. No response waits
//!   on those tasks. The one seen in practice: leptos_i18n's language effect
//!   (`Effect::new_isomorphic` in its context provider) is spawned by every render and,
//!   when it first runs after its render has finished and been cleaned up, reads a signal
//!   that is gone ("Tried to access a reactive value that has already been disposed").
//!   Its only work is writing a cookie signal that the server never reads (the language
//!   cookie is the language middleware's), so it affects no response; it is logged at
//!   warning level.

use std::{any::Any, panic::AssertUnwindSafe};

use any_spawner::{CustomExecutor, Executor, PinnedFuture, PinnedLocalFuture};
use axum::{body::Body, response::Response};
use futures::FutureExt;
use http::{HeaderValue, StatusCode, header};
use tower_http::catch_panic::{CatchPanicLayer, ResponseForPanic};

use app::{
    error::{MessageKey, message},
    i18n::Locale,
};

/// What a panic said, as text.
fn panic_text(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// Logs every panic through `tracing`, so that it carries the span it happened in (for a
/// request: its method, path and request id) and reaches the same log as everything else.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = panic_text(info.payload());
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        if is_disposed_reactive_value(text) {
            tracing::warn!(%location, panic = text, "a reactive task outlived its render");
        } else {
            tracing::error!(%location, panic = text, "panicked");
            // And as Rust prints it (with a backtrace when asked), on standard error.
            previous(info);
        }
    }));
}

fn is_disposed_reactive_value(text: &str) -> bool {
    text.contains("has already been disposed")
}

/// The answer to a request whose handler panicked: 500, a page in ky, ru and en.
#[derive(Clone, Copy, Debug, Default)]
pub struct PanicPage;

impl ResponseForPanic for PanicPage {
    type ResponseBody = Body;

    fn response_for_panic(&mut self, _panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
        let lines: String = [Locale::ky, Locale::ru, Locale::en]
            .into_iter()
            .map(|locale| {
                format!(
                    "<p lang=\"{locale}\">{}</p>",
                    message(locale, MessageKey::Internal)
                )
            })
            .collect();
        let stylesheet = app::assets::current_stylesheet_href();
        let page = format!(
            "<!DOCTYPE html><html lang=\"ky\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>500</title><link rel=\"stylesheet\" href=\"{stylesheet}\"></head>\
             <body><main class=\"main\">{lines}<p><a href=\"/\">/</a></p></main></body></html>"
        );
        let mut response = Response::new(Body::from(page));
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        response
    }
}

/// Catches a panic of any request's handler or middleware and answers it with
/// [`PanicPage`].
pub fn catch_panic_layer() -> CatchPanicLayer<PanicPage> {
    CatchPanicLayer::custom(PanicPage)
}

/// Leptos's task spawner on tokio, with every task's panic caught and logged.
struct ReactiveTasks;

impl CustomExecutor for ReactiveTasks {
    fn spawn(&self, task: PinnedFuture<()>) {
        // Outside a runtime (listing the routes from a plain thread) nothing awaits the
        // task; it is dropped rather than panicking the caller.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(AssertUnwindSafe(task).catch_unwind().map(log_task_panic));
        }
    }

    fn spawn_local(&self, task: PinnedLocalFuture<()>) {
        if tokio::runtime::Handle::try_current().is_ok() {
            tokio::task::spawn_local(AssertUnwindSafe(task).catch_unwind().map(log_task_panic));
        }
    }

    fn poll_local(&self) {}
}

fn log_task_panic(outcome: Result<(), Box<dyn Any + Send>>) {
    if let Err(panic) = outcome {
        // The hook has logged the message; this says that nothing waited on the task.
        tracing::debug!(
            panic = panic_text(panic.as_ref()),
            "a reactive task panicked; no response depended on it"
        );
    }
}

/// Makes [`ReactiveTasks`] Leptos's spawner. Before the router exists, so that it wins over
/// leptos_axum's plain tokio spawner; later calls change nothing.
pub fn install_reactive_task_spawner() {
    let _ = Executor::init_custom_executor(ReactiveTasks);
}
