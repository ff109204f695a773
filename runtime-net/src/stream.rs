//! `SocketStream`: curio's buffered stream API over any connected socket.

use futures_io::{AsyncRead, AsyncWrite};
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The longest line [`SocketStream::readline`] accepts by default: 64 KiB.
///
/// # Examples
///
/// ```
/// use curio::net::{SocketStream, UnixStream, DEFAULT_MAX_LINE};
/// curio::run(async {
///     let (a, _b) = UnixStream::pair()?;
///     assert_eq!(SocketStream::new(a).max_line(), DEFAULT_MAX_LINE);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub const DEFAULT_MAX_LINE: usize = 64 * 1024;
/// The most [`SocketStream::read_all`] gathers by default: 64 MiB.
///
/// # Examples
///
/// ```
/// use curio::net::{SocketStream, UnixStream, DEFAULT_MAX_READ_ALL};
/// curio::run(async {
///     let (a, _b) = UnixStream::pair()?;
///     assert_eq!(SocketStream::new(a).read_all_limit(), DEFAULT_MAX_READ_ALL);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub const DEFAULT_MAX_READ_ALL: usize = 64 * 1024 * 1024;
/// How much one read from the socket asks for.
const READ_CHUNK: usize = 16 * 1024;
/// What `read_all` asks for at most in one read.
const READ_ALL_CHUNK: usize = 64 * 1024;
/// The most read-ahead storage an empty stream keeps (rule 1).
const KEEP_BUFFER: usize = 4 * (DEFAULT_MAX_LINE + READ_ALL_CHUNK);

/// A buffered stream over a socket, with curio's stream methods.
///
/// Get one from [`TcpStream::as_stream`](crate::TcpStream::as_stream)
/// (borrowing the socket), [`TcpStream::into_stream`](crate::TcpStream::into_stream)
/// (owning it), or [`SocketStream::new`] over any
/// `futures_io::AsyncRead` value, such as a [`UnixStream`](crate::UnixStream)
/// or a [`ReadHalf`](crate::ReadHalf) (the write methods need
/// `AsyncWrite`).
///
/// Reads go through a buffer that lives in the stream; writes are not
/// buffered ([`write`](Self::write) sends everything before it returns),
/// so [`flush`](Self::flush) only flushes the socket.
///
/// # Cancel safety
///
/// Every read method is cancel-safe: a read future takes bytes out of the
/// buffer only when it completes, so the bytes a cancelled `readline` or
/// `read_exactly` had already received stay buffered for the next call.
/// The write methods are not: part of the data may have been sent.
///
/// # Examples
///
/// ```
/// use curio::net::{TcpListener, TcpStream};
/// curio::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (server, _) = listener.accept().await?;
///     let mut client = client.into_stream();
///     client.writelines([&b"GET /\n"[..], b"Host: x\n"]).await?;
///     drop(client);
///     let mut server = server.into_stream();
///     assert_eq!(server.readline().await?, b"GET /\n");
///     assert_eq!(server.read_exactly(4).await?, b"Host");
///     assert_eq!(server.read_all().await?, b": x\n");
///     assert_eq!(server.readline().await?, b"");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct SocketStream<S> {
    /// The socket.
    inner: S,
    /// Read-ahead storage; the unread bytes are `buf[pos..end]`. Bytes past
    /// `end` are initialised but hold nothing (rule 1).
    buf: Vec<u8>,
    /// Where the unread bytes start.
    pos: usize,
    /// Where the unread bytes end.
    end: usize,
    /// The longest line `readline` accepts, newline included.
    max_line: usize,
    /// The most `read_all` gathers before it gives up.
    max_read_all: usize,
    /// Set after a line over the limit whose `\n` has not come yet: the
    /// next read discards bytes through it first (rule 2).
    skipping: bool,
}

// Rules of the buffer:
//
// 1. `buf.len()` only grows (to the unread bytes plus the most one read
//    asked for), so a read that waits does not zero its space again on
//    every poll; the bytes past `end` are stale and never read. Only when
//    the stream is empty and holds more than `KEEP_BUFFER` is the storage
//    released.
// 2. After a line over the limit the stream drops that line through its
//    `\n`: at once for what is buffered, and on the next read for what is
//    still to come (`skipping`). The error is reported once, and memory
//    stays bounded by the limit.
// 3. A read method consumes bytes only when it completes, except for the
//    discard of rule 2; `fill` only appends. So a cancelled read loses no
//    byte.

impl<S> SocketStream<S> {
    /// A stream over `inner` with an empty buffer and the default limits
    /// ([`DEFAULT_MAX_LINE`], [`DEFAULT_MAX_READ_ALL`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{SocketStream, UnixStream};
    /// curio::run(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let mut stream = SocketStream::new(b);
    ///     a.write_all(b"hi\n").await?;
    ///     assert_eq!(stream.readline().await?, b"hi\n");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn new(inner: S) -> SocketStream<S> {
        SocketStream {
            inner,
            buf: Vec::new(),
            pos: 0,
            end: 0,
            max_line: DEFAULT_MAX_LINE,
            max_read_all: DEFAULT_MAX_READ_ALL,
            skipping: false,
        }
    }

    /// Sets the longest line [`readline`](Self::readline) accepts, newline
    /// included (at least 1).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixStream::pair()?;
    ///     let mut stream = b.into_stream();
    ///     stream.set_max_line(8);
    ///     a.write_all(b"far too long a line\nshort\n").await?;
    ///     let err = stream.readline().await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    ///     assert_eq!(stream.readline().await?, b"short\n");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn set_max_line(&mut self, max: usize) {
        self.max_line = max.max(1);
    }

    /// The longest line [`readline`](Self::readline) accepts.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, _b) = curio::net::UnixStream::pair()?;
    ///     let mut stream = a.into_stream();
    ///     stream.set_max_line(80);
    ///     assert_eq!(stream.max_line(), 80);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn max_line(&self) -> usize {
        self.max_line
    }

    /// Sets the most bytes [`read_all`](Self::read_all) gathers; past it,
    /// `read_all` fails with `InvalidData`.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::UnixStream;
    /// curio::run(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     a.write_all(&[0; 64]).await?;
    ///     drop(a);
    ///     let mut stream = b.into_stream();
    ///     stream.set_read_all_limit(16);
    ///     let err = stream.read_all().await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn set_read_all_limit(&mut self, max: usize) {
        self.max_read_all = max;
    }

    /// The most bytes [`read_all`](Self::read_all) gathers
    /// ([`DEFAULT_MAX_READ_ALL`] unless set).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, _b) = curio::net::UnixStream::pair()?;
    ///     let mut stream = a.into_stream();
    ///     stream.set_read_all_limit(1 << 10);
    ///     assert_eq!(stream.read_all_limit(), 1 << 10);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn read_all_limit(&self) -> usize {
        self.max_read_all
    }

    /// The bytes read ahead and not yet consumed.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixStream::pair()?;
    ///     let mut stream = b.into_stream();
    ///     a.write_all(b"one\ntwo\n").await?; // both lines are in the socket now
    ///     assert_eq!(stream.readline().await?, b"one\n");
    ///     assert_eq!(stream.buffered(), b"two\n"); // read ahead, not yet returned
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn buffered(&self) -> &[u8] {
        &self.buf[self.pos..self.end]
    }

    /// The socket.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, _b) = curio::net::UnixStream::pair()?;
    ///     let stream = a.into_stream();
    ///     assert!(stream.get_ref().peer_addr().is_ok());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The socket and the bytes read ahead and not yet consumed.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixStream::pair()?;
    ///     let mut stream = b.into_stream();
    ///     a.write_all(b"head\n").await?;
    ///     let head = stream.read_exactly(2).await?;
    ///     let (socket, rest) = stream.into_parts();
    ///     assert_eq!(head, b"he");
    ///     assert!(b"ad\n".starts_with(&rest)); // what was read ahead comes back
    ///     drop(socket);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_parts(mut self) -> (S, Vec<u8>) {
        self.buf.truncate(self.end);
        self.buf.drain(..self.pos);
        (self.inner, self.buf)
    }

    /// Takes `n` buffered bytes.
    fn take(&mut self, n: usize) -> Vec<u8> {
        let out = self.buf[self.pos..self.pos + n].to_vec();
        self.consume(n);
        out
    }

    /// Drops `n` buffered bytes.
    fn consume(&mut self, n: usize) {
        self.pos += n;
        if self.pos == self.end {
            self.pos = 0;
            self.end = 0;
            if self.buf.len() > KEEP_BUFFER {
                // Rule 1's exception: a big `read_all` does not pin its
                // memory for the life of the stream.
                self.buf = Vec::new();
            }
        }
    }
}

impl<S: AsyncRead + Unpin> SocketStream<S> {
    /// Polls one read of up to `max` more bytes from the socket into the
    /// buffer and gives how many came (0 at end of stream). It only
    /// appends (rule 3).
    fn poll_fill(&mut self, cx: &mut Context<'_>, max: usize) -> Poll<io::Result<usize>> {
        if self.pos > 0 && self.buf.len() - self.end < max {
            // Compact: the unread bytes move to the front.
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.buf.len() < self.end + max {
            // Rule 1: zeroes only space never used before.
            self.buf.resize(self.end + max, 0);
        }
        let end = self.end;
        let result = Pin::new(&mut self.inner).poll_read(cx, &mut self.buf[end..end + max]);
        if let Poll::Ready(Ok(n)) = result {
            self.end += n.min(max);
        }
        result
    }

    /// Reads up to `max` more bytes into the buffer (see `poll_fill`).
    async fn fill(&mut self, max: usize) -> io::Result<usize> {
        poll_fn(|cx| self.poll_fill(cx, max)).await
    }

    /// Finishes the discard of a line over the limit (rule 2): drops bytes
    /// through the next `\n`, reading as needed. Ready at once when no
    /// discard is pending; the end of the stream also ends it.
    fn poll_skip(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.skipping {
            match self.buffered().iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.consume(i + 1);
                    self.skipping = false;
                }
                None => {
                    self.consume(self.end - self.pos);
                    match self.poll_fill(cx, READ_CHUNK) {
                        Poll::Ready(Ok(0)) => self.skipping = false,
                        Poll::Ready(Ok(_)) => {}
                        Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                        Poll::Pending => return Poll::Pending,
                    }
                }
            }
        }
        Poll::Ready(Ok(()))
    }

    /// [`poll_skip`](Self::poll_skip) as a future.
    async fn skip(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.poll_skip(cx)).await
    }

    /// Gives up to `max` bytes: the buffered ones if there are any,
    /// otherwise the result of one read. Empty means end of stream (or
    /// `max == 0`).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixStream::pair()?;
    ///     let mut stream = b.into_stream();
    ///     a.write_all(b"abc").await?;
    ///     drop(a);
    ///     let mut got = Vec::new();
    ///     loop {
    ///         let chunk = stream.read(2).await?;
    ///         if chunk.is_empty() {
    ///             break; // end of stream
    ///         }
    ///         assert!(chunk.len() <= 2);
    ///         got.extend(chunk);
    ///     }
    ///     assert_eq!(got, b"abc");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// Socket errors.
    #[track_caller]
    pub fn read<'a>(
        &'a mut self,
        max: usize,
    ) -> impl std::future::Future<Output = io::Result<Vec<u8>>> + 'a {
        crate::site::located(async move {
            if max == 0 {
                return Ok(Vec::new());
            }
            self.skip().await?;
            if self.buffered().is_empty() {
                self.fill(max.min(READ_ALL_CHUNK)).await?;
            }
            let n = max.min(self.buffered().len());
            Ok(self.take(n))
        })
    }

    /// Gives exactly `n` bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixStream::pair()?;
    ///     let mut stream = b.into_stream();
    ///     a.write_all(b"12345").await?;
    ///     drop(a);
    ///     assert_eq!(stream.read_exactly(3).await?, b"123");
    ///     let err = stream.read_exactly(3).await.unwrap_err(); // only 2 left
    ///     assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// `UnexpectedEof` if the stream ends first (the partial data stays
    /// buffered), and socket errors.
    #[track_caller]
    pub fn read_exactly<'a>(
        &'a mut self,
        n: usize,
    ) -> impl std::future::Future<Output = io::Result<Vec<u8>>> + 'a {
        crate::site::located(async move {
            self.skip().await?;
            while self.buffered().len() < n {
                let want = (n - self.buffered().len()).clamp(READ_CHUNK, READ_ALL_CHUNK);
                if self.fill(want).await? == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "unexpected end of data",
                    ));
                }
            }
            Ok(self.take(n))
        })
    }

    /// Reads until the end of the stream and gives everything (curio's
    /// `readall`), up to [`read_all_limit`](Self::read_all_limit) bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixStream::pair()?;
    ///     let mut stream = b.into_stream();
    ///     a.write_all(b"everything").await?;
    ///     drop(a);
    ///     assert_eq!(stream.read_all().await?, b"everything");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// `InvalidData` when the stream holds more than the limit, and socket
    /// errors. Either way what was read stays buffered (at most the limit
    /// and one byte more) and the rest stays in the socket.
    #[doc(alias = "readall")]
    #[track_caller]
    pub fn read_all<'a>(
        &'a mut self,
    ) -> impl std::future::Future<Output = io::Result<Vec<u8>>> + 'a {
        crate::site::located(async move {
            self.skip().await?;
            loop {
                let have = self.buffered().len();
                if have > self.max_read_all {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "the stream holds more than the read_all limit of {} bytes",
                            self.max_read_all
                        ),
                    ));
                }
                // One byte past the limit is enough to know it is exceeded.
                let want = (self.max_read_all - have).saturating_add(1);
                if self.fill(want.min(READ_ALL_CHUNK)).await? == 0 {
                    return Ok(self.take(have));
                }
            }
        })
    }

    /// Gives the next line, `\n` included; at the end of the stream, the
    /// rest of the data, and then empty vectors.
    ///
    /// # Errors
    ///
    /// `InvalidData` when no `\n` comes within [`max_line`](Self::max_line)
    /// bytes. The error is reported once: the rest of that line, through its
    /// `\n`, is discarded (memory stays bounded), and the next call gives
    /// the next line. Socket errors.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::net::{TcpListener, TcpStream};
    /// curio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     client.write_all(b"0123456789\n").await?;
    ///     let mut stream = server.into_stream();
    ///     stream.set_max_line(4);
    ///     let err = stream.readline().await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    ///     client.write_all(b"ok\n").await?;
    ///     assert_eq!(stream.readline().await?, b"ok\n");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    #[track_caller]
    pub fn readline<'a>(
        &'a mut self,
    ) -> impl std::future::Future<Output = io::Result<Vec<u8>>> + 'a {
        crate::site::located(async move {
            self.skip().await?;
            let mut scanned = 0;
            loop {
                let data = self.buffered();
                if let Some(i) = data[scanned..].iter().position(|&b| b == b'\n') {
                    let len = scanned + i + 1;
                    if len > self.max_line {
                        // Rule 2: the whole line is here; drop it.
                        self.consume(len);
                        return Err(line_too_long(self.max_line));
                    }
                    return Ok(self.take(len));
                }
                scanned = data.len();
                if scanned >= self.max_line {
                    // Rule 2: drop what came and the rest on the next read.
                    self.consume(scanned);
                    self.skipping = true;
                    return Err(line_too_long(self.max_line));
                }
                let want = (self.max_line - scanned).min(READ_CHUNK);
                if self.fill(want).await? == 0 {
                    let n = self.buffered().len();
                    return Ok(self.take(n));
                }
            }
        })
    }

    /// Reads lines until the end of the stream.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixStream::pair()?;
    ///     let mut stream = b.into_stream();
    ///     a.write_all(b"x\ny\n").await?;
    ///     drop(a);
    ///     assert_eq!(stream.readlines().await?, [b"x\n".to_vec(), b"y\n".to_vec()]);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`readline`](Self::readline). On an error or cancellation the
    /// lines already read are lost to the caller, but lines not yet
    /// returned stay buffered only up to the current one.
    #[track_caller]
    pub fn readlines<'a>(
        &'a mut self,
    ) -> impl std::future::Future<Output = io::Result<Vec<Vec<u8>>>> + 'a {
        crate::site::located(async move {
            let mut lines = Vec::new();
            loop {
                let line = self.readline().await?;
                if line.is_empty() {
                    return Ok(lines);
                }
                lines.push(line);
            }
        })
    }
}

impl<S: AsyncWrite + Unpin> SocketStream<S> {
    /// Writes all of `data` and gives its length.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixStream::pair()?;
    ///     let mut out = a.into_stream();
    ///     assert_eq!(out.write(b"all of it").await?, 9);
    ///     let mut buf = [0; 9];
    ///     b.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"all of it");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// Socket errors, e.g. `BrokenPipe`.
    #[track_caller]
    pub fn write<'a>(
        &'a mut self,
        data: &'a [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        crate::site::located(async move {
            let mut rest = data;
            while !rest.is_empty() {
                let n = poll_fn(|cx| Pin::new(&mut self.inner).poll_write(cx, rest)).await?;
                if n == 0 {
                    return Err(io::ErrorKind::WriteZero.into());
                }
                rest = &rest[n..];
            }
            Ok(data.len())
        })
    }

    /// Writes each item of `lines` in turn (no separator is added).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixStream::pair()?;
    ///     let mut out = a.into_stream();
    ///     out.writelines(["one\n", "two\n"]).await?;
    ///     drop(out);
    ///     assert_eq!(b.into_stream().readlines().await?.len(), 2);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`write`](Self::write).
    pub async fn writelines<I>(&mut self, lines: I) -> io::Result<()>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        for line in lines {
            self.write(line.as_ref()).await?;
        }
        Ok(())
    }

    /// Flushes the socket (writes are not buffered by the stream).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let (a, b) = curio::net::UnixStream::pair()?;
    ///     let mut out = a.into_stream();
    ///     out.write(b"now").await?;
    ///     out.flush().await?;
    ///     let mut buf = [0; 3];
    ///     b.read_exact(&mut buf).await?;
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// The socket's flush error.
    #[track_caller]
    pub fn flush<'a>(&'a mut self) -> impl std::future::Future<Output = io::Result<()>> + 'a {
        crate::site::located(
            async move { poll_fn(|cx| Pin::new(&mut self.inner).poll_flush(cx)).await },
        )
    }
}

/// The error of a line over the limit.
fn line_too_long(max: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("line longer than the limit of {max} bytes"),
    )
}

impl<S> fmt::Debug for SocketStream<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SocketStream")
            .field("buffered", &(self.end - self.pos))
            .field("max_line", &self.max_line)
            .finish()
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for SocketStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if let Poll::Ready(Err(e)) = this.poll_skip(cx) {
            return Poll::Ready(Err(e));
        } else if this.skipping {
            return Poll::Pending;
        }
        if this.pos < this.end {
            let n = out.len().min(this.end - this.pos);
            out[..n].copy_from_slice(&this.buf[this.pos..this.pos + n]);
            this.consume(n);
            return Poll::Ready(Ok(n));
        }
        Pin::new(&mut this.inner).poll_read(cx, out)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for SocketStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }
}
