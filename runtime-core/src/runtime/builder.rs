//! `Builder`: configures and starts a runtime.

use super::Runtime;
use std::io;
use std::time::Duration;

/// Configures a [`Runtime`].
///
/// # Examples
///
/// ```
/// let rt = curio::Runtime::builder()
///     .workers(2)
///     .thread_name("my-worker")
///     .build()
///     .unwrap();
/// assert_eq!(rt.run(async { 40 + 2 }), 42);
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    /// Worker threads; `None` means `CURIO_WORKERS` or one per core.
    pub(crate) workers: Option<usize>,
    /// Prefix of the worker threads' names.
    pub(crate) thread_name: String,
    /// Most threads the blocking pool may run at once.
    pub(crate) max_blocking_threads: usize,
    /// How long an idle blocking thread waits for work before exiting.
    pub(crate) keep_alive: Duration,
    /// Stack size of the runtime's threads, if not the default.
    pub(crate) stack_size: Option<usize>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// A builder with the defaults: one worker per core (or
    /// `CURIO_WORKERS`), workers named `curio-worker-N`, at most 512
    /// blocking threads, which exit after 10 s idle.
    pub fn new() -> Builder {
        Builder {
            workers: None,
            thread_name: "curio-worker".to_owned(),
            max_blocking_threads: 512,
            keep_alive: Duration::from_secs(10),
            stack_size: None,
        }
    }

    /// Sets the number of worker threads. Without it, the environment
    /// variable `CURIO_WORKERS` decides, or else the number of cores.
    /// Zero is refused by [`Builder::build`].
    pub fn workers(&mut self, n: usize) -> &mut Self {
        self.workers = Some(n);
        self
    }

    /// Sets the prefix of the worker threads' names (a number is appended).
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Self {
        self.thread_name = name.into();
        self
    }

    /// Sets the most threads the `run_in_thread` pool may run at once
    /// (default 512). Zero is refused by [`Builder::build`].
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Self {
        self.max_blocking_threads = n;
        self
    }

    /// Sets how long an idle blocking-pool thread waits for work before it
    /// exits (default 10 s).
    pub fn thread_keep_alive(&mut self, keep_alive: Duration) -> &mut Self {
        self.keep_alive = keep_alive;
        self
    }

    /// Sets the stack size of the runtime's threads.
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Starts the runtime's worker threads.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for zero workers or blocking threads, or a
    /// `CURIO_WORKERS` that is not a positive integer; the OS error if a
    /// thread cannot be started.
    pub fn build(&mut self) -> io::Result<Runtime> {
        let workers = self.resolve_workers()?;
        if self.max_blocking_threads == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "max_blocking_threads must be at least 1",
            ));
        }
        Runtime::start(self, workers)
    }

    /// The worker count: explicit, else `CURIO_WORKERS`, else the cores.
    fn resolve_workers(&self) -> io::Result<usize> {
        self.resolve_workers_from(std::env::var("CURIO_WORKERS").ok())
    }

    /// [`Builder::resolve_workers`] with the variable's value given.
    fn resolve_workers_from(&self, env: Option<String>) -> io::Result<usize> {
        let invalid = |msg: String| io::Error::new(io::ErrorKind::InvalidInput, msg);
        match self.workers {
            Some(0) => Err(invalid("the number of workers must be at least 1".into())),
            Some(n) => Ok(n),
            None => match env {
                Some(v) => match v.trim().parse::<usize>() {
                    Ok(n) if n > 0 => Ok(n),
                    _ => Err(invalid(format!(
                        "CURIO_WORKERS must be a positive integer, not {v:?}"
                    ))),
                },
                None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Builder;

    #[test]
    fn workers_come_from_the_builder_then_the_environment() {
        let b = Builder::new().workers(3).clone();
        assert_eq!(b.resolve_workers_from(Some("7".into())).unwrap(), 3);
        assert_eq!(
            Builder::new()
                .resolve_workers_from(Some(" 7 ".into()))
                .unwrap(),
            7
        );
        assert!(Builder::new().resolve_workers_from(None).unwrap() >= 1);
        for bad in ["0", "-1", "four", ""] {
            let err = Builder::new()
                .resolve_workers_from(Some(bad.into()))
                .unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
            assert!(err.to_string().contains("CURIO_WORKERS"), "{err}");
        }
        let err = Builder::new().workers(0).build().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    }
}
