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

use super::wheel::{Key, Wheel};
use crate::loom::{Arc, Condvar, Mutex, MutexGuard};
use crate::scheduler::Shared;
use std::task::Waker;
use std::time::{Duration, Instant};

/// How many wakers are fired per round before the lock is retaken.
const BATCH: usize = 256;

/// The part of the driver shared by timers and the thread.
pub(crate) struct Driver {
    /// The instant of tick 0.
    start: Instant,
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
    /// A driver whose tick 0 is now, with no thread yet.
    pub(crate) fn new() -> Driver {
        Driver {
            start: Instant::now(),
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
            let driver = Arc::new(Driver::new());
            // Under the hooks' lock, so shutdown either runs our hook or has
            // already begun (then timers simply never fire: every task is
            // being cancelled).
            let mut hooks = shared.on_shutdown.lock();
            if !shared.is_shutdown() {
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

    /// Locks the wheel.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock()
    }

    /// The first tick at or after `deadline` (rounded up: invariant 2).
    pub(crate) fn tick_at_or_after(&self, deadline: Instant) -> u64 {
        let d = deadline.saturating_duration_since(self.start);
        let ms = d.as_millis();
        let round_up = u128::from(d.subsec_nanos() % 1_000_000 != 0);
        u64::try_from(ms + round_up).unwrap_or(u64::MAX)
    }

    /// The last tick the clock has reached.
    fn tick_now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Arms `key` at `deadline`; returns false if it is already due.
    pub(crate) fn arm(&self, state: &mut State, key: Key, deadline: Instant, waker: Waker) -> bool {
        let when = self.tick_at_or_after(deadline);
        if !state.wheel.arm(key, when, waker) {
            return false;
        }
        if when < state.sleeping_until {
            state.sleeping_until = when;
            self.cond.notify_one();
        }
        true
    }

    /// The thread's loop.
    fn run(&self) {
        let mut fired = Vec::with_capacity(BATCH);
        let mut state = self.state.lock();
        loop {
            if state.shutdown {
                return;
            }
            state.sleeping_until = 0;
            let done = state.wheel.advance(self.tick_now(), &mut fired, BATCH);
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
                    let wait = at.saturating_duration_since(Instant::now());
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
