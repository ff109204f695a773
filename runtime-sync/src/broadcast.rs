//! A multi-producer, multi-consumer channel where every receiver sees every
//! value, tokio's shape: [`channel`] of capacity `n` keeps the `n` newest
//! values, and a receiver that falls further behind gets
//! [`RecvError::Lagged`] with the exact number of values it skipped, then
//! goes on from the oldest value kept. A send never waits.
//!
//! While waiting, a receive reports `QUEUE_GET`.
//!
//! # State
//!
//! A ring under one mutex (a reader-writer lock was slower in the fan-out
//! benchmark: each receive writes the lock word either way): the kept
//! values, the position `tail` the next value will get, and `closed`. The
//! oldest kept value has position `tail - len`. Each receiver holds the
//! position of the next value it wants. Waiting receivers are queued in a mutex'd `WaitList`.
//!
//! # Invariants
//!
//! 1. Positions grow by one per send and are never reused, so
//!    `oldest - next` is exactly the number of values a lagging receiver
//!    missed.
//! 2. A send writes under the ring lock, then locks the waiter list and
//!    wakes every waiter. A receiver queues under that lock and then looks
//!    at the ring again, so either the send sees it queued or it sees the
//!    value.
//! 3. The receiver count changes only under the ring lock (a new receiver
//!    also reads `tail` there), and a send reads it under that lock: a
//!    value is sent to exactly the receivers it counts.
//! 4. No waker is woken and no value dropped while a lock is held.
//!
//! Values are kept until pushed out by newer ones (or until the channel is
//! dropped), whether or not every receiver has seen them.
//!
//! # Examples
//!
//! ```
//! use curio::sync::broadcast;
//!
//! # curio::run(async {
//! let (tx, mut rx1) = broadcast::channel(16);
//! let mut rx2 = tx.subscribe();
//! assert_eq!(tx.send(10).unwrap(), 2); // two receivers
//! assert_eq!(rx1.recv().await, Ok(10));
//! assert_eq!(rx2.recv().await, Ok(10));
//! # });
//! ```

#![deny(unsafe_code)]

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::hook::{self, state};
use crate::loom::atomic::{AtomicUsize, Ordering};
use crate::loom::{Arc, Mutex};
use crate::waiters::{Key, WaitList, WakeList};

/// Creates a channel keeping the `capacity` newest values (0 counts as 1).
///
/// # Examples
///
/// ```
/// use curio::sync::broadcast::{self, error::RecvError};
///
/// # curio::run(async {
/// let (tx, mut rx) = broadcast::channel(2);
/// for i in 0..5 {
///     tx.send(i).unwrap();
/// }
/// assert_eq!(rx.recv().await, Err(RecvError::Lagged(3))); // 0, 1, 2 are gone
/// assert_eq!(rx.recv().await, Ok(3));
/// assert_eq!(rx.recv().await, Ok(4));
/// # });
/// ```
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let cap = capacity.max(1);
    let shared = Arc::new(Shared {
        ring: Mutex::new(Ring {
            values: VecDeque::with_capacity(cap.min(1024)),
            tail: 0,
            closed: false,
        }),
        cap,
        waiters: Mutex::new(WaitList::new()),
        senders: AtomicUsize::new(1),
        receivers: AtomicUsize::new(1),
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared, next: 0 },
    )
}

pub use crate::send_error::SendError;

/// The error of [`Receiver::recv`].
///
/// # Examples
///
/// ```
/// use curio::sync::broadcast::{self, RecvError};
///
/// # curio::run(async {
/// let (tx, mut rx) = broadcast::channel::<u8>(1);
/// drop(tx);
/// assert_eq!(rx.recv().await, Err(RecvError::Closed));
/// assert_eq!(RecvError::Lagged(2).to_string(), "receiver lagged behind by 2 values");
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecvError {
    /// Every sender is gone and this receiver has seen every value kept.
    Closed,
    /// The receiver fell behind: this many values were pushed out before it
    /// read them. The next receive returns the oldest value kept.
    Lagged(u64),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Closed => f.write_str("channel closed"),
            Self::Lagged(n) => write!(f, "receiver lagged behind by {n} values"),
        }
    }
}

impl std::error::Error for RecvError {}

/// The error of [`Receiver::try_recv`].
///
/// # Examples
///
/// ```
/// use curio::sync::broadcast::{self, TryRecvError};
///
/// let (tx, mut rx) = broadcast::channel::<u8>(1);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// No value is waiting for this receiver now.
    Empty,
    /// As [`RecvError::Closed`].
    Closed,
    /// As [`RecvError::Lagged`].
    Lagged(u64),
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("channel empty"),
            Self::Closed => f.write_str("channel closed"),
            Self::Lagged(n) => write!(f, "receiver lagged behind by {n} values"),
        }
    }
}

impl std::error::Error for TryRecvError {}

/// The error types, also at tokio's path (`broadcast::error::RecvError`).
///
/// # Examples
///
/// ```
/// use curio::sync::broadcast::{self, error::RecvError};
/// # curio::run(async {
/// let (tx, mut rx) = broadcast::channel::<u8>(1);
/// drop(tx);
/// assert_eq!(rx.recv().await, Err(RecvError::Closed));
/// # });
/// ```
pub mod error {
    pub use super::{RecvError, SendError, TryRecvError};
}

/// The values kept, under the ring lock.
struct Ring<T> {
    /// The kept values, oldest first; at most `cap`.
    values: VecDeque<T>,
    /// The position the next value sent will get (rule 1).
    tail: u64,
    /// Every sender is gone.
    closed: bool,
}

impl<T> Ring<T> {
    /// Position of the oldest kept value.
    fn oldest(&self) -> u64 {
        self.tail - self.values.len() as u64
    }
}

/// The state shared by every handle.
struct Shared<T> {
    /// The values (module docs).
    ring: Mutex<Ring<T>>,
    /// How many values are kept.
    cap: usize,
    /// Receivers waiting for a value (rule 2).
    waiters: Mutex<WaitList<()>>,
    /// Live senders.
    senders: AtomicUsize,
    /// Live receivers (rule 3).
    receivers: AtomicUsize,
}

impl<T> Shared<T> {
    /// Wakes every waiting receiver (rule 2).
    fn notify_all(&self) {
        let mut wake = WakeList::new();
        {
            let mut list = self.waiters.lock();
            if list.is_empty() {
                return;
            }
            wake.reserve(list.len());
            while let Ok(n) = list.notify_front(None) {
                wake.push(n.waker);
            }
        }
        wake.wake_all();
    }

    /// A new receiver positioned after every value sent so far (rule 3).
    fn new_receiver(shared: &Arc<Self>) -> Receiver<T> {
        let ring = shared.ring.lock();
        // A counter changed under the ring lock (rule 3), which orders it.
        shared.receivers.fetch_add(1, Ordering::Relaxed);
        let next = ring.tail;
        drop(ring);
        Receiver {
            shared: shared.clone(),
            next,
        }
    }
}

/// A sending half; clone it for more producers.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = curio::sync::broadcast::channel(4);
/// let tx2 = tx.clone();
/// tx.send('a').unwrap();
/// tx2.send('b').unwrap();
/// assert_eq!(rx.try_recv(), Ok('a'));
/// assert_eq!(rx.try_recv(), Ok('b'));
/// ```
pub struct Sender<T> {
    /// The channel.
    shared: Arc<Shared<T>>,
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.senders.fetch_add(1, Ordering::Relaxed);
        Self {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // ORDERING: AcqRel; the last sender must see the others' drops
        // before it closes (the ring lock then orders `closed` itself).
        if self.shared.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.ring.lock().closed = true;
            self.shared.notify_all();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("receivers", &self.receiver_count())
            .finish()
    }
}

impl<T> Sender<T> {
    /// Sends `value` to every receiver; returns how many there are.
    ///
    /// Never waits: when `capacity` values are kept, the oldest is pushed
    /// out, and receivers that had not read it will get `Lagged`.
    ///
    /// # Examples
    ///
    /// ```
    /// # curio::run(async {
    /// let (tx, mut a) = curio::sync::broadcast::channel(4);
    /// let mut b = tx.subscribe();
    /// assert_eq!(tx.send("hi").unwrap(), 2); // two receivers will see it
    /// assert_eq!(a.recv().await.unwrap(), "hi");
    /// assert_eq!(b.recv().await.unwrap(), "hi");
    /// drop((a, b));
    /// assert!(tx.send("nobody").is_err());
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value, which is not stored, if no receiver is left.
    ///
    /// # Memory ordering
    ///
    /// A send happens-before every receive that returns its value.
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let (count, pushed_out) = {
            let mut ring = self.shared.ring.lock();
            // Rule 3: read under the ring lock.
            let count = self.shared.receivers.load(Ordering::Relaxed);
            if count == 0 {
                drop(ring);
                return Err(SendError(value));
            }
            let pushed_out = if ring.values.len() == self.shared.cap {
                ring.values.pop_front()
            } else {
                None
            };
            ring.values.push_back(value);
            ring.tail += 1;
            (count, pushed_out)
        };
        // Rule 4: the pushed-out value is dropped after unlocking.
        drop(pushed_out);
        self.shared.notify_all();
        Ok(count)
    }

    /// A new receiver that gets every value sent from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = curio::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut late = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(late.try_recv(), Ok(2));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        Shared::new_receiver(&self.shared)
    }

    /// Number of live receivers.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = curio::sync::broadcast::channel::<u8>(1);
    /// assert_eq!(tx.receiver_count(), 1);
    /// drop(rx);
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.receivers.load(Ordering::Relaxed)
    }

    /// Number of values kept now (at most the capacity).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = curio::sync::broadcast::channel(2);
    /// for i in 0..3 { tx.send(i).unwrap(); }
    /// assert_eq!(tx.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.shared.ring.lock().values.len()
    }

    /// Whether no value is kept.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = curio::sync::broadcast::channel::<u8>(2);
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A receiving half: gets every value sent after it was created.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = curio::sync::broadcast::channel(1);
/// tx.send(5).unwrap();
/// let mut again = rx.resubscribe();
/// assert_eq!(rx.try_recv(), Ok(5));
/// assert!(again.try_recv().is_err()); // created after the send
/// ```
pub struct Receiver<T> {
    /// The channel.
    shared: Arc<Shared<T>>,
    /// Position of the next value this receiver wants.
    next: u64,
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let _ring = self.shared.ring.lock();
        // Rule 3: under the ring lock.
        self.shared.receivers.fetch_sub(1, Ordering::Relaxed);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("next", &self.next)
            .finish()
    }
}

impl<T: Clone> Receiver<T> {
    /// Takes the next value if one is there.
    fn take(&mut self) -> Result<T, TryRecvError> {
        let ring = self.shared.ring.lock();
        let oldest = ring.oldest();
        if self.next < oldest {
            let missed = oldest - self.next;
            self.next = oldest;
            return Err(TryRecvError::Lagged(missed));
        }
        if self.next < ring.tail {
            let idx = (self.next - oldest) as usize;
            if let Some(v) = ring.values.get(idx) {
                let v = v.clone();
                self.next += 1;
                return Ok(v);
            }
        }
        if ring.closed {
            Err(TryRecvError::Closed)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// Receives the next value, waiting while there is none.
    ///
    /// # Examples
    ///
    /// ```
    /// # curio::run(async {
    /// let (tx, mut rx) = curio::sync::broadcast::channel(1);
    /// curio::spawn(async move { tx.send("hello").unwrap() });
    /// assert_eq!(rx.recv().await, Ok("hello"));
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// [`RecvError::Lagged`] after falling behind (once; the next receive
    /// goes on from the oldest value kept), [`RecvError::Closed`] once every
    /// sender is gone and every kept value is read.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future loses nothing: the receiver moves on only in the
    /// poll that returns a value.
    #[track_caller]
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv {
            rx: self,
            key: None,
            location: Location::caller(),
        }
    }

    /// Receives the next value if one is there; never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::sync::broadcast::{self, error::TryRecvError};
    /// let (tx, mut rx) = broadcast::channel(2);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(7).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(7));
    /// ```
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] when nothing is there, else as [`recv`](Self::recv).
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.take()
    }
}

impl<T> Receiver<T> {
    /// A new receiver on the same channel that gets the values sent from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// # curio::run(async {
    /// let (tx, mut rx) = curio::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut late = rx.resubscribe(); // does not see 1
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.recv().await.unwrap(), 1);
    /// assert_eq!(late.recv().await.unwrap(), 2);
    /// # });
    /// ```
    pub fn resubscribe(&self) -> Self {
        Shared::new_receiver(&self.shared)
    }

    /// Number of values this receiver has not read yet (lagged ones included).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = curio::sync::broadcast::channel(8);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        let tail = self.shared.ring.lock().tail;
        usize::try_from(tail - self.next).unwrap_or(usize::MAX)
    }

    /// Whether this receiver has read everything sent so far.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = curio::sync::broadcast::channel::<u8>(8);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The future returned by [`Receiver::recv`].
///
/// # Examples
///
/// ```
/// use curio::sync::broadcast::{self, Recv};
/// # curio::run(async {
/// let (tx, mut rx) = broadcast::channel(1);
/// tx.send('x').unwrap();
/// let next: Recv<'_, char> = rx.recv();
/// assert_eq!(next.await.unwrap(), 'x');
/// # });
/// ```
///
/// # Cancel safety
///
/// See [`Receiver::recv`].
#[must_use = "futures do nothing unless polled"]
pub struct Recv<'a, T> {
    /// The receiver.
    rx: &'a mut Receiver<T>,
    /// The waiter slot, while queued.
    key: Option<Key>,
    /// Where the user called `recv`.
    location: &'static Location<'static>,
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv")
            .field("queued", &self.key.is_some())
            .finish()
    }
}

impl<T: Clone> Recv<'_, T> {
    /// Completes unless the receiver has nothing to read yet.
    fn check(&mut self) -> Option<Result<T, RecvError>> {
        match self.rx.take() {
            Ok(v) => Some(Ok(v)),
            Err(TryRecvError::Lagged(n)) => Some(Err(RecvError::Lagged(n))),
            Err(TryRecvError::Closed) => Some(Err(RecvError::Closed)),
            Err(TryRecvError::Empty) => None,
        }
    }
}

impl<T> Recv<'_, T> {
    /// Leaves the waiter list, if queued; every waiter is woken by each
    /// send, so a wake-up it had needs no passing on.
    fn leave(&mut self) {
        if let Some(key) = self.key.take() {
            let _ = self.rx.shared.waiters.lock().remove(key);
        }
    }
}

impl<T: Clone> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.key.is_none() {
            std::task::ready!(hook::poll_proceed(cx));
        }
        if let Some(r) = this.check() {
            this.leave();
            return Poll::Ready(r);
        }
        {
            let mut list = this.rx.shared.waiters.lock();
            let queued = match this.key {
                Some(key) => list.take_notified(key, cx.waker()).is_none(),
                None => false,
            };
            if !queued {
                this.key = Some(list.push_back(cx.waker().clone(), None, 1));
            }
        }
        // Rule 2: look again after queueing.
        if let Some(r) = this.check() {
            this.leave();
            return Poll::Ready(r);
        }
        hook::waiting(state::QUEUE_GET, this.location);
        Poll::Pending
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        self.leave();
    }
}
