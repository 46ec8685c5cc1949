//! The idle-timeout warning of signed-in pages (product.md §3, Security): shortly before a
//! session ends for inactivity, the page says so, counts down, and offers to stay signed
//! in; when the time is up it goes to the sign-in page, which says why and comes back here
//! afterwards.
//!
//! The server is the clock that counts: the page asks it how long the session has left
//! (a question the server does not count as activity) and asks again before acting, so
//! activity in another tab, or a browser that slept, never signs anyone out early. Without
//! JavaScript there is no warning; the next request after the timeout lands on the sign-in
//! page with the same explanation.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    i18n::{t, use_i18n},
};

/// How long the current session has left, and when to warn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeLeft {
    /// Seconds until the session ends if nothing else happens.
    pub seconds: i64,
    /// The warning shows this many seconds before the end.
    pub warning_seconds: i64,
}

#[cfg(feature = "ssr")]
fn time_left(deadline: chrono::DateTime<chrono::Utc>) -> Result<TimeLeft, AppError> {
    let context = crate::server::server_context()?;
    Ok(TimeLeft {
        seconds: (deadline - chrono::Utc::now()).num_seconds().max(0),
        warning_seconds: context.sessions.idle_warning.num_seconds(),
    })
}

/// How long this session has left. The server's session layer does not count this request
/// as activity (see [`session_activity`]).
#[server(endpoint = "session/time-left")]
pub async fn session_time_left() -> Result<TimeLeft, AppError> {
    time_left(crate::server::require_session()?.idle_deadline)
}

/// "Stay signed in": counts as activity now, and says how long the session has left.
#[server(endpoint = "session/stay")]
pub async fn stay_signed_in() -> Result<TimeLeft, AppError> {
    time_left(crate::server::require_session()?.idle_deadline)
}

/// What a request to `path` does to the idle timer of its session: asking the time left
/// is not activity; staying signed in is activity now; everything else is a request.
#[cfg(feature = "ssr")]
pub fn session_activity(path: &str) -> domain::sessions::Activity {
    use domain::sessions::Activity;
    use leptos::server_fn::ServerFn;

    if path == <SessionTimeLeft as ServerFn>::PATH {
        Activity::Peek
    } else if path == <StaySignedIn as ServerFn>::PATH {
        Activity::StayAlive
    } else {
        Activity::Request
    }
}

/// The warning dialog of a signed-in page. Renders nothing until it is needed.
#[component]
pub fn IdleWarning() -> impl IntoView {
    let i18n = use_i18n();
    // Seconds left while the warning shows; `None` while it is hidden.
    let left = RwSignal::new(None::<i64>);
    #[cfg(feature = "hydrate")]
    let stay = client::start(left);
    #[cfg(not(feature = "hydrate"))]
    let stay = move |_| {};
    let clock = move || {
        left.get().map(|seconds| {
            let seconds = seconds.max(0);
            format!("{}:{:02}", seconds / 60, seconds % 60)
        })
    };
    view! {
        <Show when=move || left.get().is_some()>
            <div class="idle-warning" data-testid="idle-warning">
                <div
                    class="idle-warning__dialog"
                    role="alertdialog"
                    aria-modal="true"
                    aria-labelledby="idle-warning-title"
                    aria-describedby="idle-warning-text"
                >
                    <h2 id="idle-warning-title" class="heading-m">{t!(i18n, idle.title)}</h2>
                    <p id="idle-warning-text">{t!(i18n, idle.text)}</p>
                    <p>
                        {t!(i18n, idle.time_left)}" "
                        <strong class="idle-warning__clock" data-testid="idle-clock">{clock}</strong>
                    </p>
                    <button type="button" class="button" id="idle-warning-stay" on:click=stay>
                        {t!(i18n, idle.stay)}
                    </button>
                </div>
            </div>
        </Show>
    }
}

#[cfg(feature = "hydrate")]
mod client {
    use std::time::Duration;

    use leptos::{prelude::*, task::spawn_local};

    use super::{TimeLeft, session_time_left, stay_signed_in};
    use crate::{error::AppError, pages::guard::login_url};

    /// Timers of this page; cleared when the page goes away.
    #[derive(Clone, Copy, Default)]
    struct Timers {
        timeout: Option<TimeoutHandle>,
        interval: Option<IntervalHandle>,
    }

    fn now_ms() -> f64 {
        leptos::web_sys::js_sys::Date::now()
    }

    /// Starts watching the session; returns the "stay signed in" handler.
    pub fn start(left: RwSignal<Option<i64>>) -> impl Fn(leptos::ev::MouseEvent) + Copy + 'static {
        let timers = StoredValue::new_local(Timers::default());
        let alive = StoredValue::new_local(true);
        on_cleanup(move || {
            alive.set_value(false);
            clear(timers);
        });
        // The first look happens after hydration, in the browser only.
        Effect::new(move |_| check(left, timers, alive));
        move |_| {
            spawn_local(async move {
                let answer = stay_signed_in().await;
                follow(left, timers, alive, answer);
            });
        }
    }

    fn clear(timers: StoredValue<Timers, LocalStorage>) {
        if let Some(mut current) = timers.try_get_value() {
            if let Some(handle) = current.timeout.take() {
                handle.clear();
            }
            if let Some(handle) = current.interval.take() {
                handle.clear();
            }
            timers.set_value(current);
        }
    }

    fn check(
        left: RwSignal<Option<i64>>,
        timers: StoredValue<Timers, LocalStorage>,
        alive: StoredValue<bool, LocalStorage>,
    ) {
        spawn_local(async move {
            let answer = session_time_left().await;
            follow(left, timers, alive, answer);
        });
    }

    /// Acts on what the server said about the session.
    fn follow(
        left: RwSignal<Option<i64>>,
        timers: StoredValue<Timers, LocalStorage>,
        alive: StoredValue<bool, LocalStorage>,
        answer: Result<TimeLeft, AppError>,
    ) {
        if !alive.try_get_value().unwrap_or(false) {
            return;
        }
        clear(timers);
        let schedule = |after: Duration| {
            set_timeout_with_handle(move || check(left, timers, alive), after).ok()
        };
        match answer {
            Ok(time) if time.seconds > time.warning_seconds => {
                left.set(None);
                let wait = u64::try_from(time.seconds - time.warning_seconds).unwrap_or(0);
                let timeout = schedule(Duration::from_secs(wait));
                timers.update_value(|t| t.timeout = timeout);
            }
            Ok(time) if time.seconds > 0 => {
                let ends_at = now_ms() + (time.seconds as f64) * 1000.0;
                left.set(Some(time.seconds));
                focus_stay_button();
                let interval = set_interval_with_handle(
                    move || {
                        let remaining = ((ends_at - now_ms()) / 1000.0).ceil() as i64;
                        if remaining <= 0 {
                            // Time is up here; the server decides whether it is up there.
                            clear(timers);
                            check(left, timers, alive);
                        } else {
                            left.set(Some(remaining));
                        }
                    },
                    Duration::from_secs(1),
                )
                .ok();
                timers.update_value(|t| t.interval = interval);
            }
            // The last second: the server has not ended the session yet; look again.
            Ok(_) => {
                let timeout = schedule(Duration::from_secs(1));
                timers.update_value(|t| t.timeout = timeout);
            }
            Err(AppError::Unauthorized) => {
                let path = window().location().pathname().unwrap_or_default();
                let _ = window().location().set_href(&login_url(&path));
            }
            // The portal could not be reached: look again in a while.
            Err(_) => {
                let timeout = schedule(Duration::from_secs(30));
                timers.update_value(|t| t.timeout = timeout);
            }
        }
    }

    fn focus_stay_button() {
        request_animation_frame(|| {
            if let Some(button) = document().get_element_by_id("idle-warning-stay") {
                use leptos::wasm_bindgen::JsCast;
                if let Ok(button) = button.dyn_into::<leptos::web_sys::HtmlElement>() {
                    let _ = button.focus();
                }
            }
        });
    }
}
