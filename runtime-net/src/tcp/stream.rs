//! `TcpStream`: a connected TCP socket driven by the reactor.

use super::{each_addr, ReadHalf, WriteHalf};
use crate::lookup::ToSocketAddrs;
use crate::reactor::{Direction, PollEvented};
use crate::stream::SocketStream;
use futures_io::{AsyncRead, AsyncWrite};
use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// A connected TCP socket.
///
/// Its operations take `&self`, like `&std::net::TcpStream`: a stream can be
/// shared (`Arc<TcpStream>`) by a reading task and a writing task, or split
/// with [`into_split`](Self::into_split). Several tasks waiting on the same
/// direction all make progress; bytes go to whichever read first.
///
/// Writes use `MSG_NOSIGNAL`: writing to a closed peer is an `EPIPE` (or
/// `ECONNRESET`) error, never a `SIGPIPE`. A reset by the peer surfaces as an
/// `io::Error` from the next operation.
///
/// # Examples
///
/// ```
/// use curio::net::{TcpListener, TcpStream};
///
/// curio::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let server = curio::spawn(async move {
///         let (stream, _) = listener.accept().await?;
///         let mut buf = [0; 5];
///         stream.read_exact(&mut buf).await?;
///         stream.write_all(&buf).await
///     });
///     let client = TcpStream::connect(addr).await?;
///     client.write_all(b"hello").await?;
///     let mut echo = [0; 5];
///     client.read_exact(&mut echo).await?;
///     assert_eq!(&echo, b"hello");
///     server.await.unwrap()
/// })
/// .unwrap();
/// ```
pub struct TcpStream {
    /// The socket, registered with the reactor.
    io: PollEvented<mio::net::TcpStream>,
}

impl TcpStream {
    /// Connects to `addr`, trying each address it resolves to in turn.
    ///
    /// # Errors
    ///
    /// The last connect error (e.g. `ConnectionRefused`), or an error
    /// outside a curio runtime.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future abandons the connection attempt.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let listener = curio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = curio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     assert_eq!(client.peer_addr()?, listener.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        each_addr(addr, |addr| async move {
            let stream = TcpStream::from_mio(mio::net::TcpStream::connect(addr)?)?;
            stream.finish_connect().await?;
            Ok(stream)
        })
        .await
    }

    /// Waits for a connect in progress to complete (or fail).
    pub(crate) async fn finish_connect(&self) -> io::Result<()> {
        self.io
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
            .await
    }

    /// Adopts a stream connected with the standard library; it is switched
    /// to non-blocking mode.
    ///
    /// # Errors
    ///
    /// Outside a curio runtime, or if registration fails.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let std_stream = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    ///     let stream = curio::net::TcpStream::from_std(std_stream).unwrap();
    ///     assert_eq!(stream.peer_addr().unwrap(), listener.local_addr().unwrap());
    /// });
    /// ```
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        TcpStream::from_mio(mio::net::TcpStream::from_std(stream))
    }

    /// Registers a non-blocking mio stream.
    pub(crate) fn from_mio(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: PollEvented::new(stream)?,
        })
    }

    /// Registers a stream accepted by `listener` with the listener's
    /// reactor.
    pub(crate) fn from_accepted(
        stream: mio::net::TcpStream,
        listener: &PollEvented<mio::net::TcpListener>,
    ) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: PollEvented::new_beside(stream, listener)?,
        })
    }

    /// Reads into `buf`, waiting until at least one byte (or the end of the
    /// stream, `Ok(0)`) is there.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     server.write_all(b"hey").await?;
    ///     let mut buf = [0; 16];
    ///     let n = client.read(&mut buf).await?;
    ///     assert!(n > 0 && b"hey".starts_with(&buf[..n]));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// Socket errors, e.g. `ConnectionReset`; `NotConnected` after
    /// [`close`](Self::close).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: no data is taken unless the future completes.
    #[track_caller]
    pub fn read<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        crate::site::located(async move { self.io.read(buf).await })
    }

    /// Fills `buf` completely.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     server.write_all(b"exact").await?;
    ///     let mut buf = [0; 5];
    ///     client.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"exact");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// `UnexpectedEof` if the stream ends first, and the errors of
    /// [`read`](Self::read).
    ///
    /// # Cancel safety
    ///
    /// Not cancel-safe: bytes read before cancellation are in `buf` but the
    /// count is lost. Use [`SocketStream::read_exactly`] for a cancel-safe
    /// form.
    #[track_caller]
    pub fn read_exact<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<()>> + 'a {
        crate::site::located(async move { self.io.read_exact(buf).await })
    }

    /// Writes some of `buf` and gives how much.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_server, _) = listener.accept().await?;
    ///     let n = client.write(b"partial writes are allowed").await?;
    ///     assert!(n > 0);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// Socket errors: `BrokenPipe` or `ConnectionReset` for a closed peer.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: nothing is written unless the future completes.
    #[track_caller]
    pub fn write<'a>(
        &'a self,
        buf: &'a [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        crate::site::located(async move { self.io.write(buf).await })
    }

    /// Writes all of `buf`.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     client.write_all(b"every byte").await?;
    ///     let mut buf = [0; 10];
    ///     server.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"every byte");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`write`](Self::write).
    ///
    /// # Cancel safety
    ///
    /// Not cancel-safe: part of `buf` may have been sent.
    #[track_caller]
    pub fn write_all<'a>(
        &'a self,
        buf: &'a [u8],
    ) -> impl std::future::Future<Output = io::Result<()>> + 'a {
        crate::site::located(async move { self.io.write_all(buf).await })
    }

    /// Shuts down the read, write or both halves of the connection.
    ///
    /// Shutting down writing sends FIN: the peer reads end of stream, while
    /// this side can still read (half-close).
    ///
    /// # Errors
    ///
    /// As `shutdown(2)`, e.g. `NotConnected`.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// use std::net::Shutdown;
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     client.shutdown(Shutdown::Write).await?;
    ///     assert_eq!(server.read(&mut [0; 8]).await?, 0);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.shutdown_now(how)
    }

    /// Shuts down at once (shutdown never waits).
    pub(crate) fn shutdown_now(&self, how: Shutdown) -> io::Result<()> {
        self.io.shutdown(how)
    }

    /// The address of the peer.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     assert_eq!(server.peer_addr()?, client.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As `getpeername`, e.g. `NotConnected`.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address of the socket.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert!(client.local_addr()?.ip().is_loopback());
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

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm) when `nodelay`.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     client.set_nodelay(true)?;
    ///     assert!(client.nodelay()?);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As `setsockopt`.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     client.set_nodelay(false)?;
    ///     assert!(!client.nodelay()?);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As `getsockopt`.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Reads into `buf` without taking the data from the socket: the next
    /// read gives the same bytes. Waits until at least one byte (or the
    /// end of the stream, `Ok(0)`) is there.
    ///
    /// # Errors
    ///
    /// As [`read`](Self::read).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: peeking takes nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     client.write_all(b"hi").await?;
    ///     let mut buf = [0; 2];
    ///     server.peek(&mut buf).await?;
    ///     server.read_exact(&mut buf).await?; // still there
    ///     assert_eq!(&buf, b"hi");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[track_caller]
    pub fn peek<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        crate::site::located(async move { self.io.io(Direction::Read, |s| s.peek(buf)).await })
    }

    /// Waits until the socket may be readable: a following
    /// [`try_read`](Self::try_read) can still give `WouldBlock` (the
    /// readiness was stale), and then this waits for the next event.
    ///
    /// # Errors
    ///
    /// `NotConnected` after [`close`](Self::close), or once the runtime's
    /// reactor has stopped.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     client.write_all(b"x").await?;
    ///     let mut buf = [0; 8];
    ///     let n = loop {
    ///         server.readable().await?;
    ///         match server.try_read(&mut buf) {
    ///             Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
    ///             other => break other?,
    ///         }
    ///     };
    ///     assert_eq!(&buf[..n], b"x");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[track_caller]
    pub fn readable(&self) -> impl std::future::Future<Output = io::Result<()>> + '_ {
        crate::site::located(async move { self.io.ready(Direction::Read).await.map(drop) })
    }

    /// Waits until the socket may be writable (see
    /// [`readable`](Self::readable)).
    ///
    /// # Errors
    ///
    /// As [`readable`](Self::readable).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     client.writable().await?;
    ///     assert_eq!(client.try_write(b"hi")?, 2);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[track_caller]
    pub fn writable(&self) -> impl std::future::Future<Output = io::Result<()>> + '_ {
        crate::site::located(async move { self.io.ready(Direction::Write).await.map(drop) })
    }

    /// Reads into `buf` if data is there, never waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when nothing can be read now (wait with
    /// [`readable`](Self::readable)), and the errors of
    /// [`read`](Self::read).
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     let mut buf = [0; 8];
    ///     let err = client.try_read(&mut buf).unwrap_err(); // nothing sent yet
    ///     assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    ///     server.write_all(b"now").await?;
    ///     client.readable().await?;
    ///     assert!(client.try_read(&mut buf)? > 0);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        use std::io::Read;
        self.io.try_io(Direction::Read, |mut s| s.read(buf))
    }

    /// Writes from `buf` if the socket has room, never waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when the socket is full (wait with
    /// [`writable`](Self::writable)), and the errors of
    /// [`write`](Self::write).
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     client.writable().await?;
    ///     let n = client.try_write(b"never waits")?;
    ///     let mut buf = vec![0; n];
    ///     server.read_exact(&mut buf).await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Write, |s| {
            socket2::SockRef::from(s).send_with_flags(buf, libc::MSG_NOSIGNAL)
        })
    }

    /// Sets `SO_LINGER`: with `Some(d)`, closing the socket waits up to `d`
    /// for unsent data (and `Some(Duration::ZERO)` resets the connection
    /// on close); with `None`, close returns at once and the kernel sends
    /// the rest in the background.
    ///
    /// # Errors
    ///
    /// As `setsockopt`.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// use std::time::Duration;
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     client.set_linger(Some(Duration::from_secs(1)))?;
    ///     assert_eq!(client.linger()?, Some(Duration::from_secs(1)));
    ///     client.set_ttl(42)?;
    ///     assert_eq!(client.ttl()?, 42);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        socket2::SockRef::from(self.io.get_ref()).set_linger(linger)
    }

    /// The `SO_LINGER` setting (see [`set_linger`](Self::set_linger)).
    ///
    /// # Errors
    ///
    /// As `getsockopt`.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// use std::time::Duration;
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert_eq!(client.linger()?, None);
    ///     client.set_linger(Some(Duration::from_secs(1)))?;
    ///     assert_eq!(client.linger()?, Some(Duration::from_secs(1)));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        socket2::SockRef::from(self.io.get_ref()).linger()
    }

    /// Sets the IP time-to-live of outgoing packets (`IP_TTL`).
    ///
    /// # Errors
    ///
    /// As `setsockopt`.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     client.set_ttl(17)?;
    ///     assert_eq!(client.ttl()?, 17);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live of outgoing packets.
    ///
    /// # Errors
    ///
    /// As `getsockopt`.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert!(client.ttl()? > 0);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Gives the socket back as a standard-library stream, deregistered
    /// from the reactor and still non-blocking. The descriptor is
    /// duplicated first, so its number may differ.
    ///
    /// # Errors
    ///
    /// As `dup(2)` (`EMFILE`); the stream is then closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let std_stream = client.into_std()?;
    ///     let client = TcpStream::from_std(std_stream)?;
    ///     assert_eq!(client.peer_addr()?, listener.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        // The registration belongs to the old descriptor, which `self`
        // deregisters and closes on drop; the duplicate was never
        // registered.
        let fd = self.as_fd().try_clone_to_owned()?;
        drop(self);
        Ok(std::net::TcpStream::from(fd))
    }

    /// Splits the stream into a read half and a write half that can move to
    /// different tasks. The socket closes when both are dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     let (reader, writer) = server.into_split();
    ///     client.write_all(b"ping").await?;
    ///     let mut buf = [0; 4];
    ///     reader.read_exact(&mut buf).await?;
    ///     writer.write_all(&buf).await?;
    ///     client.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"ping");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_split(self) -> (ReadHalf, WriteHalf) {
        let shared = Arc::new(self);
        (ReadHalf::new(shared.clone()), WriteHalf::new(shared))
    }

    /// A buffered [`SocketStream`] over this socket (curio's `as_stream`),
    /// borrowing it. Buffered data lives in the `SocketStream`: bytes it
    /// read ahead are lost to the socket when it is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     client.write_all(b"one\ntwo\n").await?;
    ///     let mut lines = server.as_stream();
    ///     assert_eq!(lines.readline().await?, b"one\n");
    ///     assert_eq!(lines.readline().await?, b"two\n");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn as_stream(&self) -> SocketStream<&TcpStream> {
        SocketStream::new(self)
    }

    /// A buffered [`SocketStream`] that owns this socket.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     let mut lines = server.into_stream();
    ///     client.write_all(b"GET /\n").await?;
    ///     assert_eq!(lines.readline().await?, b"GET /\n");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_stream(self) -> SocketStream<TcpStream> {
        SocketStream::new(self)
    }

    /// Closes the stream for every task using it: tasks blocked reading or
    /// writing wake with a `NotConnected` error, and so do later calls
    /// (curio's `close` leaves them blocked). The socket is also shut down
    /// both ways, so the peer sees the end of the stream; the descriptor is
    /// released on drop.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// use std::sync::Arc;
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let _client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let server = Arc::new(listener.accept().await?.0);
    ///     let s = server.clone();
    ///     let reader = curio::spawn(async move { s.read(&mut [0; 8]).await });
    ///     curio::yield_now().await;
    ///     server.close();
    ///     let err = reader.await.unwrap().unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotConnected);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn close(&self) {
        // The final bit goes first: shutdown(2) makes the socket readable
        // at once, and a waiter woken by that event must find the socket
        // closed rather than read an end of stream.
        self.io.close();
        let _ = self.io.shutdown(Shutdown::Both);
    }

    /// Polls a read into `buf`.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// use std::future::poll_fn;
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     server.write_all(b"p").await?;
    ///     let mut buf = [0; 1];
    ///     let n = poll_fn(|cx| client.poll_read(cx, &mut buf)).await?;
    ///     assert_eq!(&buf[..n], b"p");
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
    /// use curio::net::{TcpListener, TcpStream};
    /// use std::future::poll_fn;
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_server, _) = listener.accept().await?;
    ///     let n = poll_fn(|cx| client.poll_write(cx, b"q")).await?;
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
    pub(crate) fn evented(&self) -> &PollEvented<mio::net::TcpStream> {
        &self.io
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_read(cx, buf)
    }
}

impl AsyncWrite for TcpStream {
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
        Poll::Ready(self.shutdown_now(Shutdown::Write))
    }
}

impl AsyncRead for &TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_read(cx, buf)
    }
}

impl AsyncWrite for &TcpStream {
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
        Poll::Ready(self.shutdown_now(Shutdown::Write))
    }
}
