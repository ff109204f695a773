//! # curio
//!
//! A multi-threaded, work-stealing async runtime with the model of Python's
//! [curio]: tasks that read like blocking code, spawned onto a per-core
//! scheduler with stealing queues; cancellation that a task can clean up
//! after; and curio's primitives.
//!
//! ```
//! #[curio::main(workers = 2)]
//! async fn main() {
//!     let kid = curio::task::Builder::new()
//!         .name("kid")
//!         .spawn(async { 6 * 7 });
//!     assert_eq!(kid.await.unwrap(), 42);
//! }
//! # // `main` above is a real entry point; doctests call it explicitly.
//! # fn _unused() {}
//! ```
//!
//! ## A tour
//!
//! - **Running**: [`run`], [`Runtime`], [`Builder`], [`Handle`] and the
//!   [`main`] / [`test`] attributes. `run` returns when the main task does;
//!   the tasks still alive are then cancelled and every thread the runtime
//!   started has exited.
//! - **Tasks**: [`spawn`], [`task::Builder`], [`Task`] (join by awaiting,
//!   [`Task::cancel`], detach by dropping), [`TaskId`], [`TaskError`] (a
//!   panic kills only its task), [`yield_now`], [`current_task`].
//! - **Cancellation**, curio's way: [`Task::cancel`] requests it and waits
//!   until the task has terminated; it is delivered at the task's next
//!   suspension, where its future is dropped.
//! - **Threads**: [`run_in_thread`] (a bounded pool) and [`spawn_thread`].
//! - **Time**: [`sleep`], [`timeout_after`], [`ignore_after`] and their `_at`
//!   forms, nested as curio nests them; [`time::interval`].
//! - **Cleanup after a cancel**: [`disable_cancellation`] defers
//!   cancellation and timeouts while a future runs; [`check_cancellation`]
//!   tells it one is pending, so it can save its work first.
//! - **Structured concurrency**: [`TaskGroup`] with curio's [`Wait`]
//!   policies; dropping a group cancels its tasks.
//! - **Primitives**: [`sync`] ([`Event`], [`Lock`], [`Semaphore`],
//!   [`Condition`], [`Queue`], [`UniversalQueue`], ...).
//! - **Channels**: [`sync::oneshot`], [`sync::mpsc`], [`sync::watch`],
//!   [`sync::broadcast`], with tokio's shapes.
//! - **Networking**: [`net`] (TCP, UDP, Unix sockets, curio's streams,
//!   servers) on one reactor thread per runtime; [`signal`].
//! - **Introspection**: the monitor ([`Builder::monitor`]), [`introspect`],
//!   long-block detection ([`Builder::longblock`]).
//!
//! [curio]: https://github.com/dabeaz/curio
#![forbid(unsafe_code)]

pub use runtime_core::{
    check_cancellation, clock, current_task, disable_cancellation, ignore_after, ignore_at, run,
    run_in_thread, sleep, sleep_until, spawn, spawn_thread, timeout_after, timeout_at,
    try_current_task, yield_now, Builder, DisableCancellation, Done, Handle, RunInThread, Runtime,
    Sleep, Spawner, Task, TaskError, TaskGroup, TaskId, TaskTimeout, Wait, YieldNow,
};
pub use runtime_macros::{main, test};

/// Tasks: spawning with options, joining, cancelling.
pub mod task {
    pub use runtime_core::task::{
        consume_budget, current_task, spawn, try_current_task, yield_now, Builder, Cancel,
        ConsumeBudget, Join, Task, TaskError, TaskId, YieldNow,
    };
}

/// curio's synchronisation primitives: `Event`, `Lock`, `Semaphore`,
/// `BoundedSemaphore`, `Condition`, the `Queue` family, `RwLock`, `Barrier`,
/// and the `Universal*` types shared between threads and tasks.
/// The channels `oneshot`, `mpsc`, `watch` and `broadcast` are here too.
///
/// They work on any executor; inside curio they report their waits to the
/// monitor (`EVENT_WAIT`, `LOCK_ACQUIRE`, ...) and honour the cooperative
/// budget.
pub mod sync {
    pub use runtime_sync::*;
}

pub use runtime_sync::{
    Barrier, BoundedSemaphore, Condition, Event, LifoQueue, Lock, PriorityQueue, Queue, RwLock,
    Semaphore, UniversalEvent, UniversalQueue,
};

/// What tasks are doing: curio's task states, task snapshots, runtime
/// statistics and long blocks (what the monitor shows).
pub mod introspect {
    pub use runtime_core::introspect::{
        waiting, waiting_somewhere, LongBlock, RuntimeStats, TaskInfo, TaskState, WorkerStats,
    };
}

/// Time: sleeping, timeouts, intervals.
pub mod time {
    pub use runtime_core::time::{
        clock, ignore_after, ignore_at, interval, sleep, sleep_until, timeout_after, timeout_at,
        IgnoreAfter, IgnoreAt, Interval, Sleep, TaskTimeout, TimeoutAfter, TimeoutAt,
    };
}

/// Task groups: structured concurrency.
pub mod group {
    pub use runtime_core::group::{Done, Spawner, TaskGroup, Wait};
}

/// The runtime and its configuration.
pub mod runtime {
    pub use runtime_core::runtime::{Builder, Handle, Runtime};
}

/// Networking: TCP, UDP and Unix sockets on a reactor thread, curio's
/// buffered streams, and servers.
pub mod net {
    pub use runtime_net::*;
}

/// Unix signals as events, delivered through the reactor.
pub mod signal {
    pub use runtime_net::signal::*;
}

/// Entry points of the `#[curio::main]` and `#[curio::test]` expansions.
#[doc(hidden)]
pub mod __private {
    use std::future::Future;

    /// Builds a runtime (`workers` threads, or the default when `None`),
    /// runs `fut` as the main task, shuts down and returns its output.
    #[track_caller]
    pub fn run_main<F>(workers: Option<usize>, fut: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let mut builder = crate::Runtime::builder();
        if let Some(n) = workers {
            builder.workers(n);
        }
        builder
            .build()
            .unwrap_or_else(|e| panic!("cannot start the curio runtime: {e}"))
            .run(fut)
    }

    /// Same as [`run_main`], for `#[curio::test]`: a fresh runtime per test.
    #[track_caller]
    pub fn run_test<F>(workers: Option<usize>, fut: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        run_main(workers, fut)
    }
}
