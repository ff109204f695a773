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
    /// The monitor's address, if enabled here.
    pub(crate) monitor: Option<String>,
    /// The long-block threshold, if set here.
    pub(crate) longblock: Option<Duration>,
    /// How long shutdown lets cancelled tasks clean up, if set here.
    pub(crate) shutdown_grace: Option<Duration>,
    /// Whether the clock starts paused (`time::pause`).
    pub(crate) start_paused: bool,
    /// The schedule's seed, if set here.
    pub(crate) seed: Option<u64>,
    /// Called on each worker thread as it starts.
    pub(crate) on_thread_start: Option<ThreadHook>,
    /// Called on each worker thread as it stops.
    pub(crate) on_thread_stop: Option<ThreadHook>,
}

/// A function the runtime calls on its threads (`Builder::on_thread_start`).
#[derive(Clone)]
pub(crate) struct ThreadHook(pub(crate) std::sync::Arc<dyn Fn() + Send + Sync>);

impl std::fmt::Debug for ThreadHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ThreadHook")
    }
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
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = curio::Builder::new().workers(1).build().unwrap();
    /// assert_eq!(rt.handle().workers(), 1);
    /// ```
    pub fn new() -> Builder {
        Builder {
            workers: None,
            thread_name: "curio-worker".to_owned(),
            max_blocking_threads: 512,
            keep_alive: Duration::from_secs(10),
            stack_size: None,
            monitor: None,
            longblock: None,
            shutdown_grace: None,
            on_thread_start: None,
            on_thread_stop: None,
            start_paused: false,
            seed: None,
        }
    }

    /// Seeds the schedule. With one worker, the order in which ready tasks
    /// run (what a wake, a spawn or a yield puts first) is a seeded
    /// shuffle: a program that does no real I/O and runs with a paused
    /// clock ([`start_paused`](Builder::start_paused)) makes the same
    /// sequence of polls for the same seed, and most other seeds give
    /// another, so a test can be run under many interleavings and a failing
    /// one replayed. With several workers the seed only picks steal
    /// victims. Without it, `CURIO_SEED` sets it (read when the runtime is
    /// built).
    ///
    /// What stays nondeterministic: real sockets and the reactor, other
    /// threads (the blocking pool, `spawn_thread`, plain threads that spawn
    /// or wake tasks), and the real clock (`std::time`, or a clock that is
    /// not paused: timers then fire from the timer thread).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    ///
    /// fn order(seed: u64) -> Vec<u32> {
    ///     let log = Arc::new(Mutex::new(Vec::new()));
    ///     let rt = curio::Runtime::builder()
    ///         .workers(1)
    ///         .seed(seed)
    ///         .start_paused(true)
    ///         .build()
    ///         .unwrap();
    ///     let l = log.clone();
    ///     rt.run(async move {
    ///         let tasks: Vec<_> = (0..5)
    ///             .map(|i| {
    ///                 let l = l.clone();
    ///                 curio::spawn(async move { l.lock().unwrap().push(i) })
    ///             })
    ///             .collect();
    ///         for t in tasks {
    ///             t.await.unwrap();
    ///         }
    ///     });
    ///     let out = log.lock().unwrap().clone();
    ///     out
    /// }
    /// assert_eq!(order(7), order(7));
    /// ```
    pub fn seed(&mut self, seed: u64) -> &mut Self {
        self.seed = Some(seed);
        self
    }

    /// The seed: the builder's, else `CURIO_SEED`, else none.
    pub(crate) fn resolve_seed(&self) -> io::Result<Option<u64>> {
        if let Some(seed) = self.seed {
            return Ok(Some(seed));
        }
        match std::env::var("CURIO_SEED") {
            Ok(v) => v.trim().parse().map(Some).map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("CURIO_SEED must be a decimal number (a u64), not {v:?}"),
                )
            }),
            Err(_) => Ok(None),
        }
    }

    /// Starts the runtime with its clock paused (see
    /// [`time::pause`](crate::time::pause)): sleeps and timeouts follow a
    /// virtual clock that jumps to the next deadline whenever no task can
    /// run, so code full of timeouts is tested without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let rt = curio::Runtime::builder().workers(1).start_paused(true).build().unwrap();
    /// let real = Instant::now();
    /// let timed_out = rt.run(async {
    ///     curio::timeout_after(Duration::from_secs(30), curio::sleep(Duration::from_secs(60)))
    ///         .await
    ///         .is_err()
    /// });
    /// assert!(timed_out);
    /// assert!(real.elapsed() < Duration::from_secs(10));
    /// ```
    pub fn start_paused(&mut self, paused: bool) -> &mut Self {
        self.start_paused = paused;
        self
    }

    /// Calls `f` on each worker thread and each blocking-pool thread as it
    /// starts, before it runs anything (to set thread-local state, pin the
    /// thread, name it in a profiler).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let started = Arc::new(AtomicUsize::new(0));
    /// let stopped = Arc::new(AtomicUsize::new(0));
    /// let (s, t) = (started.clone(), stopped.clone());
    /// let rt = curio::Runtime::builder()
    ///     .workers(2)
    ///     .on_thread_start(move || { s.fetch_add(1, Ordering::SeqCst); })
    ///     .on_thread_stop(move || { t.fetch_add(1, Ordering::SeqCst); })
    ///     .build()
    ///     .unwrap();
    /// rt.run(async {
    ///     curio::run_in_thread(|| ()).await; // one blocking-pool thread
    /// });
    /// assert_eq!(started.load(Ordering::SeqCst), 3);
    /// assert_eq!(stopped.load(Ordering::SeqCst), 3);
    /// ```
    pub fn on_thread_start(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Self {
        self.on_thread_start = Some(ThreadHook(std::sync::Arc::new(f)));
        self
    }

    /// Calls `f` on each worker thread and each blocking-pool thread as it
    /// stops, after its last task (see [`Builder::on_thread_start`] for an
    /// example).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// let stopped = Arc::new(AtomicUsize::new(0));
    /// let s = stopped.clone();
    /// let rt = curio::Runtime::builder()
    ///     .workers(2)
    ///     .on_thread_stop(move || {
    ///         s.fetch_add(1, Ordering::SeqCst);
    ///     })
    ///     .build()
    ///     .unwrap();
    /// rt.run(async {});
    /// assert!(stopped.load(Ordering::SeqCst) >= 2); // both workers stopped
    /// ```
    pub fn on_thread_stop(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Self {
        self.on_thread_stop = Some(ThreadHook(std::sync::Arc::new(f)));
        self
    }

    /// Sets the grace period of shutdown: when the runtime is dropped (or
    /// `run` returns), every remaining task is cancelled and keeps running
    /// until it ends, so cleanup inside
    /// [`disable_cancellation`](crate::disable_cancellation) completes; a
    /// task still alive after `grace` has its future dropped. Without it,
    /// `CURIO_SHUTDOWN_GRACE` sets it (`2s`, `500ms`, or a number of
    /// milliseconds); the default is 5 s.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    ///
    /// let saved = Arc::new(AtomicBool::new(false));
    /// let rt = curio::Runtime::builder()
    ///     .workers(1)
    ///     .shutdown_grace(Duration::from_secs(2))
    ///     .build()
    ///     .unwrap();
    /// let flag = saved.clone();
    /// rt.run(async move {
    ///     curio::spawn(curio::disable_cancellation(async move {
    ///         while !curio::check_cancellation() {
    ///             curio::sleep(Duration::from_millis(1)).await;
    ///         }
    ///         curio::sleep(Duration::from_millis(20)).await; // save the work
    ///         flag.store(true, Ordering::SeqCst);
    ///     }));
    ///     curio::sleep(Duration::from_millis(10)).await;
    /// });
    /// assert!(saved.load(Ordering::SeqCst));
    /// ```
    pub fn shutdown_grace(&mut self, grace: Duration) -> &mut Self {
        self.shutdown_grace = Some(grace);
        self
    }

    /// The grace period: the builder's, else `CURIO_SHUTDOWN_GRACE`, else 5 s.
    pub(crate) fn resolve_shutdown_grace(&self) -> io::Result<Duration> {
        if let Some(t) = self.shutdown_grace {
            return Ok(t);
        }
        match std::env::var("CURIO_SHUTDOWN_GRACE") {
            Ok(v) => parse_duration(&v).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("CURIO_SHUTDOWN_GRACE must be a duration such as 2s, not {v:?}"),
                )
            }),
            Err(_) => Ok(Duration::from_secs(5)),
        }
    }

    /// Enables the monitor on `addr` (curio's `ps`, `where`, `cancel`,
    /// plus `stats`; see the `curio-monitor` client, or use `nc`). Without
    /// it, the environment variable `CURIO_MONITOR` enables it: its value is
    /// the address, or empty (or `1`) for the default `127.0.0.1:48802`.
    /// Name a non-loopback address only if you mean to expose the monitor.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{BufRead, BufReader, Write};
    /// let rt = curio::Runtime::builder().workers(1).monitor("127.0.0.1:0").build().unwrap();
    /// let mut conn = std::net::TcpStream::connect(rt.monitor_addr().unwrap()).unwrap();
    /// conn.write_all(b"quit\n").unwrap();
    /// let mut text = String::new();
    /// BufReader::new(conn).read_line(&mut text).unwrap();
    /// assert!(text.starts_with("Curio Monitor"));
    /// ```
    pub fn monitor(&mut self, addr: impl Into<String>) -> &mut Self {
        self.monitor = Some(addr.into());
        self
    }

    /// Reports every poll that holds a worker longer than `threshold`
    /// (curio's long-block detection): the task's id, name, spawn location
    /// and the time, through `log` (target `curio::longblock`), and in the monitor's `longblock` command.
    /// Without it, `CURIO_LONGBLOCK` sets it (`50ms`, `1s`, `250us`, or a
    /// number of milliseconds).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let rt = curio::Runtime::builder()
    ///     .workers(1)
    ///     .longblock(Duration::from_millis(20))
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(60)) }))
    ///     .unwrap();
    /// let deadline = Instant::now() + Duration::from_secs(10);
    /// while rt.handle().long_blocks().is_empty() && Instant::now() < deadline {
    ///     std::thread::sleep(Duration::from_millis(1));
    /// }
    /// assert!(!rt.handle().long_blocks().is_empty());
    /// ```
    pub fn longblock(&mut self, threshold: Duration) -> &mut Self {
        self.longblock = Some(threshold);
        self
    }

    /// The monitor address, from the builder or `CURIO_MONITOR`.
    pub(crate) fn resolve_monitor(&self) -> io::Result<Option<std::net::SocketAddr>> {
        let named = match &self.monitor {
            Some(addr) => Some(addr.clone()),
            None => std::env::var("CURIO_MONITOR").ok(),
        };
        match named.as_deref().map(str::trim) {
            None => Ok(None),
            Some("1") | Some("") => crate::monitor::resolve("").map(Some),
            Some(addr) => crate::monitor::resolve(addr).map(Some),
        }
    }

    /// The long-block threshold, from the builder or `CURIO_LONGBLOCK`.
    pub(crate) fn resolve_longblock(&self) -> io::Result<Option<Duration>> {
        if let Some(t) = self.longblock {
            return Ok(Some(t));
        }
        match std::env::var("CURIO_LONGBLOCK") {
            Ok(v) => parse_duration(&v).map(Some).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("CURIO_LONGBLOCK must be a duration such as 50ms, not {v:?}"),
                )
            }),
            Err(_) => Ok(None),
        }
    }

    /// Sets the number of worker threads. Without it, the environment
    /// variable `CURIO_WORKERS` decides, or else the number of cores.
    /// Zero is refused by [`Builder::build`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = curio::Runtime::builder().workers(3).build().unwrap();
    /// assert_eq!(rt.handle().workers(), 3);
    /// assert!(curio::Runtime::builder().workers(0).build().is_err());
    /// ```
    pub fn workers(&mut self, n: usize) -> &mut Self {
        self.workers = Some(n);
        self
    }

    /// Sets the prefix of the worker threads' names (a number is appended).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = curio::Runtime::builder().workers(1).thread_name("app").build().unwrap();
    /// let name = rt.block_on(rt.spawn(async {
    ///     std::thread::current().name().map(str::to_owned)
    /// }));
    /// assert!(name.unwrap().unwrap().starts_with("app"));
    /// ```
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Self {
        self.thread_name = name.into();
        self
    }

    /// Sets the most threads the `run_in_thread` pool may run at once
    /// (default 512). Zero is refused by [`Builder::build`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = curio::Runtime::builder().max_blocking_threads(2).build().unwrap();
    /// assert_eq!(rt.block_on(async { curio::run_in_thread(|| 1 + 1).await }), 2);
    /// assert!(curio::Runtime::builder().max_blocking_threads(0).build().is_err());
    /// ```
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Self {
        self.max_blocking_threads = n;
        self
    }

    /// Sets how long an idle blocking-pool thread waits for work before it
    /// exits (default 10 s).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = curio::Runtime::builder()
    ///     .thread_keep_alive(Duration::from_millis(100))
    ///     .build()
    ///     .unwrap();
    /// let out = rt.block_on(async { curio::run_in_thread(|| "done").await });
    /// assert_eq!(out, "done");
    /// ```
    pub fn thread_keep_alive(&mut self, keep_alive: Duration) -> &mut Self {
        self.keep_alive = keep_alive;
        self
    }

    /// Sets the stack size of the runtime's threads.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = curio::Runtime::builder()
    ///     .workers(1)
    ///     .thread_stack_size(4 << 20)
    ///     .build()
    ///     .unwrap();
    /// let deep = rt.block_on(rt.spawn(async { [0u8; 1 << 20].len() }));
    /// assert_eq!(deep.unwrap(), 1 << 20);
    /// ```
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Starts the runtime's worker threads.
    ///
    /// # Examples
    ///
    /// ```
    /// fn main() -> std::io::Result<()> {
    ///     let rt = curio::Runtime::builder().workers(2).build()?;
    ///     assert_eq!(rt.run(async { 1 }), 1);
    ///
    ///     let err = curio::Runtime::builder().workers(0).build().unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    ///     Ok(())
    /// }
    /// ```
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

/// Parses `50ms`, `1s`, `250us` or a plain number of milliseconds.
fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (num, unit) = text.split_at(split);
    let value: f64 = num.parse().ok()?;
    let secs = match unit.trim() {
        "" | "ms" => value / 1e3,
        "s" => value,
        "us" => value / 1e6,
        _ => return None,
    };
    Duration::try_from_secs_f64(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::{parse_duration, Builder};
    use std::time::Duration;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("50ms"), Some(Duration::from_millis(50)));
        assert_eq!(parse_duration("2s"), Some(Duration::from_secs(2)));
        assert_eq!(parse_duration("250us"), Some(Duration::from_micros(250)));
        assert_eq!(parse_duration("75"), Some(Duration::from_millis(75)));
        assert_eq!(parse_duration("fast"), None);
        assert_eq!(parse_duration("5m"), None);
    }

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
