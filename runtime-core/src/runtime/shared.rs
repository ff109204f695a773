//! `Shared`: the state of a runtime that its handles share. It owns the
//! scheduler core (`scheduler::Shared`: queues, idle set, shutdown flag)
//! and keeps beside it the runtime's other parts: the registry of live
//! tasks, the blocking pool, the drivers, and the statistics and records
//! the monitor shows. The workers reach these only through
//! `scheduler::Hooks`, which [`Handle`] implements here.

use super::Handle;
use crate::blocking;
use crate::loom::{Arc, AtomicU64, Mutex};
use crate::scheduler::{self, worker, Hooks};
use crate::task::raw::Header;
use crate::task::Registry;
use std::sync::atomic::Ordering::Relaxed;

/// The state of a runtime, shared by its handles (and so by its tasks).
pub(crate) struct Shared {
    /// The scheduler core, also held by every worker.
    pub(crate) scheduler: Arc<scheduler::Shared>,
    /// Every live task.
    pub(crate) registry: Registry,
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
    /// The runtime's clock, which tests may pause (`time/clock.rs`).
    pub(crate) clock: std::sync::Arc<crate::time::Clock>,
}

impl Shared {
    /// Reports a poll that held worker `worker` for `took` (long-block
    /// detection): on stderr, and in the list the monitor shows.
    pub(crate) fn record_long_block(
        &self,
        header: &Header,
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
    /// `block_on` thread polling or woken (`scheduler::Shared::is_idle`),
    /// no `run_in_thread` call in flight. A paused clock may then jump.
    pub(crate) fn is_idle(&self) -> bool {
        self.scheduler.is_idle() && !self.blocking_in_flight()
    }

    /// With the clock paused and nothing able to run, moves the clock to
    /// the next deadline and fires it on this thread.
    pub(crate) fn auto_advance_if_idle(&self) -> bool {
        if !self.clock.is_paused() || !self.is_idle() {
            return false;
        }
        self.time.get().is_some_and(|driver| driver.auto_advance())
    }
}

impl Hooks for Handle {
    fn long_block_limit(&self) -> Option<std::time::Duration> {
        self.shared.longblock
    }

    fn record_long_block(&self, header: &Header, worker: usize, took: std::time::Duration) {
        self.shared.record_long_block(header, worker, took);
    }

    fn auto_advance_if_idle(&self) -> bool {
        self.shared.auto_advance_if_idle()
    }
}
