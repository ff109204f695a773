//! `UdpSocket`: datagrams over UDP through the reactor.

use crate::lookup::ToSocketAddrs;
use crate::reactor::{Direction, PollEvented};
use crate::tcp::each_addr;
use std::fmt;
use std::io;
use std::net::SocketAddr;
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
    /// # Errors
    ///
    /// `NotConnected` without a peer; `ConnectionRefused` after an ICMP
    /// error from it.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.io(Direction::Write, |s| s.send(buf)).await
    }

    /// Receives a datagram from the [connected](Self::connect) peer.
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

    /// The local address.
    ///
    /// # Errors
    ///
    /// As `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    ///
    /// `NotConnected` without one.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Closes the socket for every task using it: blocked tasks wake with
    /// `NotConnected`, and so do later calls.
    pub fn close(&self) {
        self.io.close();
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}
