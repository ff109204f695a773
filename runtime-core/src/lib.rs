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
//!
//! # Examples
//!
//! ```
//! let answer = curio::run(async {
//!     let kid = curio::spawn(async { 6 * 7 });
//!     kid.await.unwrap()
//! });
//! assert_eq!(answer, 42);
//! ```
//!
//! # Layering
//!
//! The modules depend on each other in one direction. Listed lowest
//! first, each uses only those listed before it, but for the pairs named
//! after the list:
//!
//! 1. `loom` (the sync shim) and `coop` (the cooperative budget, a
//!    thread-local; public as [`scheduler::coop`]): leaves.
//! 2. `task`: the task cell, its state word, wakers, `Task<T>` and the
//!    registry of live tasks; with it `introspect`, the monitor's view of a
//!    task's header. It knows whoever schedules it only as the
//!    `Schedule` trait it is given at spawn, and names no scheduler: the
//!    thread that polls a task (a worker, the `block_on` thread, a
//!    blocking-pool thread) refills its budget, not the task harness.
//! 3. `scheduler`: the workers, their queues, the idle set and the
//!    shutdown flag (`scheduler::Shared`, the scheduler core). It knows the
//!    runtime only as the `scheduler::Hooks` trait a worker is started
//!    with (long-block reports, the paused clock's jump when all park).
//! 4. `runtime`: `runtime::Shared` owns the scheduler core and keeps
//!    beside it the registry, the blocking pool, the drivers (timer, I/O
//!    extensions), the clock, and the statistics and records the monitor
//!    shows; `Handle` and `Runtime` live here.
//! 5. `blocking`, `time`, `cancel`, `group`, `monitor`: services on a
//!    runtime, which find the current one through `runtime::context`.
//!
//! Pairs that still point both ways, left for later: `task` ↔
//! `introspect` (the header stores the wait codes that `introspect` defines
//! and reads); `task`'s spawn front-ends ([`spawn`], [`task::Builder`])
//! call [`Handle`]; `runtime` owns the blocking pool, the timer driver and
//! clock, and starts the monitor, which in turn use [`Handle`]; `time` ↔
//! `cancel` (timeouts are deadline scopes, which read the clock).

#![warn(missing_docs)]

mod blocking;
mod cancel;
mod coop;
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
pub use task::{spawn_local, LocalTask};
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
