//! Parking a worker thread until it is given work.
//!
//! The classic three-state parker: `unpark` before `park` is remembered, so
//! a wake-up between "found no work" and "went to sleep" is never lost. A
//! fourth state, `PARKED_DRIVER`, means the owner sleeps in the I/O driver
//! (`driver.rs`) instead of on the condition variable; `unpark` then wakes
//! the driver.
//!
//! # Rules
//!
//! 1. Only the owner moves the state out of `NOTIFIED` (by consuming it) and
//!    into `PARKED` or `PARKED_DRIVER`; `unpark` only swaps in `NOTIFIED`,
//!    and wakes whatever the state it replaced says the owner sleeps on.
//! 2. In the driver, the owner leaves `PARKED_DRIVER` with a swap, so an
//!    `unpark` that raced with the driver's return is consumed there and
//!    not remembered for the next park.
//! 3. The driver checks `still_parked` after it holds the poll and before
//!    it blocks: an `unpark` whose driver wake-up went to another thread
//!    (the previous holder) has set `NOTIFIED` before that wake-up, so the
//!    check sees it.

use super::IoDriver;
use crate::loom::{AtomicUsize, Condvar, Mutex};
use std::sync::atomic::Ordering::SeqCst;

/// Nobody parked, no pending unpark.
const EMPTY: usize = 0;
/// The owner is parked (or about to block on the condvar).
const PARKED: usize = 1;
/// An unpark is pending; the next `park` returns at once.
const NOTIFIED: usize = 2;
/// The owner sleeps in the I/O driver (or is about to).
const PARKED_DRIVER: usize = 3;

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
    /// earlier). With a driver, the owner sleeps in it if no other thread
    /// turns it, and then also returns when the driver dispatched events
    /// (the tasks they woke are queued on the owner). Only the owning thread
    /// calls this.
    pub(crate) fn park(&self, driver: Option<&dyn IoDriver>) {
        // ORDERING: SeqCst; pairs with the swap in `unpark` (all the
        // parker's accesses are SeqCst, so their order is total).
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        if let Some(driver) = driver {
            match self
                .state
                .compare_exchange(EMPTY, PARKED_DRIVER, SeqCst, SeqCst)
            {
                Ok(_) => {}
                Err(NOTIFIED) => {
                    self.state.store(EMPTY, SeqCst);
                    return;
                }
                Err(actual) => unreachable!("parker in state {actual} while parking"),
            }
            // Rule 3.
            let drove = driver.park(&|| self.state.load(SeqCst) == PARKED_DRIVER);
            // Rule 2.
            if self.state.swap(EMPTY, SeqCst) == NOTIFIED || drove {
                return;
            }
            // Another thread turns the driver: sleep on the condvar.
        }
        self.park_condvar();
    }

    /// Blocks on the condition variable until unparked.
    fn park_condvar(&self) {
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

    /// Wakes the owner, or makes its next `park` return at once. `driver`
    /// is the one the owner parks in, if any.
    pub(crate) fn unpark(&self, driver: Option<&dyn IoDriver>) {
        // ORDERING: SeqCst; see `park`.
        match self.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED_DRIVER => {
                if let Some(driver) = driver {
                    driver.unpark();
                }
            }
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
