//! Which runtime the current thread belongs to.
//!
//! Threads that belong to a runtime are *entered* into it here: its worker
//! threads (for their run loop; the scheduler's own worker context knows
//! only the scheduler core), blocking-pool threads, `spawn_thread` threads
//! and the thread shutting a runtime down, so that `Handle::current` and
//! `curio::spawn` work there.

use super::Handle;
use std::cell::RefCell;

thread_local! {
    /// The runtime this thread is entered into.
    static ENTERED: RefCell<Option<Handle>> = const { RefCell::new(None) };
}

/// The handle of the runtime this thread belongs to, if any.
pub(crate) fn current() -> Option<Handle> {
    ENTERED.with(|e| e.borrow().clone())
}

/// Calls `f` with the handle of the runtime this thread belongs to, if
/// any, without cloning it.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Handle>) -> R) -> R {
    ENTERED.with(|e| f(e.borrow().as_ref()))
}

/// Whether this thread is a worker thread of some runtime.
pub(crate) fn on_worker() -> bool {
    crate::scheduler::worker::with_worker(|cx| cx.is_some())
}

/// Keeps a thread entered into a runtime; restores the previous one on
/// drop.
pub(crate) struct EnterGuard {
    /// The runtime entered before.
    prev: Option<Handle>,
}

/// Enters this thread into `handle`'s runtime.
pub(crate) fn enter(handle: Handle) -> EnterGuard {
    EnterGuard {
        prev: ENTERED.with(|e| e.borrow_mut().replace(handle)),
    }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let prev = self.prev.take();
        ENTERED.with(|e| *e.borrow_mut() = prev);
    }
}
