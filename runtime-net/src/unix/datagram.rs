//! `UnixDatagram`: datagrams over Unix sockets through the reactor.

use crate::reactor::{Direction, PollEvented};
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;

/// A Unix datagram socket, with the shapes of
/// [`UdpSocket`](crate::UdpSocket).
///
/// # Examples
///
/// ```
/// use curio::net::UnixDatagram;
/// curio::run(async {
///     let (a, b) = UnixDatagram::pair()?;
///     a.send(b"ping").await?;
///     let mut buf = [0; 8];
///     assert_eq!(b.recv(&mut buf).await?, 4);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct UnixDatagram {
    /// The socket, registered with the reactor.
    io: PollEvented<mio::net::UnixDatagram>,
}

impl UnixDatagram {
    /// Binds a socket to the file `path`.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("curio-dgram-bind-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// curio::run(async {
    ///     let path = dir.join("sock");
    ///     let socket = curio::net::UnixDatagram::bind(&path).await?;
    ///     assert_eq!(socket.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As `bind(2)`, or an error outside a curio runtime.
    pub async fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        UnixDatagram::from_mio(mio::net::UnixDatagram::bind(path)?)
    }

    /// A socket bound to no address (it can still send, and receive
    /// replies once connected).
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("curio-dgram-unbound-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// use curio::net::UnixDatagram;
    /// curio::run(async {
    ///     let server = UnixDatagram::bind(dir.join("server")).await?;
    ///     let client = UnixDatagram::unbound()?;
    ///     client.send_to(b"anon", dir.join("server")).await?;
    ///     let mut buf = [0; 8];
    ///     let (n, _) = server.recv_from(&mut buf).await?;
    ///     assert_eq!(&buf[..n], b"anon");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As `socket(2)`, or an error outside a curio runtime.
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_mio(mio::net::UnixDatagram::unbound()?)
    }

    /// A pair of connected sockets.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixDatagram::pair()?;
    ///     a.send(b"one").await?;
    ///     let mut buf = [0; 8];
    ///     assert_eq!(b.recv(&mut buf).await?, 3);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As `socketpair(2)`, or an error outside a curio runtime.
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = mio::net::UnixDatagram::pair()?;
        Ok((UnixDatagram::from_mio(a)?, UnixDatagram::from_mio(b)?))
    }

    /// Adopts a socket from the standard library; it is switched to
    /// non-blocking mode.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, b) = std::os::unix::net::UnixDatagram::pair()?;
    ///     let a = curio::net::UnixDatagram::from_std(a)?;
    ///     b.send(b"from std")?;
    ///     let mut buf = [0; 16];
    ///     assert_eq!(a.recv(&mut buf).await?, 8);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// Outside a curio runtime, or if registration fails.
    pub fn from_std(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        UnixDatagram::from_mio(mio::net::UnixDatagram::from_std(socket))
    }

    /// Registers a non-blocking mio socket.
    fn from_mio(socket: mio::net::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            io: PollEvented::new(socket)?,
        })
    }

    /// Sets the default peer for [`send`](Self::send) and
    /// [`recv`](Self::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("curio-dgram-connect-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// use curio::net::UnixDatagram;
    /// curio::run(async {
    ///     let server = UnixDatagram::bind(dir.join("server")).await?;
    ///     let client = UnixDatagram::unbound()?;
    ///     client.connect(dir.join("server")).await?;
    ///     client.send(b"hello").await?;
    ///     let mut buf = [0; 8];
    ///     assert_eq!(server.recv(&mut buf).await?, 5);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As `connect(2)`.
    pub async fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.io.get_ref().connect(path)
    }

    /// Sends a datagram to the socket file `path`.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("curio-dgram-sendto-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// use curio::net::UnixDatagram;
    /// curio::run(async {
    ///     let a = UnixDatagram::bind(dir.join("a")).await?;
    ///     let b = UnixDatagram::bind(dir.join("b")).await?;
    ///     assert_eq!(a.send_to(b"to b", dir.join("b")).await?, 4);
    ///     let mut buf = [0; 8];
    ///     let (n, from) = b.recv_from(&mut buf).await?;
    ///     assert_eq!(&buf[..n], b"to b");
    ///     assert_eq!(from.as_pathname(), Some(dir.join("a").as_path()));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// Socket errors, e.g. `NotFound`.
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let path = path.as_ref();
        self.io.io(Direction::Write, |s| s.send_to(buf, path)).await
    }

    /// Receives a datagram and its sender.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixDatagram::pair()?;
    ///     a.send(b"x").await?;
    ///     let mut buf = [0; 4];
    ///     let (n, _from) = b.recv_from(&mut buf).await?;
    ///     assert_eq!(n, 1);
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
    /// Cancel-safe.
    #[track_caller]
    pub fn recv_from<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<(usize, SocketAddr)>> + 'a {
        crate::site::located(async move { self.io.io(Direction::Read, |s| s.recv_from(buf)).await })
    }

    /// Sends a datagram to the connected peer.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixDatagram::pair()?;
    ///     assert_eq!(a.send(b"sent").await?, 4);
    ///     let mut buf = [0; 4];
    ///     b.recv(&mut buf).await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// `NotConnected` without one, and socket errors.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.io(Direction::Write, |s| s.send(buf)).await
    }

    /// Receives a datagram from the connected peer.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixDatagram::pair()?;
    ///     a.send(b"recv").await?;
    ///     let mut buf = [0; 8];
    ///     let n = b.recv(&mut buf).await?;
    ///     assert_eq!(&buf[..n], b"recv");
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
    /// Cancel-safe.
    #[track_caller]
    pub fn recv<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        crate::site::located(async move { self.io.io(Direction::Read, |s| s.recv(buf)).await })
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
    ///     let (a, b) = curio::net::UnixDatagram::pair()?;
    ///     let a = curio::net::UnixDatagram::from_std(a.into_std()?)?;
    ///     a.send(b"x").await?;
    ///     assert_eq!(b.recv(&mut [0; 4]).await?, 1);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixDatagram> {
        // The registration belongs to the old descriptor, which `self`
        // deregisters and closes on drop; the duplicate was never
        // registered.
        let fd = self.as_fd().try_clone_to_owned()?;
        drop(self);
        Ok(std::os::unix::net::UnixDatagram::from(fd))
    }

    /// The local address.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, _b) = curio::net::UnixDatagram::pair()?;
    ///     assert!(a.local_addr()?.is_unnamed());
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
    /// curio::run(async {
    ///     let (a, _b) = curio::net::UnixDatagram::pair()?;
    ///     assert!(a.peer_addr()?.is_unnamed());
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
    ///     let (a, _b) = curio::net::UnixDatagram::pair()?;
    ///     a.close();
    ///     let err = a.recv(&mut [0; 8]).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotConnected);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn close(&self) {
        self.io.close();
    }
}

impl AsFd for UnixDatagram {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl AsRawFd for UnixDatagram {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}
