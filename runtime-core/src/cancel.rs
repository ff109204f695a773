//! Cancellation control: `disable_cancellation`, `check_cancellation`, and
//! the per-poll stack of open scopes that timeouts consult.
//!
//! # State
//!
//! - The task header's `shield` counts the task's open
//!   `disable_cancellation` scopes (written only by the task itself, while
//!   it runs: task/mod.rs rule 5 reads it when the task suspends).
//! - A thread-local *scope stack* holds one frame per cancellation scope
//!   (`disable_cancellation` or a timeout) whose `poll` is on the call stack
//!   right now, tagged with the task being polled. Since Rust futures nest
//!   lexically, the frames under a scope's own are exactly the scopes that
//!   enclose it.
//!
//! # Rules
//!
//! 1. A shield opens on the first poll of its `DisableCancellation` and
//!    closes when the inner future completes or is dropped.
//! 2. A timeout scope is *deferred* while the task has a shield open that
//!    does not enclose the scope (`shield > shields below its frame`): a
//!    shield defers the timeouts around it, not the ones set inside it.
//! 3. A cancel request disarms the timeouts that would be delivered with it:
//!    once the task is cancelled, a scope with no shield around it never
//!    fires (curio: "cancel kills the pending timeout"). Timeouts set inside
//!    a shield (e.g. to bound cleanup) keep working.
//! 4. Outermost wins: a scope whose deadline has passed does not fire while
//!    an enclosing scope's deadline has also passed and is not deferred; it
//!    suspends and the enclosing scope fires.

#![deny(unsafe_code)]

#[cfg(all(test, curio_loom))]
mod loom_tests;

use crate::task::raw::{with_current, Header};
use crate::task::{TaskId, TaskRef};
use pin_project_lite::pin_project;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::Relaxed;
use std::task::{Context, Poll};
use std::time::Instant;

/// One open scope on the scope stack.
#[derive(Clone, Copy, Debug)]
enum Frame {
    /// A `disable_cancellation` scope.
    Shield,
    /// A timeout scope due at `deadline`, with `shields` shield frames of
    /// its task below it.
    Deadline {
        /// When it expires.
        deadline: Instant,
        /// Shields enclosing it.
        shields: u32,
    },
}

thread_local! {
    /// The scopes being polled on this thread, innermost last.
    static SCOPES: RefCell<Vec<(TaskId, Frame)>> = const { RefCell::new(Vec::new()) };
}

/// Pops the frame it pushed (also when the inner poll panics).
pub(crate) struct FrameGuard(());

impl Drop for FrameGuard {
    fn drop(&mut self) {
        SCOPES.with(|s| s.borrow_mut().pop());
    }
}

/// Pushes a frame for `task` for the duration of an inner poll.
fn push(task: TaskId, frame: Frame) -> FrameGuard {
    SCOPES.with(|s| s.borrow_mut().push((task, frame)));
    FrameGuard(())
}

/// The shield frames of `task` on the stack.
fn enclosing_shields(task: TaskId) -> u32 {
    SCOPES.with(|s| {
        s.borrow()
            .iter()
            .filter(|(t, f)| *t == task && matches!(f, Frame::Shield))
            .count() as u32
    })
}

/// The facts about the current task that decide whether a timeout may fire.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TaskView {
    /// The task.
    pub(crate) id: TaskId,
    /// Its open shields.
    shield: u32,
    /// Whether a cancel request was made.
    cancelled: bool,
}

impl TaskView {
    /// Reads the current task, if any.
    pub(crate) fn current() -> Option<TaskView> {
        with_current(|h| h.map(TaskView::of))
    }

    /// Reads `header`.
    fn of(header: &Header) -> TaskView {
        TaskView {
            id: header.id,
            // ORDERING: Relaxed; written only by this task (rule 1).
            shield: header.shield.load(Relaxed),
            cancelled: header.is_cancel_requested(),
        }
    }

    /// Whether a scope with `shields` shields around it may fire now
    /// (rules 2 and 3).
    fn may_fire(&self, shields: u32) -> bool {
        self.shield == shields && !(self.cancelled && shields == 0)
    }
}

/// A timeout scope's view of the stack while it is polled.
pub(crate) struct DeadlineScope {
    /// The task.
    task: TaskView,
    /// Shields around the scope.
    shields: u32,
}

impl DeadlineScope {
    /// Looks at the current task and the scopes around the caller.
    ///
    /// # Panics
    ///
    /// Panics outside a curio task.
    pub(crate) fn enter() -> DeadlineScope {
        let task = TaskView::current()
            .expect("curio timeouts (timeout_after, ignore_after...) must run inside a curio task");
        DeadlineScope {
            task,
            shields: enclosing_shields(task.id),
        }
    }

    /// Re-reads the task (after an inner poll may have changed it).
    pub(crate) fn refresh(&mut self) {
        if let Some(t) = TaskView::current() {
            self.task = t;
        }
    }

    /// Whether this scope, expired, may fire: not deferred, not disarmed,
    /// and no enclosing expired scope takes precedence (rules 2-4).
    pub(crate) fn may_fire(&self, now: Instant) -> bool {
        self.task.may_fire(self.shields) && !self.outer_fires(now)
    }

    /// Whether an enclosing scope of this task has expired by `now` and may
    /// fire (rule 4).
    fn outer_fires(&self, now: Instant) -> bool {
        SCOPES.with(|s| {
            s.borrow().iter().any(|(t, f)| {
                *t == self.task.id
                    && matches!(f, Frame::Deadline { deadline, shields }
                        if *deadline <= now && self.task.may_fire(*shields))
            })
        })
    }

    /// Pushes this scope's frame for the inner poll.
    pub(crate) fn push(&self, deadline: Instant) -> FrameGuard {
        push(
            self.task.id,
            Frame::Deadline {
                deadline,
                shields: self.shields,
            },
        )
    }
}

/// Runs `future` with cancellation and timeouts of the enclosing task
/// deferred (curio's `disable_cancellation`).
///
/// A cancel request, or the expiry of a timeout set around this call, that
/// arrives while `future` runs takes effect at the first suspension after
/// it completes. Use [`check_cancellation`] inside to notice the request and
/// wind down. Timeouts set *inside* `future` work as usual, so cleanup can
/// bound its own waits. Scopes nest; the task is cancellable again when the
/// outermost ends.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// curio::run(async {
///     let mut kid = curio::spawn(curio::disable_cancellation(async {
///         while !curio::check_cancellation() {
///             curio::sleep(Duration::from_millis(1)).await;
///         }
///         "saved my work"
///     }));
///     curio::sleep(Duration::from_millis(5)).await;
///     kid.cancel().await;
///     // The shielded future finished; the task returned before suspending again.
///     assert_eq!(kid.await.unwrap(), "saved my work");
/// });
/// ```
///
/// # Cancel safety
///
/// If the future is dropped (for instance by a timeout set inside it), the
/// shield closes at once.
pub fn disable_cancellation<F: Future>(future: F) -> DisableCancellation<F> {
    DisableCancellation { future, task: None }
}

pin_project! {
    /// The future of [`disable_cancellation`].
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::DisableCancellation;
    /// use std::future::Ready;
    /// # curio::run(async {
    /// let shielded: DisableCancellation<Ready<u8>> = curio::disable_cancellation(std::future::ready(5));
    /// assert_eq!(shielded.await, 5);
    /// # });
    /// ```
    #[must_use = "futures do nothing unless awaited"]
    pub struct DisableCancellation<F> {
        // The shielded future.
        #[pin]
        future: F,
        // The task whose shield this scope holds open (rule 1), referenced
        // so that the scope can close it from wherever it ends.
        task: Option<TaskRef>,
    }

    impl<F> PinnedDrop for DisableCancellation<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            close(this.task);
        }
    }
}

/// Closes the shield held for `task`, if any (rule 1), whichever task or
/// thread the scope ends on.
fn close(task: &mut Option<TaskRef>) {
    if let Some(task) = task.take() {
        crate::task::close_shield(task);
    }
}

impl<F: Future> Future for DisableCancellation<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        if this.task.is_none() {
            *this.task = crate::task::current_ref();
            if let Some(task) = this.task.as_ref() {
                crate::task::open_shield(task);
            }
        }
        let id = this.task.as_ref().map(|t| t.id());
        let res = {
            let _frame = id.map(|id| push(id, Frame::Shield));
            this.future.poll(cx)
        };
        if res.is_ready() {
            close(this.task);
        }
        res
    }
}

impl<F> std::fmt::Debug for DisableCancellation<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DisableCancellation")
            .field("open", &self.task.is_some())
            .finish()
    }
}

/// Whether a cancellation of the current task, or the expiry of a timeout
/// around the caller, is pending (curio's `check_cancellation`).
///
/// Inside [`disable_cancellation`] this is how a task learns that it should
/// wind down; the request is delivered when the shield ends. Outside a task
/// it returns `false`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// curio::run(async {
///     assert!(!curio::check_cancellation());
///     let r = curio::timeout_after(Duration::from_millis(5), curio::disable_cancellation(async {
///         while !curio::check_cancellation() {
///             curio::sleep(Duration::from_millis(1)).await;
///         }
///         "noticed"
///     }))
///     .await;
///     // The shielded block saw the expiry and finished: that is not an error.
///     assert_eq!(r, Ok("noticed"));
/// });
/// ```
pub fn check_cancellation() -> bool {
    with_current(|h| {
        let Some(h) = h else { return false };
        if h.is_cancel_requested() {
            return true;
        }
        SCOPES.with(|s| {
            let s = s.borrow();
            let mut mine = s.iter().filter(|(t, _)| *t == h.id).peekable();
            if mine.peek().is_none() {
                return false;
            }
            let now = crate::time::clock();
            mine.any(|(_, f)| matches!(f, Frame::Deadline { deadline, .. } if *deadline <= now))
        })
    })
}
