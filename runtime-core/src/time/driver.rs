//! The timer driver: one thread per runtime that fires due timers.
//!
//! The thread starts the first time a task of the runtime uses a timer. It
//! sleeps on a condition variable until the wheel's next expiration; arming
//! a timer earlier than that notifies it. Due wakers are collected under the
//! lock and woken after it is released, in batches of [`BATCH`], so tasks
//! waking and re-arming never wait behind a long firing round. At runtime
//! shutdown a hook (`Shared::on_shutdown`) stops and joins the thread. The
//! driver needs no I/O reactor.
//!
//! # Invariants
//!
//! 1. `State::sleeping_until` is the tick the thread will next wake at
//!    (`u64::MAX` when it waits for a notification, 0 while it is awake).
//!    Arming an entry due earlier notifies the thread and lowers the value,
//!    all under the lock, so no earlier deadline is missed (the thread
//!    computes its wait and starts waiting without releasing the lock).
//! 2. A deadline is rounded up to the next whole tick and the thread never
//!    fires a tick before the clock has reached it: timers never fire
//!    early.
//! 3. `Driver::elapsed` is the wheel's elapsed tick as of the last firing
//!    round. It never exceeds the clock (invariant 2), so a timer whose
//!    tick is at or below it is due; and each round stores it (Release)
//!    before it wakes that round's wakers, so a task woken by its timer
//!    sees the tick (Acquire) and learns its expiry without a clock read
//!    or the lock (`TimerEntry::fired`).

use super::wheel::{Key, Wheel};
use super::Clock;
use crate::loom::{Arc, AtomicU64, Condvar, Mutex, MutexGuard};
use crate::runtime::Shared;
use std::sync::atomic::Ordering::{Acquire, Release};
use std::task::Waker;
use std::time::{Duration, Instant};

/// How many wakers are fired per round before the lock is retaken.
const BATCH: usize = 256;

/// The part of the driver shared by timers and the thread.
pub(crate) struct Driver {
    /// The runtime's clock (`clock.rs`): ticks count its instants.
    clock: std::sync::Arc<Clock>,
    /// The instant of tick 0.
    start: Instant,
    /// Invariant 3: the wheel's elapsed tick as of the last firing round.
    elapsed: AtomicU64,
    /// The wheel and the thread's plans.
    state: Mutex<State>,
    /// Wakes the thread.
    cond: Condvar,
}

/// What the lock protects.
pub(crate) struct State {
    /// The timers.
    pub(crate) wheel: Wheel,
    /// Invariant 1.
    sleeping_until: u64,
    /// Set at runtime shutdown: the thread exits.
    shutdown: bool,
}

impl Driver {
    /// A driver whose tick 0 is the clock's now, with no thread yet.
    pub(crate) fn new(clock: std::sync::Arc<Clock>) -> Driver {
        Driver {
            start: clock.now(),
            clock,
            elapsed: AtomicU64::new(0),
            state: Mutex::new(State {
                wheel: Wheel::new(),
                sleeping_until: u64::MAX,
                shutdown: false,
            }),
            cond: Condvar::new(),
        }
    }

    /// The driver of `shared`'s runtime, starting its thread on first use.
    pub(crate) fn of(shared: &Shared) -> &Arc<Driver> {
        shared.time.get_or_init(|| {
            let driver = Arc::new(Driver::new(shared.clock.clone()));
            // Under the hooks' lock, so shutdown either runs our hook or has
            // already begun (then timers simply never fire: every task is
            // being cancelled).
            let mut hooks = shared.on_shutdown.lock();
            if !shared.scheduler.is_shutdown() {
                let d = driver.clone();
                let thread = std::thread::Builder::new()
                    .name("curio-timer".into())
                    .spawn(move || d.run())
                    .expect("curio: cannot start the timer thread");
                let d = driver.clone();
                hooks.push(Box::new(move || {
                    d.state.lock().shutdown = true;
                    d.cond.notify_one();
                    // The thread only panics on an internal bug.
                    let _ = thread.join();
                }));
            }
            driver
        })
    }

    /// The driver of the current runtime (the one this thread is entered
    /// into), started if needed.
    ///
    /// # Panics
    ///
    /// Panics outside a curio runtime.
    pub(crate) fn current() -> Arc<Driver> {
        crate::runtime::context::with_current(|handle| {
            let handle = handle.expect(
                "curio timers (sleep, timeout_after, interval...) must be polled \
                 inside a curio runtime",
            );
            Driver::of(handle.shared()).clone()
        })
    }

    /// Invariant 3: the wheel's elapsed tick as of the last firing round (a
    /// timer due at or before it is due by the clock too).
    pub(crate) fn elapsed(&self) -> u64 {
        // ORDERING: Acquire; pairs with the Release in `fire_round`, so a
        // task woken by a round sees the round's tick.
        self.elapsed.load(Acquire)
    }

    /// Locks the wheel.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock()
    }

    /// The first tick at or after `deadline` (rounded up: invariant 2).
    pub(crate) fn tick_at_or_after(&self, deadline: Instant) -> u64 {
        let d = deadline.saturating_duration_since(self.start);
        // In u64 (`as_millis` divides a u128): seconds, then the
        // sub-second nanoseconds rounded up to whole milliseconds.
        let sub_ms = u64::from(d.subsec_nanos()).div_ceil(1_000_000);
        d.as_secs().saturating_mul(1000).saturating_add(sub_ms)
    }

    /// The last tick the clock has reached.
    fn tick_now(&self) -> u64 {
        self.tick_at(self.clock.now())
    }

    /// The last tick `now` has reached.
    fn tick_at(&self, now: Instant) -> u64 {
        let d = now.saturating_duration_since(self.start);
        u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
    }

    /// The clock was paused, resumed or moved: the thread recomputes its
    /// wait.
    pub(crate) fn clock_changed(&self) {
        let _state = self.state.lock();
        self.cond.notify_one();
    }

    /// Fires every timer due by `now` on the calling thread (a paused
    /// clock was moved there); returns whether any fired.
    pub(crate) fn fire_until(&self, now: Instant) -> bool {
        let tick = self.tick_at(now);
        let mut fired = Vec::new();
        let mut any = false;
        loop {
            let mut state = self.state.lock();
            let done = self.fire_round(&mut state, tick, &mut fired);
            drop(state);
            any |= !fired.is_empty();
            for waker in fired.drain(..) {
                waker.wake();
            }
            if done {
                return any;
            }
        }
    }

    /// Nothing can run: moves a paused clock to the next timer's deadline
    /// and fires what is due then, on the calling thread. Returns whether a
    /// timer fired; `false` on a running clock or with no timer armed.
    pub(crate) fn auto_advance(&self) -> bool {
        if !self.clock.is_paused() {
            return false;
        }
        // The next expiration of a coarse level is its slot's start, where
        // the entries only move down a level: go on until one fires.
        let mut last = None;
        loop {
            let next = self.state.lock().wheel.next_expiration();
            let Some(tick) = next.filter(|&t| last.map_or(true, |l| t > l)) else {
                return false;
            };
            last = Some(tick);
            self.clock
                .advance_to(self.start + Duration::from_millis(tick));
            if self.fire_until(self.clock.now()) {
                return true;
            }
        }
    }

    /// Arms `key` at tick `when` (from [`tick_at_or_after`]); returns false
    /// if it is already due.
    ///
    /// [`tick_at_or_after`]: Driver::tick_at_or_after
    pub(crate) fn arm(&self, state: &mut State, key: Key, when: u64, waker: Waker) -> bool {
        if !state.wheel.arm(key, when, waker) {
            return false;
        }
        if when < state.sleeping_until {
            state.sleeping_until = when;
            self.cond.notify_one();
        }
        true
    }

    /// Advances the wheel to `now` (at most [`BATCH`] wakers into `fired`)
    /// and publishes the elapsed tick before the caller wakes them
    /// (invariant 3). Returns whether the wheel reached `now`.
    pub(crate) fn fire_round(&self, state: &mut State, now: u64, fired: &mut Vec<Waker>) -> bool {
        let done = state.wheel.advance(now, fired, BATCH);
        // ORDERING: Release; see `elapsed`. Under the lock, so the stores
        // are in wheel order and the value only grows.
        self.elapsed.store(state.wheel.elapsed(), Release);
        done
    }

    /// The thread's loop.
    fn run(&self) {
        let mut fired = Vec::with_capacity(BATCH);
        let mut state = self.state.lock();
        loop {
            if state.shutdown {
                return;
            }
            if self.clock.is_paused() {
                // A paused clock's timers fire on the thread that moves the
                // clock (`advance`, `auto_advance`), so the order of the
                // wake-ups does not depend on this thread's timing.
                state.sleeping_until = u64::MAX;
                state = self.cond.wait(state);
                continue;
            }
            state.sleeping_until = 0;
            let done = self.fire_round(&mut state, self.tick_now(), &mut fired);
            if !fired.is_empty() {
                drop(state);
                for waker in fired.drain(..) {
                    waker.wake();
                }
                state = self.state.lock();
                continue;
            }
            if !done {
                continue;
            }
            state = match state.wheel.next_expiration() {
                Some(tick) => {
                    state.sleeping_until = tick;
                    let at = self.start + Duration::from_millis(tick);
                    let wait = at.saturating_duration_since(self.clock.now());
                    self.cond.wait_timeout(state, wait)
                }
                None => {
                    state.sleeping_until = u64::MAX;
                    self.cond.wait(state)
                }
            };
        }
    }
}
