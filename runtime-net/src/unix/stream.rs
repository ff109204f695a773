//! `UnixStream`: a connected Unix stream socket driven by the reactor.

use crate::reactor::{Direction, PollEvented};
use crate::stream::SocketStream;
use futures_io::{AsyncRead, AsyncWrite};
use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// The first wait of a connect that found the backlog full.
const CONNECT_RETRY_MIN: Duration = Duration::from_millis(1);
/// The longest wait between two connect attempts.
const CONNECT_RETRY_MAX: Duration = Duration::from_millis(100);

/// A connected Unix stream socket, with the operations of
/// [`TcpStream`](crate::TcpStream) (all on `&self`).
///
/// Writes use `MSG_NOSIGNAL`: a closed peer is a `BrokenPipe` error, never
/// a `SIGPIPE`.
///
/// # Examples
///
/// ```
/// use curio::net::UnixStream;
/// curio::run(async {
///     let (a, b) = UnixStream::pair()?;
///     a.write_all(b"ping\n").await?;
///     let mut lines = b.as_stream();
///     assert_eq!(lines.readline().await?, b"ping\n");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct UnixStream {
    /// The socket, registered with the reactor.
    io: PollEvented<mio::net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket file `path`.
    ///
    /// When the listener's backlog is full the connect waits and tries
    /// again (1 ms, doubling up to 100 ms, on the runtime's timer) until it
    /// connects or fails; bound the wait with
    /// [`timeout_after`](runtime_core::timeout_after) if needed.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("curio-unix-connect-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// curio::run(async {
    ///     let listener = curio::net::UnixListener::bind(dir.join("sock")).await?;
    ///     let client = curio::net::UnixStream::connect(dir.join("sock")).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     server.write_all(b"welcome").await?;
    ///     let mut buf = [0; 7];
    ///     client.read_exact(&mut buf).await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As `connect(2)`, e.g. `NotFound` or `ConnectionRefused`, or an error
    /// outside a curio runtime.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future abandons the attempt.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let path = path.as_ref();
        let mut delay = CONNECT_RETRY_MIN;
        let socket = loop {
            // A Unix connect does not go "in progress": `EAGAIN` means the
            // backlog is full, and the socket it made is already dropped.
            match mio::net::UnixStream::connect(path) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    runtime_core::time::sleep(delay).await;
                    delay = (delay * 2).min(CONNECT_RETRY_MAX);
                }
                result => break result?,
            }
        };
        let stream = UnixStream::from_mio(socket)?;
        stream
            .io
            .io(Direction::Write, |s| {
                if let Some(e) = s.take_error()? {
                    return Err(e);
                }
                match s.peer_addr() {
                    Ok(_) => Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                        Err(io::ErrorKind::WouldBlock.into())
                    }
                    Err(e) => Err(e),
                }
            })
            .await?;
        Ok(stream)
    }

    /// A pair of connected sockets.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixStream::pair()?;
    ///     a.write_all(b"pair").await?;
    ///     let mut buf = [0; 4];
    ///     b.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"pair");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As `socketpair(2)`, or an error outside a curio runtime.
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = mio::net::UnixStream::pair()?;
        Ok((UnixStream::from_mio(a)?, UnixStream::from_mio(b)?))
    }

    /// Adopts a stream from the standard library; it is switched to
    /// non-blocking mode.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// curio::run(async {
    ///     let (a, mut b) = std::os::unix::net::UnixStream::pair()?;
    ///     let a = curio::net::UnixStream::from_std(a)?;
    ///     b.write_all(b"std")?;
    ///     let mut buf = [0; 3];
    ///     a.read_exact(&mut buf).await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// Outside a curio runtime, or if registration fails.
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        UnixStream::from_mio(mio::net::UnixStream::from_std(stream))
    }

    /// Registers a non-blocking mio stream.
    pub(crate) fn from_mio(stream: mio::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: PollEvented::new(stream)?,
        })
    }

    /// Registers a stream accepted by `listener` with the listener's
    /// reactor.
    pub(crate) fn from_accepted(
        stream: mio::net::UnixStream,
        listener: &PollEvented<mio::net::UnixListener>,
    ) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: PollEvented::new_beside(stream, listener)?,
        })
    }

    /// As [`TcpStream::read`](crate::TcpStream::read).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixStream::pair()?;
    ///     a.write_all(b"data").await?;
    ///     let mut buf = [0; 16];
    ///     let n = b.read(&mut buf).await?;
    ///     assert!(n > 0 && b"data".starts_with(&buf[..n]));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// Socket errors.
    #[track_caller]
    pub fn read<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        crate::site::located(async move { self.io.read(buf).await })
    }

    /// As [`TcpStream::read_exact`](crate::TcpStream::read_exact).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixStream::pair()?;
    ///     a.write_all(b"12").await?;
    ///     drop(a);
    ///     let mut buf = [0; 3];
    ///     let err = b.read_exact(&mut buf).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// `UnexpectedEof`, and socket errors.
    #[track_caller]
    pub fn read_exact<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<()>> + 'a {
        crate::site::located(async move { self.io.read_exact(buf).await })
    }

    /// As [`TcpStream::write`](crate::TcpStream::write).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, _b) = curio::net::UnixStream::pair()?;
    ///     assert!(a.write(b"some").await? > 0);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// Socket errors, e.g. `BrokenPipe`.
    #[track_caller]
    pub fn write<'a>(
        &'a self,
        buf: &'a [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        crate::site::located(async move { self.io.write(buf).await })
    }

    /// As [`TcpStream::write_all`](crate::TcpStream::write_all).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixStream::pair()?;
    ///     a.write_all(&[7; 4096]).await?;
    ///     let mut buf = vec![0; 4096];
    ///     b.read_exact(&mut buf).await?;
    ///     assert!(buf.iter().all(|&x| x == 7));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// Socket errors, e.g. `BrokenPipe`.
    #[track_caller]
    pub fn write_all<'a>(
        &'a self,
        buf: &'a [u8],
    ) -> impl std::future::Future<Output = io::Result<()>> + 'a {
        crate::site::located(async move { self.io.write_all(buf).await })
    }

    /// Shuts down one or both directions.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Shutdown;
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixStream::pair()?;
    ///     a.shutdown(Shutdown::Write).await?;
    ///     assert_eq!(b.read(&mut [0; 8]).await?, 0); // end of stream
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As `shutdown(2)`.
    pub async fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.shutdown(how)
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
    ///     let (a, b) = curio::net::UnixStream::pair()?;
    ///     let a = curio::net::UnixStream::from_std(a.into_std()?)?;
    ///     a.write_all(b"x").await?;
    ///     b.read_exact(&mut [0; 1]).await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixStream> {
        // The registration belongs to the old descriptor, which `self`
        // deregisters and closes on drop; the duplicate was never
        // registered.
        let fd = self.as_fd().try_clone_to_owned()?;
        drop(self);
        Ok(std::os::unix::net::UnixStream::from(fd))
    }

    /// The peer's address.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, _b) = curio::net::UnixStream::pair()?;
    ///     assert!(a.peer_addr()?.is_unnamed());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As `getpeername`.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, _b) = curio::net::UnixStream::pair()?;
    ///     assert!(a.local_addr()?.as_pathname().is_none());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// A buffered [`SocketStream`] borrowing this socket.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixStream::pair()?;
    ///     a.write_all(b"line\n").await?;
    ///     let mut stream = b.as_stream(); // borrows `b`
    ///     assert_eq!(stream.readline().await?, b"line\n");
    ///     drop(stream);
    ///     b.write_all(b"b is still usable").await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn as_stream(&self) -> SocketStream<&UnixStream> {
        SocketStream::new(self)
    }

    /// A buffered [`SocketStream`] owning this socket.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixStream::pair()?;
    ///     let mut stream = b.into_stream(); // owns `b`
    ///     a.write_all(b"owned\n").await?;
    ///     assert_eq!(stream.readline().await?, b"owned\n");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_stream(self) -> SocketStream<UnixStream> {
        SocketStream::new(self)
    }

    /// Closes the stream for every task using it (see
    /// [`TcpStream::close`](crate::TcpStream::close)).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, _b) = curio::net::UnixStream::pair()?;
    ///     a.close();
    ///     let err = a.read(&mut [0; 8]).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotConnected);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn close(&self) {
        // The final bit first, as for `TcpStream::close`.
        self.io.close();
        let _ = self.io.shutdown(Shutdown::Both);
    }

    /// Polls a read into `buf`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixStream::pair()?;
    ///     a.write_all(b"z").await?;
    ///     let mut buf = [0; 1];
    ///     let n = poll_fn(|cx| b.poll_read(cx, &mut buf)).await?;
    ///     assert_eq!(n, 1);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`read`](Self::read).
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_read(cx, buf)
    }

    /// Polls a write from `buf`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// curio::run(async {
    ///     let (a, _b) = curio::net::UnixStream::pair()?;
    ///     let n = poll_fn(|cx| a.poll_write(cx, b"w")).await?;
    ///     assert_eq!(n, 1);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`write`](Self::write).
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write(cx, buf)
    }

    /// The registered socket, for the hyper adapter's reads into
    /// uninitialised memory and vectored writes (`crate::hyper::io`).
    #[cfg(feature = "hyper")]
    pub(crate) fn evented(&self) -> &PollEvented<mio::net::UnixStream> {
        &self.io
    }
}

impl AsFd for UnixStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

impl AsyncRead for UnixStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_read(cx, buf)
    }
}

impl AsyncWrite for UnixStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.io.shutdown(Shutdown::Write))
    }
}

impl AsyncRead for &UnixStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_read(cx, buf)
    }
}

impl AsyncWrite for &UnixStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.io.shutdown(Shutdown::Write))
    }
}
