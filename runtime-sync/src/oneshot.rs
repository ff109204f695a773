//! A one-value channel: one [`Sender::send`], one receive, tokio's shape.
//!
//! The [`Receiver`] is itself the future; it resolves to the value, or to
//! [`RecvError`] if the sender was dropped without sending. While waiting it
//! reports `QUEUE_GET`; [`Sender::closed`] reports `EVENT_WAIT`.
//!
//! # State
//!
//! One mutex holds the value, both wakers and two flags: `complete` (the
//! sender sent or was dropped) and `rx_gone` (the receiver was dropped).
//!
//! # Invariants
//!
//! 1. `complete` and `rx_gone` are set once and never cleared.
//! 2. A value is stored only while `rx_gone` is false; the receiver's drop
//!    takes it out again (so a value sent to a dying receiver is dropped).
//! 3. No waker is woken and no value dropped while the mutex is held.
//!
//! # Examples
//!
//! ```
//! use curio::sync::oneshot;
//!
//! # curio::run(async {
//! let (tx, rx) = oneshot::channel();
//! curio::spawn(async move { tx.send(6 * 7).unwrap() });
//! assert_eq!(rx.await, Ok(42));
//! # });
//! ```

#![deny(unsafe_code)]

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::hook::{self, state};
use crate::loom::{Arc, Mutex};

/// Creates a oneshot channel.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = curio::sync::oneshot::channel();
/// tx.send("done").unwrap();
/// assert_eq!(rx.try_recv(), Ok("done"));
/// ```
#[track_caller]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        state: Mutex::new(State {
            value: None,
            rx_waker: None,
            tx_waker: None,
            complete: false,
            rx_gone: false,
        }),
    });
    (
        Sender {
            inner: Some(inner.clone()),
        },
        Receiver {
            inner,
            done: false,
            location: Location::caller(),
        },
    )
}

/// The error of awaiting a [`Receiver`]: the sender was dropped without sending.
///
/// # Examples
///
/// ```
/// # curio::run(async {
/// let (tx, rx) = curio::sync::oneshot::channel::<u8>();
/// drop(tx);
/// let err = rx.await.unwrap_err();
/// assert_eq!(err.to_string(), "channel closed");
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvError;

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("channel closed")
    }
}

impl std::error::Error for RecvError {}

/// The error of [`Receiver::try_recv`].
///
/// # Examples
///
/// ```
/// use curio::sync::oneshot::{self, TryRecvError};
///
/// let (tx, mut rx) = oneshot::channel::<u8>();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// No value yet; the sender is still there.
    Empty,
    /// The sender was dropped without sending, or the value was already taken.
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("channel empty"),
            Self::Closed => f.write_str("channel closed"),
        }
    }
}

impl std::error::Error for TryRecvError {}

/// The error types, also at tokio's path (`oneshot::error::RecvError`).
///
/// # Examples
///
/// ```
/// use curio::sync::oneshot::{self, error::RecvError};
/// # curio::run(async {
/// let (tx, rx) = oneshot::channel::<u8>();
/// drop(tx);
/// assert_eq!(rx.await, Err(RecvError));
/// # });
/// ```
pub mod error {
    pub use super::{RecvError, TryRecvError};
}

/// The shared cell.
struct Inner<T> {
    /// See the module docs.
    state: Mutex<State<T>>,
}

/// The mutex-protected part of the cell.
struct State<T> {
    /// The value, between `send` and the receive.
    value: Option<T>,
    /// The receiver's waker, while it waits.
    rx_waker: Option<Waker>,
    /// The waker of a sender in `closed()`.
    tx_waker: Option<Waker>,
    /// The sender sent or was dropped (rule 1).
    complete: bool,
    /// The receiver was dropped (rule 1).
    rx_gone: bool,
}

/// Stores `waker` in `slot` unless it already holds one that wakes the same task.
fn store_waker(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(w) if w.will_wake(waker) => {}
        other => *other = Some(waker.clone()),
    }
}

/// The sending half; [`send`](Self::send) consumes it.
///
/// # Examples
///
/// ```
/// let (tx, rx) = curio::sync::oneshot::channel::<u8>();
/// assert!(!tx.is_closed());
/// drop(rx);
/// assert!(tx.is_closed());
/// ```
pub struct Sender<T> {
    /// The cell; `None` once sent.
    inner: Option<Arc<Inner<T>>>,
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> Sender<T> {
    /// Sends `value`; `Err(value)` if the receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = curio::sync::oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(1), Err(1));
    /// ```
    ///
    /// # Errors
    ///
    /// The value comes back if the receiver was dropped.
    ///
    /// # Memory ordering
    ///
    /// `send` happens-before the receive that returns the value.
    pub fn send(mut self, value: T) -> Result<(), T> {
        let Some(inner) = self.inner.take() else {
            return Err(value);
        };
        let (waker, refused) = {
            let mut s = inner.state.lock();
            s.complete = true;
            if s.rx_gone {
                // A closed receiver may still be awaited: it must learn
                // that nothing will come.
                (s.rx_waker.take(), Some(value))
            } else {
                s.value = Some(value);
                (s.rx_waker.take(), None)
            }
        };
        if let Some(w) = waker {
            w.wake();
        }
        match refused {
            Some(value) => Err(value),
            None => Ok(()),
        }
    }

    /// Whether the receiver has been dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = curio::sync::oneshot::channel::<u8>();
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        match &self.inner {
            Some(i) => i.state.lock().rx_gone,
            None => true,
        }
    }

    /// Waits until the receiver is dropped (to stop work nobody will take).
    ///
    /// # Examples
    ///
    /// ```
    /// # curio::run(async {
    /// let (mut tx, rx) = curio::sync::oneshot::channel::<u8>();
    /// curio::spawn(async move { drop(rx) });
    /// tx.closed().await;
    /// assert!(tx.is_closed());
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future has no effect.
    #[track_caller]
    pub fn closed(&mut self) -> Closed<'_, T> {
        Closed {
            tx: self,
            location: Location::caller(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            let waker = {
                let mut s = inner.state.lock();
                s.complete = true;
                s.rx_waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        }
    }
}

/// The future returned by [`Sender::closed`].
///
/// # Examples
///
/// ```
/// use curio::sync::oneshot::{self, Closed};
/// # curio::run(async {
/// let (mut tx, rx) = oneshot::channel::<u8>();
/// drop(rx);
/// let closed: Closed<'_, u8> = tx.closed();
/// closed.await;
/// # });
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Closed<'a, T> {
    /// The sender.
    tx: &'a mut Sender<T>,
    /// Where the user called `closed`.
    location: &'static Location<'static>,
}

impl<T> fmt::Debug for Closed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Closed").finish_non_exhaustive()
    }
}

impl<T> Future for Closed<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let Some(inner) = this.tx.inner.as_ref() else {
            return Poll::Ready(());
        };
        {
            let mut s = inner.state.lock();
            if s.rx_gone {
                return Poll::Ready(());
            }
            store_waker(&mut s.tx_waker, cx.waker());
        }
        hook::waiting(state::EVENT_WAIT, this.location);
        Poll::Pending
    }
}

/// The receiving half, a future of the value.
///
/// # Examples
///
/// ```
/// # curio::run(async {
/// let (tx, rx) = curio::sync::oneshot::channel();
/// tx.send(String::from("x")).unwrap();
/// assert_eq!(rx.await.unwrap(), "x");
/// # });
/// ```
///
/// # Cancel safety
///
/// Awaiting takes the value only in the poll that returns it. Dropping the
/// receiver drops a value that was sent and not received.
pub struct Receiver<T> {
    /// The cell.
    inner: Arc<Inner<T>>,
    /// A receive has returned: the value is taken or the sender is gone, so
    /// the drop has nothing to tell anyone (rule 1) and skips the lock.
    done: bool,
    /// Where the channel was created (reported while waiting).
    location: &'static Location<'static>,
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

impl<T> Receiver<T> {
    /// Takes the value if it has been sent; never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::sync::oneshot::{self, error::TryRecvError};
    /// let (tx, mut rx) = oneshot::channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(5).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed)); // already taken
    /// ```
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if nothing was sent yet,
    /// [`TryRecvError::Closed`] if the sender was dropped unsent or the value
    /// was already taken.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut s = self.inner.state.lock();
        match s.value.take() {
            Some(v) => {
                self.done = true;
                Ok(v)
            }
            None if s.complete => {
                self.done = true;
                Err(TryRecvError::Closed)
            }
            None => Err(TryRecvError::Empty),
        }
    }

    /// Marks the receiver as gone without dropping it: a later `send` fails.
    ///
    /// A value sent before stays receivable with [`try_recv`](Self::try_recv).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = curio::sync::oneshot::channel::<u8>();
    /// rx.close();
    /// assert_eq!(tx.send(1), Err(1));
    /// ```
    pub fn close(&mut self) {
        let waker = {
            let mut s = self.inner.state.lock();
            s.rx_gone = true;
            s.tx_waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        std::task::ready!(hook::poll_proceed(cx));
        {
            let mut s = this.inner.state.lock();
            if let Some(v) = s.value.take() {
                this.done = true;
                return Poll::Ready(Ok(v));
            }
            if s.complete {
                this.done = true;
                return Poll::Ready(Err(RecvError));
            }
            store_waker(&mut s.rx_waker, cx.waker());
        }
        hook::waiting(state::QUEUE_GET, this.location);
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let (value, waker) = {
            let mut s = self.inner.state.lock();
            s.rx_gone = true;
            (s.value.take(), s.tx_waker.take())
        };
        // Rule 3: the value and the waker leave the lock first.
        drop(value);
        if let Some(w) = waker {
            w.wake();
        }
    }
}
