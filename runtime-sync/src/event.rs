//! [`Event`]: a flag that tasks can wait on, like curio's `Event`.
//!
//! # State
//!
//! `set` (an atomic flag, for a lock-free fast path in `wait` and
//! `is_set`) and a mutex-guarded FIFO [`WaitList`] of waiters.
//!
//! # Invariants
//!
//! 1. `set` changes only while the waiter mutex is held, so a waiter that
//!    checks the flag under the mutex and then queues cannot miss a `set`.
//! 2. `set` notifies every queued waiter, oldest first, before releasing the
//!    mutex; a notified waiter completes even if the event is cleared before
//!    it runs (curio: `set` wakes all waiters).
//! 3. Wakers are woken after the mutex is released.

#![deny(unsafe_code)]

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::hook::{self, state};
use crate::loom::atomic::{AtomicBool, Ordering};
use crate::loom::Mutex;
use crate::waiters::{Key, WaitList, WakeList};

/// An event flag: `set` wakes every task waiting on it.
///
/// # Examples
///
/// ```
/// use runtime_sync::Event;
/// # futures::executor::block_on(async {
/// let ev = Event::new();
/// assert!(!ev.is_set());
/// ev.set();
/// ev.wait().await; // returns at once: the event is set
/// ev.clear();
/// assert!(!ev.is_set());
/// # });
/// ```
///
/// # Cancel safety
///
/// A dropped [`Wait`] simply leaves the waiter list; every other waiter is
/// still woken by `set`.
///
/// # Memory ordering
///
/// Everything before `set` happens-before a `wait` that observes it returns.
pub struct Event {
    /// Whether the event is set; written only under `waiters` (rule 1).
    set: AtomicBool,
    /// Tasks waiting for `set`, oldest first.
    waiters: Mutex<WaitList<()>>,
}

impl Default for Event {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("set", &self.is_set())
            .finish()
    }
}

impl Event {
    /// Creates an event that is not set.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!runtime_sync::Event::new().is_set());
    /// ```
    pub fn new() -> Self {
        Self {
            set: AtomicBool::new(false),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// Whether the event is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let ev = runtime_sync::Event::new();
    /// ev.set();
    /// assert!(ev.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        // ORDERING: Acquire; pairs with the Release store in `set`.
        self.set.load(Ordering::Acquire)
    }

    /// Sets the event and wakes every waiter, oldest first. Idempotent.
    ///
    /// # Examples
    ///
    /// ```
    /// let ev = runtime_sync::Event::new();
    /// ev.set();
    /// ev.set();
    /// assert!(ev.is_set());
    /// ```
    pub fn set(&self) {
        let mut wake = WakeList::new();
        {
            let mut w = self.waiters.lock();
            // ORDERING: Release; pairs with the Acquire loads in `is_set` and
            // the fast path of `Wait::poll` (rule 1: under the mutex).
            self.set.store(true, Ordering::Release);
            while let Ok(n) = w.notify_front(None) {
                wake.push(n.waker);
            }
        }
        wake.wake_all();
    }

    /// Clears the event; later `wait`s block until the next `set`.
    ///
    /// # Examples
    ///
    /// ```
    /// let ev = runtime_sync::Event::new();
    /// ev.set();
    /// ev.clear();
    /// assert!(!ev.is_set());
    /// ```
    pub fn clear(&self) {
        let _w = self.waiters.lock();
        // ORDERING: Relaxed; under the waiter mutex (rule 1), which orders it
        // against `set` and against waiters queueing.
        self.set.store(false, Ordering::Relaxed);
    }

    /// Waits until the event is set; returns at once if it already is.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let ev = Arc::new(runtime_sync::Event::new());
    /// let setter = { let ev = ev.clone(); std::thread::spawn(move || ev.set()) };
    /// futures::executor::block_on(ev.wait());
    /// setter.join().unwrap();
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: see the type's docs.
    #[track_caller]
    pub fn wait(&self) -> Wait<'_> {
        self.wait_as(state::EVENT_WAIT, Location::caller())
    }

    /// Builds a [`Wait`] reporting `state` (used by `UniversalEvent`).
    pub(crate) fn wait_as(
        &self,
        state: &'static str,
        location: &'static Location<'static>,
    ) -> Wait<'_> {
        Wait {
            event: self,
            key: None,
            done: false,
            state,
            location,
        }
    }
}

/// The future returned by [`Event::wait`].
///
/// # Cancel safety
///
/// Dropping it takes nothing from other waiters.
#[must_use = "futures do nothing unless polled"]
pub struct Wait<'a> {
    /// The event.
    event: &'a Event,
    /// The waiter slot, once queued.
    key: Option<Key>,
    /// Whether the future has completed.
    done: bool,
    /// The state name reported while waiting.
    state: &'static str,
    /// Where the user called `wait`.
    location: &'static Location<'static>,
}

impl fmt::Debug for Wait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("queued", &self.key.is_some())
            .finish()
    }
}

impl Future for Wait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(());
        }
        match this.key {
            None => {
                ready!(hook::poll_proceed(cx));
                if this.event.is_set() {
                    this.done = true;
                    return Poll::Ready(());
                }
                let mut w = this.event.waiters.lock();
                // ORDERING: Relaxed; under the mutex that `set` stores under (rule 1).
                if this.event.set.load(Ordering::Relaxed) {
                    this.done = true;
                    return Poll::Ready(());
                }
                this.key = Some(w.push_back(cx.waker().clone(), None, 1));
            }
            Some(key) => {
                let mut w = this.event.waiters.lock();
                if w.take_notified(key, cx.waker()).is_some() {
                    this.key = None;
                    this.done = true;
                    return Poll::Ready(());
                }
            }
        }
        hook::waiting(this.state, this.location);
        Poll::Pending
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            // A broadcast wake-up has nothing to pass on (rule 2).
            let _ = self.event.waiters.lock().remove(key);
        }
    }
}

#[cfg(test)]
mod tests;
