//! [`Lock`]: an async mutex with strict FIFO hand-off, like curio's `Lock`.
//!
//! Built on a one-unit `RawSemaphore`: the unit is the right to touch the
//! data. Releasing with waiters queued hands the unit to the oldest one, so
//! the lock stays acquired across the hand-off and no newcomer can barge.
//!
//! # Examples
//!
//! ```
//! use curio::sync::Lock;
//! use std::sync::Arc;
//! # curio::run(async {
//! let count = Arc::new(Lock::new(0));
//! let kids: Vec<_> = (0..4)
//!     .map(|_| {
//!         let c = count.clone();
//!         curio::spawn(async move { *c.lock().await += 1 })
//!     })
//!     .collect();
//! for kid in kids {
//!     kid.await.unwrap();
//! }
//! assert_eq!(*count.lock().await, 4);
//! # });
//! ```
//!
//! # Safety
//!
//! The only unsafe code in the crate lives here and in `rwlock.rs`: access
//! to the `UnsafeCell` holding the value.
//!
//! 1. A guard exists only while its holder owns the semaphore's single unit
//!    (the guard is built right after the acquisition completes and gives
//!    the unit back in `Drop`), so at most one guard exists at a time.
//! 2. A guard borrows or owns the `Lock`, so the cell outlives it.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use crate::hook::state;
use crate::loom::UnsafeCell;
use crate::semaphore::{RawSemaphore, Waiting};

/// An async mutual-exclusion lock around a `T`, fair and FIFO.
///
/// # Examples
///
/// ```
/// use curio::sync::Lock;
/// # curio::run(async {
/// let lock = Lock::new(0);
/// *lock.lock().await += 1;
/// assert_eq!(*lock.try_lock().unwrap(), 1);
/// # });
/// ```
///
/// # Cancel safety
///
/// A [`LockFuture`] dropped while queued takes nothing; if the lock had
/// already been handed to it, it passes to the next waiter.
///
/// # Memory ordering
///
/// Everything done under one guard happens-before the next guard is handed
/// out (the hand-off goes through a mutex).
pub struct Lock<T> {
    /// The single unit that guards `data`.
    raw: RawSemaphore,
    /// The protected value.
    data: UnsafeCell<T>,
}

// SAFETY: a `Lock<T>` lets one thread at a time reach the `T` (rule 1), like
// `std::sync::Mutex`, so sharing it needs only `T: Send`.
#[allow(unsafe_code)]
unsafe impl<T: Send> Sync for Lock<T> {}
// SAFETY: moving the lock moves the `T`; `RawSemaphore` is `Send`.
#[allow(unsafe_code)]
unsafe impl<T: Send> Send for Lock<T> {}

impl<T: Default> Default for Lock<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> fmt::Debug for Lock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("locked", &(self.raw.available() == 0))
            .finish_non_exhaustive()
    }
}

impl<T> Lock<T> {
    /// Creates an unlocked lock holding `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = curio::sync::Lock::new(vec![1, 2]);
    /// assert!(!lock.locked());
    /// ```
    pub fn new(value: T) -> Self {
        Self {
            raw: RawSemaphore::new(1),
            data: UnsafeCell::new(value),
        }
    }

    /// Consumes the lock and returns the value.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(curio::sync::Lock::new(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T> Lock<T> {
    /// Waits for the lock, in FIFO order with other waiters.
    ///
    /// # Examples
    ///
    /// ```
    /// # curio::run(async {
    /// let lock = curio::sync::Lock::new(String::new());
    /// lock.lock().await.push_str("hi");
    /// assert_eq!(&*lock.lock().await, "hi");
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: see the type's docs.
    #[track_caller]
    pub fn lock(&self) -> LockFuture<'_, T> {
        LockFuture {
            lock: self,
            waiting: Waiting::new(1),
            location: Location::caller(),
        }
    }

    /// Takes the lock if it is free and no one is queued; never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = curio::sync::Lock::new(1);
    /// let g = lock.try_lock().unwrap();
    /// assert!(lock.try_lock().is_none());
    /// drop(g);
    /// ```
    pub fn try_lock(&self) -> Option<LockGuard<'_, T>> {
        self.raw.try_acquire(1).then(|| LockGuard::new(self))
    }

    /// Whether some guard holds the lock (or it is being handed to a waiter).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = curio::sync::Lock::new(());
    /// let _g = lock.try_lock();
    /// assert!(lock.locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.raw.available() == 0
    }

    /// Returns a mutable reference to the value; no locking is needed.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut lock = curio::sync::Lock::new(1);
    /// *lock.get_mut() = 2;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` proves no guard exists (guards borrow or own the lock).
        #[allow(unsafe_code)]
        self.data.with_mut(|p| unsafe { &mut *p })
    }

    /// Waits for the lock through an `Arc`, so the guard is `'static`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// # curio::run(async {
    /// let lock = Arc::new(curio::sync::Lock::new(0));
    /// let mut g = lock.clone().lock_owned().await;
    /// std::thread::spawn(move || *g += 1).join().unwrap();
    /// assert_eq!(*lock.lock().await, 1);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: see the type's docs.
    #[track_caller]
    pub fn lock_owned(self: Arc<Self>) -> LockOwned<T> {
        LockOwned {
            lock: self,
            waiting: Waiting::new(1),
            location: Location::caller(),
        }
    }

    /// Gives the unit back (the guard is gone); hands it to the oldest waiter.
    fn unlock(&self) {
        self.raw.release(1);
    }

    /// Shared access to the value for a guard.
    fn value(&self) -> &T {
        // SAFETY: only called by a live guard, which holds the unit (rule 1)
        // and keeps the lock alive (rule 2).
        #[allow(unsafe_code)]
        self.data.with(|p| unsafe { &*p })
    }

    /// Unique access to the value for a guard borrowed mutably.
    #[allow(clippy::mut_from_ref)]
    fn value_mut(&self) -> &mut T {
        // SAFETY: only called through `&mut` of a live guard, which holds the
        // unit (rule 1), so no other reference to the value exists.
        #[allow(unsafe_code)]
        self.data.with_mut(|p| unsafe { &mut *p })
    }
}

/// Exclusive access to a [`Lock`]'s value; unlocks on drop.
///
/// # Examples
///
/// ```
/// # curio::run(async {
/// let lock = curio::sync::Lock::new(1);
/// let mut guard = lock.lock().await;
/// *guard += 1;
/// drop(guard);
/// assert_eq!(lock.into_inner(), 2);
/// # });
/// ```
///
/// A guard is `Sync` only when `T` is, so it never shares a `Cell`:
///
/// ```compile_fail
/// fn sync<T: Sync>() {}
/// sync::<curio::sync::LockGuard<'static, std::cell::Cell<u8>>>();
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a, T> {
    /// The lock whose unit this guard holds.
    lock: &'a Lock<T>,
    /// Makes the guard `Send`/`Sync` exactly when `&mut T` is.
    _marker: PhantomData<&'a mut T>,
}

impl<'a, T> LockGuard<'a, T> {
    /// Wraps a unit just acquired from `lock`.
    fn new(lock: &'a Lock<T>) -> Self {
        Self {
            lock,
            _marker: PhantomData,
        }
    }

    /// The lock this guard belongs to (for [`Condition`](crate::Condition)).
    pub(crate) fn source(&self) -> &'a Lock<T> {
        self.lock
    }
}

impl<T> Deref for LockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.lock.value()
    }
}

impl<T> DerefMut for LockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.lock.value_mut()
    }
}

impl<T: fmt::Debug> fmt::Debug for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T> Drop for LockGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.unlock();
    }
}

/// Exclusive access to an `Arc<Lock<T>>`'s value; unlocks on drop.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// let lock = Arc::new(curio::sync::Lock::new(5));
/// let guard = lock.clone().try_lock_owned().unwrap();
/// assert_eq!(*guard, 5);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedLockGuard<T> {
    /// The lock whose unit this guard holds.
    lock: Arc<Lock<T>>,
    /// Makes the guard `Sync` only when `T` is (it hands out `&T`).
    _marker: PhantomData<Cell<()>>,
}

// `PhantomData<Cell<()>>` made the guard `!Sync`; restore `Sync` when
// sharing the guard is sharing `&T`.
// SAFETY: `&OwnedLockGuard<T>` only yields `&T` (rule 1), which is safe to
// share when `T: Sync`; `T: Send` is needed because the lock is shared.
#[allow(unsafe_code)]
unsafe impl<T: Send + Sync> Sync for OwnedLockGuard<T> {}

impl<T> Lock<T> {
    /// Takes the lock through an `Arc` if it is free and no one is queued.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(curio::sync::Lock::new(()));
    /// let _g = lock.clone().try_lock_owned().unwrap();
    /// assert!(lock.clone().try_lock_owned().is_none());
    /// ```
    pub fn try_lock_owned(self: Arc<Self>) -> Option<OwnedLockGuard<T>> {
        if self.raw.try_acquire(1) {
            Some(OwnedLockGuard {
                lock: self,
                _marker: PhantomData,
            })
        } else {
            None
        }
    }
}

impl<T> Deref for OwnedLockGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.lock.value()
    }
}

impl<T> DerefMut for OwnedLockGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.lock.value_mut()
    }
}

impl<T: fmt::Debug> fmt::Debug for OwnedLockGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T> Drop for OwnedLockGuard<T> {
    fn drop(&mut self) {
        self.lock.unlock();
    }
}

/// The future returned by [`Lock::lock`].
///
/// Named `LockFuture` rather than `Lock` because the type `Lock` is taken.
///
/// # Examples
///
/// ```
/// use curio::sync::{lock::LockFuture, Lock};
/// # curio::run(async {
/// let lock = Lock::new(1);
/// let fut: LockFuture<'_, i32> = lock.lock();
/// *fut.await += 1;
/// assert_eq!(*lock.lock().await, 2);
/// # });
/// ```
///
/// # Cancel safety
///
/// Dropping it while queued takes nothing; if the lock was already handed to
/// it, the lock passes to the next waiter.
#[must_use = "futures do nothing unless polled"]
pub struct LockFuture<'a, T> {
    /// The lock.
    lock: &'a Lock<T>,
    /// Queue bookkeeping.
    waiting: Waiting,
    /// Where the user called `lock`.
    location: &'static Location<'static>,
}

impl<T> fmt::Debug for LockFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockFuture")
            .field("waiting", &self.waiting)
            .finish()
    }
}

impl<'a, T> Future for LockFuture<'a, T> {
    type Output = LockGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<LockGuard<'a, T>> {
        let this = self.get_mut();
        ready!(this.lock.raw.poll_acquire(
            cx,
            &mut this.waiting,
            state::LOCK_ACQUIRE,
            this.location
        ));
        Poll::Ready(LockGuard::new(this.lock))
    }
}

impl<'a, T> LockFuture<'a, T> {
    /// A lock future reporting `location` (for [`Condition`](crate::Condition)).
    pub(crate) fn new_at(lock: &'a Lock<T>, location: &'static Location<'static>) -> Self {
        Self {
            lock,
            waiting: Waiting::new(1),
            location,
        }
    }
}

impl<T> Drop for LockFuture<'_, T> {
    fn drop(&mut self) {
        self.lock.raw.cancel(&mut self.waiting);
    }
}

/// The future returned by [`Lock::lock_owned`].
///
/// # Examples
///
/// ```
/// use curio::sync::{lock::LockOwned, Lock};
/// use std::sync::Arc;
/// # curio::run(async {
/// let lock = Arc::new(Lock::new(String::new()));
/// let fut: LockOwned<String> = lock.clone().lock_owned();
/// let kid = curio::spawn(async move { fut.await.push_str("owned") });
/// kid.await.unwrap();
/// assert_eq!(*lock.lock().await, "owned");
/// # });
/// ```
///
/// # Cancel safety
///
/// As [`LockFuture`].
#[must_use = "futures do nothing unless polled"]
pub struct LockOwned<T> {
    /// The lock.
    lock: Arc<Lock<T>>,
    /// Queue bookkeeping.
    waiting: Waiting,
    /// Where the user called `lock_owned`.
    location: &'static Location<'static>,
}

impl<T> fmt::Debug for LockOwned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockOwned")
            .field("waiting", &self.waiting)
            .finish()
    }
}

impl<T> Future for LockOwned<T> {
    type Output = OwnedLockGuard<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<OwnedLockGuard<T>> {
        let this = self.get_mut();
        ready!(this.lock.raw.poll_acquire(
            cx,
            &mut this.waiting,
            state::LOCK_ACQUIRE,
            this.location
        ));
        Poll::Ready(OwnedLockGuard {
            lock: Arc::clone(&this.lock),
            _marker: PhantomData,
        })
    }
}

impl<T> Drop for LockOwned<T> {
    fn drop(&mut self) {
        self.lock.raw.cancel(&mut self.waiting);
    }
}

#[cfg(test)]
mod tests;
