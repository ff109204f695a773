//! A multi-producer, single-consumer channel, bounded ([`channel`]) or
//! unbounded ([`unbounded`]), with tokio's shape.
//!
//! The channel closes when every [`Sender`] is gone (the receiver then gets
//! what is left, then `None`) or when the receiver calls
//! [`Receiver::close`] or is dropped (sends then fail and give the item
//! back). Senders waiting for room in a full bounded channel are served
//! FIFO: room freed by the receiver goes straight to the oldest of them.
//!
//! The uncontended path takes no lock: items travel through crossbeam's
//! lock-free segmented queue, capacity is one atomic counter, and the
//! mutexes (the receiver's waker, the waiting senders) are touched only
//! when someone waits. The protocol is in `chan.rs`.
//!
//! While waiting, a receive reports `QUEUE_GET` and a send `QUEUE_PUT`.
//!
//! # Examples
//!
//! ```
//! use curio::sync::mpsc;
//!
//! # curio::run(async {
//! let (tx, mut rx) = mpsc::channel(8);
//! for id in 0..3 {
//!     let tx = tx.clone();
//!     curio::spawn(async move { tx.send(id).await.unwrap() });
//! }
//! drop(tx);
//! let mut got = Vec::new();
//! while let Some(id) = rx.recv().await {
//!     got.push(id);
//! }
//! got.sort();
//! assert_eq!(got, [0, 1, 2]);
//! # });
//! ```

#![deny(unsafe_code)]

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::hook::{self, state};
use crate::loom::Arc;
use crate::waiters::Key;

mod chan;

use chan::{Chan, Reserve, Waited, UNBOUNDED};

/// Creates a bounded channel holding at most `capacity` items (0 counts as 1).
///
/// # Examples
///
/// ```
/// # curio::run(async {
/// let (tx, mut rx) = curio::sync::mpsc::channel(1);
/// tx.send("a").await.unwrap();
/// assert!(tx.try_send("b").is_err()); // full
/// assert_eq!(rx.recv().await, Some("a"));
/// # });
/// ```
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let chan = Arc::new(Chan::new(capacity.min(UNBOUNDED - 1)));
    (Sender { chan: chan.clone() }, Receiver { chan })
}

/// Creates an unbounded channel: a send never waits.
///
/// # Examples
///
/// ```
/// # curio::run(async {
/// let (tx, mut rx) = curio::sync::mpsc::unbounded();
/// for i in 0..1000 {
///     tx.try_send(i).unwrap();
/// }
/// drop(tx);
/// let mut n = 0;
/// while rx.recv().await.is_some() {
///     n += 1;
/// }
/// assert_eq!(n, 1000);
/// # });
/// ```
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    let chan = Arc::new(Chan::new(UNBOUNDED));
    (Sender { chan: chan.clone() }, Receiver { chan })
}

pub use crate::send_error::SendError;

/// The error of [`Sender::try_send`]; the item comes back either way.
///
/// # Examples
///
/// ```
/// use curio::sync::mpsc::{self, TrySendError};
///
/// let (tx, rx) = mpsc::channel(1);
/// tx.try_send(1).unwrap();
/// assert!(matches!(tx.try_send(2), Err(TrySendError::Full(2))));
/// drop(rx);
/// assert!(matches!(tx.try_send(3), Err(TrySendError::Closed(3))));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// The channel is full (or other senders are waiting for room).
    Full(T),
    /// The receiver is gone or closed the channel.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// Takes the item back out of the error.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = curio::sync::mpsc::channel(1);
    /// tx.try_send('a').unwrap();
    /// assert_eq!(tx.try_send('b').unwrap_err().into_inner(), 'b');
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(t) | Self::Closed(t) => t,
        }
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("Full(..)"),
            Self::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("no available capacity"),
            Self::Closed(_) => f.write_str("channel closed"),
        }
    }
}

impl<T> std::error::Error for TrySendError<T> {}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(e: SendError<T>) -> Self {
        Self::Closed(e.0)
    }
}

/// The error of [`Receiver::try_recv`].
///
/// # Examples
///
/// ```
/// use curio::sync::mpsc::{self, TryRecvError};
///
/// let (tx, mut rx) = mpsc::unbounded::<u8>();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing is there now, but more may come.
    Empty,
    /// Nothing is there and nothing will come: every sender is gone, or the
    /// channel was closed and drained.
    Disconnected,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("receiving on an empty channel"),
            Self::Disconnected => f.write_str("receiving on a closed channel"),
        }
    }
}

impl std::error::Error for TryRecvError {}

/// The error types, also at tokio's path (`mpsc::error::SendError`).
///
/// # Examples
///
/// ```
/// use curio::sync::mpsc::{self, error::TrySendError};
/// let (tx, _rx) = mpsc::channel(1);
/// tx.try_send(1).unwrap();
/// assert!(matches!(tx.try_send(2), Err(TrySendError::Full(2))));
/// ```
pub mod error {
    pub use super::{SendError, TryRecvError, TrySendError};
}

/// The sending half; clone it for more producers.
///
/// # Examples
///
/// ```
/// # curio::run(async {
/// let (tx, mut rx) = curio::sync::mpsc::channel(4);
/// let tx2 = tx.clone();
/// tx.send(1).await.unwrap();
/// tx2.send(2).await.unwrap();
/// drop((tx, tx2));
/// assert_eq!(rx.recv().await, Some(1));
/// assert_eq!(rx.recv().await, Some(2));
/// assert_eq!(rx.recv().await, None);
/// # });
/// ```
pub struct Sender<T> {
    /// The channel.
    chan: Arc<Chan<T>>,
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Self {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("closed", &self.chan.is_closed())
            .finish()
    }
}

impl<T> Sender<T> {
    /// Sends `item`, waiting (FIFO among senders) while a bounded channel is full.
    ///
    /// # Examples
    ///
    /// ```
    /// # curio::run(async {
    /// let (tx, mut rx) = curio::sync::mpsc::channel(1);
    /// tx.send(5).await.unwrap();
    /// assert_eq!(rx.recv().await, Some(5));
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// [`SendError`] with the item if the receiver is gone or closed.
    ///
    /// # Cancel safety
    ///
    /// Dropped while waiting, the item is not sent (it is dropped with the
    /// future) and any room already handed to it goes to the next sender.
    #[track_caller]
    pub fn send(&self, item: T) -> SendFuture<'_, T> {
        SendFuture {
            chan: &self.chan,
            item: Some(item),
            key: None,
            location: Location::caller(),
        }
    }

    /// Sends `item` if that needs no waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = curio::sync::mpsc::channel(2);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] if the channel is full or other senders wait
    /// for room; [`TrySendError::Closed`] if the receiver is gone or closed.
    pub fn try_send(&self, item: T) -> Result<(), TrySendError<T>> {
        match self.chan.try_reserve() {
            Reserve::Reserved => {
                self.chan.push(item);
                Ok(())
            }
            Reserve::Full => Err(TrySendError::Full(item)),
            Reserve::Closed => Err(TrySendError::Closed(item)),
        }
    }

    /// Whether the receiver is gone or closed the channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = curio::sync::mpsc::channel::<u8>(1);
    /// assert!(!tx.is_closed());
    /// rx.close();
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Whether both senders belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = curio::sync::mpsc::channel::<u8>(1);
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

/// The future returned by [`Sender::send`].
///
/// Named `SendFuture`, not `Send`, so it does not shadow the marker trait.
///
/// # Examples
///
/// ```
/// use curio::sync::mpsc::{self, SendFuture};
/// # curio::run(async {
/// let (tx, mut rx) = mpsc::channel(1);
/// let send: SendFuture<'_, &str> = tx.send("job");
/// send.await.unwrap();
/// assert_eq!(rx.recv().await, Some("job"));
/// # });
/// ```
///
/// # Cancel safety
///
/// See [`Sender::send`].
#[must_use = "futures do nothing unless polled"]
pub struct SendFuture<'a, T> {
    /// The channel.
    chan: &'a Chan<T>,
    /// The item, until it is pushed or given back.
    item: Option<T>,
    /// The waiter slot, while queued for room.
    key: Option<Key>,
    /// Where the user called `send`.
    location: &'static Location<'static>,
}

impl<T> Unpin for SendFuture<'_, T> {}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("queued", &self.key.is_some())
            .finish()
    }
}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.item.is_none() {
            return Poll::Pending; // polled after completion
        }
        match this.key {
            None => {
                std::task::ready!(hook::poll_proceed(cx));
                let reserved = match this.chan.try_reserve() {
                    Reserve::Reserved => true,
                    Reserve::Closed => false,
                    Reserve::Full => match this.chan.reserve_or_wait(cx.waker()) {
                        Ok(None) => true,
                        Ok(Some(key)) => {
                            this.key = Some(key);
                            hook::waiting(state::QUEUE_PUT, this.location);
                            return Poll::Pending;
                        }
                        Err(()) => false,
                    },
                };
                this.finish(reserved)
            }
            Some(key) => match this.chan.poll_waiter(key, cx.waker()) {
                Waited::Pending => {
                    hook::waiting(state::QUEUE_PUT, this.location);
                    Poll::Pending
                }
                Waited::Reserved => {
                    this.key = None;
                    this.finish(true)
                }
                Waited::Closed => {
                    this.key = None;
                    this.finish(false)
                }
            },
        }
    }
}

impl<T> SendFuture<'_, T> {
    /// Pushes the item if room was reserved, else hands it back in the error.
    fn finish(&mut self, reserved: bool) -> Poll<Result<(), SendError<T>>> {
        let Some(item) = self.item.take() else {
            return Poll::Pending;
        };
        if reserved {
            self.chan.push(item);
            Poll::Ready(Ok(()))
        } else {
            Poll::Ready(Err(SendError(item)))
        }
    }
}

impl<T> Drop for SendFuture<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.chan.cancel_waiter(key);
        }
    }
}

/// The receiving half: one consumer.
///
/// Dropping it closes the channel and drops the items still in it.
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
///
/// # curio::run(async {
/// let (tx, rx) = curio::sync::mpsc::unbounded();
/// tx.try_send(1).unwrap();
/// tx.try_send(2).unwrap();
/// drop(tx);
/// let all: Vec<i32> = rx.collect().await;
/// assert_eq!(all, [1, 2]);
/// # });
/// ```
pub struct Receiver<T> {
    /// The channel.
    chan: Arc<Chan<T>>,
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("closed", &self.chan.is_closed())
            .finish()
    }
}

impl<T> Receiver<T> {
    /// Receives the next item, waiting while the channel is empty.
    ///
    /// `None` once every sender is gone (or the channel was closed) and
    /// every item sent has been received.
    ///
    /// # Examples
    ///
    /// ```
    /// # curio::run(async {
    /// let (tx, mut rx) = curio::sync::mpsc::channel(1);
    /// curio::spawn(async move { tx.send("hi").await.unwrap() });
    /// assert_eq!(rx.recv().await, Some("hi"));
    /// assert_eq!(rx.recv().await, None);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future loses nothing: an item is taken out of the
    /// channel only in the poll that returns it.
    ///
    /// # Memory ordering
    ///
    /// A send happens-before the receive that returns its item.
    #[track_caller]
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv {
            rx: self,
            location: Location::caller(),
        }
    }

    /// Receives an item if one is there; never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::sync::mpsc::{self, TryRecvError};
    ///
    /// let (tx, mut rx) = mpsc::channel(1);
    /// tx.try_send(3).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// ```
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if nothing is there,
    /// [`TryRecvError::Disconnected`] if nothing will come.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv().map_err(|finished| {
            if finished {
                TryRecvError::Disconnected
            } else {
                TryRecvError::Empty
            }
        })
    }

    /// Polls for the next item, as [`recv`](Self::recv) does.
    ///
    /// # Examples
    ///
    /// ```
    /// # curio::run(async {
    /// let (tx, mut rx) = curio::sync::mpsc::channel(1);
    /// tx.send(9).await.unwrap();
    /// let got = std::future::poll_fn(|cx| rx.poll_recv(cx)).await;
    /// assert_eq!(got, Some(9));
    /// # });
    /// ```
    #[track_caller]
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.poll_recv_at(cx, Location::caller())
    }

    /// [`poll_recv`](Self::poll_recv), reporting `location` while it waits.
    fn poll_recv_at(
        &mut self,
        cx: &mut Context<'_>,
        location: &'static Location<'static>,
    ) -> Poll<Option<T>> {
        std::task::ready!(hook::poll_proceed(cx));
        let r = self.chan.poll_recv(cx);
        if r.is_pending() {
            hook::waiting(state::QUEUE_GET, location);
        }
        r
    }

    /// Closes the channel: sends fail from now on (waiting senders get their
    /// items back), while the items already in it can still be received.
    ///
    /// # Examples
    ///
    /// ```
    /// # curio::run(async {
    /// let (tx, mut rx) = curio::sync::mpsc::channel(2);
    /// tx.send(1).await.unwrap();
    /// rx.close();
    /// assert!(tx.send(2).await.is_err());
    /// assert_eq!(rx.recv().await, Some(1));
    /// assert_eq!(rx.recv().await, None);
    /// # });
    /// ```
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// Whether the channel is closed (by [`close`](Self::close)).
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, mut rx) = curio::sync::mpsc::channel::<u8>(1);
    /// rx.close();
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// The channel's capacity (`usize::MAX >> 2` for an unbounded one).
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = curio::sync::mpsc::channel::<u8>(16);
    /// assert_eq!(rx.max_capacity(), 16);
    /// ```
    pub fn max_capacity(&self) -> usize {
        self.chan.cap()
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.close();
        // Drop what is left now rather than with the last sender.
        while self.chan.pop().is_some() {}
    }
}

impl<T> futures_core::Stream for Receiver<T> {
    type Item = T;

    #[track_caller]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv_at(cx, Location::caller())
    }
}

/// The future returned by [`Receiver::recv`].
///
/// # Examples
///
/// ```
/// use curio::sync::mpsc::{self, Recv};
/// # curio::run(async {
/// let (tx, mut rx) = mpsc::unbounded();
/// tx.try_send(3).unwrap();
/// let next: Recv<'_, i32> = rx.recv();
/// assert_eq!(next.await, Some(3));
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
    /// Where the user called `recv`.
    location: &'static Location<'static>,
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv").finish_non_exhaustive()
    }
}

impl<T> Future for Recv<'_, T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        let location = this.location;
        this.rx.poll_recv_at(cx, location)
    }
}
