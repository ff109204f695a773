//! What tasks are doing, in curio's words: the state each task reports when
//! it waits, and where it waits.
//!
//! A task's state is read from its state word (running, queued, finished)
//! and, while it is suspended, from the last wait it reported. Curio's
//! operations (sleeps, joins, primitives, sockets) report their waits through
//! [`waiting`]; outside a task that is a no-op. Each report is two relaxed
//! stores into the task's header, and each poll resets the report, so the
//! bookkeeping costs a few nanoseconds and is always on.
//!
//! # Examples
//!
//! ```
//! use curio::introspect::TaskState;
//! # curio::run(async {
//! let kid = curio::task::Builder::new()
//!     .name("sleeper")
//!     .spawn(curio::sleep(std::time::Duration::from_secs(60)));
//! // Wait (with a deadline) until the kid has reached its sleep.
//! let handle = curio::Handle::current();
//! let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
//! let state = loop {
//!     let info = handle.tasks().into_iter().find(|t| t.id == kid.id()).unwrap();
//!     if info.state == TaskState::TimeSleep || std::time::Instant::now() > deadline {
//!         break info.state;
//!     }
//!     curio::yield_now().await;
//! };
//! assert_eq!(state.name(), "TIME_SLEEP");
//! # drop(kid);
//! # });
//! ```

use std::fmt;
use std::panic::Location;

pub use crate::profile::DelayHistogram;

/// What a task is doing, with curio's state names.
///
/// # Examples
///
/// ```
/// use curio::introspect::TaskState;
/// curio::run(async {
///     let me = curio::Handle::current()
///         .tasks()
///         .into_iter()
///         .find(|t| t.id == curio::current_task())
///         .unwrap();
///     assert_eq!(me.state, TaskState::Running);
///     assert_eq!(me.state.name(), "RUNNING");
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
#[non_exhaustive]
pub enum TaskState {
    /// Queued to run.
    Ready = 0,
    /// Being polled.
    Running,
    /// In `sleep`.
    TimeSleep,
    /// Waiting on an `Event`.
    EventWait,
    /// Acquiring a `Lock`.
    LockAcquire,
    /// Acquiring a `Semaphore`.
    SemaAcquire,
    /// Waiting on a `Condition`.
    CondWait,
    /// In `Queue::get`.
    QueueGet,
    /// In `Queue::put`.
    QueuePut,
    /// In `Queue::join`.
    QueueJoin,
    /// Waiting for a socket to be readable.
    ReadWait,
    /// Waiting for a socket to be writable.
    WriteWait,
    /// Waiting on anything else (a foreign future, a thread).
    FutureWait,
    /// Joining another task.
    TaskJoin,
    /// Finished.
    Terminated,
}

/// Every state, in declaration order (index = discriminant).
const ALL: [TaskState; 15] = [
    TaskState::Ready,
    TaskState::Running,
    TaskState::TimeSleep,
    TaskState::EventWait,
    TaskState::LockAcquire,
    TaskState::SemaAcquire,
    TaskState::CondWait,
    TaskState::QueueGet,
    TaskState::QueuePut,
    TaskState::QueueJoin,
    TaskState::ReadWait,
    TaskState::WriteWait,
    TaskState::FutureWait,
    TaskState::TaskJoin,
    TaskState::Terminated,
];

impl TaskState {
    /// curio's name of the state (`"TIME_SLEEP"`).
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::introspect::TaskState;
    /// assert_eq!(TaskState::TimeSleep.name(), "TIME_SLEEP");
    /// assert_eq!(TaskState::from_name("EVENT_WAIT"), Some(TaskState::EventWait));
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            TaskState::Ready => "READY",
            TaskState::Running => "RUNNING",
            TaskState::TimeSleep => "TIME_SLEEP",
            TaskState::EventWait => "EVENT_WAIT",
            TaskState::LockAcquire => "LOCK_ACQUIRE",
            TaskState::SemaAcquire => "SEMA_ACQUIRE",
            TaskState::CondWait => "COND_WAIT",
            TaskState::QueueGet => "QUEUE_GET",
            TaskState::QueuePut => "QUEUE_PUT",
            TaskState::QueueJoin => "QUEUE_JOIN",
            TaskState::ReadWait => "READ_WAIT",
            TaskState::WriteWait => "WRITE_WAIT",
            TaskState::FutureWait => "FUTURE_WAIT",
            TaskState::TaskJoin => "TASK_JOIN",
            TaskState::Terminated => "TERMINATED",
        }
    }

    /// The state with curio's name `name`, if there is one.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::introspect::TaskState;
    /// assert_eq!(TaskState::from_name("EVENT_WAIT"), Some(TaskState::EventWait));
    /// assert_eq!(TaskState::from_name("NAPPING"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<TaskState> {
        ALL.into_iter().find(|s| s.name() == name)
    }

    /// The state stored as `code` in a task header.
    pub(crate) fn from_code(code: u8) -> TaskState {
        ALL.get(usize::from(code))
            .copied()
            .unwrap_or(TaskState::FutureWait)
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Reports that the current task is about to wait in `state`, at
/// `location` (where the user called the waiting operation). Call it just
/// before returning `Pending`. Outside a curio task it does nothing.
///
/// # Examples
///
/// ```
/// use curio::introspect::{waiting, TaskState};
/// use std::future::Future;
/// use std::pin::Pin;
/// use std::task::{Context, Poll};
///
/// /// A future that waits once, reporting it as a generic future wait.
/// struct Once(bool);
/// impl Future for Once {
///     type Output = ();
///     #[track_caller]
///     fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
///         if self.0 {
///             return Poll::Ready(());
///         }
///         self.0 = true;
///         waiting(TaskState::FutureWait, std::panic::Location::caller());
///         cx.waker().wake_by_ref();
///         Poll::Pending
///     }
/// }
/// curio::run(async { Once(false).await });
/// ```
pub fn waiting(state: TaskState, location: &'static Location<'static>) {
    report(state, Some(location));
}

/// [`waiting`], for an operation that does not know where its caller
/// awaits it: the monitor shows the state, and no wait location.
///
/// # Examples
///
/// ```
/// use curio::introspect::{waiting_somewhere, TaskState};
/// curio::run(async { waiting_somewhere(TaskState::ReadWait) });
/// ```
pub fn waiting_somewhere(state: TaskState) {
    report(state, None);
}

/// [`waiting`], when the location is not known.
pub(crate) fn report(state: TaskState, location: Option<&'static Location<'static>>) {
    #[cfg(curio_no_introspect)]
    let _ = (state, location);
    #[cfg(not(curio_no_introspect))]
    crate::task::raw::with_current(|task| {
        if let Some(task) = task {
            task.set_wait(state as u8, location);
        }
    });
}

/// The instant deadlines are encoded against.
fn epoch() -> std::time::Instant {
    static EPOCH: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    *EPOCH.get_or_init(std::time::Instant::now)
}

/// Encodes an instant as nanoseconds after `epoch()`, plus one (0 means
/// none).
fn encode(at: std::time::Instant) -> u64 {
    let nanos = at.saturating_duration_since(epoch()).as_nanos();
    u64::try_from(nanos).unwrap_or(u64::MAX - 1) + 1
}

/// Decodes what `encode` made.
fn decode(code: u64) -> Option<std::time::Instant> {
    (code != 0).then(|| epoch() + std::time::Duration::from_nanos(code - 1))
}

/// The current task is about to wait in a sleep that ends at `deadline`.
pub(crate) fn report_sleep(deadline: std::time::Instant, location: &'static Location<'static>) {
    #[cfg(curio_no_introspect)]
    let _ = (deadline, location);
    #[cfg(not(curio_no_introspect))]
    crate::task::raw::with_current(|task| {
        if let Some(task) = task {
            task.set_wait(TaskState::TimeSleep as u8, Some(location));
            task.set_sleep_deadline(encode(deadline));
        }
    });
}

/// The current task is suspending inside a timeout that expires at
/// `deadline`.
pub(crate) fn report_timeout(deadline: std::time::Instant) {
    #[cfg(curio_no_introspect)]
    let _ = deadline;
    #[cfg(not(curio_no_introspect))]
    crate::task::raw::with_current(|task| {
        if let Some(task) = task {
            task.add_timeout_deadline(encode(deadline));
        }
    });
}

/// A snapshot of one live task, as the monitor's `ps` and `where` show it.
///
/// # Examples
///
/// ```
/// use curio::introspect::TaskInfo;
/// curio::run(async {
///     let kid = curio::task::Builder::new().name("kid").spawn(std::future::pending::<()>());
///     let tasks: Vec<TaskInfo> = curio::Handle::current().tasks();
///     let info = tasks.iter().find(|t| t.id == kid.id()).unwrap();
///     assert_eq!(info.name.as_deref(), Some("kid"));
///     assert!(info.sleep.is_none() && info.timeout.is_none());
/// });
/// ```
#[derive(Clone, Debug)]
pub struct TaskInfo {
    /// The task's id.
    pub id: crate::TaskId,
    /// Its name, if it was given one.
    pub name: Option<String>,
    /// Where it was spawned.
    pub spawned_at: &'static Location<'static>,
    /// What it is doing.
    pub state: TaskState,
    /// How many times it was polled (curio's "cycles").
    pub polls: u64,
    /// Where it waits, when it reported it.
    pub waiting_at: Option<&'static Location<'static>>,
    /// When its current sleep ends, while it sleeps.
    pub sleep: Option<std::time::Instant>,
    /// When its innermost armed timeout fires, if it has one.
    pub timeout: Option<std::time::Instant>,
    /// The sum of its poll times, while the runtime profiles (see
    /// [`Handle::profiling`](crate::Handle::profiling)); `None` otherwise,
    /// and for the `main` task of `block_on`, which runs on its caller's
    /// thread and is not timed. Like the three fields below.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let rt = curio::Runtime::builder().workers(1).monitor("127.0.0.1:0").build().unwrap();
    /// let busy = rt.spawn(async {
    ///     let start = Instant::now();
    ///     while start.elapsed() < Duration::from_millis(5) {}
    ///     curio::sleep(Duration::from_secs(60)).await;
    /// });
    /// // Wait (bounded) until its first poll is over.
    /// let start = Instant::now();
    /// let info = loop {
    ///     let info = rt.handle().tasks().into_iter().find(|t| t.id == busy.id()).unwrap();
    ///     if info.state == curio::introspect::TaskState::TimeSleep || start.elapsed() > Duration::from_secs(10) {
    ///         break info;
    ///     }
    ///     std::thread::yield_now();
    /// };
    /// assert!(info.busy.unwrap() >= Duration::from_millis(5));
    /// assert!(info.longest_poll.unwrap() >= Duration::from_millis(5));
    /// assert!(info.sched_delay_max.unwrap() >= info.sched_delay_mean.unwrap());
    /// ```
    pub busy: Option<std::time::Duration>,
    /// Its longest poll, while the runtime profiles.
    pub longest_poll: Option<std::time::Duration>,
    /// The mean of its scheduling delays (from the wake that queued it to
    /// the start of the poll that followed), while the runtime profiles.
    pub sched_delay_mean: Option<std::time::Duration>,
    /// Its longest scheduling delay, while the runtime profiles.
    pub sched_delay_max: Option<std::time::Duration>,
}

impl TaskInfo {
    /// Reads the snapshot of a task.
    pub(crate) fn of(header: &crate::task::raw::Header) -> TaskInfo {
        let profile = header.profile.as_deref().map(|p| p.snapshot());
        TaskInfo {
            id: header.id,
            name: header.name.as_deref().map(str::to_owned),
            spawned_at: header.location,
            state: header.task_state(),
            polls: header.polls(),
            waiting_at: header.wait_location(),
            sleep: decode(header.deadlines().0),
            timeout: decode(header.deadlines().1),
            busy: profile.as_ref().map(|p| p.busy),
            longest_poll: profile.as_ref().map(|p| p.longest_poll),
            sched_delay_mean: profile.as_ref().map(|p| p.delay_mean),
            sched_delay_max: profile.as_ref().map(|p| p.delay_max),
        }
    }
}

/// The hooks through which `runtime-sync`'s primitives report their waits
/// and honour the cooperative budget inside curio tasks.
struct SyncHooks;

impl runtime_sync::hook::RuntimeHooks for SyncHooks {
    fn waiting(&self, state: &'static str, location: &'static Location<'static>) {
        let state = TaskState::from_name(state).unwrap_or(TaskState::FutureWait);
        report(state, Some(location));
    }

    fn poll_proceed(&self, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        crate::coop::poll_proceed(cx)
    }
}

/// Installs [`SyncHooks`] for the process (once; later calls do nothing).
pub(crate) fn install_sync_hooks() {
    /// The one instance.
    static HOOKS: SyncHooks = SyncHooks;
    runtime_sync::hook::install(&HOOKS);
}

/// A poll that held its worker longer than the long-block threshold.
///
/// # Examples
///
/// ```
/// use curio::introspect::LongBlock;
/// use std::time::{Duration, Instant};
/// let rt = curio::Runtime::builder()
///     .workers(1)
///     .longblock(Duration::from_millis(20))
///     .build()
///     .unwrap();
/// let kid = rt.spawn(async { std::thread::sleep(Duration::from_millis(60)) });
/// rt.block_on(kid).unwrap();
/// // The worker records the block when the poll returns: wait for it.
/// let deadline = Instant::now() + Duration::from_secs(10);
/// let blocks: Vec<LongBlock> = loop {
///     let blocks = rt.handle().long_blocks();
///     if !blocks.is_empty() || Instant::now() > deadline {
///         break blocks;
///     }
///     std::thread::sleep(Duration::from_millis(1));
/// };
/// assert!(blocks[0].duration >= Duration::from_millis(20));
/// println!("{}", blocks[0]); // "task 2 (-) spawned at ... held worker 0 for 60.1 ms"
/// ```
#[derive(Clone, Debug)]
pub struct LongBlock {
    /// The task.
    pub id: crate::TaskId,
    /// Its name, if it has one.
    pub name: Option<String>,
    /// Where it was spawned.
    pub spawned_at: &'static Location<'static>,
    /// The worker it held.
    pub worker: usize,
    /// How long the poll took.
    pub duration: std::time::Duration,
}

impl fmt::Display for LongBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "task {} ({}) spawned at {} held worker {} for {:.1} ms",
            self.id,
            self.name.as_deref().unwrap_or("-"),
            self.spawned_at,
            self.worker,
            self.duration.as_secs_f64() * 1e3
        )
    }
}

/// Counters of one worker.
///
/// # Examples
///
/// ```
/// use curio::introspect::WorkerStats;
/// let rt = curio::Runtime::builder().workers(2).build().unwrap();
/// rt.block_on(async {});
/// let workers: Vec<WorkerStats> = rt.handle().stats().workers;
/// assert_eq!(workers.len(), 2);
/// # let _ = workers[0].polls + workers[0].steals + workers[0].parks;
/// ```
#[derive(Clone, Debug, Default)]
pub struct WorkerStats {
    /// Tasks run.
    pub polls: u64,
    /// Successful steals from other workers.
    pub steals: u64,
    /// Times it parked.
    pub parks: u64,
    /// Tasks in its local queue now.
    pub queue_depth: usize,
    /// The time it spent polling tasks since the runtime started, while the
    /// runtime profiles (see [`Handle::profiling`](crate::Handle::profiling));
    /// `None` otherwise. Like the two fields below.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = curio::Runtime::builder().workers(2).monitor("127.0.0.1:0").build().unwrap();
    /// rt.block_on(async { curio::spawn(async {}).await.unwrap() });
    /// for w in rt.handle().stats().workers {
    ///     let fraction = w.busy_fraction.unwrap();
    ///     assert!((0.0..=1.0).contains(&fraction));
    ///     println!("busy {:?} ({:.1}%), delays {}", w.busy.unwrap(), fraction * 100.0,
    ///         w.sched_delays.unwrap().total());
    /// }
    /// let plain = curio::Runtime::builder().workers(1).build().unwrap();
    /// assert!(plain.handle().stats().workers[0].busy.is_none());
    /// ```
    pub busy: Option<std::time::Duration>,
    /// `busy` over the time since the runtime started, from 0.0 to 1.0.
    pub busy_fraction: Option<f64>,
    /// The histogram of the scheduling delays of the polls it ran.
    pub sched_delays: Option<crate::profile::DelayHistogram>,
}

/// Statistics of a runtime, as the monitor's `stats` shows them.
///
/// # Examples
///
/// ```
/// use curio::introspect::RuntimeStats;
/// curio::run(async {
///     let _kid = curio::spawn(std::future::pending::<()>());
///     let stats: RuntimeStats = curio::Handle::current().stats();
///     assert!(stats.live_tasks >= 2); // this task and the kid
/// });
/// ```
#[derive(Clone, Debug, Default)]
pub struct RuntimeStats {
    /// One entry per worker.
    pub workers: Vec<WorkerStats>,
    /// Tasks in the shared injector.
    pub injector_depth: usize,
    /// Live tasks.
    pub live_tasks: usize,
    /// Threads of the blocking pool.
    pub blocking_threads: usize,
    /// Long blocks recorded since the start.
    pub long_blocks: u64,
    /// Counters of drivers (timers pending, reactor events), by name.
    pub drivers: Vec<(&'static str, u64)>,
}
