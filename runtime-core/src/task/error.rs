//! How a task can fail: it was cancelled, or it panicked.

use super::id::TaskId;
use std::any::Any;
use std::fmt;
use std::sync::Mutex;

/// The error of a task that did not run to completion.
///
/// A task ends with an error when it was cancelled (its future was dropped
/// at an await point) or when it panicked (the panic was caught and only
/// that task died; its worker thread carries on).
///
/// # Examples
///
/// ```
/// curio::run(async {
///     let task = curio::spawn(async { panic!("boom") });
///     let err = task.join().await.unwrap_err();
///     assert!(err.is_panic());
///     assert!(err.to_string().contains("boom"));
/// });
/// ```
pub struct TaskError {
    /// The task that failed.
    id: TaskId,
    /// What happened.
    repr: Repr,
}

/// The two ways to fail.
enum Repr {
    /// The task was cancelled.
    Cancelled,
    /// The task panicked; the payload is kept for `into_panic`. The mutex
    /// only makes the error `Sync`.
    Panic(Mutex<Box<dyn Any + Send + 'static>>),
}

impl TaskError {
    /// The error of a cancelled task.
    pub(crate) fn cancelled(id: TaskId) -> TaskError {
        TaskError {
            id,
            repr: Repr::Cancelled,
        }
    }

    /// The error of a task that panicked with `payload`.
    pub(crate) fn panic(id: TaskId, payload: Box<dyn Any + Send + 'static>) -> TaskError {
        TaskError {
            id,
            repr: Repr::Panic(Mutex::new(payload)),
        }
    }

    /// The id of the task that failed.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let mut kid = curio::spawn(std::future::pending::<()>());
    ///     let id = kid.id();
    ///     kid.cancel().await;
    ///     assert_eq!(kid.await.unwrap_err().id(), id);
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// Whether the task was cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let mut kid = curio::spawn(std::future::pending::<()>());
    ///     kid.cancel().await;
    ///     assert!(kid.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// Whether the task panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let kid = curio::spawn(async { panic!("boom") });
    ///     let err = kid.await.unwrap_err();
    ///     assert!(err.is_panic() && !err.is_cancelled());
    /// });
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The panic payload, to resume the panic with
    /// [`std::panic::resume_unwind`].
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let kid = curio::spawn(async { std::panic::panic_any(7u32) });
    ///     let payload = kid.await.unwrap_err().into_panic();
    ///     assert_eq!(payload.downcast_ref::<u32>(), Some(&7));
    /// });
    /// ```
    ///
    /// # Panics
    ///
    /// Panics if the task was cancelled rather than panicked; see
    /// [`TaskError::try_into_panic`].
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .expect("TaskError::into_panic called on a cancelled task")
    }

    /// The panic payload, or the error itself if the task was cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let mut kid = curio::spawn(std::future::pending::<()>());
    ///     kid.cancel().await;
    ///     let err = kid.await.unwrap_err();
    ///     assert!(err.try_into_panic().unwrap_err().is_cancelled());
    /// });
    /// ```
    ///
    /// # Errors
    ///
    /// Returns `Err(self)` when the task was cancelled.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, TaskError> {
        match self.repr {
            Repr::Panic(p) => Ok(p.into_inner().unwrap_or_else(|e| e.into_inner())),
            Repr::Cancelled => Err(self),
        }
    }

    /// The panic message, when the payload is a string.
    fn panic_message(&self) -> Option<String> {
        let Repr::Panic(p) = &self.repr else {
            return None;
        };
        let p = p.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = p.downcast_ref::<&'static str>() {
            Some((*s).to_owned())
        } else {
            p.downcast_ref::<String>().cloned()
        }
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "task {} was cancelled", self.id),
            Repr::Panic(_) => match self.panic_message() {
                Some(msg) => write!(f, "task {} panicked: {}", self.id, msg),
                None => write!(f, "task {} panicked", self.id),
            },
        }
    }
}

impl fmt::Debug for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "TaskError::Cancelled({})", self.id),
            Repr::Panic(_) => match self.panic_message() {
                Some(msg) => write!(f, "TaskError::Panic({}, {:?})", self.id, msg),
                None => write!(f, "TaskError::Panic({}, ..)", self.id),
            },
        }
    }
}

impl std::error::Error for TaskError {}

/// A task's failure becomes an I/O error: a cancellation has kind
/// `Interrupted`, a panic kind `Other` with the panic's message, so a
/// joined task reads as one `?`-chain in a function returning
/// `io::Result`.
///
/// # Examples
///
/// ```
/// fn check(result: Result<u32, curio::TaskError>) -> std::io::Result<u32> {
///     Ok(result?)
/// }
///
/// curio::run(async {
///     let task = curio::spawn(curio::sleep(std::time::Duration::from_secs(60)));
///     let id = task.id();
///     let mut task = task;
///     task.cancel().await;
///     let err = check((&mut task).await.map(|()| 0)).unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::Interrupted);
///     assert!(err.to_string().contains(&id.to_string()));
/// });
/// ```
impl From<TaskError> for std::io::Error {
    fn from(error: TaskError) -> std::io::Error {
        let kind = if error.is_cancelled() {
            std::io::ErrorKind::Interrupted
        } else {
            std::io::ErrorKind::Other
        };
        std::io::Error::new(kind, error.to_string())
    }
}
