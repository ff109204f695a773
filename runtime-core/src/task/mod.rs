//! Tasks: one allocation per spawned future, driven by a state word.
//!
//! # Examples
//!
//! ```
//! curio::run(async {
//!     let mut sleeper = curio::spawn(curio::sleep(std::time::Duration::from_secs(60)));
//!     let quick = curio::spawn(async { 1 });
//!     assert_eq!(quick.await.unwrap(), 1);
//!     assert!(sleeper.cancel().await);
//!     assert!(sleeper.await.unwrap_err().is_cancelled());
//! });
//! ```
//!
//! # Layout
//!
//! A task is a single heap cell (`raw.rs`): a type-independent `Header`
//! (state word, vtable, id, name, spawn location, counters), the scheduler
//! handle `S`, and a stage holding the future, then its outcome. Wakers,
//! queue entries (`Notified`), registry entries (`TaskRef`) and the
//! user's [`Task<T>`] all point at the cell.
//!
//! # State
//!
//! The state word (`state.rs`) holds the flags `RUNNING`, `COMPLETE`,
//! `NOTIFIED`, `WOKEN`, `CANCELLED`, `JOIN_INTEREST`, `JOIN_WAKER`, `POLLED`
//! and a reference count. It is mutated only in `state.rs`.
//!
//! # Rules
//!
//! 1. **References.** Each `TaskRef`, `Notified`, `Task<T>` and waker owns
//!    one reference; the cell is freed when the count reaches zero, by
//!    whoever drops the last one. A new task starts with three: the
//!    registry's, the first `Notified`, and the handle's. Whoever calls the
//!    scheduler (which lives in the cell) holds a reference of its own for
//!    the whole call, so the task cannot be freed under it; and the harness
//!    reaches the cell through its pointer, never through a borrow (such as
//!    a `&self` argument) that would outlive the cell's freeing.
//! 2. **Running.** Only the holder of a `Notified` may run a task, and
//!    running consumes it. `transition_to_running` sets `RUNNING` and clears
//!    `NOTIFIED` and `WOKEN`; it fails if the task is running or complete,
//!    and the `Notified` is then just released.
//! 3. **Wake-ups.** A wake while the task is idle sets `NOTIFIED | WOKEN`
//!    and queues a new `Notified`. A wake while it runs only sets the bits;
//!    the runner, going idle, makes the new `Notified` and requeues the
//!    task. So a task is never queued twice, and a wake during a poll is
//!    never lost. Every wake writes the state word, even one that finds the
//!    bits already set, so that what the waker wrote before waking
//!    happens-before the run it is due to.
//! 4. **The stage.** The holder of `RUNNING` alone touches the stage; after
//!    `COMPLETE`, the handle alone does (and, with no handle, the runtime
//!    drops the outcome at completion).
//! 5. **Cancellation** (curio's model). A request sets `CANCELLED`, once;
//!    an idle task is queued with `NOTIFIED` but without `WOKEN`. A run that
//!    finds `CANCELLED` without `WOKEN` on an already polled task does not
//!    poll it: the task is suspended at an await, and the request is
//!    delivered there. Delivery means the future is dropped (destructors
//!    run) and the outcome is `Err(TaskError)` with `is_cancelled()`. It is
//!    deferred while the task's `disable_cancellation` depth (the header's
//!    `shield`) is non-zero, and otherwise happens when a poll returns
//!    `Pending`; a woken task thus runs on to its next suspension, as a
//!    ready task does in curio. A never-polled task is polled once first.
//!    A scope that closes outside its task's poll queues the task if it is
//!    idle; a runner that found the scope open re-checks it after going
//!    idle, so that one of the two always queues the delivery.
//! 6. **The join waker.** While `JOIN_WAKER` is clear the handle may write
//!    the slot; setting it hands the slot to the runtime, which wakes it at
//!    completion. The handle clears it again (failing once `COMPLETE` is
//!    set) before replacing the waker.
//! 7. **Shutdown.** The runtime claims `RUNNING` on every task that is
//!    neither running nor complete, drops its future and completes it as
//!    cancelled. A task spawned after that is refused by the registry and
//!    completed the same way at once.
//! 8. **Panics.** The task's own code (its poll, its destructors, its join
//!    waker) runs inside `catch_unwind`; a run never unwinds into the
//!    worker or pool thread that called it.
//!
//! # Safety
//!
//! `unsafe` lives in `raw.rs`, `waker.rs` and `join.rs` only; each block
//! names the rule above that makes it sound.

mod builder;
mod error;
mod id;
mod join;
mod local;
pub(crate) mod raw;
mod registry;
mod state;
mod waker;
mod yield_now;

#[cfg(all(test, curio_loom))]
mod loom_tests;
#[cfg(test)]
mod tests;

pub use builder::Builder;
pub use error::TaskError;
pub use id::TaskId;
pub use join::{Cancel, Join, Task};
pub use local::{spawn_local, LocalTask};
pub(crate) use raw::RawTask;
pub(crate) use registry::Registry;
pub use yield_now::{consume_budget, yield_now, ConsumeBudget, YieldNow};

use state::TransitionToCancel;
use std::future::Future;
use std::panic::Location;

/// What a task needs from the scheduler that owns it.
pub(crate) trait Schedule: Send + Sync + 'static {
    /// Queues a task that was woken.
    fn schedule(&self, task: Notified);

    /// Requeues a task that was woken while it ran (it goes behind the
    /// tasks already waiting, so a task that yields lets the others run).
    fn yield_now(&self, task: Notified);

    /// The task completed: removes it from the registry. Returns whether it
    /// was there, in which case the caller drops the registry's reference.
    fn release(&self, task: RawTask) -> bool;

    /// Whether the task's future may be dropped on the calling thread at
    /// shutdown (rule 7); false only for a local task off its owner
    /// thread (`scheduler/local.rs`).
    fn may_drop_here(&self) -> bool {
        true
    }

    /// Whether tasks of this scheduler are profiled (`profile.rs` rule 1);
    /// asked once, at spawn.
    fn profiling(&self) -> bool {
        false
    }
}

/// An owned reference to a task.
pub(crate) struct TaskRef {
    /// The task.
    raw: RawTask,
}

impl TaskRef {
    /// Another reference to the same task.
    pub(crate) fn clone_ref(&self) -> TaskRef {
        self.raw.ref_inc();
        TaskRef { raw: self.raw }
    }

    /// The task's id.
    pub(crate) fn id(&self) -> TaskId {
        self.raw.header().id
    }

    /// The task.
    pub(crate) fn raw(&self) -> RawTask {
        self.raw
    }

    /// Cancels the task at runtime shutdown (rule 7); consumes the
    /// reference.
    pub(crate) fn shutdown(self) {
        let raw = self.raw;
        std::mem::forget(self);
        raw.shutdown();
    }
}

impl Drop for TaskRef {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

/// Permission to run a task: a reference that sits in a run queue (rule 2).
pub(crate) struct Notified {
    /// The task.
    raw: RawTask,
}

impl Notified {
    /// Wraps a reference made for queueing.
    pub(crate) fn from_raw(raw: RawTask) -> Notified {
        Notified { raw }
    }

    /// A new reference to the task, to read its header after running it.
    pub(crate) fn task_ref(&self) -> TaskRef {
        self.raw.ref_inc();
        TaskRef { raw: self.raw }
    }

    /// Runs the task: polls it, or delivers its cancellation.
    pub(crate) fn run(self) {
        let raw = self.raw;
        std::mem::forget(self);
        raw.poll();
    }

    /// Cancels the task at shutdown instead of running it (rule 7).
    pub(crate) fn shutdown(self) {
        let raw = self.raw;
        std::mem::forget(self);
        raw.shutdown();
    }
}

impl Drop for Notified {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

/// Allocates a task: returns the registry's reference, the first
/// `Notified`, and the handle (rule 1).
pub(crate) fn new_task<F, S>(
    future: F,
    scheduler: S,
    name: Option<Box<str>>,
    location: &'static Location<'static>,
) -> (TaskRef, Notified, Task<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let raw = RawTask::new(future, scheduler, TaskId::next(), name, location);
    (TaskRef { raw }, Notified { raw }, Task::new(raw))
}

/// A new reference to the task this thread is polling, if any.
pub(crate) fn current_ref() -> Option<TaskRef> {
    raw::current_raw().map(|raw| {
        raw.ref_inc();
        TaskRef { raw }
    })
}

/// Opens one `disable_cancellation` scope on `task` (rule 5).
pub(crate) fn open_shield(task: &TaskRef) {
    // ORDERING: Relaxed; a scope opens only inside its task's own poll, and
    // the runner reads the depth on the same thread after the poll.
    task.raw
        .header()
        .shield
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// Closes one `disable_cancellation` scope on `task` (rule 5). Closed from
/// outside the task's own poll (the scope's future was sent to another task
/// and dropped there), a pending cancellation would wait for a wake-up that
/// may never come: the task is queued to receive it.
pub(crate) fn close_shield(task: TaskRef) {
    // ORDERING: AcqRel; this and the runner's re-check in `raw.rs` (an
    // AcqRel `fetch_add(0)` after its `OkShielded` idle transition) are
    // read-modify-writes of the depth, so one of them reads the other.
    // Either the runner's re-check reads this decrement (it sees the scope
    // closed and queues the task itself), or this decrement reads from the
    // re-check and acquires the runner's idle transition, so the state load
    // below sees the task idle and queues it. Without the re-check, the
    // runner could read the depth before this decrement and this thread
    // the state before the runner went idle: the request would be lost.
    let prev = task
        .raw
        .header()
        .shield
        .fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    debug_assert!(prev > 0);
    let inside = raw::current_raw() == Some(task.raw);
    if prev == 1 && !inside {
        if let state::TransitionToNotified::Submit =
            task.raw.state().transition_to_notified_for_cancel()
        {
            task.raw.schedule();
        }
    }
}

/// Requests cancellation of `raw` (rule 5). Returns false if the task had
/// already completed.
pub(crate) fn request_cancel(raw: RawTask) -> bool {
    match raw.state().transition_to_cancel_requested() {
        TransitionToCancel::AlreadyComplete => false,
        TransitionToCancel::AlreadyRequested | TransitionToCancel::Requested => true,
        TransitionToCancel::RequestedSubmit => {
            raw.schedule();
            true
        }
    }
}

/// The id of the task being polled on this thread.
///
/// # Panics
///
/// Panics outside a task; see [`try_current_task`].
///
/// # Examples
///
/// ```
/// curio::run(async {
///     let me = curio::current_task();
///     let kid = curio::spawn(async { curio::current_task() });
///     assert_ne!(kid.await.unwrap(), me);
/// });
/// ```
#[track_caller]
pub fn current_task() -> TaskId {
    try_current_task().expect("curio::current_task() called outside a curio task")
}

/// The id of the task being polled on this thread, or `None` outside one.
///
/// # Examples
///
/// ```
/// assert_eq!(curio::try_current_task(), None);
/// curio::run(async {
///     assert_eq!(curio::try_current_task(), Some(curio::current_task()));
/// });
/// ```
pub fn try_current_task() -> Option<TaskId> {
    raw::with_current(|h| h.map(|h| h.id))
}

/// Spawns a task on the current runtime.
///
/// The task starts running on some worker thread; the caller goes on (as in
/// curio, spawning does not switch to the new task). Dropping the returned
/// [`Task`] detaches it.
///
/// # Panics
///
/// Panics outside a curio runtime; use [`Handle::spawn`] there.
///
/// [`Handle::spawn`]: crate::Handle::spawn
///
/// # Examples
///
/// ```
/// curio::run(async {
///     let kid = curio::spawn(async { "done" });
///     assert_eq!(kid.await.unwrap(), "done");
/// });
/// ```
///
/// The task may move between worker threads, so its future must be `Send`:
///
/// ```compile_fail
/// curio::run(async {
///     let rc = std::rc::Rc::new(1);
///     curio::spawn(async move {
///         curio::yield_now().await;
///         drop(rc);
///     });
/// });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> Task<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let location = Location::caller();
    crate::runtime::Handle::current().spawn_named(future, None, location)
}
