//! Where the user awaits a socket operation, for the monitor's `where`.
//!
//! The public operations are `#[track_caller]` functions that wrap their
//! work in [`Located`], which makes the caller's location this thread's
//! *site* while the work is polled; the reactor reports a wait at that site.
//! The outermost site wins, so an operation built from others (a
//! `SocketStream::readline` that reads the socket) reports the user's line,
//! not curio's.

use std::cell::Cell;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

thread_local! {
    /// The user's location of the socket operation being polled.
    static SITE: Cell<Option<&'static Location<'static>>> = const { Cell::new(None) };
}

/// Wraps `future` so that polls of it report the caller's location.
#[track_caller]
pub(crate) fn located<F: Future>(future: F) -> Located<F> {
    Located {
        at: Location::caller(),
        future,
    }
}

/// The location of the socket operation being polled on this thread.
pub(crate) fn current() -> Option<&'static Location<'static>> {
    SITE.with(Cell::get)
}

pin_project_lite::pin_project! {
    /// A future with the location its operation was called from.
    #[must_use = "futures do nothing unless awaited"]
    pub(crate) struct Located<F> {
        // Where the user called the operation.
        at: &'static Location<'static>,
        // The operation.
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for Located<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let prev = SITE.with(|s| s.replace(Some(s.get().unwrap_or(this.at))));
        /// Restores the site on the way out, panics included.
        struct Restore(Option<&'static Location<'static>>);
        impl Drop for Restore {
            fn drop(&mut self) {
                SITE.with(|s| s.set(self.0));
            }
        }
        let _restore = Restore(prev);
        this.future.poll(cx)
    }
}
