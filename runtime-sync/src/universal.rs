//! [`UniversalQueue`] and [`UniversalEvent`]: the bridges between plain
//! threads and tasks, like curio's `Universal*`.
//!
//! Every primitive of this crate is already thread-safe; these two add the
//! `_blocking` methods that park an OS thread, and report `FUTURE_WAIT`
//! while a task waits (curio's state for them). A blocking call drives the
//! very same future a task would await, through `block_on`, so threads
//! and tasks share one FIFO waiter list and one set of guarantees.
//!
//! # Examples
//!
//! ```
//! use curio::sync::UniversalQueue;
//! use std::sync::Arc;
//! # curio::run(async {
//! let q = Arc::new(UniversalQueue::new(0));
//! let q2 = q.clone();
//! // A plain thread puts, a task gets.
//! let producer = std::thread::spawn(move || q2.put_blocking("from a thread"));
//! assert_eq!(q.get().await, "from a thread");
//! producer.join().unwrap();
//! # });
//! ```
//!
//! # Invariants
//!
//! 1. `block_on` parks only after a poll returned `Pending` and re-polls
//!    after every wake-up; the wake flag is set before `unpark`, so a wake
//!    between the poll and the park is not lost.

#![deny(unsafe_code)]

use std::fmt;
use std::future::Future;
use std::panic::Location;

use crate::event::{self, Event};
use crate::hook::state;
use crate::queue::{Fifo, Get, Join, Put, Queue, TaskDoneError};

/// Runs `fut` to completion on the current thread, parking while it waits.
#[cfg(not(all(test, curio_loom)))]
pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    use std::thread::{self, Thread};

    /// Wakes a parked thread.
    struct ThreadWaker {
        /// The thread that runs `block_on`.
        thread: Thread,
        /// Set by `wake`, cleared by the thread before it re-polls (rule 1).
        woken: AtomicBool,
    }

    impl Wake for ThreadWaker {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            // ORDERING: Release; pairs with the Acquire swap in the park loop,
            // so what the waker's caller wrote is visible to the re-poll.
            self.woken.store(true, Ordering::Release);
            self.thread.unpark();
        }
    }

    let mut fut = std::pin::pin!(fut);
    let tw = Arc::new(ThreadWaker {
        thread: thread::current(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(Arc::clone(&tw));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        // ORDERING: Acquire; pairs with the Release store in `wake_by_ref`.
        // Each turn either consumes a wake-up or parks until one comes.
        while !tw.woken.swap(false, Ordering::Acquire) {
            thread::park();
        }
    }
}

/// Under loom, loom's own executor drives the future.
#[cfg(all(test, curio_loom))]
pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
    loom::future::block_on(fut)
}

/// A FIFO queue shared by tasks (`put`/`get`) and plain threads
/// (`put_blocking`/`get_blocking`).
///
/// It has the whole [`Queue`] API (through `Deref`) plus the blocking
/// methods; waits report curio's `FUTURE_WAIT`.
///
/// # Examples
///
/// ```
/// use curio::sync::UniversalQueue;
/// use std::sync::Arc;
/// let q = Arc::new(UniversalQueue::new(2));
/// let producer = { let q = q.clone(); std::thread::spawn(move || {
///     for i in 0..10 { q.put_blocking(i); }
/// }) };
/// let got: Vec<i32> = curio::run(async {
///     let mut v = Vec::new();
///     for _ in 0..10 { v.push(q.get().await); }
///     v
/// });
/// producer.join().unwrap();
/// assert_eq!(got, (0..10).collect::<Vec<_>>());
/// ```
///
/// # Cancel safety
///
/// As [`Queue`]: a cancelled `get` that had been handed an item puts it
/// back at the front; a cancelled `put` puts nothing.
pub struct UniversalQueue<T> {
    /// The queue itself.
    inner: Queue<T>,
}

impl<T> fmt::Debug for UniversalQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UniversalQueue")
            .field("maxsize", &self.inner.maxsize())
            .field("len", &self.inner.len())
            .finish()
    }
}

impl<T> std::ops::Deref for UniversalQueue<T> {
    type Target = Queue<T>;
    fn deref(&self) -> &Queue<T> {
        &self.inner
    }
}

impl<T> UniversalQueue<T> {
    /// Creates a queue holding at most `maxsize` items; 0 means unbounded.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = curio::sync::UniversalQueue::<u8>::new(0);
    /// assert!(q.is_empty() && !q.is_full());
    /// ```
    pub fn new(maxsize: usize) -> Self {
        Self {
            inner: Queue::new(maxsize),
        }
    }

    /// Puts `item` from a task, waiting while the queue is full.
    ///
    /// # Examples
    ///
    /// ```
    /// # curio::run(async {
    /// let q = curio::sync::UniversalQueue::new(0);
    /// q.put(1).await;
    /// assert_eq!(q.get_blocking(), 1);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// See the type's docs.
    #[track_caller]
    pub fn put(&self, item: T) -> Put<'_, T, Fifo<T>> {
        self.inner
            .put_as(item, state::FUTURE_WAIT, Location::caller())
    }

    /// Takes the next item from a task, waiting while the queue is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = curio::sync::UniversalQueue::new(0);
    /// q.put_blocking("x");
    /// assert_eq!(curio::run(q.get()), "x");
    /// ```
    ///
    /// # Cancel safety
    ///
    /// See the type's docs.
    #[track_caller]
    pub fn get(&self) -> Get<'_, T, Fifo<T>> {
        self.inner.get_as(state::FUTURE_WAIT, Location::caller())
    }

    /// Waits from a task until every item put has been marked done.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = curio::sync::UniversalQueue::<u8>::new(0);
    /// curio::run(q.join()); // nothing pending
    /// ```
    #[track_caller]
    pub fn join(&self) -> Join<'_, T, Fifo<T>> {
        self.inner.join_as(state::FUTURE_WAIT, Location::caller())
    }

    /// Puts `item` from a plain thread, blocking it while the queue is full.
    ///
    /// Do not call this from a task: it blocks the worker thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = curio::sync::UniversalQueue::new(1);
    /// q.put_blocking(5);
    /// assert!(q.is_full());
    /// ```
    #[track_caller]
    pub fn put_blocking(&self, item: T) {
        block_on(self.put(item));
    }

    /// Takes the next item from a plain thread, blocking it while the queue is empty.
    ///
    /// Do not call this from a task: it blocks the worker thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = curio::sync::UniversalQueue::new(0);
    /// q.try_put(3).unwrap();
    /// assert_eq!(q.get_blocking(), 3);
    /// ```
    #[track_caller]
    pub fn get_blocking(&self) -> T {
        block_on(self.get())
    }

    /// Blocks a plain thread until every item put has been marked done.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = curio::sync::UniversalQueue::new(0);
    /// q.put_blocking(1);
    /// q.get_blocking();
    /// q.task_done().unwrap();
    /// q.join_blocking();
    /// ```
    #[track_caller]
    pub fn join_blocking(&self) {
        block_on(self.join());
    }

    /// Marks one item as processed (same as [`Queue`]'s `task_done`).
    ///
    /// # Examples
    ///
    /// ```
    /// let q = curio::sync::UniversalQueue::<()>::new(0);
    /// assert!(q.task_done().is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`TaskDoneError`] if every item put so far is already marked done.
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        self.inner.task_done()
    }
}

/// An event that plain threads and tasks can both set and wait on.
///
/// # Examples
///
/// ```
/// use curio::sync::UniversalEvent;
/// use std::sync::Arc;
/// let ev = Arc::new(UniversalEvent::new());
/// let waiter = { let ev = ev.clone(); std::thread::spawn(move || ev.wait_blocking()) };
/// curio::run(async { ev.set() });
/// waiter.join().unwrap();
/// ```
///
/// # Cancel safety
///
/// As [`Event`]: a dropped wait takes nothing from other waiters.
///
/// # Memory ordering
///
/// Everything before `set` happens-before a wait that observes it returns.
#[derive(Debug, Default)]
pub struct UniversalEvent {
    /// The event itself.
    inner: Event,
}

impl UniversalEvent {
    /// Creates an event that is not set.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!curio::sync::UniversalEvent::new().is_set());
    /// ```
    pub fn new() -> Self {
        Self {
            inner: Event::new(),
        }
    }

    /// Sets the event from any thread or task, waking every waiter. Idempotent.
    ///
    /// # Examples
    ///
    /// ```
    /// let ev = curio::sync::UniversalEvent::new();
    /// ev.set();
    /// ev.set();
    /// assert!(ev.is_set());
    /// ```
    pub fn set(&self) {
        self.inner.set();
    }

    /// Clears the event.
    ///
    /// # Examples
    ///
    /// ```
    /// let ev = curio::sync::UniversalEvent::new();
    /// ev.set();
    /// ev.clear();
    /// assert!(!ev.is_set());
    /// ```
    pub fn clear(&self) {
        self.inner.clear();
    }

    /// Whether the event is set.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!curio::sync::UniversalEvent::new().is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.inner.is_set()
    }

    /// Waits from a task until the event is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let ev = curio::sync::UniversalEvent::new();
    /// ev.set();
    /// curio::run(ev.wait());
    /// ```
    ///
    /// # Cancel safety
    ///
    /// See the type's docs.
    #[track_caller]
    pub fn wait(&self) -> event::Wait<'_> {
        self.inner.wait_as(state::FUTURE_WAIT, Location::caller())
    }

    /// Blocks a plain thread until the event is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let ev = curio::sync::UniversalEvent::new();
    /// ev.set();
    /// ev.wait_blocking();
    /// ```
    #[track_caller]
    pub fn wait_blocking(&self) {
        block_on(self.wait());
    }
}

#[cfg(test)]
mod tests;
