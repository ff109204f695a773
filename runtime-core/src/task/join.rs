//! `Task<T>`: the handle to a spawned task, for joining and cancelling it.

use super::error::TaskError;
use super::id::TaskId;
use super::raw::RawTask;
use super::request_cancel;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A handle to a spawned task.
///
/// Awaiting the handle (or [`Task::join`]) waits for the task to finish and
/// gives its output, or a [`TaskError`] if it was cancelled or panicked.
/// [`Task::cancel`] requests cancellation and waits until the task has
/// terminated. Dropping the handle *detaches* the task: it keeps running.
///
/// `Task<T>` is `Unpin`, so `timeout_after(d, &mut task)` works.
///
/// # Examples
///
/// ```
/// curio::run(async {
///     let task = curio::spawn(async { 6 * 7 });
///     assert_eq!(task.await.unwrap(), 42);
/// });
/// ```
pub struct Task<T> {
    /// The task; the handle owns one reference and JOIN_INTEREST.
    raw: RawTask,
    /// The output type.
    _output: PhantomData<fn() -> T>,
}

// `Task<T>` is `Send` and `Sync` when `T: Send`: the output only ever moves
// out by value through `&mut self`, and the shared methods read atomics. This
// holds through `RawTask: Send + Sync` and `PhantomData<fn() -> T>`; the
// assertion below keeps the output type relevant.
const _: () = {
    /// Compile-time check of the auto traits.
    fn assert_send_sync<T: Send + Sync>() {}
    /// Instantiates the check.
    #[allow(dead_code)]
    fn check() {
        assert_send_sync::<Task<std::rc::Rc<u8>>>();
    }
};

impl<T> Task<T> {
    /// Wraps a raw task whose JOIN_INTEREST reference the handle now owns;
    /// `T` must be the output type of its future (only `task::new_task`
    /// calls this).
    pub(super) fn new(raw: RawTask) -> Task<T> {
        Task {
            raw,
            _output: PhantomData,
        }
    }

    /// The raw task, for the loom models.
    #[cfg(all(test, curio_loom))]
    pub(super) fn raw_for_tests(&self) -> RawTask {
        self.raw
    }

    /// The task's id.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let kid = curio::spawn(async { curio::current_task() });
    ///     let id = kid.id();
    ///     assert_eq!(kid.await.unwrap(), id);
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        self.raw.header().id
    }

    /// The task's name, if it was given one at spawn.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let task = curio::task::Builder::new().name("kid").spawn(async {});
    ///     assert_eq!(task.name(), Some("kid"));
    /// });
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.raw.header().name.as_deref()
    }

    /// Whether the task has terminated (returned, panicked or been
    /// cancelled).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// curio::run(async {
    ///     let kid = curio::spawn(async {});
    ///     let deadline = Instant::now() + Duration::from_secs(10);
    ///     while !kid.is_finished() && Instant::now() < deadline {
    ///         curio::yield_now().await;
    ///     }
    ///     assert!(kid.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.raw.state().load().is_complete()
    }

    /// Waits for the task and returns its outcome; the same as awaiting the
    /// handle.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let kid = curio::spawn(async { "result" });
    ///     assert_eq!(kid.join().await.unwrap(), "result");
    /// });
    /// ```
    ///
    /// # Errors
    ///
    /// A [`TaskError`] if the task was cancelled or panicked.
    pub fn join(self) -> Join<T> {
        Join { task: self }
    }

    /// Requests cancellation and waits until the task has terminated.
    ///
    /// Returns `false` if the task had already finished, `true` otherwise.
    /// Cancellation is one-shot and delivered at the task's next suspension:
    /// its future is dropped there (destructors run), unless it is inside
    /// `disable_cancellation`, in which case it is delivered when that scope
    /// ends. The output stays available: awaiting the handle afterwards gives
    /// `Err(TaskError)` with `is_cancelled()`, or the task's value if it
    /// finished anyway.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let mut task = curio::spawn(std::future::pending::<()>());
    ///     assert!(task.cancel().await);
    ///     assert!(task.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned future after its first poll leaves the request
    /// in place; the task is still cancelled.
    pub fn cancel(&mut self) -> Cancel<'_, T> {
        Cancel {
            task: self,
            requested: None,
        }
    }
}

impl<T> Task<T> {
    /// Requests cancellation without waiting (rule 5); false if the task had
    /// already completed. Used where waiting is impossible (a dropped
    /// `TaskGroup`).
    pub(crate) fn request_cancel(&self) -> bool {
        request_cancel(self.raw)
    }
}

impl<T> Future for Task<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if crate::coop::poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        let mut out: Poll<Result<T, TaskError>> = Poll::Pending;
        let dst = (&mut out as *mut Poll<Result<T, TaskError>>).cast::<()>();
        // SAFETY: `out` has the type the task's vtable writes, since a handle
        // is made only by `task::new_task` with the future's output type, and
        // this handle owns JOIN_INTEREST.
        unsafe { self.raw.try_read_output(dst, cx.waker()) };
        if out.is_pending() {
            crate::introspect::report(crate::introspect::TaskState::TaskJoin, None);
        }
        out
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        self.raw.drop_join_handle();
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// The future of [`Task::join`].
///
/// # Examples
///
/// ```
/// use curio::task::Join;
/// curio::run(async {
///     let join: Join<u8> = curio::spawn(async { 1 }).join();
///     assert_eq!(join.await.unwrap(), 1);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Join<T> {
    /// The handle being joined.
    task: Task<T>,
}

impl<T> Future for Join<T> {
    type Output = Result<T, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.task).poll(cx)
    }
}

/// The future of [`Task::cancel`].
///
/// # Examples
///
/// ```
/// use curio::task::Cancel;
/// curio::run(async {
///     let mut kid = curio::spawn(std::future::pending::<()>());
///     let cancel: Cancel<'_, ()> = kid.cancel();
///     assert!(cancel.await); // it was still running
/// });
/// ```
#[must_use = "cancellation is requested when this future is first polled"]
#[derive(Debug)]
pub struct Cancel<'a, T> {
    /// The task to cancel.
    task: &'a mut Task<T>,
    /// Whether the request found the task unfinished, once it was made.
    requested: Option<bool>,
}

impl<T> Future for Cancel<'_, T> {
    type Output = bool;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let raw = self.task.raw;
        let requested = *self.requested.get_or_insert_with(|| request_cancel(raw));
        if raw.poll_complete(cx.waker()) {
            Poll::Ready(requested)
        } else {
            // As in curio, a blocking cancel waits in TASK_JOIN.
            crate::introspect::report(crate::introspect::TaskState::TaskJoin, None);
            Poll::Pending
        }
    }
}
