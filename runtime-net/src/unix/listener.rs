//! `UnixListener`: accepts Unix stream connections through the reactor.

use super::UnixStream;
use crate::reactor::{Direction, PollEvented};
use crate::server::AcceptBackoff;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::task::{Context, Poll};

/// A Unix stream socket listening for connections.
///
/// The socket file is not removed on drop (as with the standard library).
///
/// # Examples
///
/// ```
/// use curio::net::{UnixListener, UnixStream};
/// curio::run(async {
///     let path = std::env::temp_dir().join(format!("curio-doc-{}.sock", std::process::id()));
///     let _ = std::fs::remove_file(&path);
///     let listener = UnixListener::bind(&path).await?;
///     let client = UnixStream::connect(&path).await?;
///     let (server, _) = listener.accept().await?;
///     client.write_all(b"hi").await?;
///     let mut buf = [0; 2];
///     server.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     std::fs::remove_file(&path)
/// })
/// .unwrap();
/// ```
pub struct UnixListener {
    /// The socket, registered with the reactor.
    io: PollEvented<mio::net::UnixListener>,
    /// The back-off after running out of descriptors.
    backoff: AcceptBackoff,
}

impl UnixListener {
    /// Binds a listener to the socket file `path`.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("curio-unix-bind-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// use curio::net::{UnixListener, UnixStream};
    /// curio::run(async {
    ///     let listener = UnixListener::bind(dir.join("sock")).await?;
    ///     let _client = UnixStream::connect(dir.join("sock")).await?;
    ///     let (_server, _addr) = listener.accept().await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As `bind(2)`, e.g. `AddrInUse` when the file exists, or an error
    /// outside a curio runtime.
    pub async fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        Ok(UnixListener {
            backoff: AcceptBackoff::default(),
            io: PollEvented::new(mio::net::UnixListener::bind(path)?)?,
        })
    }

    /// Adopts a listener bound with the standard library; it is switched to
    /// non-blocking mode.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("curio-unix-fromstd-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// curio::run(async {
    ///     let std_listener = std::os::unix::net::UnixListener::bind(dir.join("sock"))?;
    ///     let listener = curio::net::UnixListener::from_std(std_listener)?;
    ///     let _client = curio::net::UnixStream::connect(dir.join("sock")).await?;
    ///     listener.accept().await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// Outside a curio runtime, or if registration fails.
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
            backoff: AcceptBackoff::default(),
            io: PollEvented::new(mio::net::UnixListener::from_std(listener))?,
        })
    }

    /// Waits for a connection and gives its stream and the peer's address.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("curio-unix-accept-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// use curio::net::{UnixListener, UnixStream};
    /// curio::run(async {
    ///     let listener = UnixListener::bind(dir.join("sock")).await?;
    ///     let client = UnixStream::connect(dir.join("sock")).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     client.write_all(b"hi").await?;
    ///     let mut buf = [0; 2];
    ///     server.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"hi");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// Accept errors (e.g. `EMFILE`, after which the next `accept` waits a
    /// back-off as [`TcpListener::accept`](crate::TcpListener::accept)
    /// does); `NotConnected` after [`close`](Self::close).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    #[track_caller]
    pub fn accept<'a>(
        &'a self,
    ) -> impl std::future::Future<Output = io::Result<(UnixStream, SocketAddr)>> + 'a {
        crate::site::located(async move {
            self.backoff.wait().await;
            let result = match self.io.io(Direction::Read, |l| l.accept()).await {
                Ok((stream, addr)) => {
                    UnixStream::from_accepted(stream, &self.io).map(|s| (s, addr))
                }
                Err(e) => Err(e),
            };
            self.backoff.record(&result);
            result
        })
    }

    /// Polls for a connection.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("curio-unix-poll-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// use curio::net::{UnixListener, UnixStream};
    /// use std::future::poll_fn;
    /// curio::run(async {
    ///     let listener = UnixListener::bind(dir.join("sock")).await?;
    ///     let _client = UnixStream::connect(dir.join("sock")).await?;
    ///     let (_server, _) = poll_fn(|cx| listener.poll_accept(cx)).await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`accept`](Self::accept), without its back-off.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let result = match self.io.poll_io(cx, Direction::Read, |l| l.accept()) {
            Poll::Ready(Ok((stream, addr))) => {
                UnixStream::from_accepted(stream, &self.io).map(|s| (s, addr))
            }
            Poll::Ready(Err(e)) => Err(e),
            Poll::Pending => return Poll::Pending,
        };
        self.backoff.record(&result);
        Poll::Ready(result)
    }

    /// Gives the socket back as its standard-library type, deregistered
    /// from the reactor and still non-blocking. The descriptor is
    /// duplicated first, so its number may differ.
    ///
    /// # Errors
    ///
    /// As `dup(2)` (`EMFILE`); the socket is then closed.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let path = std::env::temp_dir().join(format!("curio-std-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = curio::net::UnixListener::bind(&path).await?;
    ///     let listener = curio::net::UnixListener::from_std(listener.into_std()?)?;
    ///     assert!(listener.local_addr()?.as_pathname().is_some());
    ///     std::fs::remove_file(&path)
    /// })
    /// .unwrap();
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixListener> {
        // The registration belongs to the old descriptor, which `self`
        // deregisters and closes on drop; the duplicate was never
        // registered.
        let fd = self.as_fd().try_clone_to_owned()?;
        drop(self);
        Ok(std::os::unix::net::UnixListener::from(fd))
    }

    /// The address the listener is bound to.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("curio-unix-addr-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// curio::run(async {
    ///     let path = dir.join("sock");
    ///     let listener = curio::net::UnixListener::bind(&path).await?;
    ///     assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Closes the listener for every task using it, at once: it stops
    /// listening (the next connect to its path is refused), blocked accepts
    /// wake with `NotConnected`, and so do later calls. The descriptor is
    /// released on drop; the socket file stays.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let path = std::env::temp_dir().join(format!("curio-close-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = curio::net::UnixListener::bind(&path).await?;
    ///     listener.close();
    ///     assert!(curio::net::UnixStream::connect(&path).await.is_err());
    ///     std::fs::remove_file(&path)
    /// })
    /// .unwrap();
    /// ```
    pub fn close(&self) {
        // shutdown(2) marks a listening Unix socket so that connects to
        // it are refused, while the descriptor stays valid for the other
        // tasks holding `&self`. The final bit first, as for TCP.
        self.io.close();
        let _ = socket2::SockRef::from(self.io.get_ref()).shutdown(std::net::Shutdown::Both);
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}
