//! A worker thread: its `Core` (local queue, LIFO slot, tick) and the run
//! loop that takes work from the LIFO slot, the local queue, the injector,
//! or another worker, and parks when there is none.

use super::{
    queue, Hooks, Shared, WorkerMetrics, GLOBAL_QUEUE_INTERVAL, GLOBAL_QUEUE_LATENCY_NS,
    MAX_INJECT_BATCH, MAX_LIFO_POLLS, MIN_GLOBAL_QUEUE_INTERVAL,
};
use crate::loom::Arc;
use crate::task::Notified;
use std::cell::RefCell;

/// Rounds of looking for work before a searching worker parks.
#[cfg(not(all(test, curio_loom)))]
const SPIN_ROUNDS: u32 = 64;
/// Rounds of looking for work before parking (none under loom).
#[cfg(all(test, curio_loom))]
const SPIN_ROUNDS: u32 = 0;

/// Busy-wait hints between two looks.
const SPINS_PER_ROUND: u32 = 32;

/// Every this many looks for work, a worker takes a woken local task
/// before its other queues (`WorkerContext::next_task`).
const LOCAL_INTERVAL: u32 = 2;

/// Per-worker state that only its thread touches.
pub(crate) struct Core {
    /// The worker's index in `Shared::remotes`.
    index: usize,
    /// Incremented for every task run; picks when to check the injector.
    tick: u32,
    /// The tick of the last look at the injector.
    checked_at_tick: u32,
    /// When the injector was last looked at (or the worker last unparked).
    checked_at: std::time::Instant,
    /// Ticks between two looks at the injector, tuned from the mean poll
    /// time.
    interval: u32,
    /// Smoothed mean time of one tick, in nanoseconds.
    mean_tick_ns: u64,
    /// Set at each look at the injector: the I/O driver is due a poll.
    driver_due: bool,
    /// The task woken last by a task of this worker, run next.
    lifo_slot: Option<Notified>,
    /// How many tasks in a row came from the LIFO slot.
    lifo_streak: u8,
    /// The local queue.
    run_queue: queue::Local,
    /// Whether this worker counts as searching (idle.rs).
    is_searching: bool,
    /// State of the victim-picking generator.
    rand: u64,
    /// With a seed and one worker: the ready tasks, run in a seeded
    /// shuffle instead of from the LIFO slot and the queues.
    seeded: Option<Vec<Notified>>,
}

/// The context of a worker thread.
pub(crate) struct WorkerContext {
    /// The scheduler core.
    pub(crate) shared: Arc<Shared>,
    /// The runtime, for what is not scheduling (`hooks.rs`).
    hooks: Box<dyn Hooks>,
    /// Polls longer than this are reported (`Hooks::long_block_limit`).
    longblock: Option<std::time::Duration>,
    /// The worker's core; borrowed briefly, never across a task poll.
    core: RefCell<Box<Core>>,
    /// The local tasks this worker owns (`local.rs`).
    pub(crate) local: Arc<super::local::LocalQueue>,
    /// Counts looks for work; every `LOCAL_INTERVAL`th takes a local task
    /// first.
    local_tick: std::cell::Cell<u32>,
}

thread_local! {
    /// The worker this thread is, if any.
    static WORKER: RefCell<Option<WorkerContext>> = const { RefCell::new(None) };
}

/// Calls `f` with this thread's worker context, if it is a worker.
pub(crate) fn with_worker<R>(f: impl FnOnce(Option<&WorkerContext>) -> R) -> R {
    WORKER.with(|w| match w.try_borrow() {
        Ok(w) => f(w.as_ref()),
        Err(_) => f(None),
    })
}

/// Creates the core and stealer of worker `index`; with a `seed`, victims
/// are picked from it, and with one worker (`alone`) the ready tasks run in
/// a seeded shuffle.
pub(crate) fn new_core(
    index: usize,
    seed: Option<u64>,
    alone: bool,
) -> (Box<Core>, queue::Stealer) {
    let (run_queue, stealer) = queue::local();
    let core = Box::new(Core {
        index,
        tick: 0,
        checked_at_tick: 0,
        checked_at: std::time::Instant::now(),
        interval: GLOBAL_QUEUE_INTERVAL,
        mean_tick_ns: 0,
        driver_due: false,
        lifo_slot: None,
        lifo_streak: 0,
        run_queue,
        is_searching: false,
        rand: splitmix(seed.unwrap_or(0x9E37_79B9_7F4A_7C15) ^ ((index as u64 + 1) << 17)),
        seeded: (seed.is_some() && alone).then(Vec::new),
    });
    (core, stealer)
}

/// The body of a worker thread: runs tasks until shutdown, then returns
/// its core, which the runtime keeps (its queued references are dropped
/// after every task was cancelled).
pub(crate) fn run(shared: Arc<Shared>, hooks: Box<dyn Hooks>, core: Box<Core>) -> Core {
    let local = Arc::new(super::local::LocalQueue::new(super::local::Owner::Worker {
        shared: shared.clone(),
        index: core.index,
    }));
    let _profile = crate::profile::enter_worker(shared.profile.as_ref(), core.index);
    WORKER.with(|w| {
        *w.borrow_mut() = Some(WorkerContext {
            shared,
            longblock: hooks.long_block_limit(),
            hooks,
            core: RefCell::new(core),
            local: local.clone(),
            local_tick: std::cell::Cell::new(0),
        })
    });
    with_worker(|cx| cx.expect("worker context was just set").run_loop());
    // The local tasks still alive are dropped here, on their owner, with
    // the worker context still set (local.rs rule 3).
    local.shut_down();
    let cx = WORKER
        .with(|w| w.borrow_mut().take())
        .expect("worker context");
    *cx.core.into_inner()
}

impl WorkerContext {
    /// The loop of rule "LIFO slot, local queue, injector, steal, park".
    fn run_loop(&self) {
        let shared = &*self.shared;
        while !shared.is_shutdown() {
            self.poll_driver_if_due();
            let next = self.next_task(shared);
            let task = match next {
                Some(task) => task,
                None => match self.steal() {
                    Some(task) => task,
                    None => {
                        if !self.spin_for_work() {
                            self.park();
                        }
                        continue;
                    }
                },
            };
            self.run_task(task);
        }
    }

    /// A busy worker polls the I/O driver without blocking at each look at
    /// the injector, so readiness reaches a runtime whose workers never
    /// park without waiting for the driver's own thread. The tasks woken
    /// are queued on this worker. The core is not borrowed meanwhile.
    fn poll_driver_if_due(&self) {
        let due = std::mem::take(&mut self.core.borrow_mut().driver_due);
        if due {
            if let Some(driver) = self.shared.io_driver() {
                driver.poll_now();
            }
        }
    }

    /// Runs one task, first leaving the searching state.
    fn run_task(&self, task: Notified) {
        let shared = &*self.shared;
        let index = {
            let mut core = self.core.borrow_mut();
            if core.is_searching {
                core.is_searching = false;
                if shared.idle.transition_worker_from_searching() {
                    // The last searcher found work; keep one searching, as
                    // there may be more (idle.rs rule 2).
                    drop(core);
                    shared.notify_parked();
                    core = self.core.borrow_mut();
                }
            }
            core.index
        };
        WorkerMetrics::bump(&shared.remotes[index].metrics.polls);
        #[cfg(feature = "tracing")]
        let _span = {
            let task_ref = task.task_ref();
            let raw = task_ref.raw();
            let header = raw.header();
            tracing::trace_span!(
                target: "curio::task",
                "poll",
                task.id = header.id.as_u64(),
                task.name = header.name.as_deref().unwrap_or(""),
            )
            .entered()
        };
        // The worker, not the task harness, refills the cooperative budget
        // for each poll (`coop.rs`).
        let _budget = crate::coop::enter();
        match self.longblock {
            None => task.run(),
            Some(limit) => {
                let task_ref = task.task_ref();
                let start = std::time::Instant::now();
                task.run();
                let took = start.elapsed();
                if took >= limit {
                    self.hooks
                        .record_long_block(task_ref.raw().header(), index, took);
                }
            }
        }
    }

    /// Steals from another worker or the injector, starting to search if
    /// the searcher bound allows (idle.rs rule 1).
    fn steal(&self) -> Option<Notified> {
        let shared = &*self.shared;
        let mut core = self.core.borrow_mut();
        if core.seeded.is_some() {
            // A seeded worker takes every task through its shuffle
            // (`next_seeded`), the injector's too.
            return None;
        }
        if !core.is_searching {
            if !shared.idle.transition_worker_to_searching() {
                return None;
            }
            core.is_searching = true;
        }
        let n = shared.remotes.len();
        let start = (core.next_rand() % n as u64) as usize;
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == core.index {
                continue;
            }
            if let Some(task) = shared.remotes[victim]
                .stealer
                .steal_batch_and_pop(&core.run_queue)
            {
                WorkerMetrics::bump(&shared.remotes[core.index].metrics.steals);
                return Some(task);
            }
        }
        let limit = core.inject_batch(shared);
        shared
            .injector
            .steal_batch_with_limit_and_pop(&core.run_queue, limit)
    }

    /// Before parking, the searching worker watches the queues for a short
    /// while: work woken from outside (by the reactor or timer thread)
    /// usually arrives within microseconds of the last task, and taking it
    /// here saves the futex wake-up and context switch of a parked worker.
    /// Only a searching worker spins (at most about half of them), and it
    /// yields its core between looks so the threads that produce the work
    /// can run. Returns whether work appeared.
    fn spin_for_work(&self) -> bool {
        if !self.core.borrow().is_searching {
            return false;
        }
        let shared = &*self.shared;
        for round in 0..SPIN_ROUNDS {
            if shared.is_shutdown() || shared.has_queued_work() || self.has_local_work() {
                return true;
            }
            if round % 4 == 3 {
                // Events may be waiting in the driver: take them here (the
                // tasks land on this worker) rather than after a park.
                if let Some(driver) = shared.io_driver() {
                    driver.poll_now();
                    if self.has_local_work() {
                        return true;
                    }
                }
                std::thread::yield_now();
            } else {
                for _ in 0..SPINS_PER_ROUND {
                    crate::loom::spin_loop();
                }
            }
        }
        false
    }

    /// Parks until woken with work or shutdown (idle.rs rule 3).
    fn park(&self) {
        let shared = &*self.shared;
        let (index, was_searching) = {
            let mut core = self.core.borrow_mut();
            let was = core.is_searching;
            core.is_searching = false;
            (core.index, was)
        };
        if shared
            .idle
            .transition_worker_to_parked(index, was_searching)
            && shared.has_queued_work()
        {
            shared.notify_parked();
        }
        WorkerMetrics::bump(&shared.remotes[index].metrics.parks);
        if self.auto_advance_clock(index) {
            return;
        }
        loop {
            shared.remotes[index].parker.park(shared.io_driver());
            if shared.is_shutdown() {
                return;
            }
            let searching = if !shared.idle.is_parked(index) {
                // `worker_to_notify` counted us unparked and searching.
                true
            } else if self.has_local_work() {
                // The driver we slept in woke tasks onto this worker.
                !shared.idle.unpark_self(index)
            } else {
                continue;
            };
            let mut core = self.core.borrow_mut();
            core.is_searching = searching;
            // Time parked is not poll time (`Core::tune_interval`).
            core.checked_at = std::time::Instant::now();
            core.checked_at_tick = core.tick;
            return;
        }
    }

    /// With the clock paused and nothing left to run (every worker parked,
    /// nothing queued), moves the clock to the next timer's deadline and
    /// fires it (`time/clock.rs`). Returns whether that woke tasks onto
    /// this worker, which is then unparked again to run them.
    fn auto_advance_clock(&self, index: usize) -> bool {
        let shared = &*self.shared;
        if !self.hooks.auto_advance_if_idle() || !self.has_local_work() {
            return false;
        }
        let searching = !shared.idle.unpark_self(index);
        let mut core = self.core.borrow_mut();
        core.is_searching = searching;
        core.checked_at = std::time::Instant::now();
        core.checked_at_tick = core.tick;
        true
    }

    /// Whether this worker's LIFO slot, local queue or inbox of local
    /// tasks holds a task.
    fn has_local_work(&self) -> bool {
        let core = self.core.borrow();
        core.lifo_slot.is_some()
            || core.run_queue.len() > 0
            || core.seeded.as_ref().is_some_and(|r| !r.is_empty())
            || !self.local.is_empty()
    }

    /// The next task of this worker: from its core (LIFO slot, local
    /// queue, injector) or its inbox of local tasks, which takes every
    /// `LOCAL_INTERVAL`th turn first and every turn the core has nothing,
    /// so neither starves the other. Seeded, the local tasks join the
    /// shuffle.
    fn next_task(&self, shared: &Shared) -> Option<Notified> {
        let mut core = self.core.borrow_mut();
        if let Some(ready) = core.seeded.as_mut() {
            while let Some(task) = self.local.pop() {
                ready.push(task);
            }
            return core.next_task(shared);
        }
        let tick = self.local_tick.get().wrapping_add(1);
        self.local_tick.set(tick);
        if tick % LOCAL_INTERVAL == 0 {
            if let Some(task) = self.local.pop() {
                return Some(task);
            }
        }
        core.next_task(shared).or_else(|| self.local.pop())
    }

    /// Schedules a task woken by code running on this worker: into the LIFO
    /// slot, or at the back of the local queue for a yield.
    pub(crate) fn schedule_local(&self, task: Notified, is_yield: bool) {
        let Ok(mut core) = self.core.try_borrow_mut() else {
            // Only reachable from code run while the core is borrowed (a
            // destructor inside the scheduler); the injector always works.
            return self.shared.schedule_remote(task);
        };
        if let Some(ready) = core.seeded.as_mut() {
            ready.push(task);
            return;
        }
        let notify = if is_yield {
            // Work from outside (remote spawns, the reactor's and the
            // timer's wake-ups) goes ahead of a task that yields: a worker
            // whose tasks keep yielding would otherwise let it wait for the
            // next look at the injector.
            if !self.shared.injector.is_empty() {
                let limit = core.inject_batch(&self.shared);
                self.shared
                    .injector
                    .steal_batch_with_limit(&core.run_queue, limit);
            }
            core.run_queue.push(task);
            // This worker runs the task next unless something else is
            // queued ahead of it: only then is there work to share, and an
            // idle worker worth waking (else every yield of a lone task
            // would unpark a worker that finds nothing, or steals the task
            // and moves it to another core).
            core.lifo_slot.is_some() || core.run_queue.len() > 1
        } else {
            match core.lifo_slot.replace(task) {
                Some(prev) => {
                    core.run_queue.push(prev);
                    true
                }
                None => false,
            }
        };
        drop(core);
        if notify {
            self.shared.notify_parked();
        }
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        // The deque's buffer is shared with the stealer in `Shared`, so it
        // would outlive this core: empty it now, or the references it holds
        // would keep the tasks (and through them `Shared`) alive.
        while let Some(task) = self.run_queue.pop() {
            drop(task);
        }
        drop(self.seeded.take());
    }
}

impl Core {
    /// The next task of this worker's own queues (and the injector).
    fn next_task(&mut self, shared: &Shared) -> Option<Notified> {
        self.tick = self.tick.wrapping_add(1);
        if self.seeded.is_some() {
            return self.next_seeded(shared);
        }
        if self.tick.wrapping_sub(self.checked_at_tick) >= self.interval {
            self.tune_interval();
            self.driver_due = true;
            // A batch, not one task: while the local queue never empties,
            // this and a yield are the only ways remote work comes in, and
            // one task per interval would drain the injector at a trickle.
            // The batch queues behind the local tasks.
            if !shared.injector.is_empty() {
                let limit = self.inject_batch(shared);
                if let Some(task) = shared
                    .injector
                    .steal_batch_with_limit_and_pop(&self.run_queue, limit)
                {
                    return Some(task);
                }
            }
        }
        if let Some(task) = self.lifo_slot.take() {
            if self.lifo_streak < MAX_LIFO_POLLS {
                self.lifo_streak += 1;
                return Some(task);
            }
            // The slot had its turns: queue it behind the others.
            self.run_queue.push(task);
        }
        self.lifo_streak = 0;
        if let Some(task) = self.run_queue.pop() {
            return Some(task);
        }
        let limit = self.inject_batch(shared);
        shared
            .injector
            .steal_batch_with_limit_and_pop(&self.run_queue, limit)
    }

    /// The seeded shuffle (`Builder::seed`): every ready task, from the
    /// injector too, is a candidate, and the generator picks which runs.
    fn next_seeded(&mut self, shared: &Shared) -> Option<Notified> {
        // The future a `block_on` thread drives takes turns with the
        // worker's tasks: while it polls (or was woken), nothing else
        // starts, so which runs when is the schedule's choice, not the OS's.
        // ORDERING: SeqCst; see `ThreadWaker::mark_busy` (handle.rs).
        if shared
            .block_on_busy
            .load(std::sync::atomic::Ordering::SeqCst)
            > 0
        {
            return None;
        }
        let mut ready = self.seeded.take().unwrap_or_default();
        ready.extend(self.lifo_slot.take());
        while let Some(task) = self.run_queue.pop() {
            ready.push(task);
        }
        while let Some(task) = shared.injector.pop() {
            ready.push(task);
        }
        let picked = if ready.is_empty() {
            None
        } else {
            let i = (self.next_rand() % ready.len() as u64) as usize;
            Some(ready.swap_remove(i))
        };
        self.seeded = Some(ready);
        picked
    }

    /// How many tasks to move from the injector at once: a fair share of
    /// what waits there (`len / workers + 1`), bounded so that one look
    /// does not fill the local queue.
    fn inject_batch(&self, shared: &Shared) -> usize {
        (shared.injector.len() / shared.remotes.len() + 1).min(MAX_INJECT_BATCH)
    }

    /// Re-tunes the injector interval so that work from outside waits about
    /// `GLOBAL_QUEUE_LATENCY_NS` while this worker is busy: with long polls
    /// the worker looks at the injector every few ticks, with short ones at
    /// most every `GLOBAL_QUEUE_INTERVAL`. One clock read per look.
    fn tune_interval(&mut self) {
        let ticks = self.tick.wrapping_sub(self.checked_at_tick).max(1);
        self.checked_at_tick = self.tick;
        if cfg!(all(test, curio_loom)) {
            return;
        }
        let now = std::time::Instant::now();
        let elapsed = now.saturating_duration_since(self.checked_at);
        self.checked_at = now;
        let per_tick = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX) / u64::from(ticks);
        // An exponentially weighted mean (weight 1/4 for the new sample),
        // so one slow poll does not swing the interval.
        self.mean_tick_ns = if self.mean_tick_ns == 0 {
            per_tick
        } else {
            (self.mean_tick_ns.saturating_mul(3)).saturating_add(per_tick) / 4
        };
        let interval = GLOBAL_QUEUE_LATENCY_NS / self.mean_tick_ns.max(1);
        self.interval = u32::try_from(interval)
            .unwrap_or(u32::MAX)
            .clamp(MIN_GLOBAL_QUEUE_INTERVAL, GLOBAL_QUEUE_INTERVAL);
    }

    /// A xorshift step for picking victims.
    fn next_rand(&mut self) -> u64 {
        let mut x = self.rand;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rand = x;
        x
    }
}

/// One step of splitmix64: spreads a seed over the whole word (xorshift
/// must not start from zero).
fn splitmix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) | 1
}
