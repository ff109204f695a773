//! The work-stealing scheduler.
//!
//! One worker thread per core. Each owns a local FIFO queue and a LIFO
//! slot for the task it just woke (so a message and its reply are handled
//! back to back); tasks scheduled from outside any worker go to one shared
//! injector, which workers also check every [`GLOBAL_QUEUE_INTERVAL`]
//! ticks so remote work is never starved. An idle worker steals half of a
//! random victim's queue; at most about half of the workers search at once,
//! and a parked worker is woken only when nobody is searching (`idle.rs`).

pub mod coop;
pub(crate) mod idle;
pub(crate) mod park;
pub(crate) mod queue;
pub(crate) mod worker;

#[cfg(all(test, curio_loom))]
mod loom_tests;

use crate::blocking;
use crate::loom::{AtomicBool, AtomicU64, Mutex};
use crate::task::{Notified, Registry};
use crossbeam_utils::CachePadded;
use idle::Idle;
use park::Parker;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};

/// How many ticks between two looks at the injector while the local queue
/// has work.
#[cfg(not(all(test, curio_loom)))]
pub(crate) const GLOBAL_QUEUE_INTERVAL: u32 = 61;
/// How many ticks between two looks at the injector (small under loom).
#[cfg(all(test, curio_loom))]
pub(crate) const GLOBAL_QUEUE_INTERVAL: u32 = 2;

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
    pub(crate) cores: Mutex<Vec<Box<worker::Core>>>,
    /// Threads of `spawn_thread`, joined at shutdown.
    pub(crate) threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
    /// Functions that stop drivers (timer, reactor) at shutdown, in order.
    pub(crate) on_shutdown: Mutex<Vec<Box<dyn FnOnce() + Send>>>,
    /// The timer driver, started on first use (`time/driver.rs`).
    pub(crate) time: std::sync::OnceLock<crate::loom::Arc<crate::time::Driver>>,
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
        for remote in self.remotes.iter() {
            remote.parker.unpark();
        }
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
            self.remotes[index].parker.unpark();
        }
    }

    /// Whether any queue holds work (idle.rs rule 3).
    pub(crate) fn has_queued_work(&self) -> bool {
        !self.injector.is_empty() || self.remotes.iter().any(|r| !r.stealer.is_empty())
    }
}
