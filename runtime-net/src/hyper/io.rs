//! `Io<T>`: a curio socket (or any `futures_io` stream) as hyper's
//! `rt::Read` + `rt::Write`.

use super::uninit;
use crate::reactor::Direction;
use crate::{TcpStream, UnixStream};
use futures_io::{AsyncRead, AsyncWrite};
use hyper::rt::ReadBufCursor;
use socket2::SockRef;
use std::any::Any;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

/// The most bytes one read of a non-curio stream is given: hyper's buffer
/// must be zeroed before such a stream sees it.
const FOREIGN_READ_MAX: usize = 16 * 1024;

/// A byte stream seen through hyper's I/O traits (`hyper::rt::Read` and
/// `hyper::rt::Write`), as hyper-util's `TokioIo` is for tokio.
///
/// `T` is any `futures_io::AsyncRead + AsyncWrite` stream: curio's
/// [`TcpStream`] and [`UnixStream`], or a stream layered on one (a TLS
/// stream from `futures-rustls`, a [`SocketStream`](crate::SocketStream)).
///
/// For [`TcpStream`] and [`UnixStream`] it reads straight into hyper's read
/// buffer, uninitialised memory included (no intermediate copy, no
/// zeroing), and writes vectored: hyper's queued head and body buffers go
/// out in one `sendmsg`. Other streams get hyper's buffer zeroed first (at
/// most 16 KiB a read) and their own `poll_write_vectored`.
///
/// Shutting down (`poll_shutdown`) closes the write direction; a
/// connection the peer has already reset counts as shut down.
///
/// # Examples
///
/// ```
/// use curio::hyper::Io;
/// use curio::net::{TcpListener, TcpStream};
/// use hyper::rt::{Read, ReadBuf, Write};
/// use std::future::poll_fn;
/// use std::pin::Pin;
///
/// curio::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = Io::new(TcpStream::connect(listener.local_addr()?).await?);
///     let mut server = Io::new(listener.accept().await?.0);
///     poll_fn(|cx| Pin::new(&mut client).poll_write(cx, b"ping")).await?;
///
///     let mut raw = [std::mem::MaybeUninit::uninit(); 16];
///     let mut buf = ReadBuf::uninit(&mut raw);
///     poll_fn(|cx| Pin::new(&mut server).poll_read(cx, buf.unfilled())).await?;
///     assert_eq!(buf.filled(), b"ping");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Debug)]
pub struct Io<T> {
    /// The stream.
    inner: T,
}

impl<T> Io<T> {
    /// Wraps `inner`.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, _b) = curio::net::UnixStream::pair()?;
    ///     let io = curio::hyper::Io::new(a);
    ///     let _a: &curio::net::UnixStream = io.inner();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn new(inner: T) -> Io<T> {
        Io { inner }
    }

    /// The stream.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, _b) = curio::net::UnixStream::pair()?;
    ///     assert!(curio::hyper::Io::new(a).inner().peer_addr().is_ok());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The stream, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, _b) = curio::net::UnixStream::pair()?;
    ///     let mut io = curio::hyper::Io::new(a);
    ///     let _a: &mut curio::net::UnixStream = io.inner_mut();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// The stream, unwrapped.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, _b) = curio::net::UnixStream::pair()?;
    ///     let a: curio::net::UnixStream = curio::hyper::Io::new(a).into_inner();
    ///     a.close();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_inner(self) -> T {
        self.inner
    }
}

/// The sockets `Io` drives through the reactor itself.
enum Native<'a> {
    /// A TCP stream.
    Tcp(&'a TcpStream),
    /// A Unix stream.
    Unix(&'a UnixStream),
}

/// `inner` as one of curio's own sockets, when it is one. The type test is
/// a constant after monomorphisation: each `Io<T>` compiles to one path.
fn native<T: 'static>(inner: &T) -> Option<Native<'_>> {
    let any = inner as &dyn Any;
    if let Some(tcp) = any.downcast_ref::<TcpStream>() {
        Some(Native::Tcp(tcp))
    } else {
        any.downcast_ref::<UnixStream>().map(Native::Unix)
    }
}

impl<T> hyper::rt::Read for Io<T>
where
    T: AsyncRead + Unpin + 'static,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match native(&this.inner) {
            Some(Native::Tcp(s)) => uninit::poll_recv(s.evented(), cx, buf),
            Some(Native::Unix(s)) => uninit::poll_recv(s.evented(), cx, buf),
            None => {
                let want = buf.remaining().min(FOREIGN_READ_MAX);
                uninit::poll_read_zeroed(buf, want, |dst| {
                    Pin::new(&mut this.inner).poll_read(cx, dst)
                })
            }
        }
    }
}

impl<T> hyper::rt::Write for Io<T>
where
    T: AsyncWrite + Unpin + 'static,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match native(&this.inner) {
            Some(Native::Tcp(s)) => s.poll_write(cx, buf),
            Some(Native::Unix(s)) => s.poll_write(cx, buf),
            None => Pin::new(&mut this.inner).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        // `MSG_NOSIGNAL`, as curio's own writes: a closed peer is an
        // `EPIPE` error, never a `SIGPIPE`.
        let flags = libc::MSG_NOSIGNAL;
        match native(&this.inner) {
            Some(Native::Tcp(s)) => s.evented().poll_io(cx, Direction::Write, |s| {
                SockRef::from(s).send_vectored_with_flags(bufs, flags)
            }),
            Some(Native::Unix(s)) => s.evented().poll_io(cx, Direction::Write, |s| {
                SockRef::from(s).send_vectored_with_flags(bufs, flags)
            }),
            None => Pin::new(&mut this.inner).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        // futures-io has no way to ask a foreign stream; its default
        // `poll_write_vectored` writes the first buffer, which hyper
        // handles, but then flattening into hyper's buffer is cheaper.
        native(&self.inner).is_some()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.get_mut().inner).poll_close(cx) {
            // The peer reset the connection first (a client closing with
            // a request in flight): there is nothing left to shut down.
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::NotConnected => Poll::Ready(Ok(())),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Io;
    use crate::reactor::Direction;
    use crate::{TcpListener, TcpStream};
    use hyper::rt::{Read, ReadBuf};
    use std::future::poll_fn;
    use std::mem::MaybeUninit;
    use std::pin::Pin;
    use std::task::{Context, Waker};

    /// A read that fills less than hyper's buffer drained the socket: its
    /// readiness is cleared, so hyper's next read waits for an event
    /// instead of first failing with EAGAIN. The plain stream read keeps
    /// the same rule.
    #[test]
    fn a_short_read_clears_read_readiness() {
        curio::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let client = TcpStream::connect(listener.local_addr()?).await?;
            let mut server = Io::new(listener.accept().await?.0);
            let mut raw = [MaybeUninit::uninit(); 64];
            let mut buf = ReadBuf::uninit(&mut raw);
            // A first read on the empty socket fails with EAGAIN and clears
            // the optimistic start readiness, so the data below is read
            // after its event, and no event for it comes in later.
            let mut cx = Context::from_waker(Waker::noop());
            assert!(Pin::new(&mut server)
                .poll_read(&mut cx, buf.unfilled())
                .is_pending());
            client.write_all(b"ping").await?;
            poll_fn(|cx| Pin::new(&mut server).poll_read(cx, buf.unfilled())).await?;
            assert_eq!(buf.filled(), b"ping");
            assert!(!server.inner.evented().is_ready(Direction::Read));

            let server = server.into_inner();
            client.write_all(b"pong").await?;
            let mut plain = [0; 64];
            assert_eq!(server.read(&mut plain).await?, 4);
            assert!(!server.evented().is_ready(Direction::Read));
            std::io::Result::Ok(())
        })
        .unwrap();
    }
}
