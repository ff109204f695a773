//! curio's `network` module: [`open_connection`], [`tcp_server`],
//! [`unix_server`] and [`run_server`].
//!
//! A server is an accept loop; each client runs as its own task with the
//! handler's future. Errors and panics of a handler are logged through `log`
//! (target `curio::server`) and do not stop the server. The server runs until its task is
//! cancelled, and cancelling it cancels its client tasks (as curio's
//! `run_server`, whose clients live in its task group).
//!
//! When `accept` fails because the process or the system is out of file
//! descriptors (or buffers), the connection stays queued in the kernel; the
//! loop backs off (1 ms doubling up to 100 ms, on the runtime's timer)
//! and tries again, so the server keeps serving once descriptors
//! are freed. The same holds when the accepted socket cannot be registered
//! with the reactor (`epoll_ctl` fails with `ENOSPC`); that connection is
//! dropped, the server goes on.

use crate::lookup::ToSocketAddrs;
use crate::{TcpListener, TcpStream, UnixListener, UnixStream};
use runtime_core::{Handle, Task};
use std::any::Any;
use std::fmt::Debug;
use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// What a connection handler may return: `()` or `io::Result<()>`.
///
/// # Examples
///
/// ```
/// use curio::net::HandlerOutput;
/// assert!(().into_result().is_ok());
/// assert!(Err::<(), _>(std::io::Error::other("x")).into_result().is_err());
/// ```
pub trait HandlerOutput: Send + 'static {
    /// The outcome as a `Result`, to log errors.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::HandlerOutput;
    /// let failed: std::io::Result<()> = Err(std::io::ErrorKind::BrokenPipe.into());
    /// assert_eq!(failed.into_result().unwrap_err().kind(), std::io::ErrorKind::BrokenPipe);
    /// assert!(().into_result().is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// The handler's error, if it returned one.
    fn into_result(self) -> io::Result<()>;
}

impl HandlerOutput for () {
    fn into_result(self) -> io::Result<()> {
        Ok(())
    }
}

impl HandlerOutput for io::Result<()> {
    fn into_result(self) -> io::Result<()> {
        self
    }
}

/// Connects to `addr` (curio's `open_connection`): each address it
/// resolves to is tried in turn.
///
/// # Errors
///
/// The last connect error.
///
/// # Examples
///
/// ```
/// curio::run(async {
///     let listener = curio::net::TcpListener::bind("127.0.0.1:0").await?;
///     let stream = curio::net::open_connection(listener.local_addr()?).await?;
///     assert_eq!(stream.peer_addr()?, listener.local_addr()?);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub async fn open_connection(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
    TcpStream::connect(addr).await
}

/// Binds `addr` and serves each connection with `handler` in a task of its
/// own, until cancelled (curio's `tcp_server`).
///
/// # Errors
///
/// Returns only on a bind error, or an accept error that is neither
/// transient nor descriptor exhaustion (such as the listener being closed).
///
/// # Examples
///
/// ```
/// use curio::net::{tcp_server, TcpStream};
/// use std::net::SocketAddr;
///
/// async fn echo(client: TcpStream, _addr: SocketAddr) -> std::io::Result<()> {
///     let mut buf = [0; 1024];
///     loop {
///         let n = client.read(&mut buf).await?;
///         if n == 0 {
///             return Ok(());
///         }
///         client.write_all(&buf[..n]).await?;
///     }
/// }
///
/// curio::run(async {
///     // Pick a free port, then serve on it.
///     let addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
///     let mut server = curio::spawn(tcp_server(addr, echo));
///     let client = loop {
///         match TcpStream::connect(addr).await {
///             Ok(c) => break c,
///             Err(_) => curio::yield_now().await,
///         }
///     };
///     client.write_all(b"hello").await?;
///     let mut buf = [0; 5];
///     client.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hello");
///     server.cancel().await;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub async fn tcp_server<A, H, Fut>(addr: A, handler: H) -> io::Result<()>
where
    A: ToSocketAddrs,
    H: Fn(TcpStream, SocketAddr) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: HandlerOutput,
{
    run_server(TcpListener::bind(addr).await?, handler).await
}

/// Serves the connections of an existing listener, as [`tcp_server`] does
/// (curio's `run_server`). The listener can be bound with options, e.g.
/// [`TcpListener::bind_with`].
///
/// # Examples
///
/// ```
/// use curio::net::{run_server, TcpListener, TcpStream};
/// curio::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let mut server = curio::spawn(run_server(listener, |client: TcpStream, _| async move {
///         client.write_all(b"hi").await
///     }));
///     let client = TcpStream::connect(addr).await?;
///     let mut buf = [0; 2];
///     client.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     server.cancel().await;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
///
/// # Errors
///
/// As [`tcp_server`], without the bind error.
pub async fn run_server<H, Fut>(listener: TcpListener, handler: H) -> io::Result<()>
where
    H: Fn(TcpStream, SocketAddr) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: HandlerOutput,
{
    serve(&listener, handler).await
}

/// Binds the socket file `path` and serves each connection with `handler`,
/// as [`tcp_server`] does. The file is not removed afterwards.
///
/// # Errors
///
/// As [`tcp_server`].
///
/// # Examples
///
/// ```
/// use curio::net::{unix_server, UnixStream};
/// curio::run(async {
///     let path = std::env::temp_dir().join(format!("curio-srv-{}.sock", std::process::id()));
///     let _ = std::fs::remove_file(&path);
///     let mut server = curio::spawn(unix_server(path.clone(), |c: UnixStream, _| async move {
///         c.write_all(b"hi").await
///     }));
///     let client = loop {
///         match UnixStream::connect(&path).await {
///             Ok(c) => break c,
///             Err(_) => curio::yield_now().await,
///         }
///     };
///     let mut buf = [0; 2];
///     client.read_exact(&mut buf).await?;
///     server.cancel().await;
///     std::fs::remove_file(&path)
/// })
/// .unwrap();
/// ```
pub async fn unix_server<P, H, Fut>(path: P, handler: H) -> io::Result<()>
where
    P: AsRef<Path>,
    H: Fn(UnixStream, std::os::unix::net::SocketAddr) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: HandlerOutput,
{
    let listener = UnixListener::bind(path).await?;
    serve(&listener, handler).await
}

/// A listener the accept loop can serve.
trait Acceptor {
    /// The connected socket.
    type Stream: Send + 'static;
    /// The peer's address.
    type Addr: Debug + Clone + Send + 'static;
    /// Polls for a connection.
    fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(Self::Stream, Self::Addr)>>;
}

impl Acceptor for TcpListener {
    type Stream = TcpStream;
    type Addr = SocketAddr;
    fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        TcpListener::poll_accept(self, cx)
    }
}

impl Acceptor for UnixListener {
    type Stream = UnixStream;
    type Addr = std::os::unix::net::SocketAddr;
    fn poll_accept(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(UnixStream, std::os::unix::net::SocketAddr)>> {
        UnixListener::poll_accept(self, cx)
    }
}

/// The first back-off after running out of descriptors.
const BACKOFF_MIN: Duration = Duration::from_millis(1);
/// The longest back-off.
const BACKOFF_MAX: Duration = Duration::from_millis(100);

/// The accept loop shared by the servers.
async fn serve<L, H, Fut>(listener: &L, handler: H) -> io::Result<()>
where
    L: Acceptor,
    H: Fn(L::Stream, L::Addr) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: HandlerOutput,
{
    let handle = Handle::current();
    let mut clients = Clients::default();
    let mut backoff: Option<Duration> = None;
    loop {
        match poll_fn(|cx| listener.poll_accept(cx)).await {
            Ok((stream, addr)) => {
                backoff = None;
                let client = handler(stream, addr.clone());
                clients.push(handle.spawn(run_client(client, addr)));
            }
            Err(e) if out_of_descriptors(&e) => {
                let delay = match backoff {
                    None => {
                        log::warn!(
                            target: "curio::server",
                            "accept: {e}; backing off until descriptors free up"
                        );
                        BACKOFF_MIN
                    }
                    Some(d) => (d * 2).min(BACKOFF_MAX),
                };
                backoff = Some(delay);
                clients.reap();
                runtime_core::time::sleep(delay).await;
            }
            Err(e) if transient(&e) => {}
            Err(e) => return Err(e),
        }
    }
}

/// Runs one client's handler, logging its error or panic.
async fn run_client<F, A>(client: F, addr: A)
where
    F: Future,
    F::Output: HandlerOutput,
    A: Debug,
{
    match (CatchUnwind {
        future: Box::pin(client),
    })
    .await
    {
        Ok(out) => {
            if let Err(e) = out.into_result() {
                log::warn!(target: "curio::server", "client {addr:?}: {e}");
            }
        }
        Err(panic) => log::error!(
            target: "curio::server",
            "client {addr:?} panicked: {}",
            panic_message(&*panic)
        ),
    }
}

/// Whether an accept error means "out of descriptors or buffers": the
/// process or system limits, or `ENOSPC` from `epoll_ctl` when the new
/// socket cannot be registered (`fs.epoll.max_user_watches`). All pass once
/// resources are freed.
pub(crate) fn out_of_descriptors(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM | libc::ENOSPC)
    )
}

/// The back-off of a listener after an out-of-descriptors error: the next
/// `accept` waits before it tries again (1 ms doubling up to 100 ms, on
/// the runtime's timer), so a loop that retries at once does not spin on
/// a readiness that stays set.
#[derive(Debug, Default)]
pub(crate) struct AcceptBackoff {
    /// Whether `state` holds a back-off; read first, so that an accept
    /// with none running (the common case) takes no lock.
    active: AtomicBool,
    /// When the next try may start, and the delay that led there.
    state: parking_lot::Mutex<Option<(Instant, Duration)>>,
}

impl AcceptBackoff {
    /// Waits out the back-off, if one is running.
    pub(crate) async fn wait(&self) {
        // ORDERING: Relaxed; `active` only says whether to look under the
        // lock, which orders `state` itself. A stale `false` skips a
        // back-off that another task's accept began at the same moment,
        // as an accept that started just before it would.
        if !self.active.load(Ordering::Relaxed) {
            return;
        }
        let retry_at = self.state.lock().map(|(at, _)| at);
        if let Some(at) = retry_at {
            if runtime_core::time::clock() < at {
                runtime_core::time::sleep_until(at).await;
            }
        }
    }

    /// Starts or lengthens the back-off after an out-of-descriptors error,
    /// and ends it after a success.
    pub(crate) fn record<T>(&self, result: &io::Result<T>) {
        match result {
            Ok(_) => {
                // ORDERING: Relaxed, as in `wait`: the flag is set and
                // cleared under the lock, this read only skips the lock. A
                // stale `false` (an error another task recorded at the same
                // moment) leaves that back-off running until the next
                // success, as if the error had come after this one.
                if self.active.load(Ordering::Relaxed) {
                    let mut state = self.state.lock();
                    *state = None;
                    // ORDERING: Relaxed; under the lock (see `wait`).
                    self.active.store(false, Ordering::Relaxed);
                }
            }
            Err(e) if out_of_descriptors(e) => {
                let mut state = self.state.lock();
                let delay = state.map_or(BACKOFF_MIN, |(_, d)| (d * 2).min(BACKOFF_MAX));
                *state = Some((runtime_core::time::clock() + delay, delay));
                // ORDERING: Relaxed; under the lock (see `wait`).
                self.active.store(true, Ordering::Relaxed);
            }
            Err(_) => {}
        }
    }
}

/// Whether an accept error concerns only the connection being accepted.
fn transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    ) || matches!(e.raw_os_error(), Some(libc::EPROTO | libc::EPERM))
}

/// The text of a panic payload.
fn panic_message(panic: &(dyn Any + Send)) -> &str {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s
    } else {
        "(non-string panic payload)"
    }
}

/// Catches a panic of the inner future's `poll`.
struct CatchUnwind<F> {
    /// The handler's future.
    future: Pin<Box<F>>,
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = self.future.as_mut();
        match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

/// The client tasks of a server; cancelled when the server stops.
#[derive(Default)]
struct Clients {
    /// Tasks that may still run.
    tasks: Vec<Task<()>>,
    /// Reap finished tasks when `tasks` reaches this length.
    reap_at: usize,
}

impl Clients {
    /// Adds a client task, reaping finished ones now and then (amortised
    /// O(1) per client).
    fn push(&mut self, task: Task<()>) {
        if self.tasks.len() >= self.reap_at {
            self.reap();
            self.reap_at = (self.tasks.len() * 2).max(64);
        }
        self.tasks.push(task);
    }

    /// Drops the handles of finished tasks.
    fn reap(&mut self) {
        self.tasks.retain(|t| !t.is_finished());
    }
}

impl Drop for Clients {
    fn drop(&mut self) {
        let mut tasks = std::mem::take(&mut self.tasks);
        tasks.retain(|t| !t.is_finished());
        if tasks.is_empty() {
            return;
        }
        // Cancelling waits, and a destructor cannot: a task of its own does
        // it. During runtime shutdown that task is cancelled at once, and
        // the runtime cancels the clients itself.
        if let Some(handle) = Handle::try_current() {
            drop(handle.spawn(async move {
                for mut task in tasks {
                    task.cancel().await;
                }
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Running out of epoll watches is a resource shortage to back off
    /// from, like running out of descriptors, not the end of the server.
    #[test]
    fn epoll_enospc_is_backed_off_like_emfile() {
        for errno in [
            libc::EMFILE,
            libc::ENFILE,
            libc::ENOBUFS,
            libc::ENOMEM,
            libc::ENOSPC,
        ] {
            assert!(
                out_of_descriptors(&io::Error::from_raw_os_error(errno)),
                "{errno}"
            );
        }
        assert!(!out_of_descriptors(&io::Error::from_raw_os_error(
            libc::EBADF
        )));
    }
}
