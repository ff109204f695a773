//! The core of the curio runtime: the work-stealing scheduler, tasks,
//! cancellation, the blocking pool, and the runtime that ties them.
//!
//! Users reach this crate through the `curio` facade; see its docs for a
//! tour. The pieces here:
//!
//! - [`Runtime`], [`Builder`], [`Handle`]: start a runtime and reach it;
//! - [`spawn`], [`Task`], [`TaskId`], [`TaskError`], [`task::Builder`]:
//!   tasks, joining and cancelling them;
//! - [`run_in_thread`], [`spawn_thread`]: blocking work off the workers;
//! - [`yield_now`], [`current_task`];
//! - [`sleep`], [`timeout_after`], [`ignore_after`], [`time::interval`]:
//!   time, on a timing wheel driven by one timer thread;
//! - [`disable_cancellation`], [`check_cancellation`]: cancellation control;
//! - [`TaskGroup`]: structured concurrency.

#![warn(missing_docs)]

mod blocking;
mod cancel;
pub mod group;
pub mod introspect;
mod loom;
mod monitor;
mod profile;
pub mod runtime;
pub mod scheduler;
pub mod task;
pub mod time;

pub use blocking::{run_in_thread, spawn_thread, RunInThread};
pub use cancel::{check_cancellation, disable_cancellation, DisableCancellation};
pub use group::{Done, Spawner, TaskGroup, Wait};
pub use runtime::{Builder, Handle, Runtime};
pub use task::{
    current_task, spawn, try_current_task, yield_now, Task, TaskError, TaskId, YieldNow,
};
pub use time::{
    clock, ignore_after, ignore_at, sleep, sleep_until, timeout_after, timeout_at, Sleep,
    TaskTimeout,
};

/// Builds a runtime with the default configuration, runs `future` as its
/// main task, shuts the runtime down and returns the output.
///
/// # Panics
///
/// Panics if the runtime cannot start (see [`Builder::build`]), and as
/// [`Runtime::run`].
///
/// # Examples
///
/// ```
/// let answer = curio::run(async { 42 });
/// assert_eq!(answer, 42);
/// ```
#[track_caller]
pub fn run<F: std::future::Future>(future: F) -> F::Output {
    Runtime::new()
        .unwrap_or_else(|e| panic!("curio::run: cannot start the runtime: {e}"))
        .run(future)
}
