//! `TcpSocket`: a TCP socket not yet listening or connected, to set
//! options on before `bind` / `listen` / `connect` (tokio's `TcpSocket`,
//! on socket2).

use super::{TcpListener, TcpStream};
use socket2::{Domain, Protocol, Socket, TcpKeepalive, Type};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

/// A TCP socket that is neither listening nor connected yet: set its
/// options, then [`listen`](Self::listen) or [`connect`](Self::connect).
///
/// It is created non-blocking and close-on-exec; it joins the reactor only
/// when it becomes a [`TcpListener`] or a [`TcpStream`].
///
/// # Examples
///
/// ```
/// use curio::net::TcpSocket;
/// curio::run(async {
///     let socket = TcpSocket::new_v4()?;
///     socket.set_reuseaddr(true)?;
///     socket.bind("127.0.0.1:0".parse().unwrap())?;
///     let listener = socket.listen(128)?;
///
///     let client = TcpSocket::new_v4()?;
///     client.set_nodelay(true)?;
///     let stream = client.connect(listener.local_addr()?).await?;
///     let (_server, peer) = listener.accept().await?;
///     assert_eq!(peer, stream.local_addr()?);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct TcpSocket {
    /// The socket, not registered with the reactor.
    inner: Socket,
}

impl TcpSocket {
    /// A new IPv4 TCP socket.
    ///
    /// # Errors
    ///
    /// As `socket(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let socket = curio::net::TcpSocket::new_v4()?;
    ///     socket.set_reuseaddr(true)?;
    ///     socket.bind("127.0.0.1:0".parse().unwrap())?;
    ///     let listener = socket.listen(128)?;
    ///     assert!(listener.local_addr()?.is_ipv4());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV4)
    }

    /// A new IPv6 TCP socket.
    ///
    /// # Errors
    ///
    /// As `socket(2)`, e.g. on a host without IPv6.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     if let Ok(socket) = curio::net::TcpSocket::new_v6() {
    ///         socket.set_reuseaddr(true).unwrap();
    ///     }
    /// });
    /// ```
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV6)
    }

    /// A new socket of `domain`, non-blocking and close-on-exec.
    fn new(domain: Domain) -> io::Result<TcpSocket> {
        let inner = Socket::new(
            domain,
            Type::STREAM.nonblocking().cloexec(),
            Some(Protocol::TCP),
        )?;
        Ok(TcpSocket { inner })
    }

    /// Sets `SO_REUSEADDR`: bind to a port whose old connections are
    /// still in `TIME_WAIT`.
    ///
    /// # Errors
    ///
    /// As `setsockopt`.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = curio::net::TcpSocket::new_v4()?;
    /// socket.set_reuseaddr(true)?;
    /// assert!(socket.reuseaddr()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_reuseaddr(&self, on: bool) -> io::Result<()> {
        self.inner.set_reuse_address(on)
    }

    /// Whether `SO_REUSEADDR` is set.
    ///
    /// # Errors
    ///
    /// As `getsockopt`.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = curio::net::TcpSocket::new_v4()?;
    /// assert!(!socket.reuseaddr()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn reuseaddr(&self) -> io::Result<bool> {
        self.inner.reuse_address()
    }

    /// Sets `SO_REUSEPORT`: several sockets, each with it set, may bind the
    /// same address and port; the kernel spreads connections over their
    /// listeners.
    ///
    /// # Errors
    ///
    /// As `setsockopt`.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::TcpSocket;
    /// curio::run(async {
    ///     let a = TcpSocket::new_v4()?;
    ///     a.set_reuseport(true)?;
    ///     a.bind("127.0.0.1:0".parse().unwrap())?;
    ///     let addr = a.local_addr()?;
    ///     let b = TcpSocket::new_v4()?;
    ///     b.set_reuseport(true)?;
    ///     b.bind(addr)?; // the same port
    ///     let (_a, _b) = (a.listen(16)?, b.listen(16)?);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn set_reuseport(&self, on: bool) -> io::Result<()> {
        self.inner.set_reuse_port(on)
    }

    /// Whether `SO_REUSEPORT` is set.
    ///
    /// # Errors
    ///
    /// As `getsockopt`.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = curio::net::TcpSocket::new_v4()?;
    /// socket.set_reuseport(true)?;
    /// assert!(socket.reuseport()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn reuseport(&self) -> io::Result<bool> {
        self.inner.reuse_port()
    }

    /// Sets `SO_KEEPALIVE`: the kernel probes an idle connection and fails
    /// it when the peer is gone (with the system's timings).
    ///
    /// # Errors
    ///
    /// As `setsockopt`.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = curio::net::TcpSocket::new_v4()?;
    /// socket.set_keepalive(true)?;
    /// assert!(socket.keepalive()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_keepalive(&self, on: bool) -> io::Result<()> {
        self.inner.set_keepalive(on)
    }

    /// Whether `SO_KEEPALIVE` is set.
    ///
    /// # Errors
    ///
    /// As `getsockopt`.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = curio::net::TcpSocket::new_v4()?;
    /// assert!(!socket.keepalive()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn keepalive(&self) -> io::Result<bool> {
        self.inner.keepalive()
    }

    /// Turns keepalive on with an idle time before the first probe
    /// (`TCP_KEEPIDLE`).
    ///
    /// # Errors
    ///
    /// As `setsockopt`.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = curio::net::TcpSocket::new_v4()?;
    /// socket.set_keepalive_idle(std::time::Duration::from_secs(30))?;
    /// assert!(socket.keepalive()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_keepalive_idle(&self, idle: std::time::Duration) -> io::Result<()> {
        self.inner
            .set_tcp_keepalive(&TcpKeepalive::new().with_time(idle))
    }

    /// Sets the size of the send buffer (`SO_SNDBUF`; the kernel may
    /// double or clamp it).
    ///
    /// # Errors
    ///
    /// As `setsockopt`.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = curio::net::TcpSocket::new_v4()?;
    /// socket.set_send_buffer_size(32 * 1024)?;
    /// assert!(socket.send_buffer_size()? >= 32 * 1024);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_send_buffer_size(size as usize)
    }

    /// The size of the send buffer.
    ///
    /// # Errors
    ///
    /// As `getsockopt`.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = curio::net::TcpSocket::new_v4()?;
    /// assert!(socket.send_buffer_size()? > 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        self.inner
            .send_buffer_size()
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Sets the size of the receive buffer (`SO_RCVBUF`; the kernel may
    /// double or clamp it).
    ///
    /// # Errors
    ///
    /// As `setsockopt`.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = curio::net::TcpSocket::new_v4()?;
    /// socket.set_recv_buffer_size(32 * 1024)?;
    /// assert!(socket.recv_buffer_size()? >= 32 * 1024);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_recv_buffer_size(size as usize)
    }

    /// The size of the receive buffer.
    ///
    /// # Errors
    ///
    /// As `getsockopt`.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = curio::net::TcpSocket::new_v4()?;
    /// assert!(socket.recv_buffer_size()? > 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        self.inner
            .recv_buffer_size()
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Sets `TCP_NODELAY` (no Nagle delay) on the future connection.
    ///
    /// # Errors
    ///
    /// As `setsockopt`.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = curio::net::TcpSocket::new_v4()?;
    /// socket.set_nodelay(true)?;
    /// assert!(socket.nodelay()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        self.inner.set_tcp_nodelay(on)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// # Errors
    ///
    /// As `getsockopt`.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = curio::net::TcpSocket::new_v4()?;
    /// assert!(!socket.nodelay()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.tcp_nodelay()
    }

    /// Binds the socket to `addr`.
    ///
    /// # Errors
    ///
    /// As `bind(2)`, e.g. `AddrInUse`.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = curio::net::TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// assert_ne!(socket.local_addr()?.port(), 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.bind(&addr.into())
    }

    /// The address the socket is bound to.
    ///
    /// # Errors
    ///
    /// As `getsockname`; `InvalidInput` for an address that is not IP.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = curio::net::TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// assert!(socket.local_addr()?.ip().is_loopback());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not an IP socket address"))
    }

    /// Starts listening with a backlog of `backlog` connections and gives
    /// the listener, registered with the current runtime's reactor.
    ///
    /// # Errors
    ///
    /// As `listen(2)`, or an error outside a curio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let socket = curio::net::TcpSocket::new_v4()?;
    ///     socket.bind("127.0.0.1:0".parse().unwrap())?;
    ///     let listener = socket.listen(16)?;
    ///     assert!(listener.local_addr()?.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        self.inner.listen(backlog.min(i32::MAX as u32) as i32)?;
        TcpListener::from_std(self.inner.into())
    }

    /// Connects to `addr` and gives the stream once connected.
    ///
    /// # Errors
    ///
    /// The connect error (e.g. `ConnectionRefused`), or an error outside a
    /// curio runtime.
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
    ///     let socket = curio::net::TcpSocket::new_v4()?;
    ///     let stream = socket.connect(listener.local_addr()?).await?;
    ///     assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        match self.inner.connect(&addr.into()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) => return Err(e),
        }
        let stream = TcpStream::from_std(self.inner.into())?;
        stream.finish_connect().await?;
        Ok(stream)
    }

    /// Adopts a standard-library TCP stream's socket (connected or not) as
    /// a `TcpSocket`, switched to non-blocking mode.
    ///
    /// # Errors
    ///
    /// As `fcntl(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// let socket = curio::net::TcpSocket::from_std_stream(stream)?;
    /// assert!(socket.local_addr()?.ip().is_loopback());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std_stream(stream: std::net::TcpStream) -> io::Result<TcpSocket> {
        stream.set_nonblocking(true)?;
        Ok(TcpSocket {
            inner: Socket::from(stream),
        })
    }
}

impl AsFd for TcpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpSocket")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}
