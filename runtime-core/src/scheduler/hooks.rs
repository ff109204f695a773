//! What the workers ask of the runtime that runs them.
//!
//! The scheduler core (`Shared`: queues, idle set, shutdown flag) knows
//! nothing of the runtime's other parts (the blocking pool, the timer, the
//! monitor's records). The few times a worker needs them, it calls the
//! runtime through this trait, which `runtime::Shared` implements: never on
//! the path of a poll, only when a poll was too long and when the worker is
//! about to park.

use crate::task::raw::Header;
use std::time::Duration;

/// The runtime's side of a worker (see the module docs).
pub(crate) trait Hooks: Send + Sync + 'static {
    /// Polls that hold a worker longer than this are reported
    /// (`Builder::longblock`); read once, when the worker starts.
    fn long_block_limit(&self) -> Option<Duration>;

    /// Reports a poll of the task `header` that held worker `worker` for
    /// `took`, at least `long_block_limit`.
    fn record_long_block(&self, header: &Header, worker: usize, took: Duration);

    /// With the clock paused and nothing able to run, moves the clock to
    /// the next deadline and fires it on this thread; returns whether it
    /// did (`time/clock.rs`).
    fn auto_advance_if_idle(&self) -> bool;
}
