//! `Executor`: hyper's `rt::Executor` on curio's scheduler.

use std::future::Future;

/// hyper's executor on curio: every future hyper hands it becomes a
/// detached curio task on the current runtime.
///
/// hyper spawns through it the per-stream tasks of an HTTP/2 connection
/// (server and client) and, for clients, the connection's background
/// work. Give it to `hyper::server::conn::http2::Builder::new` or
/// `hyper::client::conn::http2::Builder::new`.
///
/// # Examples
///
/// ```
/// use hyper::rt::Executor as _;
///
/// curio::run(async {
///     let done = std::sync::Arc::new(curio::sync::Event::new());
///     let set = done.clone();
///     curio::hyper::Executor::new().execute(async move { set.set() });
///     done.wait().await;
/// });
/// ```
///
/// # Panics
///
/// `execute` panics when called outside a curio runtime (as
/// [`spawn`](runtime_core::spawn) does).
#[derive(Clone, Copy, Debug, Default)]
pub struct Executor {
    /// Private, so that later fields (a task name) are not breaking.
    _private: (),
}

impl Executor {
    /// An executor spawning on the runtime of whichever task calls it.
    ///
    /// # Examples
    ///
    /// ```
    /// let executor = curio::hyper::Executor::new();
    /// let _http2 = hyper::server::conn::http2::Builder::new(executor);
    /// ```
    pub fn new() -> Executor {
        Executor { _private: () }
    }
}

impl<F> hyper::rt::Executor<F> for Executor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    #[track_caller]
    fn execute(&self, future: F) {
        // Dropping a curio task handle detaches the task; its output (a
        // connection error hyper has already logged or returned) is dropped.
        drop(runtime_core::spawn(future));
    }
}
