//! The runtime: building it, running a main task on it, and shutting it
//! down.
//!
//! Shutdown is curio's, bounded by a grace period. Its order: close the
//! registry (a task spawned from now on is cancelled unpolled); request
//! cancellation of every live task, as `Task::cancel` does; let the workers,
//! the timer and the reactor run on until every task has ended or the grace
//! period is over, so cleanup inside `disable_cancellation` completes with
//! the runtime alive; then mark shutdown, wake and join the workers; drop
//! the futures of the tasks still alive (each exactly once, on the thread
//! that shuts down); drop what the queues still hold; stop the blocking
//! pool, join its threads and the `spawn_thread` threads; stop the drivers
//! (timer, reactor) and join their threads.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! let rt = curio::Runtime::builder().workers(2).build().unwrap();
//! let _forever = rt.spawn(std::future::pending::<()>());
//! assert_eq!(rt.block_on(async { 1 }), 1);
//! // The pending task is cancelled; shutdown waits at most 1 s for it.
//! rt.shutdown_timeout(Duration::from_secs(1));
//! ```

pub(crate) mod builder;
pub(crate) mod context;
mod handle;
pub(crate) mod local;
mod shared;

pub use builder::Builder;
pub use handle::Handle;
pub(crate) use shared::Shared;

use crate::blocking;
use crate::loom::{Arc, AtomicBool, Mutex};
use crate::monitor::Monitor;
use crate::scheduler::{self, idle::Idle, park::Parker, queue, worker, Remote};
use crate::task::{Registry, Task};
use crossbeam_utils::CachePadded;
use std::future::Future;
use std::io;
use std::thread::JoinHandle;

/// A curio runtime: worker threads with work-stealing queues, a blocking
/// pool, and (when used) the timer and the I/O reactor.
///
/// # Examples
///
/// ```
/// let rt = curio::Runtime::new().unwrap();
/// let out = rt.run(async {
///     let kid = curio::spawn(async { 21 * 2 });
///     kid.await.unwrap()
/// });
/// assert_eq!(out, 42);
/// ```
///
/// When `run` returns (or the runtime is dropped), tasks still alive are
/// cancelled (their destructors run) and every thread the runtime started
/// has exited.
pub struct Runtime {
    /// The runtime's handle.
    handle: Handle,
    /// The worker threads.
    workers: Vec<JoinHandle<()>>,
    /// The monitor, when enabled.
    monitor: Option<Monitor>,
    /// How long shutdown lets cancelled tasks run (`Builder::shutdown_grace`).
    grace: std::time::Duration,
    /// The schedule's seed (`Builder::seed`).
    seed: Option<u64>,
}

impl Runtime {
    /// A builder for a configured runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = curio::Runtime::builder().workers(1).build().unwrap();
    /// assert_eq!(rt.run(async { "ran" }), "ran");
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// A runtime with the default configuration.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = curio::Runtime::new().unwrap();
    /// assert_eq!(rt.block_on(async { 2 + 2 }), 4);
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Builder::build`].
    pub fn new() -> io::Result<Runtime> {
        Builder::new().build()
    }

    /// Starts the threads of a runtime.
    fn start(builder: &Builder, num_workers: usize) -> io::Result<Runtime> {
        crate::introspect::install_sync_hooks();
        let seed = builder.resolve_seed()?;
        let mut cores = Vec::with_capacity(num_workers);
        let mut remotes = Vec::with_capacity(num_workers);
        for index in 0..num_workers {
            let (core, stealer) = worker::new_core(index, seed, num_workers == 1);
            cores.push(core);
            remotes.push(Remote {
                stealer,
                parker: Parker::new(),
                metrics: CachePadded::default(),
            });
        }
        let scheduler = Arc::new(scheduler::Shared {
            remotes: remotes.into_boxed_slice(),
            injector: queue::Injector::new(),
            idle: Idle::new(num_workers),
            shutdown: AtomicBool::new(false),
            io: std::sync::OnceLock::new(),
            block_on_busy: crate::loom::AtomicUsize::new(0),
            seeded: seed.is_some() && num_workers == 1,
            local_queued: crate::loom::AtomicUsize::new(0),
            profile: crate::profile::Profile::resolve(builder, num_workers)?,
        });
        let shared = Arc::new(Shared {
            scheduler,
            registry: Registry::new(num_workers * 8),
            blocking: blocking::Pool::new(builder),
            cores: Mutex::new(Vec::new()),
            threads: Mutex::new(Vec::new()),
            on_shutdown: Mutex::new(Vec::new()),
            drivers: Mutex::new(Vec::new()),
            driver_stats: Mutex::new(Vec::new()),
            longblock: builder.resolve_longblock()?,
            long_blocks: Mutex::new(std::collections::VecDeque::new()),
            long_block_count: crate::loom::AtomicU64::new(0),
            time: std::sync::OnceLock::new(),
            clock: std::sync::Arc::new(crate::time::Clock::new(builder.start_paused)),
        });
        let mut rt = Runtime {
            handle: Handle { shared },
            workers: Vec::with_capacity(num_workers),
            monitor: None,
            grace: builder.resolve_shutdown_grace()?,
            seed,
        };
        if let Some(addr) = builder.resolve_monitor()? {
            rt.monitor = Some(Monitor::start(
                addr,
                rt.handle.clone(),
                &builder.thread_name,
            )?);
        }
        for (index, core) in cores.into_iter().enumerate() {
            let handle = rt.handle.clone();
            let mut thread =
                std::thread::Builder::new().name(format!("{}-{}", builder.thread_name, index));
            if let Some(size) = builder.stack_size {
                thread = thread.stack_size(size);
            }
            let (start, stop) = (
                builder.on_thread_start.clone(),
                builder.on_thread_stop.clone(),
            );
            // On failure `rt` is dropped, which stops the workers started.
            let join = thread.spawn(move || {
                if let Some(hook) = start {
                    (hook.0)();
                }
                {
                    // Entered, so `Handle::current` finds the runtime here.
                    let _enter = context::enter(handle.clone());
                    let scheduler = handle.shared.scheduler.clone();
                    let core = worker::run(scheduler, Box::new(handle.clone()), core);
                    handle.shared.cores.lock().push(core);
                }
                drop(handle);
                if let Some(hook) = stop {
                    (hook.0)();
                }
            })?;
            rt.workers.push(join);
        }
        Ok(rt)
    }

    /// The address the monitor listens on, when it is enabled (see
    /// [`Builder::monitor`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = curio::Runtime::builder().workers(1).monitor("127.0.0.1:0").build().unwrap();
    /// assert!(rt.monitor_addr().unwrap().ip().is_loopback());
    /// ```
    pub fn monitor_addr(&self) -> Option<std::net::SocketAddr> {
        self.monitor.as_ref().map(Monitor::addr)
    }

    /// The seed of the runtime's schedule ([`Builder::seed`] or
    /// `CURIO_SEED`), if it has one.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = curio::Runtime::builder().workers(1).seed(42).build().unwrap();
    /// assert_eq!(rt.seed(), Some(42));
    /// ```
    pub fn seed(&self) -> Option<u64> {
        self.seed
    }

    /// The runtime's handle.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = curio::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let from_thread = std::thread::spawn(move || handle.block_on(async { 5 }));
    /// assert_eq!(from_thread.join().unwrap(), 5);
    /// ```
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Spawns a task on this runtime from outside it.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = curio::Runtime::new().unwrap();
    /// let task = rt.spawn(async { 7 });
    /// assert_eq!(rt.block_on(task).unwrap(), 7);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs `future` as the main task, then shuts the runtime down and
    /// returns the future's output.
    ///
    /// Tasks still alive when the main task returns are cancelled and every
    /// thread of the runtime has exited before `run` returns.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = curio::Runtime::builder().workers(2).build().unwrap();
    /// let out = rt.run(async {
    ///     let kid = curio::spawn(async { 20 });
    ///     kid.await.unwrap() + 22
    /// });
    /// assert_eq!(out, 42); // every thread of the runtime has exited by now
    /// ```
    ///
    /// # Panics
    ///
    /// Resumes a panic of the main task; panics if the main task was
    /// cancelled, or when called inside a curio task (see
    /// [`Handle::block_on`]).
    #[track_caller]
    pub fn run<F: Future>(self, future: F) -> F::Output {
        let out = self.handle.block_on(future);
        drop(self);
        out
    }

    /// Runs `future` as a task and blocks until it finishes, leaving the
    /// runtime and its other tasks running (they are cancelled when the
    /// runtime is dropped).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = curio::Runtime::new().unwrap();
    /// let mut log = Vec::new();
    /// // `block_on` takes no `'static` bound: the future may borrow locals.
    /// rt.block_on(async { log.push("first") });
    /// rt.block_on(async { log.push("second") });
    /// assert_eq!(log, ["first", "second"]);
    /// ```
    ///
    /// # Panics
    ///
    /// As [`Runtime::run`].
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// Shuts the runtime down with a grace period of `grace` instead of
    /// the builder's: every remaining task is cancelled and may clean up
    /// for up to `grace`; then the futures still alive are dropped and every
    /// thread the runtime started is joined. Returns as soon as every task
    /// has ended.
    ///
    /// A task that never reaches an await point (a poll that does not
    /// return) cannot be cancelled, and shutdown waits for its poll.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let rt = curio::Runtime::builder().workers(1).build().unwrap();
    /// // A task that refuses cancellation for a long while.
    /// drop(rt.spawn(curio::disable_cancellation(curio::sleep(Duration::from_secs(60)))));
    /// let start = Instant::now();
    /// rt.shutdown_timeout(Duration::from_millis(50));
    /// assert!(start.elapsed() < Duration::from_secs(30));
    /// ```
    pub fn shutdown_timeout(mut self, grace: std::time::Duration) {
        self.grace = grace;
        drop(self);
    }

    /// Cancels every live task and waits until all have ended or the grace
    /// period is over, with the workers, timer and reactor running.
    /// Returns when the grace period ends.
    fn cancel_and_wait(&self) -> std::time::Instant {
        let shared = &self.handle.shared;
        let deadline = std::time::Instant::now() + self.grace;
        shared.registry.close();
        shared.registry.for_each(|task| {
            crate::task::request_cancel(task);
        });
        // Polls: a task's end is not signalled anywhere cheaper, and the
        // step grows so a long grace period costs few wake-ups.
        let mut step = std::time::Duration::from_micros(50);
        while shared.registry.len() > 0 {
            let now = std::time::Instant::now();
            if now >= deadline {
                break;
            }
            std::thread::sleep(step.min(deadline - now));
            step = (step * 2).min(std::time::Duration::from_millis(5));
        }
        deadline
    }

    /// Stops everything; see the module docs for the order.
    fn shutdown(&mut self) {
        let shared = self.handle.shared.clone();
        assert!(
            !context::on_worker(),
            "a curio Runtime cannot be dropped inside a task of a runtime: \
             it would wait for its own worker thread"
        );
        if let Some(current) = context::current() {
            assert!(
                !Arc::ptr_eq(&current.shared, &shared),
                "a curio Runtime cannot be dropped on one of its own threads \
                 (a run_in_thread or spawn_thread closure): it would join itself"
            );
        }
        if let Some(monitor) = self.monitor.as_mut() {
            monitor.stop();
        }
        let deadline = self.cancel_and_wait();
        shared.scheduler.begin_shutdown();
        for join in self.workers.drain(..) {
            // A worker only panics on an internal bug; shutdown goes on.
            let _ = join.join();
        }
        // Destructors of cancelled tasks may spawn or ask for the current
        // runtime: keep this thread entered meanwhile.
        let _enter = context::enter(self.handle.clone());
        for task in shared.registry.close_and_drain() {
            task.shutdown();
        }
        drop(std::mem::take(&mut *shared.cores.lock()));
        while let Some(task) = shared.scheduler.injector.pop() {
            drop(task);
        }
        shared.blocking.shutdown(deadline);
        let threads = std::mem::take(&mut *shared.threads.lock());
        blocking::join_by(threads, deadline);
        let hooks = std::mem::take(&mut *shared.on_shutdown.lock());
        for hook in hooks {
            hook();
        }
        shared.drivers.lock().clear();
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("workers", &self.handle.shared.scheduler.remotes.len())
            .finish()
    }
}
