//! Parking a worker thread until it is given work.
//!
//! The classic three-state parker: `unpark` before `park` is remembered, so
//! a wake-up between "found no work" and "went to sleep" is never lost.

use crate::loom::{AtomicUsize, Condvar, Mutex};
use std::sync::atomic::Ordering::SeqCst;

/// Nobody parked, no pending unpark.
const EMPTY: usize = 0;
/// The owner is parked (or about to block on the condvar).
const PARKED: usize = 1;
/// An unpark is pending; the next `park` returns at once.
const NOTIFIED: usize = 2;

/// A parker for one thread.
pub(crate) struct Parker {
    /// `EMPTY`, `PARKED` or `NOTIFIED`.
    state: AtomicUsize,
    /// Guards the sleep on `condvar`.
    lock: Mutex<()>,
    /// Where the owner sleeps.
    condvar: Condvar,
}

impl Parker {
    /// A parker with no pending unpark.
    pub(crate) fn new() -> Parker {
        Parker {
            state: AtomicUsize::new(EMPTY),
            lock: Mutex::new(()),
            condvar: Condvar::new(),
        }
    }

    /// Blocks until [`Parker::unpark`] is called (or consumes an unpark made
    /// earlier). Only the owning thread calls this.
    pub(crate) fn park(&self) {
        // ORDERING: SeqCst; pairs with the swap in `unpark` (all the
        // parker's accesses are SeqCst, so their order is total).
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        let mut guard = self.lock.lock();
        match self.state.compare_exchange(EMPTY, PARKED, SeqCst, SeqCst) {
            Ok(_) => {}
            Err(NOTIFIED) => {
                self.state.store(EMPTY, SeqCst);
                return;
            }
            Err(actual) => unreachable!("parker in state {actual} while parking"),
        }
        loop {
            guard = self.condvar.wait(guard);
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                return;
            }
        }
    }

    /// Wakes the owner, or makes its next `park` return at once.
    pub(crate) fn unpark(&self) {
        // ORDERING: SeqCst; see `park`.
        match self.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED => {
                // Taking the lock orders this notify after the owner's wait
                // began, so the notify cannot fall between its check and its
                // sleep.
                drop(self.lock.lock());
                self.condvar.notify_one();
            }
            actual => unreachable!("parker in state {actual} while unparking"),
        }
    }
}
