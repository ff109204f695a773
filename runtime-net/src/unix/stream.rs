//! `UnixStream`: a connected Unix stream socket driven by the reactor.

use crate::reactor::{Direction, PollEvented};
use crate::stream::SocketStream;
use futures_io::{AsyncRead, AsyncWrite};
use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

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
    /// # Errors
    ///
    /// As `connect(2)`, e.g. `NotFound` or `ConnectionRefused`, or an error
    /// outside a curio runtime.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let stream = UnixStream::from_mio(mio::net::UnixStream::connect(path)?)?;
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

    /// As [`TcpStream::read`](crate::TcpStream::read).
    ///
    /// # Errors
    ///
    /// Socket errors.
    #[track_caller]
    pub fn read<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        crate::site::located(
            async move { std::future::poll_fn(|cx| self.io.poll_read(cx, buf)).await },
        )
    }

    /// As [`TcpStream::read_exact`](crate::TcpStream::read_exact).
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
    /// # Errors
    ///
    /// Socket errors, e.g. `BrokenPipe`.
    #[track_caller]
    pub fn write<'a>(
        &'a self,
        buf: &'a [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        crate::site::located(
            async move { std::future::poll_fn(|cx| self.io.poll_write(cx, buf)).await },
        )
    }

    /// As [`TcpStream::write_all`](crate::TcpStream::write_all).
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
    /// # Errors
    ///
    /// As `shutdown(2)`.
    pub async fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.shutdown(how)
    }

    /// The peer's address.
    ///
    /// # Errors
    ///
    /// As `getpeername`.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// As `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// A buffered [`SocketStream`] borrowing this socket.
    pub fn as_stream(&self) -> SocketStream<&UnixStream> {
        SocketStream::new(self)
    }

    /// A buffered [`SocketStream`] owning this socket.
    pub fn into_stream(self) -> SocketStream<UnixStream> {
        SocketStream::new(self)
    }

    /// Closes the stream for every task using it (see
    /// [`TcpStream::close`](crate::TcpStream::close)).
    pub fn close(&self) {
        let _ = self.io.shutdown(Shutdown::Both);
        self.io.close();
    }

    /// Polls a read into `buf`.
    ///
    /// # Errors
    ///
    /// As [`read`](Self::read).
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_read(cx, buf)
    }

    /// Polls a write from `buf`.
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
