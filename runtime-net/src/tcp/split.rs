//! The owned halves of a [`TcpStream`], for a reading task and a writing
//! task.

use super::TcpStream;
use futures_io::{AsyncRead, AsyncWrite};
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// The read half of a [`TcpStream`], from [`TcpStream::into_split`].
///
/// # Examples
///
/// ```
/// use curio::net::{ReadHalf, TcpListener, TcpStream};
/// curio::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (server, _) = listener.accept().await?;
///     let (reader, _writer): (ReadHalf, _) = server.into_split();
///     client.write_all(b"to the reader").await?;
///     let mut buf = [0; 13];
///     reader.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"to the reader");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Debug)]
pub struct ReadHalf {
    /// The stream, shared with the write half.
    stream: Arc<TcpStream>,
}

/// The write half of a [`TcpStream`], from [`TcpStream::into_split`].
///
/// Dropping it shuts down the write direction (as tokio's owned write
/// half does): the peer reads end of stream, while the [`ReadHalf`] goes on
/// reading. [`forget`](WriteHalf::forget) drops it without that.
///
/// # Examples
///
/// ```
/// use curio::net::{TcpListener, TcpStream};
/// curio::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (server, _) = listener.accept().await?;
///     let (_reader, writer) = server.into_split();
///     drop(writer);
///     assert_eq!(client.read(&mut [0; 8]).await?, 0);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Debug)]
pub struct WriteHalf {
    /// The stream, shared with the read half.
    stream: Arc<TcpStream>,
    /// Whether dropping the half shuts the write direction down.
    shutdown_on_drop: bool,
}

impl ReadHalf {
    /// Wraps the shared stream.
    pub(super) fn new(stream: Arc<TcpStream>) -> ReadHalf {
        ReadHalf { stream }
    }

    /// As [`TcpStream::read`].
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (reader, _writer) = listener.accept().await?.0.into_split();
    ///     client.write_all(b"x").await?;
    ///     let mut buf = [0; 8];
    ///     assert_eq!(reader.read(&mut buf).await?, 1);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`TcpStream::read`].
    #[track_caller]
    pub fn read<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        crate::site::located(async move { self.stream.read(buf).await })
    }

    /// As [`TcpStream::read_exact`].
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (reader, _writer) = listener.accept().await?.0.into_split();
    ///     client.write_all(b"four").await?;
    ///     let mut buf = [0; 4];
    ///     reader.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"four");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`TcpStream::read_exact`].
    #[track_caller]
    pub fn read_exact<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<()>> + 'a {
        crate::site::located(async move { self.stream.read_exact(buf).await })
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
    ///     let (reader, _writer) = listener.accept().await?.0.into_split();
    ///     assert_eq!(reader.peer_addr()?, client.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`TcpStream::peer_addr`].
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }
}

impl WriteHalf {
    /// Wraps the shared stream.
    pub(super) fn new(stream: Arc<TcpStream>) -> WriteHalf {
        WriteHalf {
            stream,
            shutdown_on_drop: true,
        }
    }

    /// As [`TcpStream::write`].
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_reader, writer) = listener.accept().await?.0.into_split();
    ///     let n = writer.write(b"some").await?;
    ///     assert!(n > 0 && n <= 4);
    ///     drop(client);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`TcpStream::write`].
    #[track_caller]
    pub fn write<'a>(
        &'a self,
        buf: &'a [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        crate::site::located(async move { self.stream.write(buf).await })
    }

    /// As [`TcpStream::write_all`].
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_reader, writer) = listener.accept().await?.0.into_split();
    ///     writer.write_all(b"whole").await?;
    ///     let mut buf = [0; 5];
    ///     client.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"whole");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`TcpStream::write_all`].
    #[track_caller]
    pub fn write_all<'a>(
        &'a self,
        buf: &'a [u8],
    ) -> impl std::future::Future<Output = io::Result<()>> + 'a {
        crate::site::located(async move { self.stream.write_all(buf).await })
    }

    /// Shuts down the write direction: the peer reads end of stream.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_reader, writer) = listener.accept().await?.0.into_split();
    ///     writer.shutdown().await?;
    ///     assert_eq!(client.read(&mut [0; 8]).await?, 0); // end of stream
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`TcpStream::shutdown`].
    pub async fn shutdown(&self) -> io::Result<()> {
        self.stream.shutdown(Shutdown::Write).await
    }

    /// Drops the half without shutting down the write direction: the
    /// connection stays open both ways while the read half lives.
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
    ///     writer.forget();
    ///     let mut buf = [0; 8];
    ///     let read = client.read(&mut buf);
    ///     let no_eof = curio::ignore_after(std::time::Duration::from_millis(20), read);
    ///     assert!(no_eof.await.is_none());
    ///     drop(reader);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn forget(mut self) {
        self.shutdown_on_drop = false;
    }
}

impl Drop for WriteHalf {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            // The peer may be gone already (`NotConnected`): nothing to
            // send then.
            let _ = self.stream.shutdown_now(Shutdown::Write);
        }
    }
}

impl AsyncRead for ReadHalf {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.stream.poll_read(cx, buf)
    }
}

impl AsyncWrite for WriteHalf {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.stream.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.stream.shutdown_now(Shutdown::Write))
    }
}
