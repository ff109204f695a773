//! A single-value channel that keeps only the latest value: one
//! [`Sender`], any number of [`Receiver`]s, tokio's shape.
//!
//! Each receiver remembers the version it last saw; [`Receiver::changed`]
//! waits for a newer one (reporting `EVENT_WAIT`) and fails once the sender
//! is gone and nothing newer came.
//!
//! # State
//!
//! The value sits in a reader-writer lock; `version` packs
//! `count << 1 | CLOSED`, where `count` grows by one per send and `CLOSED`
//! is set when the sender is dropped. Waiting receivers are queued in a
//! mutex'd `WaitList`.
//!
//! # Invariants
//!
//! 1. `count` changes only with the value's write lock held, so a reader
//!    holding the read lock sees a `count` that matches the value.
//! 2. A sender bumps the version, then locks the waiter list and wakes every
//!    waiter. A waiter queues itself under that lock, then reads the version
//!    again. So either the sender sees it queued, or it sees the new version.
//! 3. `CLOSED` is set once and never cleared.
//! 4. No waker is woken and no value dropped while a lock is held.
//!
//! # Examples
//!
//! ```
//! use curio::sync::watch;
//!
//! # curio::run(async {
//! let (tx, mut rx) = watch::channel("starting");
//! let t = curio::spawn(async move {
//!     rx.changed().await.unwrap();
//!     *rx.borrow_and_update()
//! });
//! tx.send("running").unwrap();
//! assert_eq!(t.await.unwrap(), "running");
//! # });
//! ```

#![deny(unsafe_code)]

use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::hook::{self, state};
use crate::loom::atomic::{AtomicUsize, Ordering};
use crate::loom::{Arc, Mutex, RwLock, RwLockReadGuard};
use crate::waiters::{Key, WaitList, WakeList};

/// Set in `version` once the sender is dropped (rule 3).
const CLOSED: usize = 1;
/// One step of `count` in `version`.
const STEP: usize = 2;

/// Creates a watch channel holding `init` (which receivers count as seen).
///
/// # Examples
///
/// ```
/// let (tx, rx) = curio::sync::watch::channel(1);
/// assert_eq!(*rx.borrow(), 1);
/// tx.send(2).unwrap();
/// assert_eq!(*rx.borrow(), 2);
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        value: RwLock::new(init),
        version: AtomicUsize::new(0),
        receivers: AtomicUsize::new(1),
        waiters: Mutex::new(WaitList::new()),
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared, seen: 0 },
    )
}

pub use crate::send_error::SendError;

/// The error of [`Receiver::changed`]: the sender is gone.
///
/// # Examples
///
/// ```
/// # curio::run(async {
/// let (tx, mut rx) = curio::sync::watch::channel(0);
/// drop(tx);
/// assert_eq!(rx.changed().await, Err(curio::sync::watch::RecvError));
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

/// The error types, also at tokio's path (`watch::error::SendError`).
///
/// # Examples
///
/// ```
/// use curio::sync::watch::{self, error::SendError};
/// let (tx, rx) = watch::channel(0);
/// drop(rx);
/// assert_eq!(tx.send(1), Err(SendError(1)));
/// ```
pub mod error {
    pub use super::{RecvError, SendError};
}

/// The state shared by the sender and the receivers.
struct Shared<T> {
    /// The latest value.
    value: RwLock<T>,
    /// `count << 1 | CLOSED` (module docs).
    version: AtomicUsize,
    /// Live receivers.
    receivers: AtomicUsize,
    /// Receivers waiting in `changed` (rule 2).
    waiters: Mutex<WaitList<()>>,
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
}

/// A read guard on the value, from `borrow`.
///
/// Holding it blocks the sender: keep it short, and never across an `.await`.
///
/// # Examples
///
/// ```
/// let (_tx, rx) = curio::sync::watch::channel(vec![1, 2]);
/// let r = rx.borrow();
/// assert_eq!(r.len(), 2);
/// ```
pub struct Ref<'a, T> {
    /// The read lock.
    guard: RwLockReadGuard<'a, T>,
    /// Whether the value is newer than the receiver had seen.
    changed: bool,
}

impl<T> Ref<'_, T> {
    /// Whether this value was unseen by the receiver when borrowed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = curio::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert!(rx.borrow_and_update().has_changed());
    /// assert!(!rx.borrow().has_changed());
    /// ```
    pub fn has_changed(&self) -> bool {
        self.changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

/// The sending half.
///
/// # Examples
///
/// ```
/// let (tx, rx) = curio::sync::watch::channel(0);
/// let old = tx.send_replace(1);
/// assert_eq!((old, *rx.borrow()), (0, 1));
/// ```
pub struct Sender<T> {
    /// The channel.
    shared: Arc<Shared<T>>,
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("value", &*self.shared.value.read())
            .finish()
    }
}

impl<T> Sender<T> {
    /// Replaces the value and wakes the receivers; `Err` if none is left.
    ///
    /// # Examples
    ///
    /// ```
    /// # curio::run(async {
    /// let (tx, mut rx) = curio::sync::watch::channel("starting");
    /// tx.send("running").unwrap();
    /// rx.changed().await.unwrap();
    /// assert_eq!(*rx.borrow(), "running");
    /// drop(rx);
    /// assert!(tx.send("stopped").is_err()); // no receiver left
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value, which is not stored, if every receiver
    /// is gone.
    ///
    /// # Memory ordering
    ///
    /// A send happens-before a `changed` that returns because of it.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        // ORDERING: Acquire; pairs with the Release decrement in the
        // receivers' drop (a plain count, read here for the answer only).
        if self.shared.receivers.load(Ordering::Acquire) == 0 {
            return Err(SendError(value));
        }
        drop(self.send_replace(value));
        Ok(())
    }

    /// Replaces the value whether or not a receiver is left, returning the old one.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = curio::sync::watch::channel(1);
    /// drop(rx);
    /// assert_eq!(tx.send_replace(2), 1); // stored even with no receiver
    /// assert_eq!(*tx.borrow(), 2);
    /// ```
    pub fn send_replace(&self, value: T) -> T {
        let old = {
            let mut v = self.shared.value.write();
            // ORDERING: Release; pairs with the Acquire loads in `changed`
            // and `has_changed` (rule 1: under the write lock).
            self.shared.version.fetch_add(STEP, Ordering::Release);
            std::mem::replace(&mut *v, value)
        };
        self.shared.notify_all();
        old
    }

    /// Modifies the value in place and wakes the receivers, receivers or not.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = curio::sync::watch::channel(vec![1]);
    /// tx.send_modify(|v| v.push(2));
    /// assert_eq!(*rx.borrow(), [1, 2]);
    /// ```
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        {
            let mut v = self.shared.value.write();
            modify(&mut v);
            // ORDERING: Release, as in `send_replace` (rule 1).
            self.shared.version.fetch_add(STEP, Ordering::Release);
        }
        self.shared.notify_all();
    }

    /// Borrows the current value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = curio::sync::watch::channel(3);
    /// assert_eq!(*tx.borrow(), 3);
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            guard: self.shared.value.read(),
            changed: false,
        }
    }

    /// A new receiver that has seen the current value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = curio::sync::watch::channel(0);
    /// drop(rx);
    /// let rx = tx.subscribe();
    /// tx.send(1).unwrap();
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        let guard = self.shared.value.read();
        self.shared.receivers.fetch_add(1, Ordering::Relaxed);
        // ORDERING: Relaxed; under the read lock, `count` cannot move (rule 1).
        let seen = self.shared.version.load(Ordering::Relaxed) >> 1;
        drop(guard);
        Receiver {
            shared: self.shared.clone(),
            seen,
        }
    }

    /// Number of live receivers.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = curio::sync::watch::channel(0);
    /// let _rx2 = rx.clone();
    /// assert_eq!(tx.receiver_count(), 2);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.receivers.load(Ordering::Relaxed)
    }

    /// Whether every receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = curio::sync::watch::channel(0);
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // ORDERING: Release; pairs with the Acquire loads in `changed` (rule 3).
        self.shared.version.fetch_or(CLOSED, Ordering::Release);
        self.shared.notify_all();
    }
}

/// A receiving half; clone it for more receivers (the clone has seen what
/// the original has).
///
/// # Examples
///
/// ```
/// # curio::run(async {
/// let (tx, mut rx) = curio::sync::watch::channel(0);
/// let mut rx2 = rx.clone();
/// tx.send(1).unwrap();
/// rx.changed().await.unwrap();
/// rx2.changed().await.unwrap();
/// # });
/// ```
pub struct Receiver<T> {
    /// The channel.
    shared: Arc<Shared<T>>,
    /// The `count` of the last value this receiver saw.
    seen: usize,
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.receivers.fetch_add(1, Ordering::Relaxed);
        Self {
            shared: self.shared.clone(),
            seen: self.seen,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // ORDERING: Release; pairs with the Acquire load in `Sender::send`.
        self.shared.receivers.fetch_sub(1, Ordering::Release);
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("value", &*self.shared.value.read())
            .finish()
    }
}

impl<T> Receiver<T> {
    /// Borrows the current value without marking it seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = curio::sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// let value = rx.borrow();
    /// assert_eq!(*value, 2);
    /// assert!(value.has_changed()); // borrow does not mark it seen
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        let guard = self.shared.value.read();
        // ORDERING: Relaxed; under the read lock `count` cannot move (rule 1).
        let now = self.shared.version.load(Ordering::Relaxed) >> 1;
        Ref {
            guard,
            changed: now != self.seen,
        }
    }

    /// Borrows the current value and marks it seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = curio::sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert!(rx.borrow_and_update().has_changed());
    /// assert!(!rx.borrow().has_changed()); // now seen
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let guard = self.shared.value.read();
        // ORDERING: Relaxed; under the read lock `count` cannot move (rule 1).
        let now = self.shared.version.load(Ordering::Relaxed) >> 1;
        let changed = now != self.seen;
        self.seen = now;
        Ref { guard, changed }
    }

    /// Whether a value newer than the last seen one is there.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = curio::sync::watch::channel(0);
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// drop(tx);
    /// assert_eq!(rx.has_changed(), Ok(true)); // still unseen
    /// ```
    ///
    /// # Errors
    ///
    /// [`RecvError`] if the sender is gone and nothing newer is there.
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        // ORDERING: Acquire; pairs with the Release RMWs of the sender.
        let v = self.shared.version.load(Ordering::Acquire);
        if v >> 1 != self.seen {
            Ok(true)
        } else if v & CLOSED != 0 {
            Err(RecvError)
        } else {
            Ok(false)
        }
    }

    /// Marks the current value as seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = curio::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// rx.mark_unchanged();
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// ```
    pub fn mark_unchanged(&mut self) {
        // ORDERING: Acquire; pairs with the sender's Release RMWs.
        self.seen = self.shared.version.load(Ordering::Acquire) >> 1;
    }

    /// Waits for a value newer than the last seen one, then marks it seen.
    ///
    /// # Examples
    ///
    /// ```
    /// # curio::run(async {
    /// let (tx, mut rx) = curio::sync::watch::channel(0);
    /// let kid = curio::spawn(async move {
    ///     rx.changed().await.unwrap();
    ///     *rx.borrow_and_update()
    /// });
    /// tx.send(9).unwrap();
    /// assert_eq!(kid.await.unwrap(), 9);
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// [`RecvError`] once the sender is gone and nothing newer is there.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future changes nothing: the value is marked seen only
    /// when it returns.
    #[track_caller]
    pub fn changed(&mut self) -> Changed<'_, T> {
        Changed {
            rx: self,
            key: None,
            location: Location::caller(),
        }
    }

    /// Whether both receivers belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = curio::sync::watch::channel(0);
    /// assert!(rx.same_channel(&rx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

/// The future returned by [`Receiver::changed`].
///
/// # Examples
///
/// ```
/// use curio::sync::watch::{self, Changed};
/// # curio::run(async {
/// let (tx, mut rx) = watch::channel(0);
/// tx.send(1).unwrap();
/// let changed: Changed<'_, i32> = rx.changed();
/// changed.await.unwrap();
/// # });
/// ```
///
/// # Cancel safety
///
/// See [`Receiver::changed`].
#[must_use = "futures do nothing unless polled"]
pub struct Changed<'a, T> {
    /// The receiver.
    rx: &'a mut Receiver<T>,
    /// The waiter slot, while queued.
    key: Option<Key>,
    /// Where the user called `changed`.
    location: &'static Location<'static>,
}

impl<T> fmt::Debug for Changed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Changed")
            .field("queued", &self.key.is_some())
            .finish()
    }
}

impl<T> Changed<'_, T> {
    /// Completes if a newer value is there or the sender is gone.
    fn check(&mut self) -> Option<Result<(), RecvError>> {
        // ORDERING: Acquire; pairs with the sender's Release RMWs, so the
        // value written under the lock before the bump is visible.
        let v = self.rx.shared.version.load(Ordering::Acquire);
        if v >> 1 != self.rx.seen {
            self.rx.seen = v >> 1;
            Some(Ok(()))
        } else if v & CLOSED != 0 {
            Some(Err(RecvError))
        } else {
            None
        }
    }
}

impl<T> Future for Changed<'_, T> {
    type Output = Result<(), RecvError>;

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
        hook::waiting(state::EVENT_WAIT, this.location);
        Poll::Pending
    }
}

impl<T> Changed<'_, T> {
    /// Leaves the waiter list, if queued; a wake-up it had needs no passing
    /// on, since every waiter is woken by each send.
    fn leave(&mut self) {
        if let Some(key) = self.key.take() {
            let _ = self.rx.shared.waiters.lock().remove(key);
        }
    }
}

impl<T> Drop for Changed<'_, T> {
    fn drop(&mut self) {
        self.leave();
    }
}
