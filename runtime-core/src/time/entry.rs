//! A timer entry: one slot of the wheel owned by one future (a `Sleep`, a
//! timeout scope, an `Interval`).
//!
//! The entry is armed lazily: creating it touches neither the clock nor the
//! driver, and it takes a wheel slot only when its owner is about to
//! suspend with the deadline ahead, so a timer that completes without
//! suspending never touches the wheel. Once armed, a re-poll learns whether
//! it fired from the driver's published tick (driver.rs, invariant 3) and
//! takes the lock only if the task's waker changed. Dropping it removes it
//! from the wheel in O(1).

use super::driver::Driver;
use super::wheel::Key;
use crate::loom::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

/// A deadline, and its place in the driver's wheel once armed.
pub(crate) struct TimerEntry {
    /// The instant the entry is due at.
    deadline: Instant,
    /// The driver, once armed (from the first arming thread's runtime).
    driver: Option<Arc<Driver>>,
    /// The deadline's tick on `driver`'s clock, once armed.
    tick: u64,
    /// The entry's slot in the wheel, once armed.
    key: Option<Key>,
    /// A clone of the waker the wheel holds, kept from the entry's second
    /// suspension on: further re-polls with the same waker need not take
    /// the lock.
    waker: Option<Waker>,
    /// Whether the deadline was reached.
    elapsed: bool,
}

impl TimerEntry {
    /// An entry due at `deadline`, not armed.
    pub(crate) fn new(deadline: Instant) -> TimerEntry {
        TimerEntry {
            deadline,
            driver: None,
            tick: 0,
            key: None,
            waker: None,
            elapsed: false,
        }
    }

    /// The deadline.
    pub(crate) fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has been reached (checks the clock).
    pub(crate) fn is_elapsed(&mut self) -> bool {
        self.elapsed || self.is_elapsed_at(super::clock())
    }

    /// Whether the deadline has been reached by `now` (the caller's fresh
    /// clock reading).
    pub(crate) fn is_elapsed_at(&mut self, now: Instant) -> bool {
        if !self.elapsed && now >= self.deadline {
            self.elapsed = true;
        }
        self.elapsed
    }

    /// Whether the deadline is known to have been reached without reading
    /// the clock: the entry was found due, or it is armed and the driver's
    /// published tick has reached the deadline's tick (driver.rs, invariant
    /// 3: that tick never runs ahead of the clock, so this is never early,
    /// and it reaches the deadline's tick before the timer wakes the task).
    /// An entry that is not armed is not known to be due.
    pub(crate) fn fired(&mut self) -> bool {
        if self.elapsed {
            return true;
        }
        let due = match (&self.driver, self.key) {
            (Some(driver), Some(_)) => self.tick <= driver.elapsed(),
            _ => false,
        };
        if due {
            debug_assert!(super::clock() >= self.deadline, "a timer fired early");
            self.elapsed = true;
        }
        due
    }

    /// Moves the deadline; the entry is re-armed on its next poll.
    pub(crate) fn reset(&mut self, deadline: Instant) {
        self.deadline = deadline;
        self.elapsed = false;
        self.disarm();
    }

    /// Ready once the deadline is reached (by the clock when not armed, by
    /// [`fired`](TimerEntry::fired) once armed); otherwise makes sure the
    /// wheel will wake `cx`'s task at the deadline.
    ///
    /// # Panics
    ///
    /// Panics outside a curio runtime.
    pub(crate) fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let due = if self.key.is_some() {
            self.fired()
        } else {
            self.is_elapsed()
        };
        if due {
            return Poll::Ready(());
        }
        self.register(cx)
    }

    /// For an entry whose deadline is not known to have passed: arms it
    /// (or refreshes its waker) so that the wheel wakes `cx`'s task at the
    /// deadline. Ready, instead, if the wheel finds it already due.
    ///
    /// # Panics
    ///
    /// Panics outside a curio runtime.
    pub(crate) fn register(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if let Some(key) = self.key {
            if self.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                return Poll::Pending;
            }
            let driver = self.driver.as_ref().expect("an armed entry has a driver");
            let mut state = driver.lock();
            if state.wheel.is_fired(key) {
                drop(state);
                debug_assert!(super::clock() >= self.deadline, "a timer fired early");
                self.elapsed = true;
                return Poll::Ready(());
            }
            state.wheel.update_waker(key, cx.waker());
            drop(state);
            self.waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let driver = self.driver.get_or_insert_with(Driver::current);
        self.tick = driver.tick_at_or_after(self.deadline);
        let mut state = driver.lock();
        let key = state.wheel.reserve();
        self.key = Some(key);
        if driver.arm(&mut state, key, self.tick, cx.waker().clone()) {
            // The entry keeps no clone yet: many timers are disarmed at the
            // next poll; a second suspension takes the lock once and keeps
            // one then.
            Poll::Pending
        } else {
            drop(state);
            self.elapsed = true;
            Poll::Ready(())
        }
    }

    /// Removes the entry from the wheel (it may be polled again later, and
    /// is then re-armed).
    pub(crate) fn disarm(&mut self) {
        if let (Some(driver), Some(key)) = (&self.driver, self.key.take()) {
            driver.lock().wheel.remove(key);
            self.waker = None;
        }
    }
}

impl Drop for TimerEntry {
    fn drop(&mut self) {
        self.disarm();
    }
}
