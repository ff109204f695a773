//! The cooperative budget: a task that keeps finding work ready is made to
//! yield after a bounded number of operations, so one hot task cannot
//! starve the others on its worker.
//!
//! The budget is per thread. Whoever polls a task refills it for the poll
//! ([`enter`]): the worker's run loop, the `block_on` thread and the
//! blocking pool's threads; the task harness knows nothing of it.
//! Operations that could complete without waiting (a ready socket, a full
//! queue) call [`poll_proceed`] first; outside a task the budget is
//! unlimited.
//!
//! This module is a leaf: it names no other module of the crate, so the
//! task module (`Task<T>`'s join, `yield_now`) and the scheduler both use it
//! without pointing at each other. Its public face is
//! `curio::scheduler::coop`.
//!
//! # Examples
//!
//! ```
//! curio::run(async {
//!     // A loop whose awaits are always ready still lets other tasks run:
//!     // each task::consume_budget() spends the budget, then yields.
//!     let other = curio::spawn(async { "ran meanwhile" });
//!     for _ in 0..1_000 {
//!         curio::task::consume_budget().await;
//!     }
//!     assert_eq!(other.await.unwrap(), "ran meanwhile");
//! });
//! ```

use std::cell::Cell;
use std::task::{Context, Poll};

/// Operations a task may complete in one poll before it must yield.
#[cfg(not(all(test, curio_loom)))]
const BUDGET: u8 = 128;
/// Operations a task may complete in one poll (small under loom).
#[cfg(all(test, curio_loom))]
const BUDGET: u8 = 8;

/// The value meaning "no budget applies" (not inside a task).
const UNCONSTRAINED: u8 = u8::MAX;

thread_local! {
    /// The budget left to the task being polled on this thread.
    static LEFT: Cell<u8> = const { Cell::new(UNCONSTRAINED) };
}

/// Refills the budget; called as a task's poll begins.
pub(crate) fn reset() {
    LEFT.with(|l| l.set(BUDGET));
}

/// Lifts the budget; called when a task's poll ends.
pub(crate) fn unconstrain() {
    LEFT.with(|l| l.set(UNCONSTRAINED));
}

/// Refills the budget for the task about to be polled on this thread; the
/// guard lifts it again when dropped, after the poll.
pub(crate) fn enter() -> BudgetGuard {
    reset();
    BudgetGuard(())
}

/// Keeps this thread's budget in force for one poll (see [`enter`]).
pub(crate) struct BudgetGuard(());

impl Drop for BudgetGuard {
    fn drop(&mut self) {
        unconstrain();
    }
}

/// Spends one unit of the current task's budget.
///
/// Returns `Ready(())` when the operation may go on, and `Pending` (having
/// woken the task, so it runs again after the others) when the budget is
/// spent. An operation that gets `Pending` must return `Pending` without
/// having done anything.
///
/// # Examples
///
/// ```
/// use curio::scheduler::coop::poll_proceed;
/// use std::future::Future;
/// use std::pin::Pin;
/// use std::task::{Context, Poll};
///
/// /// An operation that is always ready, but spends the budget like one that waits.
/// struct AlwaysReady;
/// impl Future for AlwaysReady {
///     type Output = ();
///     fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
///         std::task::ready!(poll_proceed(cx));
///         Poll::Ready(())
///     }
/// }
/// curio::run(async {
///     for _ in 0..1_000 {
///         AlwaysReady.await; // yields every so often
///     }
/// });
/// ```
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    LEFT.with(|l| match l.get() {
        UNCONSTRAINED => Poll::Ready(()),
        0 => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        n => {
            l.set(n - 1);
            Poll::Ready(())
        }
    })
}

/// Gives back the unit the last [`poll_proceed`] spent, for an operation
/// that then found nothing ready and returned `Pending`: waiting costs no
/// budget, so a task that polls many idle sources in one poll does not
/// spend its budget, wake itself and spin.
///
/// # Examples
///
/// ```
/// use curio::scheduler::coop;
/// use std::task::{Context, Poll};
///
/// fn poll_op(cx: &mut Context<'_>, ready: bool) -> Poll<()> {
///     if coop::poll_proceed(cx).is_pending() {
///         return Poll::Pending;
///     }
///     if ready {
///         Poll::Ready(())
///     } else {
///         coop::refund();
///         Poll::Pending
///     }
/// }
/// # curio::run(async {
/// #     std::future::poll_fn(|cx| poll_op(cx, true)).await;
/// # });
/// ```
pub fn refund() {
    LEFT.with(|l| {
        let n = l.get();
        if n != UNCONSTRAINED && n < BUDGET {
            l.set(n + 1);
        }
    });
}
