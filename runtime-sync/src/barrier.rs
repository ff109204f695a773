//! [`Barrier`]: `n` tasks wait until all have arrived; one is the leader.
//!
//! # Examples
//!
//! ```
//! use curio::sync::Barrier;
//! use std::sync::Arc;
//! # curio::run(async {
//! let barrier = Arc::new(Barrier::new(3));
//! let kids: Vec<_> = (0..3)
//!     .map(|_| {
//!         let b = barrier.clone();
//!         curio::spawn(async move { b.wait().await.is_leader() })
//!     })
//!     .collect();
//! let mut leaders = 0;
//! for kid in kids {
//!     leaders += kid.await.unwrap() as usize;
//! }
//! assert_eq!(leaders, 1);
//! # });
//! ```
//!
//! # State
//!
//! Under one mutex: `arrived` (tasks of the current round that are queued)
//! and the FIFO `WaitList` of those tasks.
//!
//! # Invariants
//!
//! 1. The task whose arrival makes `arrived` reach `n` is the leader: it
//!    completes at once, notifies every queued task of the round and resets
//!    `arrived` to 0 for the next round, all under the mutex.
//! 2. A task dropped while still queued leaves the round (`arrived` is
//!    decremented); one dropped after its round completed changes nothing.

#![deny(unsafe_code)]

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::hook::{self, state};
use crate::loom::Mutex;
use crate::waiters::{Key, Removed, WaitList, WakeList};

/// The mutex-protected part of a [`Barrier`].
#[derive(Debug)]
struct BarrierState {
    /// Tasks of the current round that are waiting.
    arrived: usize,
    /// Those tasks, oldest first.
    waiters: WaitList<()>,
}

/// A barrier for `n` parties: each `wait` returns once `n` tasks are waiting.
///
/// # Examples
///
/// ```
/// use curio::sync::Barrier;
/// use std::sync::Arc;
/// # curio::run(async {
/// let barrier = Arc::new(Barrier::new(2));
/// let b = barrier.clone();
/// let other = curio::spawn(async move { b.wait().await.is_leader() });
/// let here = barrier.wait().await.is_leader();
/// assert!(here ^ other.await.unwrap()); // exactly one leader
/// # });
/// ```
///
/// # Cancel safety
///
/// A [`Wait`] dropped before its round completes leaves the round, so the
/// barrier still needs `n` live tasks.
pub struct Barrier {
    /// Parties per round (at least 1).
    n: usize,
    /// Round state.
    state: Mutex<BarrierState>,
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier").field("n", &self.n).finish()
    }
}

/// What [`Barrier::wait`] returns: whether this task was the round's leader.
///
/// # Examples
///
/// ```
/// # curio::run(async {
/// let r = curio::sync::Barrier::new(1).wait().await;
/// assert!(r.is_leader());
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult {
    /// True for exactly one task per round.
    leader: bool,
}

impl BarrierWaitResult {
    /// True for exactly one task per round: the one that arrived last.
    ///
    /// # Examples
    ///
    /// ```
    /// # curio::run(async {
    /// let barrier = curio::sync::Barrier::new(1);
    /// assert!(barrier.wait().await.is_leader()); // the only party is the last to arrive
    /// # });
    /// ```
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}

impl Barrier {
    /// Creates a barrier for `n` parties; `0` is treated as `1`.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = curio::sync::Barrier::new(3);
    /// # let _ = b;
    /// ```
    pub fn new(n: usize) -> Self {
        Self {
            n: n.max(1),
            state: Mutex::new(BarrierState {
                arrived: 0,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Waits until `n` tasks are waiting on the barrier.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// # curio::run(async {
    /// let barrier = Arc::new(curio::sync::Barrier::new(2));
    /// let b = barrier.clone();
    /// let kid = curio::spawn(async move { b.wait().await });
    /// let here = barrier.wait().await;
    /// let there = kid.await.unwrap();
    /// assert_ne!(here.is_leader(), there.is_leader());
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// See [`Barrier`].
    #[track_caller]
    pub fn wait(&self) -> Wait<'_> {
        Wait {
            barrier: self,
            key: None,
            done: false,
            location: Location::caller(),
        }
    }
}

/// The future returned by [`Barrier::wait`].
///
/// # Examples
///
/// ```
/// use curio::sync::{barrier::Wait, Barrier};
/// # curio::run(async {
/// let barrier = Barrier::new(1);
/// let wait: Wait<'_> = barrier.wait();
/// assert!(wait.await.is_leader());
/// # });
/// ```
///
/// # Cancel safety
///
/// See [`Barrier`].
#[must_use = "futures do nothing unless polled"]
pub struct Wait<'a> {
    /// The barrier.
    barrier: &'a Barrier,
    /// The waiter slot, once queued.
    key: Option<Key>,
    /// Whether the future has completed.
    done: bool,
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
    type Output = BarrierWaitResult;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<BarrierWaitResult> {
        let this = self.get_mut();
        if this.done {
            return Poll::Pending;
        }
        match this.key {
            None => {
                ready!(hook::poll_proceed(cx));
                let mut wake = WakeList::new();
                {
                    let mut s = this.barrier.state.lock();
                    if s.arrived + 1 < this.barrier.n {
                        s.arrived += 1;
                        this.key = Some(s.waiters.push_back(cx.waker().clone(), None, 1));
                    } else {
                        // Rule 1: the last arrival leads and releases the round.
                        s.arrived = 0;
                        while let Ok(n) = s.waiters.notify_front(None) {
                            wake.push(n.waker);
                        }
                    }
                }
                if this.key.is_none() {
                    wake.wake_all();
                    this.done = true;
                    return Poll::Ready(BarrierWaitResult { leader: true });
                }
            }
            Some(key) => {
                let mut s = this.barrier.state.lock();
                if s.waiters.take_notified(key, cx.waker()).is_some() {
                    this.key = None;
                    this.done = true;
                    return Poll::Ready(BarrierWaitResult { leader: false });
                }
            }
        }
        hook::waiting(state::EVENT_WAIT, this.location);
        Poll::Pending
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let mut s = self.barrier.state.lock();
            if let Removed::Queued(_) = s.waiters.remove(key) {
                // Rule 2: leave the round.
                s.arrived -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests;
