//! The hook a runtime implements so that primitives can report what a task
//! waits on and honour a cooperative budget.
//!
//! The crate depends on no runtime; a runtime (curio's `runtime-core`)
//! installs one process-wide [`RuntimeHooks`] with [`install`]. With none
//! installed, each call below is one atomic load and nothing else.
//!
//! # Examples
//!
//! ```
//! use curio::sync::hook::RuntimeHooks;
//! use std::panic::Location;
//! use std::task::{Context, Poll};
//!
//! /// Hooks for a runtime without a monitor or a budget.
//! struct Plain;
//! impl RuntimeHooks for Plain {
//!     fn waiting(&self, _state: &'static str, _at: &'static Location<'static>) {}
//!     fn poll_proceed(&self, _cx: &mut Context<'_>) -> Poll<()> {
//!         Poll::Ready(())
//!     }
//! }
//! static PLAIN: Plain = Plain;
//! // A runtime installs its hooks once, when it starts (curio's runtime
//! // does so itself); none were installed yet in this program.
//! assert!(curio::sync::hook::install(&PLAIN));
//! ```

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
/// use curio::sync::hook::{install, RuntimeHooks};
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
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::sync::hook::RuntimeHooks;
    /// use std::panic::Location;
    /// use std::sync::Mutex;
    /// use std::task::{Context, Poll};
    ///
    /// /// Records the state names of the waits it is told about.
    /// struct Record(Mutex<Vec<&'static str>>);
    /// impl RuntimeHooks for Record {
    ///     fn waiting(&self, state: &'static str, _at: &'static Location<'static>) {
    ///         self.0.lock().unwrap().push(state);
    ///     }
    ///     fn poll_proceed(&self, _cx: &mut Context<'_>) -> Poll<()> {
    ///         Poll::Ready(())
    ///     }
    /// }
    /// let hooks = Record(Mutex::new(Vec::new()));
    /// hooks.waiting("EVENT_WAIT", Location::caller());
    /// assert_eq!(*hooks.0.lock().unwrap(), ["EVENT_WAIT"]);
    /// ```
    fn waiting(&self, state: &'static str, location: &'static Location<'static>);
    /// Cooperative budget: Ready(()) lets the operation proceed; Pending means the runtime arranged a
    /// wake-up and the operation must return Pending without taking anything.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::sync::hook::RuntimeHooks;
    /// use std::panic::Location;
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use std::sync::Arc;
    /// use std::task::{Context, Poll, Wake, Waker};
    ///
    /// /// A budget of `n` operations, then one forced yield.
    /// struct Budget(AtomicU32);
    /// impl RuntimeHooks for Budget {
    ///     fn waiting(&self, _state: &'static str, _at: &'static Location<'static>) {}
    ///     fn poll_proceed(&self, cx: &mut Context<'_>) -> Poll<()> {
    ///         if self.0.fetch_sub(1, Ordering::Relaxed) > 0 {
    ///             return Poll::Ready(());
    ///         }
    ///         self.0.store(2, Ordering::Relaxed);
    ///         cx.waker().wake_by_ref(); // arrange the wake-up that Pending promises
    ///         Poll::Pending
    ///     }
    /// }
    /// struct Noop;
    /// impl Wake for Noop {
    ///     fn wake(self: Arc<Self>) {}
    /// }
    /// let waker = Waker::from(Arc::new(Noop));
    /// let mut cx = Context::from_waker(&waker);
    /// let budget = Budget(AtomicU32::new(1));
    /// assert!(budget.poll_proceed(&mut cx).is_ready());
    /// assert!(budget.poll_proceed(&mut cx).is_pending());
    /// assert!(budget.poll_proceed(&mut cx).is_ready());
    /// ```
    fn poll_proceed(&self, cx: &mut Context<'_>) -> Poll<()>;
}

/// The process-wide hooks, set at most once.
static HOOKS: OnceLock<&'static dyn RuntimeHooks> = OnceLock::new();

/// Installs the hooks for the whole process; returns false if some were already installed.
///
/// # Examples
///
/// ```
/// use curio::sync::hook::{install, RuntimeHooks};
/// use std::panic::Location;
/// use std::task::{Context, Poll};
///
/// struct Quiet;
/// impl RuntimeHooks for Quiet {
///     fn waiting(&self, _state: &'static str, _at: &'static Location<'static>) {}
///     fn poll_proceed(&self, _cx: &mut Context<'_>) -> Poll<()> {
///         Poll::Ready(())
///     }
/// }
/// static QUIET: Quiet = Quiet;
/// // A curio runtime installs its hooks when it is built, so ours come too late.
/// curio::run(async {});
/// assert!(!install(&QUIET));
/// ```
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
