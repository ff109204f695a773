//! A timer entry: one slot of the wheel owned by one future (a `Sleep`, a
//! timeout scope, an `Interval`).
//!
//! The entry is registered lazily, on the first poll that finds its
//! deadline ahead, so a timer that completes at once never touches the
//! driver. Dropping it removes it from the wheel in O(1).

use super::driver::Driver;
use super::wheel::Key;
use crate::loom::Arc;
use crate::runtime::Handle;
use std::task::{Context, Poll};
use std::time::Instant;

/// A deadline, and its place in the driver's wheel once armed.
pub(crate) struct TimerEntry {
    /// The instant the entry is due at.
    deadline: Instant,
    /// The driver, once known (from the creating or the first polling
    /// thread's runtime).
    driver: Option<Arc<Driver>>,
    /// The entry's slot in the wheel, once armed.
    key: Option<Key>,
    /// Whether the deadline was reached.
    elapsed: bool,
}

impl TimerEntry {
    /// An entry due at `deadline`, bound to the current runtime if there is
    /// one (else it binds on its first poll).
    pub(crate) fn new(deadline: Instant) -> TimerEntry {
        TimerEntry {
            deadline,
            driver: Handle::try_current().map(|h| Driver::of(h.shared()).clone()),
            key: None,
            elapsed: false,
        }
    }

    /// The deadline.
    pub(crate) fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has been reached (checks the clock).
    pub(crate) fn is_elapsed(&mut self) -> bool {
        self.elapsed || self.is_elapsed_at(Instant::now())
    }

    /// Whether the deadline has been reached by `now` (the caller's fresh
    /// clock reading; saves reading the clock twice in one poll).
    pub(crate) fn is_elapsed_at(&mut self, now: Instant) -> bool {
        if !self.elapsed && now >= self.deadline {
            self.elapsed = true;
        }
        self.elapsed
    }

    /// Moves the deadline; the entry is re-armed on its next poll.
    pub(crate) fn reset(&mut self, deadline: Instant) {
        self.deadline = deadline;
        self.elapsed = false;
        if let (Some(driver), Some(key)) = (&self.driver, self.key.take()) {
            driver.lock().wheel.remove(key);
        }
    }

    /// Ready once the deadline is reached; otherwise makes sure the wheel
    /// will wake `cx`'s task at the deadline.
    ///
    /// # Panics
    ///
    /// Panics outside a curio runtime.
    pub(crate) fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.poll_elapsed_at(cx, Instant::now())
    }

    /// [`poll_elapsed`](TimerEntry::poll_elapsed) with the caller's clock
    /// reading `now`.
    pub(crate) fn poll_elapsed_at(&mut self, cx: &mut Context<'_>, now: Instant) -> Poll<()> {
        if self.is_elapsed_at(now) {
            return Poll::Ready(());
        }
        let driver = self.driver.get_or_insert_with(|| {
            let handle = Handle::try_current().expect(
                "curio timers (sleep, timeout_after, interval...) must be polled \
                 inside a curio runtime",
            );
            Driver::of(handle.shared()).clone()
        });
        let mut state = driver.lock();
        match self.key {
            Some(key) if state.wheel.is_fired(key) => {
                drop(state);
                debug_assert!(Instant::now() >= self.deadline, "a timer fired early");
                self.elapsed = true;
                Poll::Ready(())
            }
            Some(key) => {
                state.wheel.update_waker(key, cx.waker());
                Poll::Pending
            }
            None => {
                let key = state.wheel.reserve();
                self.key = Some(key);
                if driver.arm(&mut state, key, self.deadline, cx.waker().clone()) {
                    Poll::Pending
                } else {
                    drop(state);
                    self.elapsed = true;
                    Poll::Ready(())
                }
            }
        }
    }

    /// Removes the entry from the wheel (it may be polled again later, and
    /// is then re-armed).
    pub(crate) fn disarm(&mut self) {
        if let (Some(driver), Some(key)) = (&self.driver, self.key.take()) {
            driver.lock().wheel.remove(key);
        }
    }
}

impl Drop for TimerEntry {
    fn drop(&mut self) {
        self.disarm();
    }
}
