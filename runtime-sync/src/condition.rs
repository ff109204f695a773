//! [`Condition`]: a condition variable for [`Lock`] guards, like curio's
//! `Condition`, with `std::sync::Condvar`'s shape (`wait(guard) -> guard`).
//!
//! # Examples
//!
//! ```
//! use curio::sync::{Condition, Lock};
//! use std::sync::Arc;
//! # curio::run(async {
//! let state = Arc::new((Lock::new(0), Condition::new()));
//! let s = state.clone();
//! let kid = curio::spawn(async move {
//!     let (lock, cond) = &*s;
//!     let n = cond.wait_while(lock.lock().await, |n| *n < 3).await;
//!     *n
//! });
//! for _ in 0..3 {
//!     *state.0.lock().await += 1;
//!     state.1.notify_all();
//!     curio::yield_now().await;
//! }
//! assert_eq!(kid.await.unwrap(), 3);
//! # });
//! ```
//!
//! # State
//!
//! A mutex-guarded FIFO `WaitList` of waiting tasks. A [`Wait`] future
//! moves through `Start` (holding the guard) → `Queued` (lock released) →
//! `Relock` (notified, re-acquiring the lock) → done.
//!
//! # Invariants
//!
//! 1. A waiter is queued on the condition *before* its guard is dropped, so
//!    a `notify` issued by whoever takes the lock next cannot be missed.
//! 2. `notify(n)` wakes the `n` oldest queued waiters.
//! 3. A waiter dropped after being notified but before it re-acquired the
//!    lock passes its notification to the next queued waiter (cancel safety).
//! 4. The condition's mutex is never held while the lock is released or
//!    acquired, so the two mutexes are never nested.

#![deny(unsafe_code)]

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::hook::{self, state};
use crate::lock::{Lock, LockFuture, LockGuard};
use crate::loom::Mutex;
use crate::waiters::{Key, Removed, WaitList, WakeList};

/// A condition variable: tasks wait for a change to a value behind a [`Lock`].
///
/// # Examples
///
/// ```
/// use curio::sync::{Condition, Lock};
/// use std::sync::Arc;
/// # curio::run(async {
/// let pair = Arc::new((Lock::new(false), Condition::new()));
/// let other = pair.clone();
/// let setter = curio::spawn(async move {
///     *other.0.lock().await = true;
///     other.1.notify_all();
/// });
/// let (lock, cond) = &*pair;
/// let ready = cond.wait_while(lock.lock().await, |ready| !*ready).await;
/// assert!(*ready);
/// # drop(ready);
/// setter.await.unwrap();
/// # });
/// ```
///
/// # Cancel safety
///
/// Dropping a [`Wait`] gives up the guard it held (the lock is released) and
/// passes on a notification it had already received (rule 3).
pub struct Condition {
    /// Waiting tasks, oldest first.
    waiters: Mutex<WaitList<()>>,
}

impl Default for Condition {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("waiters", &self.waiters.lock().len())
            .finish()
    }
}

impl Condition {
    /// Creates a condition with no waiters.
    ///
    /// # Examples
    ///
    /// ```
    /// let cond = curio::sync::Condition::new();
    /// cond.notify_all(); // nobody to wake: a no-op
    /// ```
    pub fn new() -> Self {
        Self {
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// Releases `guard`'s lock, waits for a notification, re-acquires the
    /// lock and returns the new guard.
    ///
    /// Like any condition variable, wake-ups can be stale: re-check the
    /// state, or use [`wait_while`](Self::wait_while).
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::sync::{Condition, Lock};
    /// use futures::FutureExt;
    /// # curio::run(async {
    /// let (lock, cond) = (Lock::new(0), Condition::new());
    /// let mut wait = Box::pin(cond.wait(lock.lock().await));
    /// assert!((&mut wait).now_or_never().is_none()); // queued; lock released
    /// *lock.lock().await += 1;
    /// cond.notify(1);
    /// assert_eq!(*wait.await, 1);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// See the type's docs.
    #[track_caller]
    pub fn wait<'a, T>(&'a self, guard: LockGuard<'a, T>) -> Wait<'a, T> {
        Wait {
            cond: self,
            stage: Stage::Start(guard),
            location: Location::caller(),
        }
    }

    /// Waits while `pred` returns true of the value, then returns the guard.
    ///
    /// Checks `pred` first: if it is already false, returns at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::sync::{Condition, Lock};
    /// # curio::run(async {
    /// let (lock, cond) = (Lock::new(3), Condition::new());
    /// let g = cond.wait_while(lock.lock().await, |v| *v < 3).await;
    /// assert_eq!(*g, 3);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// As [`wait`](Self::wait).
    #[track_caller]
    pub fn wait_while<'a, T, F>(&'a self, guard: LockGuard<'a, T>, pred: F) -> WaitWhile<'a, T, F>
    where
        F: FnMut(&mut T) -> bool,
    {
        WaitWhile {
            cond: self,
            guard: Some(guard),
            wait: None,
            pred,
            location: Location::caller(),
        }
    }

    /// Wakes up to `n` waiters, oldest first.
    ///
    /// # Examples
    ///
    /// ```
    /// let cond = curio::sync::Condition::new();
    /// cond.notify(2);
    /// ```
    pub fn notify(&self, n: usize) {
        let mut wake = WakeList::new();
        {
            let mut w = self.waiters.lock();
            for _ in 0..n {
                match w.notify_front(None) {
                    Ok(n) => wake.push(n.waker),
                    Err(_) => break,
                }
            }
        }
        wake.wake_all();
    }

    /// Wakes every waiter, oldest first.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::sync::Condition::new().notify_all();
    /// ```
    pub fn notify_all(&self) {
        self.notify(usize::MAX);
    }
}

/// Where a [`Wait`] stands.
enum Stage<'a, T> {
    /// Not polled yet: still holding the caller's guard.
    Start(LockGuard<'a, T>),
    /// Queued on the condition with the lock released.
    Queued(&'a Lock<T>, Key),
    /// Notified; re-acquiring the lock.
    Relock(LockFuture<'a, T>),
    /// Completed (or between stages).
    Done,
}

/// The future returned by [`Condition::wait`].
///
/// # Examples
///
/// ```
/// use curio::sync::{condition::Wait, Condition, Lock};
/// use std::sync::Arc;
/// # curio::run(async {
/// let pair = Arc::new((Lock::new(false), Condition::new()));
/// let p = pair.clone();
/// let kid = curio::spawn(async move {
///     let (lock, cond) = &*p;
///     let mut ready = lock.lock().await;
///     while !*ready {
///         let wait: Wait<'_, bool> = cond.wait(ready);
///         ready = wait.await;
///     }
/// });
/// *pair.0.lock().await = true;
/// pair.1.notify_all();
/// kid.await.unwrap();
/// # });
/// ```
///
/// # Cancel safety
///
/// See [`Condition`].
#[must_use = "futures do nothing unless polled"]
pub struct Wait<'a, T> {
    /// The condition.
    cond: &'a Condition,
    /// Progress; see [`Stage`].
    stage: Stage<'a, T>,
    /// Where the user called `wait`.
    location: &'static Location<'static>,
}

impl<T> fmt::Debug for Wait<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = match self.stage {
            Stage::Start(_) => "start",
            Stage::Queued(..) => "queued",
            Stage::Relock(_) => "relock",
            Stage::Done => "done",
        };
        f.debug_struct("Wait").field("stage", &stage).finish()
    }
}

impl<'a, T> Future for Wait<'a, T> {
    type Output = LockGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<LockGuard<'a, T>> {
        let this = self.get_mut();
        loop {
            match std::mem::replace(&mut this.stage, Stage::Done) {
                Stage::Start(guard) => {
                    let lock = guard.source();
                    let key = this
                        .cond
                        .waiters
                        .lock()
                        .push_back(cx.waker().clone(), None, 1);
                    // Rule 1: queued first, then the lock is released.
                    drop(guard);
                    this.stage = Stage::Queued(lock, key);
                    hook::waiting(state::COND_WAIT, this.location);
                    return Poll::Pending;
                }
                Stage::Queued(lock, key) => {
                    let notified = this
                        .cond
                        .waiters
                        .lock()
                        .take_notified(key, cx.waker())
                        .is_some();
                    if !notified {
                        this.stage = Stage::Queued(lock, key);
                        hook::waiting(state::COND_WAIT, this.location);
                        return Poll::Pending;
                    }
                    this.stage = Stage::Relock(LockFuture::new_at(lock, this.location));
                }
                Stage::Relock(mut fut) => match Pin::new(&mut fut).poll(cx) {
                    Poll::Ready(guard) => return Poll::Ready(guard),
                    Poll::Pending => {
                        this.stage = Stage::Relock(fut);
                        return Poll::Pending;
                    }
                },
                Stage::Done => return Poll::Pending,
            }
        }
    }
}

impl<T> Drop for Wait<'_, T> {
    fn drop(&mut self) {
        if let Stage::Queued(_, key) = self.stage {
            let removed = self.cond.waiters.lock().remove(key);
            if let Removed::Notified(_) = removed {
                // Rule 3: the notification was meant for someone; pass it on.
                self.cond.notify(1);
            }
        }
    }
}

/// The future returned by [`Condition::wait_while`].
///
/// # Examples
///
/// ```
/// use curio::sync::{Condition, Lock};
/// # curio::run(async {
/// let (lock, cond) = (Lock::new(5), Condition::new());
/// // The predicate is already false: the future completes without waiting.
/// let guard = cond.wait_while(lock.lock().await, |n| *n < 5).await;
/// assert_eq!(*guard, 5);
/// # });
/// ```
///
/// # Cancel safety
///
/// As [`Wait`].
#[must_use = "futures do nothing unless polled"]
pub struct WaitWhile<'a, T, F> {
    /// The condition.
    cond: &'a Condition,
    /// The guard, while the predicate is being checked.
    guard: Option<LockGuard<'a, T>>,
    /// The wait in progress, while the predicate held.
    wait: Option<Wait<'a, T>>,
    /// Keep waiting while this returns true.
    pred: F,
    /// Where the user called `wait_while`.
    location: &'static Location<'static>,
}

impl<T, F> fmt::Debug for WaitWhile<'_, T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitWhile")
            .field("waiting", &self.wait.is_some())
            .finish()
    }
}

impl<'a, T, F> Future for WaitWhile<'a, T, F>
where
    F: FnMut(&mut T) -> bool + Unpin,
{
    type Output = LockGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<LockGuard<'a, T>> {
        let this = self.get_mut();
        loop {
            if let Some(wait) = &mut this.wait {
                match Pin::new(wait).poll(cx) {
                    Poll::Ready(guard) => {
                        this.wait = None;
                        this.guard = Some(guard);
                    }
                    Poll::Pending => return Poll::Pending,
                }
            }
            let Some(mut guard) = this.guard.take() else {
                return Poll::Pending;
            };
            if !(this.pred)(&mut guard) {
                return Poll::Ready(guard);
            }
            this.wait = Some(Wait {
                cond: this.cond,
                stage: Stage::Start(guard),
                location: this.location,
            });
        }
    }
}

#[cfg(test)]
mod tests;
