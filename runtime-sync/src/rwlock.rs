//! [`RwLock`]: an async reader-writer lock, FIFO-fair, that never starves
//! writers.
//!
//! Built on the weighted `RawSemaphore` with `MAX_READERS` units: a
//! reader takes one, a writer takes all of them. The semaphore's FIFO grant
//! loop (semaphore.rs rules 1-3) gives the fairness: a writer queued behind
//! active readers blocks every reader that arrives after it, and when it is
//! done the readers queued behind it are admitted together.
//!
//! # Examples
//!
//! ```
//! use curio::sync::RwLock;
//! # curio::run(async {
//! let config = RwLock::new(String::from("v1"));
//! {
//!     let a = config.read().await;
//!     let b = config.read().await; // readers share the lock
//!     assert_eq!(*a, *b);
//! }
//! config.write().await.push_str("+patch");
//! assert_eq!(*config.read().await, "v1+patch");
//! # });
//! ```
//!
//! # Safety
//!
//! 1. A write guard exists only while its holder owns all `MAX_READERS`
//!    units, so no other guard exists; a read guard holds one unit, so no
//!    write guard exists while it lives.
//! 2. Guards borrow the `RwLock`, so the cell outlives them.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::hook::state;
use crate::loom::UnsafeCell;
use crate::semaphore::{RawSemaphore, Waiting};

/// How many readers may hold the lock at once; a writer takes all of them.
pub(crate) const MAX_READERS: usize = u32::MAX as usize >> 3;

/// An async reader-writer lock around a `T`: many readers or one writer.
///
/// # Examples
///
/// ```
/// use curio::sync::RwLock;
/// # curio::run(async {
/// let lock = RwLock::new(1);
/// {
///     let a = lock.read().await;
///     let b = lock.read().await;
///     assert_eq!(*a + *b, 2);
/// }
/// *lock.write().await += 1;
/// assert_eq!(*lock.read().await, 2);
/// # });
/// ```
///
/// # Cancel safety
///
/// A [`Read`] or [`Write`] dropped while queued takes nothing, and if it
/// was already granted the lock, the grant passes to the next waiters.
///
/// # Memory ordering
///
/// A write guard's changes happen-before every later guard is handed out.
pub struct RwLock<T> {
    /// `MAX_READERS` units guarding `data`.
    raw: RawSemaphore,
    /// The protected value.
    data: UnsafeCell<T>,
}

// SAFETY: readers on several threads get `&T` at once (needs `T: Sync`); a
// writer gets `&mut T` on any thread (needs `T: Send`) — rule 1.
#[allow(unsafe_code)]
unsafe impl<T: Send + Sync> Sync for RwLock<T> {}
// SAFETY: moving the lock moves the `T`.
#[allow(unsafe_code)]
unsafe impl<T: Send> Send for RwLock<T> {}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLock")
            .field("free_units", &self.raw.available())
            .finish_non_exhaustive()
    }
}

impl<T> RwLock<T> {
    /// Creates an unlocked reader-writer lock holding `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = curio::sync::RwLock::new("x");
    /// assert_eq!(*lock.try_read().unwrap(), "x");
    /// ```
    pub fn new(value: T) -> Self {
        Self {
            raw: RawSemaphore::new(MAX_READERS),
            data: UnsafeCell::new(value),
        }
    }

    /// Consumes the lock and returns the value.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(curio::sync::RwLock::new(4).into_inner(), 4);
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }

    /// Waits for shared access, in FIFO order with other waiters.
    ///
    /// # Examples
    ///
    /// ```
    /// # curio::run(async {
    /// let lock = curio::sync::RwLock::new(7);
    /// assert_eq!(*lock.read().await, 7);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: see the type's docs.
    #[track_caller]
    pub fn read(&self) -> Read<'_, T> {
        Read {
            lock: self,
            waiting: Waiting::new(1),
            location: Location::caller(),
        }
    }

    /// Waits for exclusive access, in FIFO order with other waiters.
    ///
    /// # Examples
    ///
    /// ```
    /// # curio::run(async {
    /// let lock = curio::sync::RwLock::new(vec![]);
    /// lock.write().await.push(1);
    /// assert_eq!(lock.read().await.len(), 1);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: see the type's docs.
    #[track_caller]
    pub fn write(&self) -> Write<'_, T> {
        Write {
            lock: self,
            waiting: Waiting::new(MAX_READERS),
            location: Location::caller(),
        }
    }

    /// Takes shared access if no writer holds or waits for the lock; never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = curio::sync::RwLock::new(0);
    /// let _w = lock.try_write().unwrap();
    /// assert!(lock.try_read().is_none());
    /// ```
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, T>> {
        self.raw.try_acquire(1).then(|| RwLockReadGuard {
            lock: self,
            _marker: PhantomData,
        })
    }

    /// Takes exclusive access if the lock is free and no one waits; never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = curio::sync::RwLock::new(0);
    /// let _r = lock.try_read().unwrap();
    /// assert!(lock.try_write().is_none());
    /// ```
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, T>> {
        self.raw.try_acquire(MAX_READERS).then(|| RwLockWriteGuard {
            lock: self,
            _marker: PhantomData,
        })
    }

    /// Returns a mutable reference to the value; no locking is needed.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut lock = curio::sync::RwLock::new(1);
    /// *lock.get_mut() += 1;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` proves no guard exists (rule 2).
        #[allow(unsafe_code)]
        self.data.with_mut(|p| unsafe { &mut *p })
    }
}

/// Shared access to an [`RwLock`]'s value; released on drop.
///
/// # Examples
///
/// ```
/// let lock = curio::sync::RwLock::new(1);
/// let guard = lock.try_read().unwrap();
/// assert_eq!(*guard, 1);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a, T> {
    /// The lock whose unit this guard holds.
    lock: &'a RwLock<T>,
    /// Makes the guard `Send`/`Sync` exactly when `&T` is.
    _marker: PhantomData<&'a T>,
}

impl<T> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds a reader unit, so no writer exists (rule 1);
        // it borrows the lock (rule 2).
        #[allow(unsafe_code)]
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.raw.release(1);
    }
}

/// Exclusive access to an [`RwLock`]'s value; released on drop.
///
/// # Examples
///
/// ```
/// let lock = curio::sync::RwLock::new(1);
/// *lock.try_write().unwrap() = 2;
/// assert_eq!(lock.into_inner(), 2);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a, T> {
    /// The lock whose units this guard holds.
    lock: &'a RwLock<T>,
    /// Makes the guard `Send`/`Sync` exactly when `&mut T` is.
    _marker: PhantomData<&'a mut T>,
}

impl<T> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds every unit (rule 1) and borrows the lock (rule 2).
        #[allow(unsafe_code)]
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard holds every unit (rule 1), and `&mut self`
        // excludes other uses of this guard.
        #[allow(unsafe_code)]
        self.lock.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.raw.release(MAX_READERS);
    }
}

/// The future returned by [`RwLock::read`].
///
/// # Examples
///
/// ```
/// use curio::sync::{rwlock::Read, RwLock};
/// # curio::run(async {
/// let lock = RwLock::new(3);
/// let read: Read<'_, i32> = lock.read();
/// assert_eq!(*read.await, 3);
/// # });
/// ```
///
/// # Cancel safety
///
/// See [`RwLock`].
#[must_use = "futures do nothing unless polled"]
pub struct Read<'a, T> {
    /// The lock.
    lock: &'a RwLock<T>,
    /// Queue bookkeeping.
    waiting: Waiting,
    /// Where the user called `read`.
    location: &'static Location<'static>,
}

impl<T> fmt::Debug for Read<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Read")
            .field("waiting", &self.waiting)
            .finish()
    }
}

impl<'a, T> Future for Read<'a, T> {
    type Output = RwLockReadGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        ready!(this.lock.raw.poll_acquire(
            cx,
            &mut this.waiting,
            state::LOCK_ACQUIRE,
            this.location
        ));
        Poll::Ready(RwLockReadGuard {
            lock: this.lock,
            _marker: PhantomData,
        })
    }
}

impl<T> Drop for Read<'_, T> {
    fn drop(&mut self) {
        self.lock.raw.cancel(&mut self.waiting);
    }
}

/// The future returned by [`RwLock::write`].
///
/// # Examples
///
/// ```
/// use curio::sync::{rwlock::Write, RwLock};
/// # curio::run(async {
/// let lock = RwLock::new(3);
/// let write: Write<'_, i32> = lock.write();
/// *write.await = 4;
/// assert_eq!(*lock.read().await, 4);
/// # });
/// ```
///
/// # Cancel safety
///
/// See [`RwLock`].
#[must_use = "futures do nothing unless polled"]
pub struct Write<'a, T> {
    /// The lock.
    lock: &'a RwLock<T>,
    /// Queue bookkeeping.
    waiting: Waiting,
    /// Where the user called `write`.
    location: &'static Location<'static>,
}

impl<T> fmt::Debug for Write<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Write")
            .field("waiting", &self.waiting)
            .finish()
    }
}

impl<'a, T> Future for Write<'a, T> {
    type Output = RwLockWriteGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        ready!(this.lock.raw.poll_acquire(
            cx,
            &mut this.waiting,
            state::LOCK_ACQUIRE,
            this.location
        ));
        Poll::Ready(RwLockWriteGuard {
            lock: this.lock,
            _marker: PhantomData,
        })
    }
}

impl<T> Drop for Write<'_, T> {
    fn drop(&mut self) {
        self.lock.raw.cancel(&mut self.waiting);
    }
}

#[cfg(test)]
mod tests;
