//! Every request keeps its own reactive owner, whichever requests share its worker thread.
//!
//! Leptos keeps "the current owner" (the reactive scope that holds a render's context:
//! its `ResponseOptions`, the request's parts, the server context) in a thread-local. In
//! leptos 0.8 a page render makes its root owner current with `Owner::new_root` and never
//! puts the previous one back; when the render awaits data, the next task polled on that
//! tokio worker still finds it current. Anything that then creates an owner as a child of
//! "the current one" (a server function, a static file, another page) reads the other
//! request's context, and writes its headers into the other request's response. That was
//! the rare page without its nonce CSP or Location (see architecture.md).
//!
//! This layer, outermost in the router, saves the thread's current owner before every poll
//! of a request's future (and of its response body), installs the request's own (none at
//! first), and after the poll remembers what the request left current and puts the saved
//! one back. Public API of `reactive_graph` only.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use axum::body::{Body, Bytes, HttpBody};
use http::{Request, Response};
use leptos::reactive::owner::{Owner, WeakOwner};
use tower::{Layer, Service};

/// The owner a request has made current, carried between its polls. Weak, as the
/// thread-local itself holds it: the slot never keeps a finished render's scope alive.
#[derive(Default)]
struct OwnerSlot(Option<WeakOwner>);

/// Makes `owner` the thread's current owner, or leaves none current.
fn install(owner: Option<&Owner>) {
    match owner {
        Some(owner) => owner.set(),
        None => {
            if let Some(current) = Owner::current() {
                current.unset();
            }
        }
    }
}

impl OwnerSlot {
    /// Runs `poll` with this request's owner current, and the thread's own around it.
    fn enter<T>(&mut self, poll: impl FnOnce() -> T) -> T {
        let saved = Owner::current();
        install(self.0.as_ref().and_then(WeakOwner::upgrade).as_ref());
        let outcome = poll();
        self.0 = Owner::current().map(|owner| owner.downgrade());
        install(saved.as_ref());
        outcome
    }
}

/// The layer: wraps the whole router.
#[derive(Clone, Copy, Debug, Default)]
pub struct OwnerScopeLayer;

impl<S> Layer<S> for OwnerScopeLayer {
    type Service = OwnerScope<S>;

    fn layer(&self, inner: S) -> Self::Service {
        OwnerScope { inner }
    }
}

#[derive(Clone, Debug)]
pub struct OwnerScope<S> {
    inner: S,
}

impl<S, B> Service<Request<B>> for OwnerScope<S>
where
    S: Service<Request<B>, Response = Response<Body>>,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = ScopedFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let mut slot = OwnerSlot::default();
        // Even building the future runs code (middleware before its first await).
        let inner = slot.enter(|| Box::pin(self.inner.call(request)));
        ScopedFuture {
            inner,
            slot: Some(slot),
        }
    }
}

/// A request's future, polled under the request's own owner.
pub struct ScopedFuture<F> {
    inner: Pin<Box<F>>,
    /// Moves into the response body once the response is ready.
    slot: Option<OwnerSlot>,
}

impl<F, E> Future for ScopedFuture<F>
where
    F: Future<Output = Result<Response<Body>, E>>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut slot = this.slot.take().unwrap_or_default();
        let polled = slot.enter(|| this.inner.as_mut().poll(cx));
        match polled {
            Poll::Pending => {
                this.slot = Some(slot);
                Poll::Pending
            }
            Poll::Ready(Ok(response)) => {
                let (parts, body) = response.into_parts();
                let body = Body::new(ScopedBody { inner: body, slot });
                Poll::Ready(Ok(Response::from_parts(parts, body)))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
        }
    }
}

/// A response body, polled under its request's owner (a page's HTML may still be rendering
/// while it streams).
struct ScopedBody {
    inner: Body,
    slot: OwnerSlot,
}

impl HttpBody for ScopedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let inner = &mut this.inner;
        this.slot.enter(|| Pin::new(inner).poll_frame(cx))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poll_sees_its_own_owner_and_leaves_the_threads_in_place() {
        let thread_owner = Owner::new();
        thread_owner.set();
        let request_owner = Owner::new();
        let mut slot = OwnerSlot::default();
        slot.enter(|| {
            assert!(Owner::current().is_none(), "a new request starts with none");
            request_owner.set();
        });
        assert_eq!(Owner::current(), Some(thread_owner.clone()));
        slot.enter(|| assert_eq!(Owner::current(), Some(request_owner.clone())));
        assert_eq!(Owner::current(), Some(thread_owner));
    }
}
