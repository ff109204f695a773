//! `task::Builder`: spawning with a name.

use super::{LocalTask, Task};
use crate::runtime::Handle;
use std::future::Future;
use std::panic::Location;

/// Configures a task before spawning it.
///
/// # Examples
///
/// ```
/// curio::run(async {
///     let kid = curio::task::Builder::new().name("kid").spawn(async { 1 });
///     assert_eq!(kid.name(), Some("kid"));
///     assert_eq!(kid.await.unwrap(), 1);
/// });
/// ```
#[derive(Debug, Default, Clone)]
pub struct Builder {
    /// The name the monitor shows.
    name: Option<Box<str>>,
}

impl Builder {
    /// A builder for an unnamed task.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let kid = curio::task::Builder::new().spawn(async { 3 });
    ///     assert_eq!(kid.name(), None);
    ///     assert_eq!(kid.await.unwrap(), 3);
    /// });
    /// ```
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the task (shown by `Task::name` and the monitor).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let kid = curio::task::Builder::new().name("worker-7").spawn(async {});
    ///     assert_eq!(kid.name(), Some("worker-7"));
    /// });
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Builder {
        self.name = Some(name.into().into_boxed_str());
        self
    }

    /// Spawns the task on the current runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let kid = curio::task::Builder::new()
    ///         .name("adder")
    ///         .spawn(async { 40 + 2 });
    ///     assert_eq!(kid.await.unwrap(), 42);
    /// });
    /// ```
    ///
    /// # Panics
    ///
    /// Panics outside a curio runtime; see [`Builder::spawn_on`].
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let location = Location::caller();
        Handle::current().spawn_named(future, self.name, location)
    }

    /// Spawns the task on the runtime of `handle`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = curio::Runtime::new().unwrap();
    /// let kid = curio::task::Builder::new()
    ///     .name("from-outside")
    ///     .spawn_on(rt.handle(), async { 1 });
    /// assert_eq!(rt.block_on(kid).unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(self, handle: &Handle, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        handle.spawn_named(future, self.name, Location::caller())
    }

    /// Spawns a local task on the calling thread, as
    /// [`spawn_local`](crate::spawn_local) does.
    ///
    /// # Panics
    ///
    /// As [`spawn_local`](crate::spawn_local): on a thread that is neither
    /// a curio worker nor inside `block_on`.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let rc = std::rc::Rc::new(5);
    ///     let kid = curio::task::Builder::new()
    ///         .name("local kid")
    ///         .spawn_local(async move { *rc + 1 });
    ///     assert_eq!(kid.name(), Some("local kid"));
    ///     assert_eq!(kid.await.unwrap(), 6);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(self, future: F) -> LocalTask<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        super::local::spawn_local_named(future, self.name, Location::caller())
    }
}
