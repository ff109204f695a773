//! Networking for the curio runtime: a reactor thread per runtime, TCP,
//! UDP and Unix sockets, curio's buffered streams and servers.
//!
//! Users reach this crate as `curio::net`. The pieces:
//!
//! - the reactor (private): one thread per runtime owning a `mio::Poll`,
//!   started on first use and joined at shutdown; sockets register once,
//!   edge-triggered, and tasks wait on a readiness word per socket;
//! - [`TcpListener`], [`TcpStream`] (and its [`ReadHalf`] / [`WriteHalf`]),
//!   [`TcpSocket`], [`UdpSocket`], [`UnixListener`], [`UnixStream`],
//!   [`UnixDatagram`]; each is `AsFd` and converts to and from its
//!   standard-library type;
//! - [`AsyncFd`]: any other descriptor (a pipe, an eventfd) on the reactor;
//! - [`lookup_host`]: name resolution on the blocking pool;
//! - [`SocketStream`]: curio's `readline` / `read_exactly` / `read_all` /
//!   `writelines` over any socket, with a bounded line length;
//! - [`open_connection`], [`tcp_server`], [`unix_server`], [`run_server`];
//! - [`signal::SignalEvent`]: Unix signals delivered through the reactor;
//! - [`fs`]: files and directories on the blocking pool (`curio::fs`);
//! - [`process`]: child processes, their pipes on the reactor and their
//!   exit noticed through a pidfd (`curio::process`).
//! - `hyper` (feature `hyper`): hyper 1.x's executor, timer and I/O traits
//!   on curio.
//!
//! # Examples
//!
//! ```
//! use curio::net::{TcpListener, TcpStream};
//!
//! curio::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     let echo = curio::spawn(async move {
//!         let (stream, _) = listener.accept().await?;
//!         let mut buf = [0; 64];
//!         let n = stream.read(&mut buf).await?;
//!         stream.write_all(&buf[..n]).await
//!     });
//!     let client = TcpStream::connect(addr).await?;
//!     client.write_all(b"hi").await?;
//!     let mut buf = [0; 2];
//!     client.read_exact(&mut buf).await?;
//!     assert_eq!(&buf, b"hi");
//!     echo.await.unwrap()
//! })
//! .unwrap();
//! ```
// `unsafe` is allowed in one module only: `hyper::uninit` (see its docs).
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod async_fd;
pub mod fs;
#[cfg(feature = "hyper")]
pub mod hyper;
mod lookup;
pub mod process;
mod reactor;
mod server;
pub mod signal;
mod site;
mod stream;
mod tcp;
mod udp;
mod unix;

pub use async_fd::{AsyncFd, AsyncFdReadyGuard, TryIoError};
pub use lookup::{lookup_host, ToSocketAddrs};
pub use server::{open_connection, run_server, tcp_server, unix_server, HandlerOutput};
pub use stream::{SocketStream, DEFAULT_MAX_LINE, DEFAULT_MAX_READ_ALL};
pub use tcp::{ReadHalf, TcpListener, TcpSocket, TcpStream, WriteHalf};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixStream};

/// Listener defaults.
///
/// # Examples
///
/// ```
/// use curio::net::{listener::DEFAULT_BACKLOG, TcpListener};
/// curio::run(async {
///     // `bind` uses the default backlog; `bind_with` takes another.
///     let listener = TcpListener::bind_with("127.0.0.1:0", DEFAULT_BACKLOG / 2).await?;
///     assert!(listener.local_addr()?.port() > 0);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub mod listener {
    pub use crate::tcp::DEFAULT_BACKLOG;
}
