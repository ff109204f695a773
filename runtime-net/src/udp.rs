//! `UdpSocket`: datagrams over UDP through the reactor.

use crate::lookup::ToSocketAddrs;
use crate::reactor::{Direction, PollEvented};
use crate::tcp::each_addr;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

/// A UDP socket.
///
/// Operations take `&self`; share the socket with `Arc` to send and receive
/// from different tasks.
///
/// # Examples
///
/// ```
/// use curio::net::UdpSocket;
/// curio::run(async {
///     let a = UdpSocket::bind("127.0.0.1:0").await?;
///     let b = UdpSocket::bind("127.0.0.1:0").await?;
///     a.send_to(b"ping", b.local_addr()?).await?;
///     let mut buf = [0; 16];
///     let (n, from) = b.recv_from(&mut buf).await?;
///     assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr()?));
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct UdpSocket {
    /// The socket, registered with the reactor.
    io: PollEvented<mio::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds a socket to `addr`, trying each address it resolves to.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let socket = curio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert!(socket.local_addr()?.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// The last bind error, or an error outside a curio runtime.
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        each_addr(addr, |addr| async move {
            Ok(UdpSocket {
                io: PollEvented::new(mio::net::UdpSocket::bind(addr)?)?,
            })
        })
        .await
    }

    /// Adopts a socket bound with the standard library; it is switched to
    /// non-blocking mode.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let std_socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    ///     let addr = std_socket.local_addr()?;
    ///     let socket = curio::net::UdpSocket::from_std(std_socket)?;
    ///     assert_eq!(socket.local_addr()?, addr);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// Outside a curio runtime, or if registration fails.
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            io: PollEvented::new(mio::net::UdpSocket::from_std(socket))?,
        })
    }

    /// Sets the default peer: [`send`](Self::send) goes there and
    /// [`recv`](Self::recv) only takes its datagrams.
    ///
    /// # Errors
    ///
    /// As `connect(2)`; the last error when `addr` resolves to several.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::UdpSocket;
    /// curio::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(b.local_addr()?).await?;
    ///     b.connect(a.local_addr()?).await?;
    ///     a.send(b"hi").await?;
    ///     let mut buf = [0; 4];
    ///     assert_eq!(b.recv(&mut buf).await?, 2);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        each_addr(addr, |addr| async move { self.io.get_ref().connect(addr) }).await
    }

    /// Sends a datagram to `target` and gives how many bytes went.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::UdpSocket;
    /// curio::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_eq!(a.send_to(b"datagram", b.local_addr()?).await?, 8);
    ///     let mut buf = [0; 16];
    ///     let (n, from) = b.recv_from(&mut buf).await?;
    ///     assert_eq!((&buf[..n], from), (&b"datagram"[..], a.local_addr()?));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// Socket errors, e.g. `InvalidInput` for an unresolvable target. A
    /// host name is resolved on the blocking pool (see
    /// [`lookup_host`](crate::lookup_host)).
    pub async fn send_to(&self, buf: &[u8], target: impl ToSocketAddrs) -> io::Result<usize> {
        let target = crate::lookup::resolve(target.to_addrs())
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to send to"))?;
        self.io
            .io(Direction::Write, |s| s.send_to(buf, target))
            .await
    }

    /// Receives a datagram into `buf`: its length (truncated to `buf`) and
    /// its sender.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::UdpSocket;
    /// curio::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"hi", b.local_addr()?).await?;
    ///     let mut buf = [0; 8];
    ///     let (n, from) = b.recv_from(&mut buf).await?;
    ///     assert_eq!(n, 2);
    ///     assert_eq!(from, a.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// Socket errors.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: no datagram is taken unless the future completes.
    #[track_caller]
    pub fn recv_from<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<(usize, SocketAddr)>> + 'a {
        crate::site::located(async move { self.io.io(Direction::Read, |s| s.recv_from(buf)).await })
    }

    /// Sends a datagram to the [connected](Self::connect) peer.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::UdpSocket;
    /// curio::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(b.local_addr()?).await?;
    ///     a.send(b"connected").await?;
    ///     let mut buf = [0; 16];
    ///     let (n, _) = b.recv_from(&mut buf).await?;
    ///     assert_eq!(&buf[..n], b"connected");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// `NotConnected` without a peer; `ConnectionRefused` after an ICMP
    /// error from it.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.io(Direction::Write, |s| s.send(buf)).await
    }

    /// Receives a datagram from the [connected](Self::connect) peer.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::UdpSocket;
    /// curio::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     b.connect(a.local_addr()?).await?;
    ///     a.send_to(b"reply", b.local_addr()?).await?;
    ///     let mut buf = [0; 16];
    ///     let n = b.recv(&mut buf).await?;
    ///     assert_eq!(&buf[..n], b"reply");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    #[track_caller]
    pub fn recv<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        crate::site::located(async move { self.io.io(Direction::Read, |s| s.recv(buf)).await })
    }

    /// Polls a receive, for hand-written futures.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::UdpSocket;
    /// use std::future::poll_fn;
    /// curio::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"polled", b.local_addr()?).await?;
    ///     let mut buf = [0; 16];
    ///     let (n, _) = poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await?;
    ///     assert_eq!(&buf[..n], b"polled");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`recv_from`](Self::recv_from).
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.io.poll_io(cx, Direction::Read, |s| s.recv_from(buf))
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
    ///     let socket = curio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let addr = socket.local_addr()?;
    ///     let socket = curio::net::UdpSocket::from_std(socket.into_std()?)?;
    ///     assert_eq!(socket.local_addr()?, addr);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_std(self) -> io::Result<std::net::UdpSocket> {
        // The registration belongs to the old descriptor, which `self`
        // deregisters and closes on drop; the duplicate was never
        // registered.
        let fd = self.as_fd().try_clone_to_owned()?;
        drop(self);
        Ok(std::net::UdpSocket::from(fd))
    }

    /// Receives a datagram into `buf` without taking it from the socket:
    /// its length (truncated to `buf`) and its sender. The next receive
    /// gives the same datagram.
    ///
    /// # Errors
    ///
    /// Socket errors.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::UdpSocket;
    /// curio::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"ping", b.local_addr()?).await?;
    ///     let mut buf = [0; 16];
    ///     let (n, from) = b.peek_from(&mut buf).await?;
    ///     assert_eq!((n, from), (4, a.local_addr()?));
    ///     assert_eq!(b.recv_from(&mut buf).await?.0, 4); // still there
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[track_caller]
    pub fn peek_from<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<(usize, SocketAddr)>> + 'a {
        crate::site::located(async move { self.io.io(Direction::Read, |s| s.peek_from(buf)).await })
    }

    /// Waits until a datagram may be there to receive: a following
    /// [`try_recv_from`](Self::try_recv_from) can still give `WouldBlock`.
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
    /// use curio::net::UdpSocket;
    /// curio::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let mut buf = [0; 16];
    ///     let err = b.try_recv_from(&mut buf).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    ///     a.send_to(b"x", b.local_addr()?).await?;
    ///     let (n, _) = loop {
    ///         b.readable().await?;
    ///         match b.try_recv_from(&mut buf) {
    ///             Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
    ///             other => break other?,
    ///         }
    ///     };
    ///     assert_eq!(n, 1);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[track_caller]
    pub fn readable(&self) -> impl std::future::Future<Output = io::Result<()>> + '_ {
        crate::site::located(async move { self.io.ready(Direction::Read).await.map(drop) })
    }

    /// Waits until the socket may take a datagram to send.
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
    /// curio::run(async {
    ///     let socket = curio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     socket.writable().await?;
    ///     let n = socket.try_send_to(b"x", socket.local_addr()?)?;
    ///     assert_eq!(n, 1);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[track_caller]
    pub fn writable(&self) -> impl std::future::Future<Output = io::Result<()>> + '_ {
        crate::site::located(async move { self.io.ready(Direction::Write).await.map(drop) })
    }

    /// Receives a datagram if one is there, never waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when none is there (wait with
    /// [`readable`](Self::readable)), and socket errors.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::UdpSocket;
    /// curio::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let mut buf = [0; 16];
    ///     let err = b.try_recv_from(&mut buf).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    ///     a.send_to(b"now", b.local_addr()?).await?;
    ///     b.readable().await?;
    ///     assert_eq!(b.try_recv_from(&mut buf)?.0, 3);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Direction::Read, |s| s.recv_from(buf))
    }

    /// Sends a datagram to `target` if the socket has room, never waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when the send buffer is full, and socket errors.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let socket = curio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_eq!(socket.try_send_to(b"hi", socket.local_addr()?)?, 2);
    ///     let mut buf = [0; 2];
    ///     assert_eq!(socket.recv_from(&mut buf).await?.0, 2);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.io.try_io(Direction::Write, |s| s.send_to(buf, target))
    }

    /// Sets `SO_BROADCAST`: whether datagrams may go to a broadcast address.
    ///
    /// # Errors
    ///
    /// As `setsockopt`.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let socket = curio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     socket.set_broadcast(true)?;
    ///     assert!(socket.broadcast()?);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// Whether `SO_BROADCAST` is set.
    ///
    /// # Errors
    ///
    /// As `getsockopt`.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let socket = curio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert!(!socket.broadcast()?);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
    }

    /// Joins the IPv4 multicast group `group` on the interface with address
    /// `interface` (`Ipv4Addr::UNSPECIFIED`: the system picks one).
    ///
    /// # Errors
    ///
    /// As `setsockopt(IP_ADD_MEMBERSHIP)`, e.g. `ENODEV` when no interface
    /// can reach the group.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// curio::run(async {
    ///     let socket = curio::net::UdpSocket::bind("0.0.0.0:0").await?;
    ///     let group = Ipv4Addr::new(239, 255, 0, 1);
    ///     // A host without a multicast route refuses; both are answers.
    ///     if socket.join_multicast_v4(group, Ipv4Addr::UNSPECIFIED).is_ok() {
    ///         socket.leave_multicast_v4(group, Ipv4Addr::UNSPECIFIED)?;
    ///     }
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn join_multicast_v4(
        &self,
        group: std::net::Ipv4Addr,
        interface: std::net::Ipv4Addr,
    ) -> io::Result<()> {
        self.io.get_ref().join_multicast_v4(&group, &interface)
    }

    /// Leaves an IPv4 multicast group joined with
    /// [`join_multicast_v4`](Self::join_multicast_v4).
    ///
    /// # Errors
    ///
    /// As `setsockopt(IP_DROP_MEMBERSHIP)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// curio::run(async {
    ///     let socket = curio::net::UdpSocket::bind("0.0.0.0:0").await?;
    ///     let group = Ipv4Addr::new(239, 255, 0, 7);
    ///     if socket.join_multicast_v4(group, Ipv4Addr::LOCALHOST).is_ok() {
    ///         socket.leave_multicast_v4(group, Ipv4Addr::LOCALHOST)?;
    ///     } // (a host without multicast on loopback refuses the join)
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn leave_multicast_v4(
        &self,
        group: std::net::Ipv4Addr,
        interface: std::net::Ipv4Addr,
    ) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v4(&group, &interface)
    }

    /// The local address.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let socket = curio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_ne!(socket.local_addr()?.port(), 0);
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

    /// The connected peer's address.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::UdpSocket;
    /// curio::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert!(a.peer_addr().is_err()); // not connected yet
    ///     a.connect(b.local_addr()?).await?;
    ///     assert_eq!(a.peer_addr()?, b.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// `NotConnected` without one.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Closes the socket for every task using it: blocked tasks wake with
    /// `NotConnected`, and so do later calls.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let socket = curio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     socket.close();
    ///     let err = socket.recv_from(&mut [0; 8]).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotConnected);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn close(&self) {
        self.io.close();
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}
