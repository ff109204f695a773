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

/// Spends one unit of the task's cooperative budget, yielding to the other
/// tasks when it is used up.
///
/// curio's own operations (joins, sockets, primitives) do this already; call
/// it in a loop that only does work of its own, so it cannot hold a worker
/// for long. Outside a task it returns at once.
///
/// # Examples
///
/// ```
/// curio::run(async {
///     let mut sum = 0u64;
///     for i in 0..10_000 {
///         sum += i;
///         curio::task::consume_budget().await;
///     }
///     assert_eq!(sum, 49_995_000);
/// });
/// ```
pub fn consume_budget() -> ConsumeBudget {
    ConsumeBudget { _priv: () }
}

/// The future of [`consume_budget`].
///
/// # Examples
///
/// ```
/// use curio::task::ConsumeBudget;
/// curio::run(async {
///     let spend: ConsumeBudget = curio::task::consume_budget();
///     spend.await;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct ConsumeBudget {
    /// Keeps the type opaque.
    _priv: (),
}

impl Future for ConsumeBudget {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        crate::coop::poll_proceed(cx)
    }
}

/// The future of [`yield_now`].
///
/// # Examples
///
/// ```
/// use curio::YieldNow;
/// curio::run(async {
///     let yielding: YieldNow = curio::yield_now();
///     yielding.await;
/// });
/// ```
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
