//! The work-stealing scheduler.
//!
//! One worker thread per core. Each owns a local FIFO queue and a LIFO
//! slot for the task it just woke (so a message and its reply are handled
//! back to back); tasks scheduled from outside any worker go to one shared
//! injector, which workers also check every `GLOBAL_QUEUE_INTERVAL`
//! ticks so remote work is never starved. An idle worker steals half of a
//! random victim's queue; at most about half of the workers search at once,
//! and a parked worker is woken only when nobody is searching (`idle.rs`).

pub mod coop;
mod driver;
pub(crate) mod idle;
pub(crate) mod park;
pub(crate) mod queue;
pub(crate) mod worker;

#[cfg(all(test, curio_loom))]
mod loom_tests;

use crate::blocking;
use crate::loom::{AtomicBool, AtomicU64, AtomicUsize, Mutex};
use crate::task::{Notified, Registry};
use crossbeam_utils::CachePadded;
use idle::Idle;
use park::Parker;

pub use driver::IoDriver;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};

/// The most ticks between two looks at the injector while the local queue
/// has work; the worker tunes the interval below this from its mean poll
/// time (`worker.rs`, `Core::tune_interval`).
#[cfg(not(all(test, curio_loom)))]
pub(crate) const GLOBAL_QUEUE_INTERVAL: u32 = 61;
/// How many ticks between two looks at the injector (small and fixed under
/// loom).
#[cfg(all(test, curio_loom))]
pub(crate) const GLOBAL_QUEUE_INTERVAL: u32 = 2;

/// The fewest ticks between two looks at the injector.
pub(crate) const MIN_GLOBAL_QUEUE_INTERVAL: u32 = 2;

/// How long, at most, work from outside should wait in the injector while
/// a worker is busy: the interval is tuned so that `interval × mean poll
/// time` is about this.
pub(crate) const GLOBAL_QUEUE_LATENCY_NS: u64 = 100_000;

/// The most tasks one look at the injector moves into a local queue.
pub(crate) const MAX_INJECT_BATCH: usize = 128;

/// How many tasks in a row may come from the LIFO slot before the local
/// queue gets a turn.
pub(crate) const MAX_LIFO_POLLS: u8 = 3;

/// The state shared by every worker of a runtime.
pub(crate) struct Shared {
    /// Per-worker state others may touch.
    pub(crate) remotes: Box<[Remote]>,
    /// Tasks scheduled from outside the workers.
    pub(crate) injector: queue::Injector,
    /// Parked and searching workers.
    pub(crate) idle: Idle,
    /// Every live task.
    pub(crate) registry: Registry,
    /// Set once shutdown began.
    pub(crate) shutdown: AtomicBool,
    /// The pool behind `run_in_thread`.
    pub(crate) blocking: blocking::Pool,
    /// Worker cores handed back when their threads exit, dropped at
    /// shutdown after every task was cancelled.
    pub(crate) cores: Mutex<Vec<worker::Core>>,
    /// Threads of `spawn_thread`, joined at shutdown.
    pub(crate) threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
    /// Functions that stop drivers (timer, reactor) at shutdown, in order.
    pub(crate) on_shutdown: Mutex<Vec<Box<dyn FnOnce() + Send>>>,
    /// Report polls that hold a worker longer than this.
    pub(crate) longblock: Option<std::time::Duration>,
    /// Long blocks seen since the start.
    pub(crate) long_block_count: AtomicU64,
    /// The latest long blocks, newest last.
    pub(crate) long_blocks: Mutex<std::collections::VecDeque<crate::introspect::LongBlock>>,
    /// Counters that drivers publish for `stats` (`Handle::publish_stat`).
    pub(crate) driver_stats:
        Mutex<Vec<(&'static str, std::sync::Arc<std::sync::atomic::AtomicU64>)>>,
    /// Drivers started on first use by extension crates (`Handle::driver`).
    pub(crate) drivers: Mutex<Vec<std::sync::Arc<dyn std::any::Any + Send + Sync>>>,
    /// The timer driver, started on first use (`time/driver.rs`).
    pub(crate) time: std::sync::OnceLock<crate::loom::Arc<crate::time::Driver>>,
    /// Whether the schedule is a seeded shuffle (one worker, a seed).
    pub(crate) seeded: bool,
    /// `block_on` threads that are polling or have been woken: while one
    /// is, a paused clock does not jump (`time/clock.rs`).
    pub(crate) block_on_busy: AtomicUsize,
    /// The runtime's clock, which tests may pause (`time/clock.rs`).
    pub(crate) clock: std::sync::Arc<crate::time::Clock>,
    /// The I/O driver the workers turn, once an extension installed one
    /// (`driver.rs`).
    pub(crate) io: std::sync::OnceLock<std::sync::Arc<dyn IoDriver>>,
    /// Poll and scheduling-delay profiling, on while the runtime has a
    /// monitor or long-block detection (`profile.rs`).
    pub(crate) profile: Option<std::sync::Arc<crate::profile::Profile>>,
}

/// What the other workers may see of one worker.
pub(crate) struct Remote {
    /// Steals from the worker's local queue.
    pub(crate) stealer: queue::Stealer,
    /// Wakes the worker.
    pub(crate) parker: Parker,
    /// Counters for `stats`.
    pub(crate) metrics: CachePadded<WorkerMetrics>,
}

/// Per-worker counters, written by their worker only.
#[derive(Default)]
pub(crate) struct WorkerMetrics {
    /// Tasks run.
    pub(crate) polls: AtomicU64,
    /// Successful steals.
    pub(crate) steals: AtomicU64,
    /// Times the worker parked.
    pub(crate) parks: AtomicU64,
}

impl WorkerMetrics {
    /// Adds one to a counter that only this worker writes.
    pub(crate) fn bump(counter: &AtomicU64) {
        // ORDERING: Relaxed; a single-writer statistics counter.
        counter.store(counter.load(Relaxed) + 1, Relaxed);
    }
}

impl Shared {
    /// Whether shutdown began.
    pub(crate) fn is_shutdown(&self) -> bool {
        // ORDERING: Acquire; pairs with the SeqCst store in `begin_shutdown`.
        self.shutdown.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Marks shutdown and wakes every worker.
    pub(crate) fn begin_shutdown(&self) {
        // ORDERING: SeqCst; ordered before the injector drain in
        // `schedule_remote`'s re-check.
        self.shutdown.store(true, SeqCst);
        for index in 0..self.remotes.len() {
            self.unpark(index);
        }
    }

    /// The I/O driver, if one is installed.
    pub(crate) fn io_driver(&self) -> Option<&dyn IoDriver> {
        self.io.get().map(|d| &**d)
    }

    /// Wakes worker `index`, on its condition variable or in the driver.
    pub(crate) fn unpark(&self, index: usize) {
        self.remotes[index].parker.unpark(self.io_driver());
    }

    /// Queues a task from outside the workers and wakes one if needed.
    pub(crate) fn schedule_remote(&self, task: Notified) {
        self.injector.push(task);
        if self.shutdown.load(SeqCst) {
            // Shutdown already drained the injector: do not leave the task
            // (and the runtime it references) there.
            while let Some(task) = self.injector.pop() {
                drop(task);
            }
            return;
        }
        self.notify_parked();
    }

    /// Wakes a parked worker if nobody is searching (idle.rs rule 2).
    pub(crate) fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            self.unpark(index);
        }
    }

    /// Reports a poll that held worker `worker` for `took` (long-block
    /// detection): on stderr, and in the list the monitor shows.
    pub(crate) fn record_long_block(
        &self,
        header: &crate::task::raw::Header,
        worker: usize,
        took: std::time::Duration,
    ) {
        /// How many long blocks are kept for the monitor.
        const KEEP: usize = 16;
        let block = crate::introspect::LongBlock {
            id: header.id,
            name: header.name.as_deref().map(str::to_owned),
            spawned_at: header.location,
            worker,
            duration: took,
        };
        log::warn!(target: "curio::longblock", "long block: {block}");
        // ORDERING: Relaxed; a statistics counter.
        self.long_block_count.fetch_add(1, Relaxed);
        let mut list = self.long_blocks.lock();
        if list.len() == KEEP {
            list.pop_front();
        }
        list.push_back(block);
    }

    /// Whether a `run_in_thread` closure is queued or running: a paused
    /// clock must not jump past its deadline meanwhile.
    pub(crate) fn blocking_in_flight(&self) -> bool {
        self.blocking.in_flight() > 0
    }

    /// Whether nothing can run: every worker parked, nothing queued, no
    /// `block_on` thread polling or woken, no `run_in_thread` call in
    /// flight. A paused clock may then jump.
    pub(crate) fn is_idle(&self) -> bool {
        // ORDERING: SeqCst; see `ThreadWaker::mark_busy` (handle.rs).
        self.idle.all_parked()
            && self.block_on_busy.load(SeqCst) == 0
            && !self.has_queued_work()
            && !self.blocking_in_flight()
    }

    /// With the clock paused and nothing able to run, moves the clock to
    /// the next deadline and fires it on this thread.
    pub(crate) fn auto_advance_if_idle(&self) -> bool {
        if !self.clock.is_paused() || !self.is_idle() {
            return false;
        }
        self.time.get().is_some_and(|driver| driver.auto_advance())
    }

    /// Whether any queue holds work (idle.rs rule 3).
    pub(crate) fn has_queued_work(&self) -> bool {
        !self.injector.is_empty() || self.remotes.iter().any(|r| !r.stealer.is_empty())
    }
}
