//! `Handle`: a cheap, clonable reference to a runtime.

use super::context;
use super::Shared;
use crate::loom::Arc;
use crate::scheduler;
use crate::scheduler::worker::with_worker;
use crate::task::{self, Notified, RawTask, Schedule, Task};
use std::future::Future;
use std::panic::Location;
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
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let handle = curio::Handle::current();
    ///     let kid = handle.spawn(async { "spawned through the handle" });
    ///     assert_eq!(kid.await.unwrap(), "spawned through the handle");
    /// });
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(curio::Handle::try_current().is_none());
    /// curio::run(async {
    ///     assert!(curio::Handle::try_current().is_some());
    /// });
    /// ```
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

    /// Drives `future` to completion on the calling thread, as tokio's
    /// `block_on` does, and returns its output: the future need not be
    /// `Send` nor `'static`, so it may borrow the caller's locals; tasks it
    /// spawns run on the workers, and the runtime lives on after it.
    ///
    /// While it runs, the future is a task to the rest of curio: it has a
    /// task id (`current_task()`), timeouts and `disable_cancellation` work
    /// in it, it shows in the monitor's `ps` (named `main`) with the await
    /// it is blocked in, and the monitor's `cancel` cancels it.
    ///
    /// # Panics
    ///
    /// Panics when called from a worker thread of a curio runtime (inside a
    /// task): blocking a worker on a task that may need that worker would
    /// deadlock. Await the future instead. Also panics if the future is
    /// cancelled (the monitor's `cancel`), since there is then no output to
    /// return.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = curio::Runtime::new().unwrap();
    /// let mut handles = Vec::new();
    /// for i in 0..4 {
    ///     handles.push(rt.spawn(async move { i * 10 }));
    /// }
    /// // Borrows `handles`, and the future is not `'static`.
    /// let sum = rt.handle().block_on(async {
    ///     let mut sum = 0;
    ///     for h in handles.drain(..) {
    ///         sum += h.await.unwrap();
    ///     }
    ///     sum
    /// });
    /// assert_eq!(sum, 60);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        assert!(
            !context::on_worker(),
            "cannot block_on inside a curio task: it would block a worker thread \
             that other tasks need; `.await` the future instead"
        );
        let location = Location::caller();
        let _enter = context::enter(self.clone());
        let stand_in = StandIn::new(self, location);
        // ORDERING: SeqCst; see `ThreadWaker::mark_busy`.
        self.shared
            .scheduler
            .block_on_busy
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let thread_waker = StdArc::new(ThreadWaker {
            thread: std::thread::current(),
            state: std::sync::atomic::AtomicU8::new(BUSY),
            shared: self.shared.scheduler.clone(),
        });
        let _busy = BusyGuard(&thread_waker);
        let waker = Waker::from(thread_waker.clone());
        // Local tasks spawned in the future run on this thread, between its
        // polls, and are dropped here when it returns (`scheduler/local.rs`).
        let local = crate::runtime::local::BlockOnLocal::enter(self, waker.clone());
        let mut cx = Context::from_waker(&waker);
        let mut future = std::pin::pin!(future);
        loop {
            let polled = {
                let _current = task::raw::enter_current(&stand_in.task);
                let _budget = crate::coop::enter();
                future.as_mut().poll(&mut cx)
            };
            if let Poll::Ready(out) = polled {
                drop(stand_in);
                return out;
            }
            stand_in.task.raw().header().end_stand_in_poll();
            if stand_in.cancellation_due() {
                // Delivered at this suspension, as for a task: the future
                // is dropped here, on its own thread.
                drop(stand_in);
                panic!("block_on: the main task was cancelled");
            }
            if local.run_ready() {
                continue;
            }
            thread_waker.mark_not_busy(IDLE);
            if self.shared.scheduler.seeded {
                // A seeded worker waits for this thread to park
                // (`next_seeded`).
                self.shared.scheduler.notify_parked();
            }
            // A paused clock with nothing left to run must jump, but the
            // workers may all be parked already: wake one, which parks
            // again as the last and moves the clock (`worker.rs`,
            // `auto_advance_clock`). Only the last worker to park moves it,
            // so two threads never jump it twice for one wait.
            if self.shared.clock.is_paused() && self.shared.is_idle() {
                self.shared.scheduler.notify_parked();
            }
            std::thread::park();
            thread_waker.mark_busy();
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
        if self.shared.scheduler.is_shutdown() {
            return Err(std::io::Error::other("the curio runtime is shutting down"));
        }
        let (driver, stop) = init(self)?;
        // The shutdown check and the push under the hooks' lock, as the
        // timer driver does: shutdown sets its flag before it takes the
        // hooks under this lock, so either it will run `stop`, or it has
        // begun and `stop` is run here (shutdown began while `init` ran).
        let mut hooks = self.shared.on_shutdown.lock();
        if self.shared.scheduler.is_shutdown() {
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
    /// ```
    /// use curio::scheduler::IoDriver;
    /// use std::sync::Arc;
    ///
    /// /// A driver with nothing to drive: workers sleep on their own instead.
    /// struct Nothing;
    /// impl IoDriver for Nothing {
    ///     fn poll_now(&self) -> bool {
    ///         false
    ///     }
    ///     fn park(&self, _still_parked: &dyn Fn() -> bool) -> bool {
    ///         false
    ///     }
    ///     fn unpark(&self) {}
    /// }
    /// let rt = curio::Runtime::builder().workers(1).build().unwrap();
    /// assert!(rt.handle().set_io_driver(Arc::new(Nothing)));
    /// assert!(!rt.handle().set_io_driver(Arc::new(Nothing))); // the first stays
    /// assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
    /// ```
    pub fn set_io_driver(&self, driver: StdArc<dyn crate::scheduler::IoDriver>) -> bool {
        let installed = self.shared.scheduler.io.set(driver).is_ok();
        if installed {
            // A worker parked on its condition variable before the driver
            // existed would not turn it: wake every worker, so the next to
            // park does.
            for index in 0..self.shared.scheduler.remotes.len() {
                self.shared.scheduler.unpark(index);
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
                .scheduler
                .remotes
                .iter()
                .enumerate()
                .map(|(index, r)| {
                    let profile = shared
                        .scheduler
                        .profile
                        .as_ref()
                        .and_then(|p| p.worker(index));
                    crate::introspect::WorkerStats {
                        // ORDERING: Relaxed; statistics counters.
                        polls: r.metrics.polls.load(Relaxed),
                        steals: r.metrics.steals.load(Relaxed),
                        parks: r.metrics.parks.load(Relaxed),
                        queue_depth: r.stealer.len(),
                        busy: profile.as_ref().map(|p| p.busy),
                        busy_fraction: profile.as_ref().map(|p| p.busy_fraction),
                        sched_delays: profile.map(|p| p.delays),
                    }
                })
                .collect(),
            injector_depth: shared.scheduler.injector.len(),
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
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = curio::Runtime::builder()
    ///     .longblock(Duration::from_secs(5))
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(rt.spawn(async {})).unwrap();
    /// assert!(rt.handle().long_blocks().is_empty()); // no poll took 5 s
    /// ```
    pub fn long_blocks(&self) -> Vec<crate::introspect::LongBlock> {
        self.shared.long_blocks.lock().iter().cloned().collect()
    }

    /// Whether this runtime profiles its tasks and workers: it does when it
    /// was built with a monitor ([`Builder::monitor`](crate::Builder::monitor),
    /// `CURIO_MONITOR`) or long-block detection
    /// ([`Builder::longblock`](crate::Builder::longblock), `CURIO_LONGBLOCK`).
    /// Then [`Handle::tasks`] reports each task's busy time, longest poll and
    /// scheduling delay, and [`Handle::stats`] each worker's busy time and
    /// delay histogram; otherwise those fields are `None` and polls are not
    /// timed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let plain = curio::Runtime::builder().workers(1).build().unwrap();
    /// assert!(!plain.handle().profiling());
    /// let watched = curio::Runtime::builder()
    ///     .workers(1)
    ///     .longblock(Duration::from_millis(100))
    ///     .build()
    ///     .unwrap();
    /// assert!(watched.handle().profiling());
    /// ```
    pub fn profiling(&self) -> bool {
        self.shared.scheduler.profile.is_some()
    }

    /// The number of worker threads.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = curio::Runtime::builder().workers(2).build().unwrap();
    /// assert_eq!(rt.handle().workers(), 2);
    /// ```
    pub fn workers(&self) -> usize {
        self.shared.scheduler.remotes.len()
    }

    /// The runtime's shared state.
    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle")
            .field("workers", &self.shared.scheduler.remotes.len())
            .finish()
    }
}

impl Schedule for Handle {
    fn schedule(&self, task: Notified) {
        with_worker(|cx| match cx {
            Some(cx) if Arc::ptr_eq(&cx.shared, &self.shared.scheduler) => {
                cx.schedule_local(task, false)
            }
            _ => self.shared.scheduler.schedule_remote(task),
        })
    }

    fn yield_now(&self, task: Notified) {
        with_worker(|cx| match cx {
            Some(cx) if Arc::ptr_eq(&cx.shared, &self.shared.scheduler) => {
                cx.schedule_local(task, true)
            }
            _ => self.shared.scheduler.schedule_remote(task),
        })
    }

    fn profiling(&self) -> bool {
        self.shared.scheduler.profile.is_some()
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

/// The task that stands for a future driven by [`Handle::block_on`]: a
/// registered task (so the monitor lists it and cancels it, and code in the
/// future has a current task) whose own future never runs. When
/// `block_on` ends it is cancelled and run once on that thread, which
/// completes it and takes it out of the registry.
struct StandIn {
    /// The registry's view of it, and the current task while polling.
    task: task::TaskRef,
    /// Where its `Notified` lands when a cancellation queues it.
    queued: StdArc<parking_lot::Mutex<Option<Notified>>>,
}

impl StandIn {
    /// Registers a stand-in named `main` on `handle`'s runtime, idle.
    fn new(handle: &Handle, location: &'static Location<'static>) -> StandIn {
        let queued = StdArc::new(parking_lot::Mutex::new(None));
        let schedule = StandInSchedule {
            handle: handle.clone(),
            queued: queued.clone(),
            thread: std::thread::current(),
        };
        let (registered, notified, join) = task::new_task(
            std::future::pending::<()>(),
            schedule,
            Some("main".into()),
            location,
        );
        drop(join);
        let task = registered.clone_ref();
        match handle.shared.registry.insert(registered) {
            // Polled once (it stays pending), so it waits like a task.
            Ok(()) => notified.run(),
            Err(registered) => {
                notified.shutdown();
                drop(registered);
            }
        }
        StandIn { task, queued }
    }

    /// Whether a cancellation was requested and no `disable_cancellation`
    /// scope of the future is open.
    fn cancellation_due(&self) -> bool {
        let raw = self.task.raw();
        let header = raw.header();
        // ORDERING: Relaxed; scopes of this future open and close on this
        // thread, between its polls.
        header.is_cancel_requested()
            && header.shield.load(std::sync::atomic::Ordering::Relaxed) == 0
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        // Cancel it (a no-op if already requested) and run what that
        // queued: its pending future is dropped and it completes.
        let raw = self.task.raw();
        for _ in 0..2 {
            if let Some(notified) = self.queued.lock().take() {
                notified.run();
            }
            if raw.header().task_state() == crate::introspect::TaskState::Terminated {
                return;
            }
            task::request_cancel(raw);
        }
    }
}

/// Takes a `block_on` thread out of the busy count when it returns or
/// unwinds.
struct BusyGuard<'a>(&'a StdArc<ThreadWaker>);

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.0.mark_not_busy(DONE);
    }
}

/// Where a stand-in's scheduling goes: to its `block_on` thread.
struct StandInSchedule {
    /// The runtime (for the registry).
    handle: Handle,
    /// The stand-in's queued `Notified`.
    queued: StdArc<parking_lot::Mutex<Option<Notified>>>,
    /// The `block_on` thread, woken so it notices a cancellation.
    thread: std::thread::Thread,
}

impl Schedule for StandInSchedule {
    fn schedule(&self, task: Notified) {
        *self.queued.lock() = Some(task);
        self.thread.unpark();
    }

    fn yield_now(&self, task: Notified) {
        self.schedule(task);
    }

    fn release(&self, task: RawTask) -> bool {
        self.handle.release(task)
    }
}

/// Wakes a thread blocked in [`Handle::block_on`].
///
/// It also keeps the runtime's count of `block_on` threads that can run
/// (`scheduler::Shared::block_on_busy`): a paused clock must not jump while one of
/// them is polling or has been woken.
struct ThreadWaker {
    /// The `block_on` thread.
    thread: std::thread::Thread,
    /// `BUSY`, `IDLE` (parked and not woken) or `DONE` (`block_on` returned).
    state: std::sync::atomic::AtomicU8,
    /// The scheduler core whose count it keeps.
    shared: Arc<scheduler::Shared>,
}

/// The `block_on` thread polls, or was woken.
const BUSY: u8 = 0;
/// The `block_on` thread is parked and nobody woke it.
const IDLE: u8 = 1;
/// `block_on` returned: later wakes count nothing.
const DONE: u8 = 2;

impl ThreadWaker {
    /// Counts the thread busy again if it was idle.
    fn mark_busy(&self) {
        use std::sync::atomic::Ordering::SeqCst;
        // ORDERING: SeqCst; with the count, part of the idle check that
        // `scheduler::Shared::is_idle` makes (a woken thread is counted before the
        // check can see it idle).
        if self
            .state
            .compare_exchange(IDLE, BUSY, SeqCst, SeqCst)
            .is_ok()
        {
            self.shared.block_on_busy.fetch_add(1, SeqCst);
        }
    }

    /// The thread is about to park (`to` = `IDLE`) or leaves `block_on`
    /// (`to` = `DONE`); it is no longer counted busy.
    fn mark_not_busy(&self, to: u8) {
        use std::sync::atomic::Ordering::SeqCst;
        // ORDERING: SeqCst; see `mark_busy`.
        if self.state.swap(to, SeqCst) == BUSY {
            self.shared.block_on_busy.fetch_sub(1, SeqCst);
        }
    }
}

impl Wake for ThreadWaker {
    fn wake(self: StdArc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        self.mark_busy();
        self.thread.unpark();
    }
}
