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
//! - **Files and processes**: [`fs`] (files on the blocking pool) and
//!   [`process`] (child processes, pipes on the reactor).
//! - **Introspection**: the monitor ([`Builder::monitor`]), [`introspect`],
//!   long-block detection ([`Builder::longblock`]).
//!
//! [curio]: https://github.com/dabeaz/curio
#![forbid(unsafe_code)]

/// The guide: curio's tutorial in Rust, step by step, and "Coming from tokio".
pub mod guide;

pub use runtime_core::{
    check_cancellation, clock, current_task, disable_cancellation, ignore_after, ignore_at, run,
    run_in_thread, sleep, sleep_until, spawn, spawn_thread, timeout_after, timeout_at,
    try_current_task, yield_now, Builder, DisableCancellation, Done, Handle, RunInThread, Runtime,
    Sleep, Spawner, Task, TaskError, TaskGroup, TaskId, TaskTimeout, Wait, YieldNow,
};
pub use runtime_core::{spawn_local, LocalTask};
pub use runtime_macros::{main, test};

/// Tasks: spawning with options, joining, cancelling.
///
/// # Examples
///
/// ```
/// use curio::task::{Builder, TaskError};
/// curio::run(async {
///     let mut kid = Builder::new().name("kid").spawn(std::future::pending::<()>());
///     assert!(kid.cancel().await);
///     let err: TaskError = kid.await.unwrap_err();
///     assert!(err.is_cancelled());
/// });
/// ```
pub mod task {
    pub use runtime_core::task::{
        consume_budget, current_task, spawn, try_current_task, yield_now, Builder, Cancel,
        ConsumeBudget, Join, Task, TaskError, TaskId, YieldNow,
    };
    pub use runtime_core::task::{spawn_local, LocalTask};
}

/// curio's synchronisation primitives: `Event`, `Lock`, `Semaphore`,
/// `BoundedSemaphore`, `Condition`, the `Queue` family, `RwLock`, `Barrier`,
/// and the `Universal*` types shared between threads and tasks.
/// The channels `oneshot`, `mpsc`, `watch` and `broadcast` are here too.
///
/// They work on any executor; inside curio they report their waits to the
/// monitor (`EVENT_WAIT`, `LOCK_ACQUIRE`, ...) and honour the cooperative
/// budget.
///
/// # Examples
///
/// ```
/// use curio::sync::{mpsc, Event};
/// use std::sync::Arc;
/// curio::run(async {
///     let done = Arc::new(Event::new());
///     let (tx, mut rx) = mpsc::channel(4);
///     let d = done.clone();
///     curio::spawn(async move {
///         tx.send("work").await.unwrap();
///         d.set();
///     });
///     assert_eq!(rx.recv().await, Some("work"));
///     done.wait().await;
/// });
/// ```
pub mod sync {
    pub use runtime_sync::*;
}

pub use runtime_sync::{
    Barrier, BoundedSemaphore, Condition, Event, LifoQueue, Lock, PriorityQueue, Queue, RwLock,
    Semaphore, UniversalEvent, UniversalQueue,
};

/// What tasks are doing: curio's task states, task snapshots, runtime
/// statistics and long blocks (what the monitor shows).
///
/// # Examples
///
/// ```
/// use curio::introspect::TaskState;
/// curio::run(async {
///     let me = curio::current_task();
///     let tasks = curio::Handle::current().tasks();
///     let main = tasks.iter().find(|t| t.id == me).unwrap();
///     assert_eq!(main.state, TaskState::Running);
/// });
/// ```
pub mod introspect {
    pub use runtime_core::introspect::DelayHistogram;
    pub use runtime_core::introspect::{
        waiting, waiting_somewhere, LongBlock, RuntimeStats, TaskInfo, TaskState, WorkerStats,
    };
}

/// Time: sleeping, timeouts, intervals.
///
/// # Examples
///
/// ```
/// use curio::time::{ignore_after, interval, sleep};
/// use std::time::Duration;
/// curio::run(async {
///     let mut tick = interval(Duration::from_millis(2));
///     tick.tick().await;
///     let late = ignore_after(Duration::from_millis(5), sleep(Duration::from_secs(60)));
///     assert_eq!(late.await, None);
/// });
/// ```
pub mod time {
    pub use runtime_core::time::{
        advance, clock, ignore_after, ignore_at, interval, pause, resume, sleep, sleep_until,
        timeout_after, timeout_at, IgnoreAfter, IgnoreAt, Interval, Sleep, TaskTimeout,
        TimeoutAfter, TimeoutAt,
    };
}

/// Task groups: structured concurrency.
///
/// # Examples
///
/// ```
/// use curio::group::{TaskGroup, Wait};
/// curio::run(async {
///     let mut g = TaskGroup::with_wait(Wait::All);
///     for n in 1..=3 {
///         g.spawn(async move { n * 10 });
///     }
///     let mut sum = 0;
///     for r in g.join().await {
///         sum += r.unwrap();
///     }
///     assert_eq!(sum, 60);
/// });
/// ```
pub mod group {
    pub use runtime_core::group::{Done, Spawner, TaskGroup, Wait};
}

/// For crates that extend the runtime: the cooperative budget their
/// operations spend, and the I/O driver trait that workers turn.
///
/// # Examples
///
/// ```
/// use std::future::poll_fn;
/// curio::run(async {
///     // An always-ready operation spends the task's budget, so a loop of
///     // them still lets the other tasks run.
///     let other = curio::spawn(async { "ran" });
///     for _ in 0..1_000 {
///         poll_fn(curio::scheduler::coop::poll_proceed).await;
///     }
///     assert_eq!(other.await.unwrap(), "ran");
/// });
/// ```
pub mod scheduler {
    pub use runtime_core::scheduler::{coop, IoDriver};
}

/// The runtime and its configuration.
///
/// # Examples
///
/// ```
/// use curio::runtime::Builder;
/// let rt = Builder::new().workers(1).build().unwrap();
/// let handle: curio::runtime::Handle = rt.handle().clone();
/// assert_eq!(handle.workers(), 1);
/// assert_eq!(rt.run(async { 3 }), 3);
/// ```
pub mod runtime {
    pub use runtime_core::runtime::{Builder, Handle, Runtime};
}

/// Networking: TCP, UDP and Unix sockets on a reactor thread, curio's
/// buffered streams, and servers.
///
/// # Examples
///
/// ```
/// use curio::net::{TcpListener, TcpStream};
/// curio::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (server, _) = listener.accept().await?;
///     client.write_all(b"ping\n").await?;
///     assert_eq!(server.as_stream().readline().await?, b"ping\n");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub mod net {
    pub use runtime_net::*;
}

/// Unix signals as events, delivered through the reactor.
///
/// # Examples
///
/// ```
/// use curio::signal::{raise, SignalEvent, SIGUSR1};
/// curio::run(async {
///     let usr1 = SignalEvent::new(&[SIGUSR1])?;
///     raise(SIGUSR1)?;
///     usr1.wait().await?;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub mod signal {
    pub use runtime_net::signal::*;
}

/// Files and directories, every call on the blocking pool (curio's `aopen`).
///
/// # Examples
///
/// ```
/// # let path = std::env::temp_dir().join(format!("curio-facade-fs-{}", std::process::id()));
/// curio::run(async move {
///     curio::fs::write(&path, "on the blocking pool").await?;
///     assert_eq!(curio::fs::read_to_string(&path).await?, "on the blocking pool");
///     curio::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
pub mod fs {
    pub use runtime_net::fs::*;
}

/// Child processes: `Command`, `Child`, pipes on the reactor.
///
/// # Examples
///
/// ```
/// curio::run(async {
///     let out = curio::process::Command::new("echo").arg("child").output().await?;
///     assert_eq!(out.stdout, b"child\n");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub mod process {
    pub use runtime_net::process::*;
}

/// hyper 1.x on curio (feature `hyper`): [`Executor`](hyper::Executor),
/// [`Timer`](hyper::Timer) and [`Io`](hyper::Io), as hyper-util's tokio
/// adapters are for tokio.
///
/// # Examples
///
/// ```
/// use hyper::rt::Executor as _;
/// curio::run(async {
///     let (tx, rx) = curio::sync::oneshot::channel();
///     // hyper's executor trait, spawning curio tasks.
///     curio::hyper::Executor::new().execute(async move {
///         tx.send("spawned by hyper").unwrap();
///     });
///     assert_eq!(rx.await.unwrap(), "spawned by hyper");
/// });
/// ```
#[cfg(feature = "hyper")]
pub mod hyper {
    pub use runtime_net::hyper::*;
}

/// Entry points of the `#[curio::main]` and `#[curio::test]` expansions.
#[doc(hidden)]
pub mod __private {
    use std::future::Future;

    /// Builds a runtime (`workers` threads, or the default when `None`),
    /// runs `fut` as the main task, shuts down and returns its output.
    #[track_caller]
    pub fn run_main<F: Future>(workers: Option<usize>, fut: F) -> F::Output {
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
    /// When the runtime has a seed (`CURIO_SEED`), a failing test prints it.
    #[track_caller]
    pub fn run_test<F: Future>(workers: Option<usize>, fut: F) -> F::Output {
        let mut builder = crate::Runtime::builder();
        if let Some(n) = workers {
            builder.workers(n);
        }
        let rt = builder
            .build()
            .unwrap_or_else(|e| panic!("cannot start the curio runtime: {e}"));
        let seed = rt.seed();
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.run(fut)));
        match out {
            Ok(out) => out,
            Err(panic) => {
                if let Some(seed) = seed {
                    report_seed(seed);
                }
                std::panic::resume_unwind(panic)
            }
        }
    }

    /// The arguments of `#[curio::test(start_paused = .., seed = .., shuffle = ..)]`.
    pub struct TestConfig {
        /// `workers = N`; one worker by default when seeded.
        pub workers: Option<usize>,
        /// `start_paused = true`.
        pub start_paused: bool,
        /// `seed = N` (`CURIO_SEED` overrides it).
        pub seed: Option<u64>,
        /// `shuffle = N`: run under seeds `0..N` (or only `CURIO_SEED`).
        pub shuffle: Option<u64>,
    }

    /// Whether a test's value means it failed: `()` never does, an `Err`
    /// does.
    pub trait Outcome {
        /// Whether the test failed.
        fn is_failure(&self) -> bool;
    }

    impl Outcome for () {
        fn is_failure(&self) -> bool {
            false
        }
    }

    impl<T, E> Outcome for Result<T, E> {
        fn is_failure(&self) -> bool {
            self.is_err()
        }
    }

    /// Prints how to replay a failed seeded test.
    fn report_seed(seed: u64) {
        let name = std::thread::current().name().unwrap_or("NAME").to_owned();
        eprintln!(
            "curio: the test failed with seed {seed}; replay it with CURIO_SEED={seed} cargo test {name}"
        );
    }

    /// Runs a test made by `make` under `config`: once, or once per seed of
    /// `shuffle` until one fails; a failure prints its seed.
    #[track_caller]
    pub fn run_test_with<M, F>(config: TestConfig, make: M) -> F::Output
    where
        M: Fn() -> F,
        F: Future,
        F::Output: Outcome,
    {
        let env_seed = std::env::var("CURIO_SEED").ok().map(|v| {
            v.trim()
                .parse::<u64>()
                .unwrap_or_else(|_| panic!("CURIO_SEED must be a decimal number, not {v:?}"))
        });
        let seeds: Vec<Option<u64>> = match (env_seed, config.shuffle) {
            (Some(seed), _) => vec![Some(seed)],
            (None, Some(n)) => (0..n).map(Some).collect(),
            (None, None) => vec![config.seed],
        };
        let seeded = seeds.iter().any(Option::is_some);
        let workers = config.workers.or(seeded.then_some(1));
        let last = seeds.len() - 1;
        for (i, seed) in seeds.into_iter().enumerate() {
            let mut builder = crate::Runtime::builder();
            if let Some(n) = workers {
                builder.workers(n);
            }
            if let Some(seed) = seed {
                builder.seed(seed);
            }
            builder.start_paused(config.start_paused);
            let rt = builder
                .build()
                .unwrap_or_else(|e| panic!("cannot start the curio runtime: {e}"));
            let fut = make();
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.run(fut))) {
                Ok(out) if i == last || out.is_failure() => {
                    if out.is_failure() {
                        if let Some(seed) = seed {
                            report_seed(seed);
                        }
                    }
                    return out;
                }
                Ok(_) => {}
                Err(panic) => {
                    if let Some(seed) = seed {
                        report_seed(seed);
                    }
                    std::panic::resume_unwind(panic)
                }
            }
        }
        unreachable!("the loop returns on its last seed")
    }
}
