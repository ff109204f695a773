//! `Handle`: a cheap, clonable reference to a runtime.

use super::context;
use crate::loom::Arc;
use crate::scheduler::worker::with_worker;
use crate::scheduler::Shared;
use crate::task::{self, Notified, RawTask, Schedule, Task, TaskError};
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Wake, Waker};

/// A handle to a runtime: spawn tasks on it from anywhere, or block a plain
/// thread on a future.
///
/// `Handle` is `Clone + Send + Sync`; it keeps the runtime's shared state
/// alive but does not keep the runtime running: once the [`Runtime`]
/// is dropped, tasks spawned through a handle are cancelled at once.
///
/// [`Runtime`]: crate::Runtime
///
/// # Examples
///
/// ```
/// let rt = curio::Runtime::builder().workers(2).build().unwrap();
/// let handle = rt.handle().clone();
/// let value = std::thread::spawn(move || handle.block_on(async { 1 + 1 }))
///     .join()
///     .unwrap();
/// assert_eq!(value, 2);
/// ```
#[derive(Clone)]
pub struct Handle {
    /// The runtime's shared state.
    pub(crate) shared: Arc<Shared>,
}

impl Handle {
    /// The handle of the runtime the caller runs in.
    ///
    /// # Panics
    ///
    /// Panics outside a curio runtime (outside its tasks, worker threads,
    /// `run_in_thread` closures and `spawn_thread` threads); see
    /// [`Handle::try_current`].
    #[track_caller]
    pub fn current() -> Handle {
        Handle::try_current().expect(
            "Handle::current() called outside a curio runtime: \
             call it from a task, or use a Handle obtained from Runtime::handle()",
        )
    }

    /// The handle of the runtime the caller runs in, or `None` outside one.
    pub fn try_current() -> Option<Handle> {
        context::current()
    }

    /// Spawns a task on this runtime.
    ///
    /// The task starts running on some worker; dropping the returned
    /// [`Task`] detaches it.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = curio::Runtime::new().unwrap();
    /// let task = rt.handle().spawn(async { "hello" });
    /// assert_eq!(rt.block_on(task).unwrap(), "hello");
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_named(future, None, Location::caller())
    }

    /// Spawns with a name and a spawn location.
    pub(crate) fn spawn_named<F>(
        &self,
        future: F,
        name: Option<Box<str>>,
        location: &'static Location<'static>,
    ) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (registered, notified, join) = task::new_task(future, self.clone(), name, location);
        match self.shared.registry.insert(registered) {
            // A new task goes to the back of the queue, like curio's ready
            // queue: the spawner keeps running and tasks start in spawn order.
            Ok(()) => self.yield_now(notified),
            Err(registered) => {
                // The runtime is shutting down: the task is cancelled at once
                // (task/mod.rs rule 7).
                notified.shutdown();
                drop(registered);
            }
        }
        join
    }

    /// Runs `future` to completion on this runtime, blocking the calling
    /// thread until it finishes, and returns its output.
    ///
    /// The future runs as a task (it can be cancelled, and shows in the
    /// monitor); a panic inside it is resumed on the calling thread.
    ///
    /// # Panics
    ///
    /// Panics when called from a worker thread of a curio runtime (inside a
    /// task): blocking a worker on a task that may need that worker would
    /// deadlock. Await the future instead. Also panics if the task is
    /// cancelled, since there is then no output to return.
    #[track_caller]
    pub fn block_on<F>(&self, future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        assert!(
            !context::on_worker(),
            "cannot block_on inside a curio task: it would block a worker thread \
             that other tasks need; `.await` the future instead"
        );
        let task = self.spawn_named(future, Some("main".into()), Location::caller());
        match wait_blocking(task) {
            Ok(value) => value,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("block_on: the main task was cancelled ({e})"),
        }
    }

    /// The runtime's driver of type `T`, started by `init` on first use.
    ///
    /// This is how crates extend a runtime with a driver of their own (the
    /// I/O reactor of `curio::net` is one): `init` starts it and returns it
    /// together with the function that stops it, which the runtime calls at
    /// shutdown after every task was cancelled and the blocking pool was
    /// stopped, in the order the drivers were started. Later calls return
    /// the same driver. `init` must not call `driver` itself.
    ///
    /// # Errors
    ///
    /// The error of `init`, or `Other` once the runtime is shutting down
    /// (when shutdown began while `init` ran, the new driver's stop function
    /// has already been called).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// struct Counter(std::sync::atomic::AtomicUsize);
    /// curio::run(async {
    ///     let handle = curio::Handle::current();
    ///     let make = |_: &curio::Handle| -> std::io::Result<(Arc<Counter>, Box<dyn FnOnce() + Send>)> {
    ///         Ok((Arc::new(Counter(0.into())), Box::new(|| ())))
    ///     };
    ///     let a = handle.driver(make).unwrap();
    ///     let b = handle.driver(make).unwrap();
    ///     assert!(Arc::ptr_eq(&a, &b));
    /// });
    /// ```
    pub fn driver<T, F>(&self, init: F) -> std::io::Result<StdArc<T>>
    where
        T: std::any::Any + Send + Sync,
        F: FnOnce(&Handle) -> std::io::Result<(StdArc<T>, Box<dyn FnOnce() + Send>)>,
    {
        let mut drivers = self.shared.drivers.lock();
        for d in drivers.iter() {
            if let Ok(d) = d.clone().downcast::<T>() {
                return Ok(d);
            }
        }
        if self.shared.is_shutdown() {
            return Err(std::io::Error::other("the curio runtime is shutting down"));
        }
        let (driver, stop) = init(self)?;
        // The shutdown check and the push under the hooks' lock, as the
        // timer driver does: shutdown sets its flag before it takes the
        // hooks under this lock, so either it will run `stop`, or it has
        // begun and `stop` is run here (shutdown began while `init` ran).
        let mut hooks = self.shared.on_shutdown.lock();
        if self.shared.is_shutdown() {
            drop(hooks);
            drop(drivers);
            stop();
            return Err(std::io::Error::other("the curio runtime is shutting down"));
        }
        hooks.push(stop);
        drop(hooks);
        drivers.push(driver.clone());
        Ok(driver)
    }

    /// Installs the I/O driver that this runtime's workers turn (see
    /// [`IoDriver`](crate::scheduler::IoDriver)): busy workers poll it every
    /// few ticks, and a worker about to park blocks in it. Only the first
    /// driver installed is kept; returns whether this one was.
    ///
    /// # Examples
    ///
    /// See [`IoDriver`](crate::scheduler::IoDriver).
    pub fn set_io_driver(&self, driver: StdArc<dyn crate::scheduler::IoDriver>) -> bool {
        let installed = self.shared.io.set(driver).is_ok();
        if installed {
            // A worker parked on its condition variable before the driver
            // existed would not turn it: wake every worker, so the next to
            // park does.
            for index in 0..self.shared.remotes.len() {
                self.shared.unpark(index);
            }
        }
        installed
    }

    /// A snapshot of every live task, sorted by id (what the monitor's `ps`
    /// shows).
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
    ///     assert_eq!(main.name.as_deref(), Some("main"));
    /// });
    /// ```
    pub fn tasks(&self) -> Vec<crate::introspect::TaskInfo> {
        let mut out = Vec::new();
        self.shared
            .registry
            .for_each(|t| out.push(crate::introspect::TaskInfo::of(t.header())));
        out.sort_by_key(|t| t.id);
        out
    }

    /// Requests cancellation of the live task with id `id`, as
    /// [`Task::cancel`] does, without waiting for it. Returns false if no
    /// such task is alive.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let kid = curio::spawn(std::future::pending::<()>());
    ///     assert!(curio::Handle::current().cancel_task(kid.id()));
    ///     assert!(kid.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn cancel_task(&self, id: crate::TaskId) -> bool {
        self.shared
            .registry
            .with_task(id.as_u64(), task::request_cancel)
            .unwrap_or(false)
    }

    /// The runtime's statistics (the monitor's `stats`).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let stats = curio::Handle::current().stats();
    ///     assert_eq!(stats.workers.len(), curio::Handle::current().workers());
    ///     assert!(stats.live_tasks >= 1);
    /// });
    /// ```
    pub fn stats(&self) -> crate::introspect::RuntimeStats {
        use std::sync::atomic::Ordering::Relaxed;
        let shared = &*self.shared;
        crate::introspect::RuntimeStats {
            workers: shared
                .remotes
                .iter()
                .map(|r| crate::introspect::WorkerStats {
                    // ORDERING: Relaxed; statistics counters.
                    polls: r.metrics.polls.load(Relaxed),
                    steals: r.metrics.steals.load(Relaxed),
                    parks: r.metrics.parks.load(Relaxed),
                    queue_depth: r.stealer.len(),
                })
                .collect(),
            injector_depth: shared.injector.len(),
            live_tasks: shared.registry.len(),
            blocking_threads: shared.blocking.threads(),
            // ORDERING: Relaxed; a statistics counter.
            long_blocks: shared.long_block_count.load(Relaxed),
            drivers: {
                let mut list = Vec::new();
                if let Some(time) = shared.time.get() {
                    list.push(("timers pending", time.lock().wheel.armed() as u64));
                }
                for (name, counter) in shared.driver_stats.lock().iter() {
                    // ORDERING: Relaxed; a statistics counter.
                    list.push((*name, counter.load(Relaxed)));
                }
                list
            },
        }
    }

    /// Publishes a driver's counter under `name` in [`Handle::stats`] (and
    /// the monitor's `stats`), e.g. the I/O reactor's events.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{atomic::AtomicU64, Arc};
    /// curio::run(async {
    ///     let handle = curio::Handle::current();
    ///     handle.publish_stat("widgets made", Arc::new(AtomicU64::new(3)));
    ///     assert!(handle.stats().drivers.contains(&("widgets made", 3)));
    /// });
    /// ```
    pub fn publish_stat(&self, name: &'static str, counter: StdArc<std::sync::atomic::AtomicU64>) {
        self.shared.driver_stats.lock().push((name, counter));
    }

    /// The latest polls that held a worker longer than the long-block
    /// threshold (see [`Builder::longblock`](crate::Builder::longblock)),
    /// oldest first.
    pub fn long_blocks(&self) -> Vec<crate::introspect::LongBlock> {
        self.shared.long_blocks.lock().iter().cloned().collect()
    }

    /// The number of worker threads.
    pub fn workers(&self) -> usize {
        self.shared.remotes.len()
    }

    /// The runtime's shared state.
    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle")
            .field("workers", &self.shared.remotes.len())
            .finish()
    }
}

impl Schedule for Handle {
    fn schedule(&self, task: Notified) {
        with_worker(|cx| match cx {
            Some(cx) if Arc::ptr_eq(&cx.shared, &self.shared) => cx.schedule_local(task, false),
            _ => self.shared.schedule_remote(task),
        })
    }

    fn yield_now(&self, task: Notified) {
        with_worker(|cx| match cx {
            Some(cx) if Arc::ptr_eq(&cx.shared, &self.shared) => cx.schedule_local(task, true),
            _ => self.shared.schedule_remote(task),
        })
    }

    fn release(&self, task: RawTask) -> bool {
        match self.shared.registry.remove(task) {
            Some(registered) => {
                // The completion path drops this reference itself.
                std::mem::forget(registered);
                true
            }
            None => false,
        }
    }
}

/// Wakes a thread blocked in [`wait_blocking`].
struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: StdArc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        self.0.unpark();
    }
}

/// Blocks the calling (non-worker) thread until `task` finishes.
pub(crate) fn wait_blocking<T>(mut task: Task<T>) -> Result<T, TaskError> {
    let waker = Waker::from(StdArc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        match Pin::new(&mut task).poll(&mut cx) {
            Poll::Ready(out) => return out,
            Poll::Pending => std::thread::park(),
        }
    }
}
