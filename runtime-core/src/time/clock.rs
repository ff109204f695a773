//! The runtime's clock, which tests may pause.
//!
//! Each runtime has a `Clock`. Running, it reads the real monotonic clock
//! plus an offset (the virtual time gained while it was paused, so it never
//! goes back). Paused, it stands still at a frozen instant that only
//! [`advance`] and the auto-advance move: when no task can run (every worker
//! is about to park, nothing is queued and no `run_in_thread` call is in
//! flight), the last worker to park moves the clock to the next timer's
//! deadline and fires it (`worker.rs`, `Driver::auto_advance`).
//!
//! # Zero cost when unused
//!
//! `clock()` checks one process-wide flag, set the first time any runtime
//! pauses its clock; while it is clear the clock is `Instant::now()` and
//! nothing else is read.

use crate::loom::Mutex;
// Not loom's: the clock is no part of a modelled protocol, and loom models
// of the timer must not pay for reading it.
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// Set once any runtime's clock was paused: from then on `clock()` asks the
/// current runtime's clock.
static ANY_PAUSED: AtomicBool = AtomicBool::new(false);

/// One runtime's clock.
pub(crate) struct Clock {
    /// Set once this clock was paused; until then it reads the real clock
    /// without taking the lock.
    ever_paused: AtomicBool,
    /// The clock's state.
    state: Mutex<State>,
}

/// What the lock protects.
struct State {
    /// Whether the clock stands still.
    paused: bool,
    /// While paused: the instant it shows.
    frozen: Instant,
    /// While running: how far the clock is ahead of the real one.
    offset: Duration,
}

impl Clock {
    /// A clock, paused at the current instant or running.
    pub(crate) fn new(paused: bool) -> Clock {
        if paused {
            // ORDERING: Relaxed; a sticky flag read only to pick a slow
            // path, and the clock's own state is read under its lock.
            ANY_PAUSED.store(true, Relaxed);
        }
        Clock {
            ever_paused: AtomicBool::new(paused),
            state: Mutex::new(State {
                paused,
                frozen: Instant::now(),
                offset: Duration::ZERO,
            }),
        }
    }

    /// Whether any runtime's clock may be paused (the fast path's check).
    #[inline]
    pub(crate) fn any_paused() -> bool {
        // ORDERING: Relaxed; see `new`.
        ANY_PAUSED.load(Relaxed)
    }

    /// The instant the clock shows.
    pub(crate) fn now(&self) -> Instant {
        // ORDERING: Relaxed; set under the lock by `pause` before it
        // changes the state, and a stale `false` means the pause has not
        // happened yet for this reader.
        if !self.ever_paused.load(Relaxed) {
            return Instant::now();
        }
        let state = self.state.lock();
        if state.paused {
            state.frozen
        } else {
            Instant::now() + state.offset
        }
    }

    /// Whether the clock stands still.
    pub(crate) fn is_paused(&self) -> bool {
        // ORDERING: Relaxed; see `now`.
        self.ever_paused.load(Relaxed) && self.state.lock().paused
    }

    /// Stops the clock at the instant it shows now.
    pub(crate) fn pause(&self) {
        // ORDERING: Relaxed; see `new`.
        ANY_PAUSED.store(true, Relaxed);
        let mut state = self.state.lock();
        // ORDERING: Relaxed; see `now`.
        self.ever_paused.store(true, Relaxed);
        if !state.paused {
            state.frozen = Instant::now() + state.offset;
            state.paused = true;
        }
    }

    /// Lets the clock run on from the instant it shows.
    pub(crate) fn resume(&self) {
        let mut state = self.state.lock();
        if state.paused {
            state.offset = state.frozen.saturating_duration_since(Instant::now());
            state.paused = false;
        }
    }

    /// Moves a paused clock forward by `by`; returns the new instant, or
    /// `None` when the clock runs.
    pub(crate) fn advance(&self, by: Duration) -> Option<Instant> {
        let mut state = self.state.lock();
        if !state.paused {
            return None;
        }
        state.frozen = state.frozen.checked_add(by).unwrap_or(state.frozen);
        Some(state.frozen)
    }

    /// Moves a paused clock forward to `to` if that is later than it shows.
    pub(crate) fn advance_to(&self, to: Instant) {
        let mut state = self.state.lock();
        if state.paused && to > state.frozen {
            state.frozen = to;
        }
    }
}

/// Calls `f` with the clock of the runtime this thread runs in, if any.
fn with_current<R>(f: impl FnOnce(&Clock) -> R) -> Option<R> {
    crate::runtime::context::with_current(|h| h.map(|h| f(&h.shared().clock)))
}

/// Calls `f` on the current runtime's clock, then lets its timer driver
/// know the clock changed.
fn change_current(f: impl FnOnce(&Clock)) -> Option<()> {
    let handle = crate::runtime::Handle::try_current()?;
    f(&handle.shared().clock);
    if let Some(driver) = handle.shared().time.get() {
        driver.clock_changed();
    }
    Some(())
}

/// The current instant of the current runtime's clock (`Instant::now()`
/// while no clock was ever paused, or outside a runtime). Inlined, with the
/// paused case out of line, so the unpaused path is one load and one
/// branch in front of `Instant::now()`.
#[inline]
pub(crate) fn now() -> Instant {
    if !Clock::any_paused() {
        return Instant::now();
    }
    now_slow()
}

/// [`now`] once some clock was paused: asks the current runtime's clock.
#[cold]
#[inline(never)]
fn now_slow() -> Instant {
    with_current(Clock::now).unwrap_or_else(Instant::now)
}

/// Pauses the clock of the current runtime: from now on [`clock`],
/// [`sleep`], timeouts and intervals follow a virtual clock that stands
/// still, and jumps to the next timer's deadline whenever no task can run
/// and no [`run_in_thread`] call is in flight. Socket waits do not hold the
/// jump back. `std::time::Instant::now()` is not affected.
///
/// [`clock`]: crate::clock
/// [`sleep`]: crate::sleep
/// [`run_in_thread`]: crate::run_in_thread
///
/// # Panics
///
/// Panics outside a curio runtime.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// curio::run(async {
///     curio::time::pause();
///     let (real, virt) = (Instant::now(), curio::clock());
///     curio::sleep(Duration::from_secs(3600)).await; // an hour, at once
///     assert!(curio::clock() - virt >= Duration::from_secs(3600));
///     assert!(real.elapsed() < Duration::from_secs(60));
///     curio::time::resume();
/// });
/// ```
#[track_caller]
pub fn pause() {
    change_current(Clock::pause).expect("curio::time::pause() called outside a curio runtime");
}

/// Lets the current runtime's clock run again, from the instant it shows.
///
/// # Panics
///
/// Panics outside a curio runtime.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// curio::run(async {
///     curio::time::pause();
///     let t0 = curio::clock();
///     curio::time::resume();
///     curio::sleep(Duration::from_millis(2)).await;
///     assert!(curio::clock() - t0 >= Duration::from_millis(2));
/// });
/// ```
#[track_caller]
pub fn resume() {
    change_current(Clock::resume).expect("curio::time::resume() called outside a curio runtime");
}

/// Moves the current runtime's paused clock forward by `duration`, fires
/// the timers that are then due, and yields so the tasks they woke run.
/// On a running clock it only yields.
///
/// # Panics
///
/// Panics outside a curio runtime.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// curio::run(async {
///     curio::time::pause();
///     let t0 = curio::clock();
///     curio::time::advance(Duration::from_secs(90)).await;
///     assert_eq!(curio::clock() - t0, Duration::from_secs(90));
/// });
/// ```
pub async fn advance(duration: Duration) {
    let handle = crate::runtime::Handle::try_current()
        .expect("curio::time::advance() called outside a curio runtime");
    if let Some(now) = handle.shared().clock.advance(duration) {
        if let Some(driver) = handle.shared().time.get() {
            driver.fire_until(now);
        }
    }
    crate::yield_now().await;
}
