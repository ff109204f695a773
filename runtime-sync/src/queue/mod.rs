//! The queue family: [`Queue`] (FIFO), [`LifoQueue`] and [`PriorityQueue`],
//! one engine ([`GenericQueue`]) over three orderings ([`Store`]).
//!
//! # Examples
//!
//! ```
//! use curio::sync::{LifoQueue, PriorityQueue, Queue};
//! # curio::run(async {
//! let (fifo, lifo, prio) = (Queue::new(0), LifoQueue::new(0), PriorityQueue::new(0));
//! for n in [2, 1, 3] {
//!     fifo.put(n).await;
//!     lifo.put(n).await;
//!     prio.put(n).await;
//! }
//! assert_eq!(fifo.get().await, 2); // first in
//! assert_eq!(lifo.get().await, 3); // last in
//! assert_eq!(prio.get().await, 1); // smallest
//! # });
//! ```
//!
//! # State
//!
//! Under one mutex: the stored items, the FIFO lists of waiting getters and
//! putters (a putter carries its item in its waiter slot), the waiting
//! joiners, and `unfinished` (items put but not yet `task_done`).
//!
//! # Invariants
//!
//! 1. Getters queue only while the store is empty, and a put hands its item
//!    straight to the oldest queued getter. So waiting getters imply an
//!    empty store, and a getter is never overtaken by a newcomer.
//! 2. Putters queue only while the store is full (or other putters queue),
//!    and a get that takes an item moves the oldest putter's item into the
//!    store at once. So waiting putters imply a full store, FIFO among them.
//! 3. `unfinished` grows when an item is accepted (stored, handed to a
//!    getter, or moved in from a putter), and shrinks only by `task_done`,
//!    which refuses to go below zero ([`TaskDoneError`]).
//! 4. Cancel safety: a getter dropped after it was handed an item gives the
//!    item back (to the next getter, else to the front of the store; this
//!    may exceed `maxsize` by one, as curio's `_unget_item` does). A putter
//!    dropped while queued takes its item back (the put did not happen); one
//!    dropped after its item was accepted changes nothing.
//! 5. No item is dropped, and no waker woken, while the mutex is held.

#![deny(unsafe_code)]

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::hook::{self, state};
use crate::loom::Mutex;
use crate::waiters::{Key, Removed, WaitList, WakeList};

mod fifo;
mod lifo;
mod priority;

pub use fifo::Queue;
pub use lifo::LifoQueue;
pub use priority::PriorityQueue;

mod sealed {
    /// Keeps [`Store`](super::Store) implementable only here.
    pub trait Sealed {}
}

/// An ordering of items: which one `get` returns next. Sealed.
///
/// # Examples
///
/// ```
/// use curio::sync::{queue::Store, GenericQueue};
///
/// /// Works on every queue of the family.
/// fn drain<T, S: Store<T>>(q: &GenericQueue<T, S>) -> Vec<T> {
///     std::iter::from_fn(|| q.try_get()).collect()
/// }
/// let q = curio::sync::LifoQueue::new(0);
/// q.try_put(1).unwrap();
/// q.try_put(2).unwrap();
/// assert_eq!(drain(&q), [2, 1]);
/// ```
pub trait Store<T>: sealed::Sealed {
    /// An empty store.
    #[doc(hidden)]
    fn empty() -> Self;
    /// Adds an item.
    #[doc(hidden)]
    fn push(&mut self, item: T);
    /// Removes the next item.
    #[doc(hidden)]
    fn pop(&mut self) -> Option<T>;
    /// Returns an item taken by a cancelled getter, so it comes out next.
    #[doc(hidden)]
    fn unget(&mut self, item: T);
    /// Number of items.
    #[doc(hidden)]
    fn len(&self) -> usize;
    /// Whether there is no item.
    #[doc(hidden)]
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// First in, first out.
///
/// # Examples
///
/// ```
/// use curio::sync::{queue::Fifo, GenericQueue};
/// let q: GenericQueue<u8, Fifo<u8>> = curio::sync::Queue::new(0);
/// q.try_put(1).unwrap();
/// q.try_put(2).unwrap();
/// assert_eq!(q.try_get(), Some(1));
/// ```
#[derive(Debug)]
pub struct Fifo<T>(VecDeque<T>);
/// Last in, first out.
///
/// # Examples
///
/// ```
/// use curio::sync::{queue::Lifo, GenericQueue};
/// let q: GenericQueue<u8, Lifo<u8>> = curio::sync::LifoQueue::new(0);
/// q.try_put(1).unwrap();
/// q.try_put(2).unwrap();
/// assert_eq!(q.try_get(), Some(2));
/// ```
#[derive(Debug)]
pub struct Lifo<T>(Vec<T>);
/// Smallest first.
///
/// # Examples
///
/// ```
/// use curio::sync::{queue::Priority, GenericQueue};
/// let q: GenericQueue<u8, Priority<u8>> = curio::sync::PriorityQueue::new(0);
/// q.try_put(9).unwrap();
/// q.try_put(4).unwrap();
/// assert_eq!(q.try_get(), Some(4));
/// ```
#[derive(Debug)]
pub struct Priority<T>(BinaryHeap<Reverse<T>>);

impl<T> sealed::Sealed for Fifo<T> {}
impl<T> sealed::Sealed for Lifo<T> {}
impl<T> sealed::Sealed for Priority<T> {}

impl<T> Store<T> for Fifo<T> {
    fn empty() -> Self {
        Self(VecDeque::new())
    }
    fn push(&mut self, item: T) {
        self.0.push_back(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }
    fn unget(&mut self, item: T) {
        self.0.push_front(item);
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T> Store<T> for Lifo<T> {
    fn empty() -> Self {
        Self(Vec::new())
    }
    fn push(&mut self, item: T) {
        self.0.push(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }
    fn unget(&mut self, item: T) {
        self.0.push(item);
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T: Ord> Store<T> for Priority<T> {
    fn empty() -> Self {
        Self(BinaryHeap::new())
    }
    fn push(&mut self, item: T) {
        self.0.push(Reverse(item));
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop().map(|Reverse(t)| t)
    }
    fn unget(&mut self, item: T) {
        self.0.push(Reverse(item));
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Returned by `task_done` when it is called more times than items were put.
///
/// # Examples
///
/// ```
/// let q = curio::sync::Queue::<u8>::new(0);
/// assert_eq!(q.task_done(), Err(curio::sync::TaskDoneError));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskDoneError;

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called more times than there were items")
    }
}

impl std::error::Error for TaskDoneError {}

/// The mutex-protected part of a queue.
struct QueueState<T, S> {
    /// Stored items.
    items: S,
    /// Getters waiting for an item; notified with the item (rule 1).
    getters: WaitList<T>,
    /// Putters waiting for room, each carrying its item (rule 2).
    putters: WaitList<T>,
    /// Tasks in `join`.
    joiners: WaitList<()>,
    /// Items put and not yet `task_done` (rule 3).
    unfinished: usize,
}

impl<T, S: Store<T>> QueueState<T, S> {
    /// Whether the store is at `maxsize` (never, for 0).
    fn full(&self, maxsize: usize) -> bool {
        maxsize != 0 && self.items.len() >= maxsize
    }

    /// Accepts `item` if a put may complete now (rules 1-3), else gives it back.
    fn offer(&mut self, item: T, maxsize: usize, wake: &mut WakeList) -> Result<(), T> {
        match self.getters.notify_front(Some(item)) {
            Ok(n) => {
                wake.push(n.waker);
                self.unfinished += 1;
                Ok(())
            }
            Err(item) => {
                let Some(item) = item else { return Ok(()) };
                if self.putters.is_empty() && !self.full(maxsize) {
                    self.items.push(item);
                    self.unfinished += 1;
                    Ok(())
                } else {
                    Err(item)
                }
            }
        }
    }

    /// Takes the next item if a get may complete now, admitting one queued
    /// putter's item in its place (rules 1 and 2).
    fn take(&mut self, wake: &mut WakeList) -> Option<T> {
        if !self.getters.is_empty() {
            return None;
        }
        let item = self.items.pop()?;
        if let Ok(n) = self.putters.notify_front(None) {
            wake.push(n.waker);
            if let Some(admitted) = n.carried {
                self.items.push(admitted);
                self.unfinished += 1;
            }
        }
        Some(item)
    }

    /// Returns an item a cancelled getter had been handed (rule 4).
    fn give_back(&mut self, item: T, wake: &mut WakeList) {
        match self.getters.notify_front(Some(item)) {
            Ok(n) => wake.push(n.waker),
            Err(Some(item)) => self.items.unget(item),
            Err(None) => {}
        }
    }
}

/// The engine behind [`Queue`], [`LifoQueue`] and [`PriorityQueue`].
///
/// Use those aliases; `S` picks the order in which items come out.
///
/// # Examples
///
/// ```
/// # curio::run(async {
/// let q = curio::sync::Queue::new(2);
/// q.put(1).await;
/// q.put(2).await;
/// assert!(q.is_full());
/// assert_eq!(q.try_put(3), Err(3));
/// assert_eq!(q.get().await, 1);
/// # });
/// ```
///
/// # Cancel safety
///
/// [`Get`]: a getter dropped while waiting takes nothing; if an item had
/// already been handed to it, the item goes to the next getter or back to
/// the front of the queue. [`Put`]: dropped while waiting, the item is not
/// put (it is dropped with the future); if it had already been accepted, it
/// stays in the queue. [`Join`]: dropping it has no effect.
///
/// # Memory ordering
///
/// A `put` happens-before the `get` that returns its item.
pub struct GenericQueue<T, S> {
    /// Capacity; 0 means unbounded.
    maxsize: usize,
    /// Items and waiters; see the module docs.
    state: Mutex<QueueState<T, S>>,
}

impl<T, S: Store<T>> fmt::Debug for GenericQueue<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("maxsize", &self.maxsize)
            .field("len", &self.len())
            .finish()
    }
}

impl<T, S: Store<T>> GenericQueue<T, S> {
    /// Creates a queue holding at most `maxsize` items; 0 means unbounded.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = curio::sync::Queue::<u32>::new(0);
    /// assert!(q.is_empty() && !q.is_full());
    /// ```
    pub fn new(maxsize: usize) -> Self {
        Self {
            maxsize,
            state: Mutex::new(QueueState {
                items: S::empty(),
                getters: WaitList::new(),
                putters: WaitList::new(),
                joiners: WaitList::new(),
                unfinished: 0,
            }),
        }
    }

    /// The capacity given to `new` (0 = unbounded).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(curio::sync::Queue::<u8>::new(5).maxsize(), 5);
    /// ```
    pub fn maxsize(&self) -> usize {
        self.maxsize
    }

    /// Number of items stored (curio's `qsize`).
    ///
    /// # Examples
    ///
    /// ```
    /// let q = curio::sync::Queue::new(0);
    /// q.try_put('a').unwrap();
    /// assert_eq!(q.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.state.lock().items.len()
    }

    /// Whether no item is stored.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(curio::sync::Queue::<u8>::new(1).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the queue is bounded and holds `maxsize` items.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = curio::sync::Queue::new(1);
    /// q.try_put(1).unwrap();
    /// assert!(q.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.state.lock().full(self.maxsize)
    }

    /// Puts `item`, waiting (FIFO) while the queue is full.
    ///
    /// # Examples
    ///
    /// ```
    /// # curio::run(async {
    /// let q = curio::sync::LifoQueue::new(0);
    /// q.put(1).await;
    /// q.put(2).await;
    /// assert_eq!(q.get().await, 2);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// See the type's docs.
    #[track_caller]
    pub fn put(&self, item: T) -> Put<'_, T, S> {
        self.put_as(item, state::QUEUE_PUT, Location::caller())
    }

    /// Takes the next item, waiting (FIFO among getters) while the queue is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// # curio::run(async {
    /// let q = curio::sync::PriorityQueue::new(0);
    /// for p in [4, 2, 1, 3] { q.put(p).await; }
    /// assert_eq!(q.get().await, 1);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// See the type's docs.
    #[track_caller]
    pub fn get(&self) -> Get<'_, T, S> {
        self.get_as(state::QUEUE_GET, Location::caller())
    }

    /// Puts `item` if that needs no waiting; otherwise gives it back.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = curio::sync::Queue::new(1);
    /// assert_eq!(q.try_put("a"), Ok(()));
    /// assert_eq!(q.try_put("b"), Err("b"));
    /// ```
    ///
    /// # Errors
    ///
    /// `Err(item)` if the queue is full or other putters are waiting.
    pub fn try_put(&self, item: T) -> Result<(), T> {
        let mut wake = WakeList::new();
        let r = self.state.lock().offer(item, self.maxsize, &mut wake);
        wake.wake_all();
        r
    }

    /// Takes the next item if one is there and no getter is waiting; never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = curio::sync::Queue::new(0);
    /// assert_eq!(q.try_get(), None);
    /// q.try_put(9).unwrap();
    /// assert_eq!(q.try_get(), Some(9));
    /// ```
    pub fn try_get(&self) -> Option<T> {
        let mut wake = WakeList::new();
        let r = self.state.lock().take(&mut wake);
        wake.wake_all();
        r
    }

    /// Marks one item as processed; `join` returns once every item is.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = curio::sync::Queue::new(0);
    /// q.try_put(()).unwrap();
    /// assert!(q.task_done().is_ok());
    /// assert!(q.task_done().is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`TaskDoneError`] if every item put so far is already marked done.
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut wake = WakeList::new();
        {
            let mut s = self.state.lock();
            if s.unfinished == 0 {
                return Err(TaskDoneError);
            }
            s.unfinished -= 1;
            if s.unfinished == 0 {
                while let Ok(n) = s.joiners.notify_front(None) {
                    wake.push(n.waker);
                }
            }
        }
        wake.wake_all();
        Ok(())
    }

    /// Waits until every item put has been marked done with `task_done`.
    ///
    /// # Examples
    ///
    /// ```
    /// # curio::run(async {
    /// let q = curio::sync::Queue::new(0);
    /// q.put(1).await;
    /// let _ = q.get().await;
    /// q.task_done().unwrap();
    /// q.join().await;
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future has no effect on the queue.
    #[track_caller]
    pub fn join(&self) -> Join<'_, T, S> {
        self.join_as(state::QUEUE_JOIN, Location::caller())
    }

    /// A [`Put`] reporting `state`.
    pub(crate) fn put_as(
        &self,
        item: T,
        state: &'static str,
        location: &'static Location<'static>,
    ) -> Put<'_, T, S> {
        Put {
            queue: self,
            item: Some(item),
            key: None,
            state,
            location,
        }
    }

    /// A [`Get`] reporting `state`.
    pub(crate) fn get_as(
        &self,
        state: &'static str,
        location: &'static Location<'static>,
    ) -> Get<'_, T, S> {
        Get {
            queue: self,
            key: None,
            done: false,
            state,
            location,
        }
    }

    /// A [`Join`] reporting `state`.
    pub(crate) fn join_as(
        &self,
        state: &'static str,
        location: &'static Location<'static>,
    ) -> Join<'_, T, S> {
        Join {
            queue: self,
            key: None,
            done: false,
            state,
            location,
        }
    }
}

/// The future returned by `put`.
///
/// # Examples
///
/// ```
/// use curio::sync::queue::{Fifo, Put};
/// # curio::run(async {
/// let q = curio::sync::Queue::new(1);
/// let put: Put<'_, &str, Fifo<&str>> = q.put("a");
/// put.await;
/// assert!(q.is_full());
/// # });
/// ```
///
/// # Cancel safety
///
/// See [`GenericQueue`].
#[must_use = "futures do nothing unless polled"]
pub struct Put<'a, T, S> {
    /// The queue.
    queue: &'a GenericQueue<T, S>,
    /// The item, until it is offered (then it lives in the waiter slot).
    item: Option<T>,
    /// The waiter slot, once queued.
    key: Option<Key>,
    /// The state name reported while waiting.
    state: &'static str,
    /// Where the user called `put`.
    location: &'static Location<'static>,
}

impl<T, S> fmt::Debug for Put<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Put")
            .field("queued", &self.key.is_some())
            .finish()
    }
}

impl<T, S> Unpin for Put<'_, T, S> {}

impl<T, S: Store<T>> Future for Put<'_, T, S> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let mut wake = WakeList::new();
        match this.key {
            None => {
                if this.item.is_none() {
                    return Poll::Pending; // polled after completion
                }
                ready!(hook::poll_proceed(cx));
                let Some(item) = this.item.take() else {
                    return Poll::Pending;
                };
                let mut s = this.queue.state.lock();
                match s.offer(item, this.queue.maxsize, &mut wake) {
                    Ok(()) => {
                        drop(s);
                        wake.wake_all();
                        return Poll::Ready(());
                    }
                    Err(item) => {
                        this.key = Some(s.putters.push_back(cx.waker().clone(), Some(item), 1));
                    }
                }
            }
            Some(key) => {
                let mut s = this.queue.state.lock();
                if s.putters.take_notified(key, cx.waker()).is_some() {
                    this.key = None;
                    return Poll::Ready(());
                }
            }
        }
        hook::waiting(this.state, this.location);
        Poll::Pending
    }
}

impl<T, S> Drop for Put<'_, T, S> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            // Rule 5: the returned item (if any) is dropped after unlocking.
            let _removed = self.queue.state.lock().putters.remove(key);
        }
    }
}

/// The future returned by `get`.
///
/// # Examples
///
/// ```
/// use curio::sync::queue::{Fifo, Get};
/// # curio::run(async {
/// let q = curio::sync::Queue::new(0);
/// q.put(8).await;
/// let get: Get<'_, i32, Fifo<i32>> = q.get();
/// assert_eq!(get.await, 8);
/// # });
/// ```
///
/// # Cancel safety
///
/// See [`GenericQueue`].
#[must_use = "futures do nothing unless polled"]
pub struct Get<'a, T, S: Store<T>> {
    /// The queue.
    queue: &'a GenericQueue<T, S>,
    /// The waiter slot, once queued.
    key: Option<Key>,
    /// Whether the future has completed.
    done: bool,
    /// The state name reported while waiting.
    state: &'static str,
    /// Where the user called `get`.
    location: &'static Location<'static>,
}

impl<T, S: Store<T>> fmt::Debug for Get<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Get")
            .field("queued", &self.key.is_some())
            .finish()
    }
}

impl<T, S: Store<T>> Future for Get<'_, T, S> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.get_mut();
        if this.done {
            return Poll::Pending; // polled after completion
        }
        match this.key {
            None => {
                ready!(hook::poll_proceed(cx));
                let mut wake = WakeList::new();
                let mut s = this.queue.state.lock();
                if let Some(item) = s.take(&mut wake) {
                    drop(s);
                    wake.wake_all();
                    this.done = true;
                    return Poll::Ready(item);
                }
                this.key = Some(s.getters.push_back(cx.waker().clone(), None, 1));
            }
            Some(key) => {
                let mut s = this.queue.state.lock();
                if let Some(item) = s.getters.take_notified(key, cx.waker()) {
                    this.key = None;
                    if let Some(item) = item {
                        this.done = true;
                        return Poll::Ready(item);
                    }
                    // Notified without an item cannot happen (rule 1); wait afresh.
                    this.key = Some(s.getters.push_back(cx.waker().clone(), None, 1));
                }
            }
        }
        hook::waiting(this.state, this.location);
        Poll::Pending
    }
}

impl<T, S: Store<T>> Drop for Get<'_, T, S> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let mut wake = WakeList::new();
            {
                let mut s = self.queue.state.lock();
                if let Removed::Notified(Some(item)) = s.getters.remove(key) {
                    // Rule 4: an item handed to us goes back, not lost.
                    s.give_back(item, &mut wake);
                }
            }
            wake.wake_all();
        }
    }
}

/// The future returned by `join`.
///
/// # Examples
///
/// ```
/// use curio::sync::queue::{Fifo, Join};
/// # curio::run(async {
/// let q = curio::sync::Queue::new(0);
/// q.put(()).await;
/// q.get().await;
/// q.task_done().unwrap();
/// let join: Join<'_, (), Fifo<()>> = q.join();
/// join.await; // every item put has been marked done
/// # });
/// ```
///
/// # Cancel safety
///
/// Dropping it has no effect on the queue.
#[must_use = "futures do nothing unless polled"]
pub struct Join<'a, T, S> {
    /// The queue.
    queue: &'a GenericQueue<T, S>,
    /// The waiter slot, once queued.
    key: Option<Key>,
    /// Whether the future has completed.
    done: bool,
    /// The state name reported while waiting.
    state: &'static str,
    /// Where the user called `join`.
    location: &'static Location<'static>,
}

impl<T, S> fmt::Debug for Join<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join")
            .field("queued", &self.key.is_some())
            .finish()
    }
}

impl<T, S: Store<T>> Future for Join<'_, T, S> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(());
        }
        match this.key {
            None => {
                ready!(hook::poll_proceed(cx));
                let mut s = this.queue.state.lock();
                if s.unfinished == 0 {
                    this.done = true;
                    return Poll::Ready(());
                }
                this.key = Some(s.joiners.push_back(cx.waker().clone(), None, 1));
            }
            Some(key) => {
                let mut s = this.queue.state.lock();
                if s.joiners.take_notified(key, cx.waker()).is_some() {
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

impl<T, S> Drop for Join<'_, T, S> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let _ = self.queue.state.lock().joiners.remove(key);
        }
    }
}

#[cfg(test)]
mod tests;
