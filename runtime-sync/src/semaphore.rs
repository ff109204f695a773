//! Counting semaphores: [`Semaphore`], [`BoundedSemaphore`], and the
//! weighted FIFO core (`RawSemaphore`) that [`Lock`](crate::Lock) and
//! [`RwLock`](crate::RwLock) are built on.
//!
//! # Examples
//!
//! ```
//! use curio::sync::Semaphore;
//! use std::sync::Arc;
//! # curio::run(async {
//! // At most two kids in the section at once.
//! let sem = Arc::new(Semaphore::new(2));
//! let kids: Vec<_> = (0..4)
//!     .map(|_| {
//!         let sem = sem.clone();
//!         curio::spawn(async move {
//!             let _permit = sem.acquire().await;
//!             curio::yield_now().await;
//!         })
//!     })
//!     .collect();
//! for kid in kids {
//!     kid.await.unwrap();
//! }
//! assert_eq!(sem.available(), 2);
//! # });
//! ```
//!
//! # State
//!
//! One mutex guards `available` (units nobody holds), `outstanding` (units
//! granted to permits or handed to notified waiters) and the FIFO
//! `WaitList` of acquirers, each asking for `want` units.
//!
//! # Invariants
//!
//! 1. No barging: a new acquirer takes units at once only if no one is
//!    queued; otherwise it queues at the back.
//! 2. Direct hand-off: releasing units grants them to the oldest waiters
//!    whose `want` fits, in order, under the mutex; granted units move to
//!    `outstanding` before the waiter even runs, so no one can overtake it.
//! 3. The grant loop stops at the first waiter that does not fit, so a
//!    heavy waiter (a writer) is never starved by light ones behind it.
//! 4. A waiter dropped while queued frees its slot and re-runs the grant
//!    loop (its removal may let the next waiter fit); one dropped after
//!    being granted releases its units, which pass to the next waiter.
//! 5. `available + outstanding` only changes through `add_permits`,
//!    `BoundedSemaphore::release` and `Permit::forget`.

#![deny(unsafe_code)]

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use crate::hook::{self, state};
use crate::loom::Mutex;
use crate::waiters::{Key, Removed, WaitList, WakeList};

/// The mutex-protected part of a `RawSemaphore`.
#[derive(Debug)]
struct SemState {
    /// Units nobody holds.
    available: usize,
    /// Units held by permits or handed to notified waiters (rule 2).
    outstanding: usize,
    /// Queued acquirers, oldest first.
    waiters: WaitList<()>,
}

impl SemState {
    /// Grants units to the oldest waiters that fit (rules 2 and 3).
    fn grant(&mut self, wake: &mut WakeList) {
        while let Some(want) = self.waiters.front_want() {
            if want > self.available {
                break;
            }
            self.available -= want;
            self.outstanding += want;
            if let Ok(n) = self.waiters.notify_front(None) {
                wake.push(n.waker);
            }
        }
    }
}

/// A weighted, FIFO, hand-off semaphore: the core of every permit-based primitive.
#[derive(Debug)]
pub(crate) struct RawSemaphore {
    /// Counters and waiters; see the module docs.
    state: Mutex<SemState>,
}

/// Per-future bookkeeping of an acquisition in progress.
#[derive(Debug)]
pub(crate) struct Waiting {
    /// The waiter slot, once queued.
    key: Option<Key>,
    /// Units asked for.
    want: usize,
    /// Whether the units were taken (the future completed).
    done: bool,
}

impl Waiting {
    /// An acquisition of `want` units that has not started.
    pub(crate) const fn new(want: usize) -> Self {
        Self {
            key: None,
            want,
            done: false,
        }
    }
}

impl RawSemaphore {
    /// Creates a semaphore with `permits` available units.
    pub(crate) fn new(permits: usize) -> Self {
        Self {
            state: Mutex::new(SemState {
                available: permits,
                outstanding: 0,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Units nobody holds.
    pub(crate) fn available(&self) -> usize {
        self.state.lock().available
    }

    /// Takes `want` units if no one is queued and enough are available (rule 1).
    pub(crate) fn try_acquire(&self, want: usize) -> bool {
        let mut s = self.state.lock();
        if s.waiters.is_empty() && s.available >= want {
            s.available -= want;
            s.outstanding += want;
            true
        } else {
            false
        }
    }

    /// Polls an acquisition; `Ready` means the units are now held by the caller.
    pub(crate) fn poll_acquire(
        &self,
        cx: &mut Context<'_>,
        w: &mut Waiting,
        state_name: &'static str,
        location: &'static Location<'static>,
    ) -> Poll<()> {
        if w.done {
            // Polled after completion: the units were already handed out once.
            return Poll::Pending;
        }
        match w.key {
            None => {
                ready!(hook::poll_proceed(cx));
                let mut s = self.state.lock();
                if s.waiters.is_empty() && s.available >= w.want {
                    s.available -= w.want;
                    s.outstanding += w.want;
                    w.done = true;
                    return Poll::Ready(());
                }
                w.key = Some(s.waiters.push_back(cx.waker().clone(), None, w.want));
            }
            Some(key) => {
                let mut s = self.state.lock();
                if s.waiters.take_notified(key, cx.waker()).is_some() {
                    w.key = None;
                    w.done = true;
                    return Poll::Ready(());
                }
            }
        }
        hook::waiting(state_name, location);
        Poll::Pending
    }

    /// Undoes an unfinished acquisition whose future is dropped (rule 4).
    pub(crate) fn cancel(&self, w: &mut Waiting) {
        let Some(key) = w.key.take() else { return };
        let mut wake = WakeList::new();
        {
            let mut s = self.state.lock();
            if let Removed::Notified(_) = s.waiters.remove(key) {
                s.outstanding -= w.want;
                s.available += w.want;
            }
            s.grant(&mut wake);
        }
        wake.wake_all();
    }

    /// Gives back `n` held units; they go to the oldest waiters first (rule 2).
    pub(crate) fn release(&self, n: usize) {
        let mut wake = WakeList::new();
        {
            let mut s = self.state.lock();
            s.outstanding = s.outstanding.saturating_sub(n);
            s.available += n;
            s.grant(&mut wake);
        }
        wake.wake_all();
    }

    /// Adds `n` new units (rule 5), saturating at `usize::MAX`.
    pub(crate) fn add_permits(&self, n: usize) {
        let mut wake = WakeList::new();
        {
            let mut s = self.state.lock();
            s.available = s.available.saturating_add(n);
            s.grant(&mut wake);
        }
        wake.wake_all();
    }

    /// Adds one unit unless `available + outstanding` already reaches `bound` (rule 5).
    pub(crate) fn add_bounded(&self, bound: usize) -> bool {
        let mut wake = WakeList::new();
        {
            let mut s = self.state.lock();
            if s.available + s.outstanding >= bound {
                return false;
            }
            s.available += 1;
            s.grant(&mut wake);
        }
        wake.wake_all();
        true
    }

    /// Forgets `n` held units: they are neither available nor outstanding (rule 5).
    pub(crate) fn forget(&self, n: usize) {
        let mut s = self.state.lock();
        s.outstanding = s.outstanding.saturating_sub(n);
    }
}

/// A counting semaphore with FIFO hand-off, like curio's `Semaphore`.
///
/// Releasing a permit hands it straight to the oldest waiter, so a newcomer
/// never overtakes a queued task. Permits are RAII guards: dropping a
/// [`Permit`] releases it.
///
/// # Examples
///
/// ```
/// use curio::sync::Semaphore;
/// # curio::run(async {
/// let sem = Semaphore::new(2);
/// let a = sem.acquire().await;
/// let _b = sem.acquire().await;
/// assert!(sem.try_acquire().is_none());
/// drop(a);
/// assert_eq!(sem.available(), 1);
/// # });
/// ```
///
/// # Cancel safety
///
/// Dropping an [`Acquire`] while it waits takes nothing; if a permit had
/// already been handed to it, the permit passes to the next waiter.
pub struct Semaphore {
    /// The FIFO core.
    raw: RawSemaphore,
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available", &self.available())
            .finish()
    }
}

impl Semaphore {
    /// Creates a semaphore with `permits` permits.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = curio::sync::Semaphore::new(3);
    /// assert_eq!(sem.available(), 3);
    /// ```
    pub fn new(permits: usize) -> Self {
        Self {
            raw: RawSemaphore::new(permits),
        }
    }

    /// Waits for a permit, in FIFO order with other waiters.
    ///
    /// # Examples
    ///
    /// ```
    /// # curio::run(async {
    /// let sem = curio::sync::Semaphore::new(1);
    /// let permit = sem.acquire().await;
    /// assert_eq!(sem.available(), 0);
    /// drop(permit);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: see the type's docs.
    #[track_caller]
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire {
            sem: &self.raw,
            waiting: Waiting::new(1),
            state: state::SEMA_ACQUIRE,
            location: Location::caller(),
        }
    }

    /// Waits for a permit held through an `Arc`, so the permit is `'static`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// # curio::run(async {
    /// let sem = Arc::new(curio::sync::Semaphore::new(1));
    /// let permit = sem.clone().acquire_owned().await;
    /// std::thread::spawn(move || drop(permit)).join().unwrap();
    /// assert_eq!(sem.available(), 1);
    /// # });
    /// ```
    #[track_caller]
    pub fn acquire_owned(self: Arc<Self>) -> AcquireOwned {
        AcquireOwned {
            sem: self,
            waiting: Waiting::new(1),
            location: Location::caller(),
        }
    }

    /// Takes a permit if one is free and no one is queued; never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = curio::sync::Semaphore::new(1);
    /// let p = sem.try_acquire();
    /// assert!(p.is_some());
    /// assert!(sem.try_acquire().is_none());
    /// ```
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        self.raw.try_acquire(1).then(|| Permit { sem: &self.raw })
    }

    /// Permits nobody holds right now.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(curio::sync::Semaphore::new(4).available(), 4);
    /// ```
    pub fn available(&self) -> usize {
        self.raw.available()
    }

    /// Adds `n` permits (curio's unbounded `release`), waking waiters in FIFO order.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = curio::sync::Semaphore::new(0);
    /// sem.add_permits(2);
    /// assert_eq!(sem.available(), 2);
    /// ```
    pub fn add_permits(&self, n: usize) {
        self.raw.add_permits(n);
    }
}

/// A semaphore whose permit count may never exceed the initial value.
///
/// Permit-based like [`Semaphore`]; [`release`](Self::release) gives back a
/// permit that was [`forget`](Permit::forget)-ten and refuses to go above
/// the bound (curio 0.9's `ValueError`, typed).
///
/// # Examples
///
/// ```
/// use curio::sync::BoundedSemaphore;
/// # curio::run(async {
/// let sem = BoundedSemaphore::new(1);
/// assert!(sem.release().is_err()); // already at the bound
/// sem.acquire().await.forget();
/// assert!(sem.release().is_ok());
/// assert_eq!(sem.available(), 1);
/// # });
/// ```
pub struct BoundedSemaphore {
    /// The FIFO core.
    raw: RawSemaphore,
    /// The initial, and maximum, number of permits.
    bound: usize,
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("available", &self.available())
            .field("bound", &self.bound)
            .finish()
    }
}

/// Returned by [`BoundedSemaphore::release`] when the semaphore is already at its bound.
///
/// # Examples
///
/// ```
/// let err = curio::sync::BoundedSemaphore::new(0).release().unwrap_err();
/// assert_eq!(err.to_string(), "BoundedSemaphore released too many times");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoundError;

impl fmt::Display for BoundError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BoundedSemaphore released too many times")
    }
}

impl std::error::Error for BoundError {}

impl BoundedSemaphore {
    /// Creates a semaphore with `permits` permits, which is also its bound.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(curio::sync::BoundedSemaphore::new(2).bound(), 2);
    /// ```
    pub fn new(permits: usize) -> Self {
        Self {
            raw: RawSemaphore::new(permits),
            bound: permits,
        }
    }

    /// The maximum number of permits.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(curio::sync::BoundedSemaphore::new(5).bound(), 5);
    /// ```
    pub fn bound(&self) -> usize {
        self.bound
    }

    /// Waits for a permit, in FIFO order with other waiters.
    ///
    /// # Examples
    ///
    /// ```
    /// # curio::run(async {
    /// let sem = curio::sync::BoundedSemaphore::new(1);
    /// let _p = sem.acquire().await;
    /// assert_eq!(sem.available(), 0);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, as [`Semaphore::acquire`].
    #[track_caller]
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire {
            sem: &self.raw,
            waiting: Waiting::new(1),
            state: state::SEMA_ACQUIRE,
            location: Location::caller(),
        }
    }

    /// Takes a permit if one is free and no one is queued; never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = curio::sync::BoundedSemaphore::new(1);
    /// assert!(sem.try_acquire().is_some());
    /// ```
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        self.raw.try_acquire(1).then(|| Permit { sem: &self.raw })
    }

    /// Permits nobody holds right now.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(curio::sync::BoundedSemaphore::new(1).available(), 1);
    /// ```
    pub fn available(&self) -> usize {
        self.raw.available()
    }

    /// Adds one permit, waking the oldest waiter if any.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = curio::sync::BoundedSemaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.release(), Ok(()));
    /// ```
    ///
    /// # Errors
    ///
    /// [`BoundError`] if free plus held permits already equal the bound
    /// (a held [`Permit`] counts: it will come back when dropped).
    pub fn release(&self) -> Result<(), BoundError> {
        if self.raw.add_bounded(self.bound) {
            Ok(())
        } else {
            Err(BoundError)
        }
    }
}

/// A permit of a [`Semaphore`] or [`BoundedSemaphore`]; released on drop.
///
/// # Examples
///
/// ```
/// let sem = curio::sync::Semaphore::new(1);
/// let permit = sem.try_acquire().unwrap();
/// drop(permit);
/// assert_eq!(sem.available(), 1);
/// ```
#[must_use = "the permit is released as soon as it is dropped"]
pub struct Permit<'a> {
    /// The semaphore the permit came from.
    sem: &'a RawSemaphore,
}

impl fmt::Debug for Permit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Permit")
    }
}

impl Permit<'_> {
    /// Consumes the permit without releasing it; the semaphore has one fewer.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = curio::sync::Semaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available(), 0);
    /// ```
    pub fn forget(self) {
        self.sem.forget(1);
        std::mem::forget(self);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.sem.release(1);
    }
}

/// A permit held through an `Arc<Semaphore>`; released on drop.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// let sem = Arc::new(curio::sync::Semaphore::new(1));
/// let permit = sem.clone().try_acquire_owned().unwrap();
/// drop(permit);
/// assert_eq!(sem.available(), 1);
/// ```
#[must_use = "the permit is released as soon as it is dropped"]
pub struct OwnedPermit {
    /// The semaphore the permit came from.
    sem: Arc<Semaphore>,
    /// Set by `forget`, so that `Drop` releases nothing.
    forgotten: bool,
}

impl fmt::Debug for OwnedPermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OwnedPermit")
    }
}

impl Semaphore {
    /// Takes a permit through an `Arc` if one is free and no one is queued.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(curio::sync::Semaphore::new(0));
    /// assert!(sem.try_acquire_owned().is_none());
    /// ```
    pub fn try_acquire_owned(self: Arc<Self>) -> Option<OwnedPermit> {
        self.raw.try_acquire(1).then(|| OwnedPermit {
            sem: self,
            forgotten: false,
        })
    }
}

impl OwnedPermit {
    /// Consumes the permit without releasing it; the semaphore has one fewer.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(curio::sync::Semaphore::new(1));
    /// sem.clone().try_acquire_owned().unwrap().forget();
    /// assert_eq!(sem.available(), 0);
    /// ```
    pub fn forget(mut self) {
        self.sem.raw.forget(1);
        self.forgotten = true;
    }
}

impl Drop for OwnedPermit {
    fn drop(&mut self) {
        if !self.forgotten {
            self.sem.raw.release(1);
        }
    }
}

/// The future returned by [`Semaphore::acquire`] and [`BoundedSemaphore::acquire`].
///
/// # Examples
///
/// ```
/// use curio::sync::{semaphore::Acquire, Semaphore};
/// # curio::run(async {
/// let sem = Semaphore::new(1);
/// let acquire: Acquire<'_> = sem.acquire();
/// let permit = acquire.await;
/// assert_eq!(sem.available(), 0);
/// drop(permit);
/// assert_eq!(sem.available(), 1);
/// # });
/// ```
///
/// # Cancel safety
///
/// Dropping it while it waits takes nothing; a permit already handed to it
/// passes to the next waiter.
#[must_use = "futures do nothing unless polled"]
pub struct Acquire<'a> {
    /// The semaphore.
    sem: &'a RawSemaphore,
    /// Queue bookkeeping.
    waiting: Waiting,
    /// The state name reported while waiting.
    state: &'static str,
    /// Where the user called `acquire`.
    location: &'static Location<'static>,
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("waiting", &self.waiting)
            .finish()
    }
}

impl<'a> Future for Acquire<'a> {
    type Output = Permit<'a>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit<'a>> {
        let this = self.get_mut();
        ready!(this
            .sem
            .poll_acquire(cx, &mut this.waiting, this.state, this.location));
        Poll::Ready(Permit { sem: this.sem })
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        self.sem.cancel(&mut self.waiting);
    }
}

/// The future returned by [`Semaphore::acquire_owned`].
///
/// # Examples
///
/// ```
/// use curio::sync::{semaphore::AcquireOwned, Semaphore};
/// use std::sync::Arc;
/// # curio::run(async {
/// let sem = Arc::new(Semaphore::new(1));
/// let acquire: AcquireOwned = sem.clone().acquire_owned();
/// let permit = acquire.await;
/// curio::spawn(async move { drop(permit) }).await.unwrap();
/// assert_eq!(sem.available(), 1);
/// # });
/// ```
///
/// # Cancel safety
///
/// As [`Acquire`].
#[must_use = "futures do nothing unless polled"]
pub struct AcquireOwned {
    /// The semaphore.
    sem: Arc<Semaphore>,
    /// Queue bookkeeping.
    waiting: Waiting,
    /// Where the user called `acquire_owned`.
    location: &'static Location<'static>,
}

impl fmt::Debug for AcquireOwned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcquireOwned")
            .field("waiting", &self.waiting)
            .finish()
    }
}

impl Future for AcquireOwned {
    type Output = OwnedPermit;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<OwnedPermit> {
        let this = self.get_mut();
        ready!(this.sem.raw.poll_acquire(
            cx,
            &mut this.waiting,
            state::SEMA_ACQUIRE,
            this.location
        ));
        Poll::Ready(OwnedPermit {
            sem: Arc::clone(&this.sem),
            forgotten: false,
        })
    }
}

impl Drop for AcquireOwned {
    fn drop(&mut self) {
        self.sem.raw.cancel(&mut self.waiting);
    }
}

#[cfg(test)]
mod tests;
