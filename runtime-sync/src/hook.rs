//! The hook a runtime implements so that primitives can report what a task
//! waits on and honour a cooperative budget.
//!
//! The crate depends on no runtime; a runtime (curio's `runtime-core`)
//! installs one process-wide [`RuntimeHooks`] with [`install`]. With none
//! installed, each call below is one atomic load and nothing else.

#![deny(unsafe_code)]

use std::panic::Location;
use std::sync::OnceLock;
use std::task::{Context, Poll};

/// Implemented by a runtime so that primitives can report waits and honour a cooperative budget.
///
/// Both methods may also be called on threads that run no task: the
/// `_blocking` methods of [`UniversalQueue`](crate::UniversalQueue) and
/// [`UniversalEvent`](crate::UniversalEvent) drive the same futures with a
/// parked thread. There, `waiting` should be ignored and `poll_proceed`
/// should answer `Ready`. `waiting` is not called when a future returns
/// `Pending` because `poll_proceed` refused the budget (that is a yield,
/// not a wait).
///
/// # Examples
///
/// ```
/// use runtime_sync::hook::{install, RuntimeHooks};
/// use std::panic::Location;
/// use std::task::{Context, Poll};
///
/// struct Quiet;
/// impl RuntimeHooks for Quiet {
///     fn waiting(&self, _state: &'static str, _location: &'static Location<'static>) {}
///     fn poll_proceed(&self, _cx: &mut Context<'_>) -> Poll<()> {
///         Poll::Ready(())
///     }
/// }
/// static HOOKS: Quiet = Quiet;
/// assert!(install(&HOOKS));
/// assert!(!install(&HOOKS)); // only the first installation wins
/// ```
pub trait RuntimeHooks: Send + Sync + 'static {
    /// The current task is about to return Pending from a primitive: `state` is curio's state name
    /// ("EVENT_WAIT", "LOCK_ACQUIRE", "SEMA_ACQUIRE", "COND_WAIT", "QUEUE_GET", "QUEUE_PUT", "QUEUE_JOIN",
    /// "FUTURE_WAIT" for Universal*), `location` is where the user called the primitive (`#[track_caller]`).
    fn waiting(&self, state: &'static str, location: &'static Location<'static>);
    /// Cooperative budget: Ready(()) lets the operation proceed; Pending means the runtime arranged a
    /// wake-up and the operation must return Pending without taking anything.
    fn poll_proceed(&self, cx: &mut Context<'_>) -> Poll<()>;
}

/// The process-wide hooks, set at most once.
static HOOKS: OnceLock<&'static dyn RuntimeHooks> = OnceLock::new();

/// Installs the hooks for the whole process; returns false if some were already installed.
///
/// # Examples
///
/// See [`RuntimeHooks`].
pub fn install(hooks: &'static dyn RuntimeHooks) -> bool {
    HOOKS.set(hooks).is_ok()
}

/// Reports that a primitive's future is about to return `Pending`.
#[inline]
pub(crate) fn waiting(state: &'static str, location: &'static Location<'static>) {
    if let Some(h) = HOOKS.get() {
        h.waiting(state, location);
    }
}

/// Asks the runtime's budget whether an operation that could complete at once may proceed.
#[inline]
pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    match HOOKS.get() {
        Some(h) => h.poll_proceed(cx),
        None => Poll::Ready(()),
    }
}

/// State names reported through [`RuntimeHooks::waiting`], curio's words.
pub(crate) mod state {
    /// Waiting on an [`Event`](crate::Event) or a [`Barrier`](crate::Barrier).
    pub(crate) const EVENT_WAIT: &str = "EVENT_WAIT";
    /// Waiting for a [`Lock`](crate::Lock) or an [`RwLock`](crate::RwLock).
    pub(crate) const LOCK_ACQUIRE: &str = "LOCK_ACQUIRE";
    /// Waiting for a semaphore permit.
    pub(crate) const SEMA_ACQUIRE: &str = "SEMA_ACQUIRE";
    /// Waiting on a [`Condition`](crate::Condition).
    pub(crate) const COND_WAIT: &str = "COND_WAIT";
    /// Waiting for an item of an empty queue.
    pub(crate) const QUEUE_GET: &str = "QUEUE_GET";
    /// Waiting for room in a full queue.
    pub(crate) const QUEUE_PUT: &str = "QUEUE_PUT";
    /// Waiting for every item of a queue to be marked done.
    pub(crate) const QUEUE_JOIN: &str = "QUEUE_JOIN";
    /// Waiting on a `Universal*` primitive.
    pub(crate) const FUTURE_WAIT: &str = "FUTURE_WAIT";
}
