//! [`Event`]: a flag that tasks can wait on, like curio's `Event`.
//!
//! # Examples
//!
//! ```
//! use curio::sync::Event;
//! use std::sync::Arc;
//! # curio::run(async {
//! let ready = Arc::new(Event::new());
//! let r = ready.clone();
//! let kid = curio::spawn(async move {
//!     r.wait().await;
//!     "saw it"
//! });
//! ready.set();
//! assert_eq!(kid.await.unwrap(), "saw it");
//! # });
//! ```
//!
//! # State
//!
//! `set` (an atomic flag, for a lock-free fast path in `wait` and
//! `is_set`), `generation` (how many `set`s found waiters), and a
//! mutex-guarded FIFO `WaitList` of waiters.
//!
//! # Invariants
//!
//! 1. `set` and `generation` change only while the waiter mutex is held, so
//!    a waiter that checks the flag under the mutex and then queues cannot
//!    miss a `set`.
//! 2. A `set` that finds waiters wakes them all, oldest first, frees their
//!    slots (`WaitList::drain_free`) and bumps `generation`, in one
//!    critical section. A waiter remembers the generation it queued in; once
//!    it differs, the waiter is released and its key is dead: it completes
//!    (even if the event was cleared meanwhile, as in curio) and never
//!    touches the slot again. Re-polls after a `set` thus take no lock.
//! 3. Wakers are woken after the mutex is released.

#![deny(unsafe_code)]

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::hook::{self, state};
use crate::loom::atomic::{AtomicBool, AtomicUsize, Ordering};
use crate::loom::Mutex;
use crate::waiters::{Key, WaitList, WakeList};

/// An event flag: `set` wakes every task waiting on it.
///
/// # Examples
///
/// ```
/// use curio::sync::Event;
/// # curio::run(async {
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
    /// Bumped by each `set` that released waiters; written only under `waiters` (rule 2).
    generation: AtomicUsize,
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
    /// assert!(!curio::sync::Event::new().is_set());
    /// ```
    pub fn new() -> Self {
        Self {
            set: AtomicBool::new(false),
            generation: AtomicUsize::new(0),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// Whether the event is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let ev = curio::sync::Event::new();
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
    /// let ev = curio::sync::Event::new();
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
            if !w.is_empty() {
                // ORDERING: Release; pairs with the Acquire load in
                // `Wait::poll`, so a waiter that sees the new generation also
                // sees everything before this `set` (rule 2).
                self.generation.fetch_add(1, Ordering::Release);
                wake.reserve(w.len());
                w.drain_free(&mut wake);
            }
        }
        wake.wake_all();
    }

    /// Clears the event; later `wait`s block until the next `set`.
    ///
    /// # Examples
    ///
    /// ```
    /// let ev = curio::sync::Event::new();
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
    /// let ev = Arc::new(curio::sync::Event::new());
    /// let setter = { let ev = ev.clone(); std::thread::spawn(move || ev.set()) };
    /// curio::run(ev.wait());
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
            generation: 0,
            done: false,
            state,
            location,
        }
    }
}

/// The future returned by [`Event::wait`].
///
/// # Examples
///
/// ```
/// use curio::sync::{event::Wait, Event};
/// # curio::run(async {
/// let ev = Event::new();
/// ev.set();
/// let wait: Wait<'_> = ev.wait();
/// wait.await;
/// # });
/// ```
///
/// # Cancel safety
///
/// Dropping it takes nothing from other waiters.
#[must_use = "futures do nothing unless polled"]
pub struct Wait<'a> {
    /// The event.
    event: &'a Event,
    /// The waiter slot, once queued; dead once `generation` moves on (rule 2).
    key: Option<Key>,
    /// The event's generation when this waiter queued.
    generation: usize,
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
                // ORDERING: Relaxed; under the mutex that `set` bumps it under (rule 1).
                this.generation = this.event.generation.load(Ordering::Relaxed);
                this.key = Some(w.push_back(cx.waker().clone(), None, 1));
            }
            Some(key) => {
                // ORDERING: Acquire; pairs with the Release bump in `set`.
                if this.event.generation.load(Ordering::Acquire) != this.generation {
                    this.key = None;
                    this.done = true;
                    return Poll::Ready(());
                }
                let mut w = this.event.waiters.lock();
                // ORDERING: Relaxed; under the mutex, which orders it after any bump.
                if this.event.generation.load(Ordering::Relaxed) != this.generation {
                    this.key = None;
                    this.done = true;
                    return Poll::Ready(());
                }
                // Still queued: this only refreshes the stored waker.
                let _ = w.take_notified(key, cx.waker());
            }
        }
        hook::waiting(this.state, this.location);
        Poll::Pending
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let mut w = self.event.waiters.lock();
            // ORDERING: Relaxed; under the mutex (rule 1). A moved-on
            // generation means `set` already freed the slot (rule 2), and a
            // broadcast wake-up has nothing to pass on.
            if self.event.generation.load(Ordering::Relaxed) == self.generation {
                let _ = w.remove(key);
            }
        }
    }
}

#[cfg(test)]
mod tests;
