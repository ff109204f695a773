//! `spawn_local` and `LocalTask<T>`: tasks whose future need not be
//! `Send`, run only on the thread that spawned them (`scheduler/local.rs`).

#![deny(unsafe_code)]

use super::raw::OwnerBound;
use super::{new_task, Task, TaskError, TaskId};
use crate::runtime::local::{current_owner, LocalSchedule};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A handle to a local task (one spawned by [`spawn_local`]).
///
/// It works as [`Task`] does: awaiting it gives the task's output, or a
/// [`TaskError`] if it was cancelled or panicked; [`LocalTask::cancel`]
/// cancels it and waits; dropping it detaches the task. Unlike `Task`, it
/// is neither `Send` nor `Sync`: the output need not be `Send`, so it is
/// only ever taken on the thread that spawned the task.
///
/// # Examples
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
///
/// #[curio::main]
/// async fn main() {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let kid = curio::spawn_local({
///         let log = log.clone();
///         async move {
///             curio::yield_now().await;
///             log.borrow_mut().push("kid");
///             Rc::new(7)
///         }
///     });
///     assert_eq!(*kid.await.unwrap(), 7);
///     assert_eq!(*log.borrow(), ["kid"]);
/// }
/// ```
///
/// The handle stays on its thread:
///
/// ```compile_fail,E0277
/// curio::run(async {
///     let kid = curio::spawn_local(async { 1 });
///     std::thread::spawn(move || drop(kid));
/// });
/// ```
pub struct LocalTask<T> {
    /// The task; its output is wrapped so the cell accepts it.
    task: Task<OwnerBound<T>>,
    /// Makes the handle `!Send` and `!Sync` (`scheduler/local.rs` rule 4).
    _owner: PhantomData<*const ()>,
}

impl<T> LocalTask<T> {
    /// The task's id.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let kid = curio::spawn_local(async { curio::current_task() });
    ///     let id = kid.id();
    ///     assert_eq!(kid.await.unwrap(), id);
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        self.task.id()
    }

    /// The task's name, if it was given one at spawn.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let kid = curio::task::Builder::new().name("kid").spawn_local(async {});
    ///     assert_eq!(kid.name(), Some("kid"));
    /// });
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.task.name()
    }

    /// Whether the task has terminated (returned, panicked or been
    /// cancelled).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let mut kid = curio::spawn_local(std::future::pending::<()>());
    ///     assert!(!kid.is_finished());
    ///     kid.cancel().await;
    ///     assert!(kid.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Requests cancellation and waits until the task has terminated, as
    /// [`Task::cancel`] does; returns `false` if it had already finished.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let mut kid = curio::spawn_local(std::future::pending::<()>());
    ///     assert!(kid.cancel().await);
    ///     assert!(kid.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned future after its first poll leaves the request
    /// in place; the task is still cancelled.
    pub fn cancel(&mut self) -> impl Future<Output = bool> + '_ {
        self.task.cancel()
    }
}

impl<T> Future for LocalTask<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.get_mut().task)
            .poll(cx)
            .map(|res| res.map(OwnerBound::into_inner))
    }
}

impl<T> fmt::Debug for LocalTask<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalTask")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Spawns a task that runs only on the calling thread, so its future need
/// not be `Send`.
///
/// Called on a worker thread (inside a task), the task runs on that worker
/// and is never stolen by another; called inside [`Handle::block_on`] (so
/// in `#[curio::main]` and [`curio::run`]), it runs on that thread, between
/// polls of the future `block_on` drives. A wake from any thread queues it
/// back on its owner. It is a task like the others: it has an id, shows in
/// the monitor's `ps`, is cancelled by [`LocalTask::cancel`], the monitor's
/// `cancel` and runtime shutdown; its destructors always run on its owner.
///
/// The tasks of a `block_on` call still alive when it returns are dropped
/// then, on that thread (as tokio drops a `LocalSet`'s tasks with it); their
/// handles give a cancelled [`TaskError`]. A worker's are dropped by the
/// worker when the runtime shuts down.
///
/// [`Handle::block_on`]: crate::Handle::block_on
/// [`curio::run`]: crate::run
///
/// # Panics
///
/// Panics when called on a thread that is neither a curio worker nor
/// inside `block_on` (a `run_in_thread` closure, a `spawn_thread` thread,
/// a plain thread).
///
/// # Examples
///
/// ```
/// use std::{cell::Cell, rc::Rc};
///
/// curio::run(async {
///     let hits = Rc::new(Cell::new(0));
///     let mut kids = Vec::new();
///     for _ in 0..3 {
///         let hits = hits.clone();
///         kids.push(curio::spawn_local(async move {
///             curio::yield_now().await;
///             hits.set(hits.get() + 1);
///         }));
///     }
///     for kid in kids {
///         kid.await.unwrap();
///     }
///     assert_eq!(hits.get(), 3);
/// });
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> LocalTask<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn_local_named(future, None, Location::caller())
}

/// Spawns a local task with a name and a spawn location.
#[track_caller]
pub(crate) fn spawn_local_named<F>(
    future: F,
    name: Option<Box<str>>,
    location: &'static Location<'static>,
) -> LocalTask<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let Some((handle, queue)) = current_owner() else {
        panic!(
            "curio::spawn_local called outside a curio worker thread or block_on: \
             a local task needs a thread that runs it; call it from a task, or \
             inside Runtime::block_on / curio::run"
        );
    };
    let schedule = LocalSchedule::new(handle.clone(), queue.clone());
    let (registered, notified, join) = new_task(OwnerBound::new(future), schedule, name, location);
    queue.spawn(&handle.shared().registry, registered, notified);
    LocalTask {
        task: join,
        _owner: PhantomData,
    }
}
