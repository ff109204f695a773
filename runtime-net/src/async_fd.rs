//! `AsyncFd`: any file descriptor on the reactor (a pipe, an eventfd, an
//! inotify handle), with readiness guards in the shape of tokio's
//! `AsyncFd`. It is the public form of the registration the sockets use:
//! the descriptor is registered once, edge-triggered, for both directions,
//! and a task waits on its readiness word.
//!
//! # Protocol
//!
//! 1. `readable()` / `writable()` give a guard once the readiness word says
//!    the direction may be ready (a new `AsyncFd` starts ready both ways,
//!    so the first operation is tried at once).
//! 2. The caller tries its non-blocking operation. If it would block, the
//!    guard's [`clear_ready`](AsyncFdReadyGuard::clear_ready) (or
//!    [`try_io`](AsyncFdReadyGuard::try_io), which does it on
//!    `WouldBlock`) clears the readiness it saw, unless an event came in
//!    since (reactor rule 2), and the next `readable()` waits for the next
//!    edge.
//! 3. A guard dropped without clearing leaves the readiness set: the next
//!    wait returns at once.

use crate::reactor::{Direction, PollEvented, ReadyEvent};
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

/// A file descriptor registered with the reactor, to wait for its
/// readiness (tokio's `AsyncFd`).
///
/// The descriptor must be in non-blocking mode (`O_NONBLOCK`): the
/// operations run in [`try_io`](AsyncFdReadyGuard::try_io) must report
/// `WouldBlock` instead of blocking a worker. It must also be pollable by
/// epoll: a regular file is refused (`EPERM`).
///
/// # Examples
///
/// ```
/// use curio::net::AsyncFd;
/// use std::io::{Read, Write};
///
/// curio::run(async {
///     let (reader, mut writer) = std::os::unix::net::UnixStream::pair()?;
///     reader.set_nonblocking(true)?;
///     let reader = AsyncFd::new(reader)?;
///     writer.write_all(b"ping")?;
///     let mut buf = [0; 4];
///     let n = loop {
///         let mut guard = reader.readable().await?;
///         match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
///             Ok(result) => break result?,
///             Err(_would_block) => continue,
///         }
///     };
///     assert_eq!(&buf[..n], b"ping");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct AsyncFd<T: AsFd> {
    /// The registration; its source holds the value.
    io: PollEvented<Fd<T>>,
}

/// The value and its descriptor number, as a mio source.
struct Fd<T> {
    /// The descriptor, registered by number (`mio::unix::SourceFd`).
    fd: RawFd,
    /// The value; `None` only inside `AsyncFd::into_inner`, after it was
    /// taken and before the registration is dropped.
    inner: Option<T>,
}

impl<T> mio::event::Source for Fd<T> {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.fd).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.fd).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        mio::unix::SourceFd(&self.fd).deregister(registry)
    }
}

/// The error of [`AsyncFdReadyGuard::try_io`] when the operation would
/// block: the readiness was cleared, wait again.
///
/// # Examples
///
/// ```
/// use std::io::Read;
/// curio::run(async {
///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
///     a.set_nonblocking(true)?;
///     let fd = curio::net::AsyncFd::new(a)?;
///     let mut guard = fd.readable().await?; // ready at the start
///     let nothing = guard.try_io(|fd| fd.get_ref().read(&mut [0; 8]));
///     assert!(nothing.is_err()); // TryIoError: nothing there, wait again
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Debug)]
pub struct TryIoError(());

impl fmt::Display for TryIoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the operation would block; the readiness was cleared")
    }
}

impl std::error::Error for TryIoError {}

impl<T: AsFd> AsyncFd<T> {
    /// Registers `inner`'s descriptor with the current runtime's reactor,
    /// for both directions.
    ///
    /// # Errors
    ///
    /// An error outside a curio runtime, or `epoll_ctl`'s (e.g. `EPERM`
    /// for a regular file); `inner` is dropped then.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let fd = curio::net::AsyncFd::new(a)?; // now on the reactor
    ///     fd.writable().await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        let fd = inner.as_fd().as_raw_fd();
        Ok(AsyncFd {
            io: PollEvented::new(Fd {
                fd,
                inner: Some(inner),
            })?,
        })
    }

    /// The value.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let fd = curio::net::AsyncFd::new(a)?;
    ///     assert!(fd.get_ref().peer_addr().is_ok());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn get_ref(&self) -> &T {
        self.io
            .get_ref()
            .inner
            .as_ref()
            .expect("AsyncFd holds its value until into_inner")
    }

    /// The value, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let mut fd = curio::net::AsyncFd::new(a)?;
    ///     fd.get_mut().set_nonblocking(true)?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.io
            .get_mut()
            .inner
            .as_mut()
            .expect("AsyncFd holds its value until into_inner")
    }

    /// Deregisters the descriptor and gives the value back (still open).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let fd = curio::net::AsyncFd::new(a)?;
    ///     let a = fd.into_inner();
    ///     assert!(a.peer_addr().is_ok());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_inner(mut self) -> T {
        let inner = self
            .io
            .get_mut()
            .inner
            .take()
            .expect("AsyncFd holds its value until into_inner");
        // Deregisters by number while the descriptor is still open.
        drop(self.io);
        inner
    }

    /// Waits until the descriptor may be readable and gives a guard for
    /// the attempt (see the module's protocol).
    ///
    /// # Errors
    ///
    /// An error once the runtime's reactor has stopped.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// curio::run(async {
    ///     let (a, mut b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let fd = curio::net::AsyncFd::new(a)?;
    ///     b.write_all(b"ping")?;
    ///     let mut buf = [0; 4];
    ///     let n = loop {
    ///         let mut guard = fd.readable().await?;
    ///         match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
    ///             Ok(result) => break result?,
    ///             Err(_would_block) => continue,
    ///         }
    ///     };
    ///     assert_eq!(&buf[..n], b"ping");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[track_caller]
    pub fn readable(
        &self,
    ) -> impl std::future::Future<Output = io::Result<AsyncFdReadyGuard<'_, T>>> + '_ {
        crate::site::located(async move { self.ready(Direction::Read).await })
    }

    /// Waits until the descriptor may be writable and gives a guard for
    /// the attempt.
    ///
    /// # Errors
    ///
    /// An error once the runtime's reactor has stopped.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// curio::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let fd = curio::net::AsyncFd::new(a)?;
    ///     let mut guard = fd.writable().await?;
    ///     let n = guard.try_io(|fd| fd.get_ref().write(b"x")).unwrap()?;
    ///     assert_eq!(n, 1);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[track_caller]
    pub fn writable(
        &self,
    ) -> impl std::future::Future<Output = io::Result<AsyncFdReadyGuard<'_, T>>> + '_ {
        crate::site::located(async move { self.ready(Direction::Write).await })
    }

    /// Polls for read readiness, for hand-written futures.
    ///
    /// # Errors
    ///
    /// As [`readable`](Self::readable).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// curio::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let fd = curio::net::AsyncFd::new(a)?;
    ///     // A new AsyncFd starts ready both ways.
    ///     let guard = poll_fn(|cx| fd.poll_read_ready(cx).map_ok(drop)).await;
    ///     guard
    /// })
    /// .unwrap();
    /// ```
    pub fn poll_read_ready(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'_, T>>> {
        self.poll_ready(cx, Direction::Read)
    }

    /// Polls for write readiness, for hand-written futures.
    ///
    /// # Errors
    ///
    /// As [`writable`](Self::writable).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// curio::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let fd = curio::net::AsyncFd::new(a)?;
    ///     poll_fn(|cx| fd.poll_write_ready(cx).map_ok(drop)).await
    /// })
    /// .unwrap();
    /// ```
    pub fn poll_write_ready(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'_, T>>> {
        self.poll_ready(cx, Direction::Write)
    }

    /// Waits for the readiness of `dir` (its own waiter slot) and gives a
    /// guard.
    async fn ready(&self, dir: Direction) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        let event = self.io.ready(dir).await?;
        Ok(AsyncFdReadyGuard {
            fd: self,
            event: Some(event),
        })
    }

    /// Polls the readiness of `dir` into a guard.
    fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'_, T>>> {
        self.io
            .poll_ready(cx, dir)
            .map_ok(|event| AsyncFdReadyGuard {
                fd: self,
                event: Some(event),
            })
    }
}

/// The readiness an [`AsyncFd`] reported for one direction; clear it when
/// the operation would block (see the module's protocol).
///
/// # Examples
///
/// ```
/// use curio::net::{AsyncFd, AsyncFdReadyGuard};
/// use std::os::unix::net::UnixStream;
/// curio::run(async {
///     let (a, _b) = UnixStream::pair()?;
///     a.set_nonblocking(true)?;
///     let fd = AsyncFd::new(a)?;
///     let guard: AsyncFdReadyGuard<'_, UnixStream> = fd.writable().await?;
///     assert!(std::ptr::eq(guard.get_ref(), &fd));
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[must_use = "clear the readiness when the operation would block"]
pub struct AsyncFdReadyGuard<'a, T: AsFd> {
    /// The descriptor.
    fd: &'a AsyncFd<T>,
    /// The readiness seen; `None` once cleared.
    event: Option<ReadyEvent>,
}

impl<'a, T: AsFd> AsyncFdReadyGuard<'a, T> {
    /// Clears the readiness this guard saw, so the next wait waits for a
    /// new event (unless one came in meanwhile).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Read;
    /// curio::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let fd = curio::net::AsyncFd::new(a)?;
    ///     let mut guard = fd.readable().await?; // a new fd starts ready
    ///     let err = fd.get_ref().read(&mut [0; 8]).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    ///     guard.clear_ready();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn clear_ready(&mut self) {
        if let Some(event) = self.event.take() {
            self.fd.io.clear_readiness(event);
        }
    }

    /// Keeps the readiness: the next wait returns at once (what dropping
    /// the guard does too).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let fd = curio::net::AsyncFd::new(a)?;
    ///     let mut guard = fd.writable().await?;
    ///     guard.retain_ready();
    ///     drop(guard);
    ///     fd.writable().await?; // at once: the readiness was kept
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn retain_ready(&mut self) {}

    /// Runs the non-blocking operation `f`. On `WouldBlock` the readiness
    /// is cleared and `Err(TryIoError)` tells the caller to wait again;
    /// any other outcome is `Ok` with the operation's result.
    ///
    /// # Errors
    ///
    /// [`TryIoError`] when `f` would block.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// curio::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let fd = curio::net::AsyncFd::new(a)?;
    ///     let mut guard = fd.writable().await?;
    ///     let sent = guard.try_io(|fd| fd.get_ref().write(b"hello"));
    ///     assert_eq!(sent.unwrap()?, 5);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.fd) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            result => Ok(result),
        }
    }

    /// The [`AsyncFd`] the guard is for.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let fd = curio::net::AsyncFd::new(a)?;
    ///     let guard = fd.writable().await?;
    ///     assert!(std::ptr::eq(guard.get_ref(), &fd));
    ///     assert!(guard.get_inner().peer_addr().is_ok());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.fd
    }

    /// The value inside the [`AsyncFd`].
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let fd = curio::net::AsyncFd::new(a)?;
    ///     let guard = fd.writable().await?;
    ///     assert!(guard.get_inner().peer_addr().is_ok());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn get_inner(&self) -> &'a T {
        self.fd.get_ref()
    }
}

impl<T: AsFd> AsFd for AsyncFd<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

impl<T: AsFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().fd
    }
}

impl<T: AsFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd")
            .field("inner", self.get_ref())
            .finish()
    }
}

impl<T: AsFd + fmt::Debug> fmt::Debug for AsyncFdReadyGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyGuard")
            .field("cleared", &self.event.is_none())
            .finish()
    }
}
