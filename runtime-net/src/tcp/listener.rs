//! `TcpListener`: accepts TCP connections through the reactor.

use super::{each_addr, TcpStream};
use crate::lookup::ToSocketAddrs;
use crate::reactor::{Direction, PollEvented};
use crate::server::AcceptBackoff;
use socket2::{Domain, Protocol, Socket, Type};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

/// The listen backlog of [`TcpListener::bind`] (curio uses 100; a busier
/// default suits servers that accept in bursts).
///
/// # Examples
///
/// ```
/// use curio::net::{listener::DEFAULT_BACKLOG, TcpSocket};
/// curio::run(async {
///     let socket = TcpSocket::new_v4()?;
///     socket.bind("127.0.0.1:0".parse().unwrap())?;
///     let listener = socket.listen(DEFAULT_BACKLOG)?;
///     assert!(listener.local_addr()?.ip().is_loopback());
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub const DEFAULT_BACKLOG: u32 = 1024;

/// A TCP socket listening for connections.
///
/// # Examples
///
/// ```
/// use curio::net::{TcpListener, TcpStream};
///
/// curio::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let client = curio::spawn(async move { TcpStream::connect(addr).await });
///     let (_server_side, peer) = listener.accept().await?;
///     let client = client.await.unwrap()?;
///     assert_eq!(peer, client.local_addr()?);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct TcpListener {
    /// The listening socket, registered with the reactor.
    io: PollEvented<mio::net::TcpListener>,
    /// The back-off after running out of descriptors.
    backoff: AcceptBackoff,
}

impl TcpListener {
    /// Binds a listener to `addr` with `SO_REUSEADDR` and a backlog of
    /// [`DEFAULT_BACKLOG`].
    ///
    /// Each address `addr` resolves to is tried in turn.
    ///
    /// # Errors
    ///
    /// The last bind error, or an error outside a curio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let listener = curio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     assert_ne!(listener.local_addr().unwrap().port(), 0);
    /// });
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        TcpListener::bind_with(addr, DEFAULT_BACKLOG).await
    }

    /// Binds like [`bind`](Self::bind), with a listen backlog of your
    /// choice.
    ///
    /// # Errors
    ///
    /// As [`bind`](Self::bind).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let listener = curio::net::TcpListener::bind_with("127.0.0.1:0", 16).await.unwrap();
    ///     assert!(listener.local_addr().unwrap().ip().is_loopback());
    /// });
    /// ```
    pub async fn bind_with(addr: impl ToSocketAddrs, backlog: u32) -> io::Result<TcpListener> {
        each_addr(addr, |addr| async move {
            let socket = Socket::new(
                Domain::for_address(addr),
                Type::STREAM.nonblocking().cloexec(),
                Some(Protocol::TCP),
            )?;
            socket.set_reuse_address(true)?;
            socket.bind(&addr.into())?;
            socket.listen(backlog.min(i32::MAX as u32) as i32)?;
            TcpListener::from_std(socket.into())
        })
        .await
    }

    /// Adopts a listener bound with the standard library; it is switched to
    /// non-blocking mode.
    ///
    /// # Errors
    ///
    /// Outside a curio runtime, or if registration fails.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let listener = curio::net::TcpListener::from_std(std_listener).unwrap();
    ///     assert!(listener.local_addr().is_ok());
    /// });
    /// ```
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            backoff: AcceptBackoff::default(),
            io: PollEvented::new(mio::net::TcpListener::from_std(listener))?,
        })
    }

    /// Waits for a connection and gives its stream and the peer's address.
    ///
    /// # Errors
    ///
    /// Accept errors, such as `EMFILE` when the process is out of file
    /// descriptors (the connection stays queued; retry later), or
    /// `NotConnected` once the listener was [closed](Self::close). After an
    /// out-of-descriptors error the next `accept` first waits a back-off
    /// (1 ms, doubling up to 100 ms, reset by a success), so a loop that
    /// retries at once does not spin.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a connection is only taken when the future completes.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, peer) = listener.accept().await?;
    ///     assert_eq!(peer, client.local_addr()?);
    ///     drop(server);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[track_caller]
    pub fn accept<'a>(
        &'a self,
    ) -> impl std::future::Future<Output = io::Result<(TcpStream, SocketAddr)>> + 'a {
        crate::site::located(async move {
            self.backoff.wait().await;
            let result = match self.io.io(Direction::Read, |l| l.accept()).await {
                Ok((stream, addr)) => TcpStream::from_accepted(stream, &self.io).map(|s| (s, addr)),
                Err(e) => Err(e),
            };
            self.backoff.record(&result);
            result
        })
    }

    /// Polls for a connection; the waker is woken when one may be ready.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// use std::future::poll_fn;
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let _client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_server, peer) = poll_fn(|cx| listener.poll_accept(cx)).await?;
    ///     assert!(peer.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`accept`](Self::accept), without its back-off: after an
    /// out-of-descriptors error the next poll tries again at once, so a
    /// hand-written loop must pause itself.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let result = match self.io.poll_io(cx, Direction::Read, |l| l.accept()) {
            Poll::Ready(Ok((stream, addr))) => {
                TcpStream::from_accepted(stream, &self.io).map(|s| (s, addr))
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
    ///     let listener = curio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let addr = listener.local_addr()?;
    ///     let listener = curio::net::TcpListener::from_std(listener.into_std()?)?;
    ///     assert_eq!(listener.local_addr()?, addr);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        // The registration belongs to the old descriptor, which `self`
        // deregisters and closes on drop; the duplicate was never
        // registered.
        let fd = self.as_fd().try_clone_to_owned()?;
        drop(self);
        Ok(std::net::TcpListener::from(fd))
    }

    /// The address the listener is bound to.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let listener = curio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let addr = listener.local_addr()?;
    ///     assert!(addr.ip().is_loopback() && addr.port() != 0);
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

    /// Closes the listener for every task using it, at once: it stops
    /// listening (the next connect to its address is refused, and
    /// connections still queued in its backlog are reset), tasks blocked in
    /// [`accept`](Self::accept) wake with a `NotConnected` error, and so do
    /// later calls. The descriptor itself is released on drop.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// curio::run(async {
    ///     let listener = Arc::new(curio::net::TcpListener::bind("127.0.0.1:0").await.unwrap());
    ///     let addr = listener.local_addr().unwrap();
    ///     let l = listener.clone();
    ///     let acceptor = curio::spawn(async move { l.accept().await.map(|_| ()) });
    ///     curio::yield_now().await;
    ///     listener.close();
    ///     let err = acceptor.await.unwrap().unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotConnected);
    ///     let err = curio::net::TcpStream::connect(addr).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    /// });
    /// ```
    pub fn close(&self) {
        // Linux takes a listening socket out of LISTEN on shutdown(2) (it
        // resets the backlog and refuses new connections) while the
        // descriptor stays valid for the other tasks holding `&self`. An
        // error means it is not listening any more anyway. The final bit
        // goes first, so that an accept woken by the shutdown's event
        // reports the close.
        self.io.close();
        let _ = socket2::SockRef::from(self.io.get_ref()).shutdown(std::net::Shutdown::Both);
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}
