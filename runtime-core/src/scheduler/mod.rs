//! The work-stealing scheduler.
//!
//! One worker thread per core. Each owns a local FIFO queue and a LIFO
//! slot for the task it just woke (so a message and its reply are handled
//! back to back); tasks scheduled from outside any worker go to one shared
//! injector, which workers also check every `GLOBAL_QUEUE_INTERVAL`
//! ticks so remote work is never starved. An idle worker steals half of a
//! random victim's queue; at most about half of the workers search at once,
//! and a parked worker is woken only when nobody is searching (`idle.rs`).
//!
//! # Examples
//!
//! ```
//! curio::run(async {
//!     // Tasks spawned from a task go to its worker's queue; idle workers steal them.
//!     let kids: Vec<_> = (0..8u64).map(|i| curio::spawn(async move { i * i })).collect();
//!     let mut sum = 0;
//!     for kid in kids {
//!         sum += kid.await.unwrap();
//!     }
//!     assert_eq!(sum, 140);
//! });
//! ```

/// The cooperative budget, for operations of extension crates (curio's
/// sockets) that may complete without waiting: spend one unit with
/// [`poll_proceed`](coop::poll_proceed) first, and give it back with
/// [`refund`](coop::refund) when nothing was ready.
///
/// # Examples
///
/// ```
/// use curio::scheduler::coop;
///
/// curio::run(async {
///     // Inside a task the budget is finite, and spending one unit of a
///     // fresh budget goes on.
///     std::future::poll_fn(|cx| coop::poll_proceed(cx)).await;
/// });
/// ```
pub mod coop {
    pub use crate::coop::{poll_proceed, refund};
}
mod driver;
mod hooks;
pub(crate) mod idle;
pub(crate) mod local;
pub(crate) mod park;
pub(crate) mod queue;
pub(crate) mod worker;

#[cfg(all(test, curio_loom))]
mod loom_tests;

use crate::loom::{AtomicBool, AtomicU64, AtomicUsize};
use crate::task::Notified;
use crossbeam_utils::CachePadded;
use idle::Idle;
use park::Parker;

pub use driver::IoDriver;
pub(crate) use hooks::Hooks;
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

/// The scheduler core, shared by every worker of a runtime: what scheduling
/// needs and nothing else. The runtime's other parts (registry, blocking
/// pool, drivers, statistics) live beside it in `runtime::Shared`, which the
/// workers reach only through [`Hooks`].
pub(crate) struct Shared {
    /// Per-worker state others may touch.
    pub(crate) remotes: Box<[Remote]>,
    /// Tasks scheduled from outside the workers.
    pub(crate) injector: queue::Injector,
    /// Parked and searching workers.
    pub(crate) idle: Idle,
    /// Set once shutdown began.
    pub(crate) shutdown: AtomicBool,
    /// Whether the schedule is a seeded shuffle (one worker, a seed).
    pub(crate) seeded: bool,
    /// `block_on` threads that are polling or have been woken: while one
    /// is, a paused clock does not jump (`time/clock.rs`). A scheduling
    /// concern: such a thread takes turns with a seeded worker
    /// (`next_seeded`) and counts as able to run in `is_idle`.
    pub(crate) block_on_busy: AtomicUsize,
    /// The I/O driver the workers turn, once an extension installed one
    /// (`driver.rs`); here because a worker parks in it.
    pub(crate) io: std::sync::OnceLock<std::sync::Arc<dyn IoDriver>>,
    /// Local tasks queued in the workers' inboxes (`local.rs`): while any
    /// is, a paused clock does not jump.
    pub(crate) local_queued: AtomicUsize,
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

    /// Whether no worker and no `block_on` thread can run: every worker
    /// parked, nothing queued, no `block_on` thread polling or woken (the
    /// runtime adds the blocking pool, `runtime::Shared::is_idle`).
    pub(crate) fn is_idle(&self) -> bool {
        // ORDERING: SeqCst; see `ThreadWaker::mark_busy` (handle.rs).
        self.idle.all_parked()
            && self.block_on_busy.load(SeqCst) == 0
            && self.local_queued.load(SeqCst) == 0
            && !self.has_queued_work()
    }

    /// Whether any queue holds work (idle.rs rule 3).
    pub(crate) fn has_queued_work(&self) -> bool {
        !self.injector.is_empty() || self.remotes.iter().any(|r| !r.stealer.is_empty())
    }
}
