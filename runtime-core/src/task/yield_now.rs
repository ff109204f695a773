//! `yield_now`: let the other ready tasks run.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields to the other tasks that are ready to run, like curio's
/// `sleep(0)`: the task goes to the back of its worker's queue.
///
/// It is a suspension point, so a pending cancellation is delivered here.
///
/// # Examples
///
/// ```
/// curio::run(async {
///     for _ in 0..3 {
///         curio::yield_now().await;
///     }
/// });
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future of [`yield_now`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct YieldNow {
    /// Whether the task already went to the back of the queue.
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
