//! `File`: an open file whose reads, writes and seeks run on the blocking
//! pool, one at a time, through a buffer the pool call owns.
//!
//! # State
//!
//! A file is `Idle` (holding its buffer, maybe with bytes read ahead) or
//! `Busy` (one pool call in flight, which owns the buffer and gives it
//! back with its result).
//!
//! # Invariants
//!
//! 1. At most one pool call per file is in flight; every operation first
//!    waits for it, so calls reach the OS in the order they were made.
//! 2. Bytes in the buffer between `pos` and `end` were read from the OS and
//!    not yet given to the caller: they are given first by the next read,
//!    and a seek or write first moves the OS position back over them, so
//!    the position the caller sees is always "after the last byte given".
//! 3. A write is accepted (its length returned) once its bytes are copied
//!    into the buffer; its error, if the pool call fails, is kept and
//!    reported by the next write, flush, close or sync.

use super::{asyncify, outside_runtime, Metadata, OpenOptions, Permissions};
use futures_io::{AsyncRead, AsyncSeek, AsyncWrite};
use runtime_core::RunInThread;
use std::fmt;
use std::future::Future;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// The most bytes one pool call reads or writes (tokio's bound too): a
/// larger caller buffer is served in several calls.
const MAX_BUF: usize = 2 * 1024 * 1024;

/// An open file for async code: `futures-io` [`AsyncRead`], [`AsyncWrite`]
/// and [`AsyncSeek`], each operation run on the runtime's blocking pool.
///
/// Wrap it in [`SocketStream`](crate::SocketStream) for curio's `readline`
/// / `readlines` (curio's `aopen`); use `futures::AsyncReadExt` /
/// `AsyncWriteExt` / `AsyncSeekExt` for `read_to_end`, `write_all`, `seek`.
///
/// Writes are buffered, at most one call deep: `write` returns once the
/// bytes are handed to the pool, so **flush (or close, or `sync_all`)
/// before dropping a file** to see a write error and to be sure the data
/// has reached the OS. A file dropped with a write in flight still
/// completes that write on the pool, but its error is lost; and a write
/// still queued for a pool thread when the runtime shuts down is dropped
/// with the pool's queue.
///
/// # Examples
///
/// ```
/// use curio::fs::File;
/// use futures::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
/// use std::io::SeekFrom;
/// # let path = std::env::temp_dir().join(format!("curio-file-{}", std::process::id()));
/// curio::run(async move {
///     let mut file = File::create(&path).await?;
///     file.write_all(b"hello, file").await?;
///     file.flush().await?;
///
///     let mut file = File::open(&path).await?;
///     file.seek(SeekFrom::Start(7)).await?;
///     let mut rest = String::new();
///     file.read_to_string(&mut rest).await?;
///     assert_eq!(rest, "file");
///     curio::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
///
/// # Cancel safety
///
/// A cancelled operation's pool call is not interrupted (threads cannot
/// be): it runs to its end, and the next operation on the file waits for it
/// (invariant 1). What that means for each:
///
/// - **read**: the in-flight read has advanced the OS file position; the
///   bytes it read are kept in the file's buffer and given by the next
///   read, so this `File` loses no data. Another handle to the same open
///   file (e.g. from [`try_clone`](Self::try_clone)) sees the advanced
///   position.
/// - **write**: once `poll_write` has returned a length, those bytes are
///   written even if the caller goes away; before that, nothing was taken.
/// - **seek**: a seek whose future is dropped still happens. `poll_seek`
///   called again while it is in flight gives that seek's result, as the
///   `futures-io` contract (repeat the call after `Pending`) expects.
pub struct File {
    /// The OS file, shared with the pool call in flight.
    std: Arc<std::fs::File>,
    /// Idle with the buffer, or busy with a pool call.
    state: State,
    /// The error of a write accepted earlier (invariant 3).
    write_error: Option<io::Error>,
}

/// Whether a pool call is in flight.
enum State {
    /// No call in flight; `None` only while an operation holds the buffer.
    Idle(Option<Buf>),
    /// A call in flight, which gives the buffer back.
    Busy(RunInThread<(Operation, Buf)>),
}

/// What a pool call did.
enum Operation {
    /// A read of this many bytes into the buffer (0 at the end of file).
    Read(io::Result<usize>),
    /// A write of the buffer.
    Write(io::Result<()>),
    /// A seek to this offset.
    Seek(io::Result<u64>),
}

/// The bytes moved by pool calls.
#[derive(Default)]
struct Buf {
    /// Storage, initialised up to its length and reused across calls.
    data: Vec<u8>,
    /// The first byte read ahead and not yet given (invariant 2).
    pos: usize,
    /// The end of the bytes read ahead.
    end: usize,
}

impl Buf {
    /// Bytes read ahead and not yet given.
    fn unread(&self) -> usize {
        self.end - self.pos
    }

    /// Gives read-ahead bytes to `dst` and returns how many.
    fn copy_to(&mut self, dst: &mut [u8]) -> usize {
        let n = dst.len().min(self.unread());
        dst[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        n
    }

    /// Drops the read-ahead bytes and makes room for `len` bytes.
    fn reset(&mut self, len: usize) {
        self.pos = 0;
        self.end = 0;
        if self.data.len() < len {
            self.data.resize(len, 0);
        }
    }
}

impl File {
    /// Opens a file for reading.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::AsyncReadExt;
    /// # let path = std::env::temp_dir().join(format!("curio-open-{}", std::process::id()));
    /// curio::run(async move {
    ///     curio::fs::write(&path, b"contents").await?;
    ///     let mut file = curio::fs::File::open(&path).await?;
    ///     let mut text = String::new();
    ///     file.read_to_string(&mut text).await?;
    ///     assert_eq!(text, "contents");
    ///     curio::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::open`]: `NotFound`, `PermissionDenied`, ...; and
    /// an error outside a curio runtime.
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Opens a file for writing, creating it or truncating it.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::AsyncWriteExt;
    /// # let path = std::env::temp_dir().join(format!("curio-create-{}", std::process::id()));
    /// curio::run(async move {
    ///     let mut file = curio::fs::File::create(&path).await?;
    ///     file.write_all(b"new").await?;
    ///     file.flush().await?;
    ///     assert_eq!(curio::fs::read(&path).await?, b"new");
    ///     curio::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::create`].
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// Options for opening a file (as [`OpenOptions::new`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut options = curio::fs::File::options();
    /// options.read(true).write(true);
    /// ```
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps an open `std::fs::File` (no pool call).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async move {
    ///     let file = curio::fs::File::from_std(std::fs::File::open("/dev/null")?);
    ///     assert_eq!(file.metadata().await?.len(), 0);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn from_std(std: std::fs::File) -> File {
        File {
            std: Arc::new(std),
            state: State::Idle(Some(Buf::default())),
            write_error: None,
        }
    }

    /// Waits for the call in flight, and gives back the `std::fs::File`
    /// positioned where this file's reader stands (after the last byte
    /// given).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async move {
    ///     let file = curio::fs::File::open("/dev/null").await?;
    ///     let std = file.into_std().await?;
    ///     assert_eq!(std.metadata()?.len(), 0);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// The error of a write still pending, or of moving the position back
    /// over read-ahead bytes.
    pub async fn into_std(mut self) -> io::Result<std::fs::File> {
        self.settle().await?;
        match Arc::try_unwrap(self.std) {
            Ok(std) => Ok(std),
            // A pool call of `metadata` or `try_clone` dropped by its
            // caller may still hold the file.
            Err(shared) => shared.try_clone(),
        }
    }

    /// Flushes pending writes and asks the OS to write the file's data and
    /// metadata to the disk (`fsync`).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::AsyncWriteExt;
    /// # let path = std::env::temp_dir().join(format!("curio-sync-{}", std::process::id()));
    /// curio::run(async move {
    ///     let mut file = curio::fs::File::create(&path).await?;
    ///     file.write_all(b"durable").await?;
    ///     file.sync_all().await?;
    ///     assert_eq!(curio::fs::read(&path).await?, b"durable");
    ///     curio::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// A pending write's error, or as [`std::fs::File::sync_all`].
    pub async fn sync_all(&mut self) -> io::Result<()> {
        self.flush_pending().await?;
        let std = self.std.clone();
        asyncify(move || std.sync_all()).await
    }

    /// As [`sync_all`](Self::sync_all), without the metadata that reading
    /// the data back does not need (`fdatasync`).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::AsyncWriteExt;
    /// # let path = std::env::temp_dir().join(format!("curio-sync-data-{}", std::process::id()));
    /// curio::run(async move {
    ///     let mut file = curio::fs::File::create(&path).await?;
    ///     file.write_all(b"data").await?;
    ///     file.sync_data().await?;
    ///     curio::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// A pending write's error, or as [`std::fs::File::sync_data`].
    pub async fn sync_data(&mut self) -> io::Result<()> {
        self.flush_pending().await?;
        let std = self.std.clone();
        asyncify(move || std.sync_data()).await
    }

    /// Truncates or extends the file to `size` bytes, after pending writes.
    /// The position does not move.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::AsyncWriteExt;
    /// # let path = std::env::temp_dir().join(format!("curio-setlen-{}", std::process::id()));
    /// curio::run(async move {
    ///     let mut file = curio::fs::File::create(&path).await?;
    ///     file.write_all(b"0123456789").await?;
    ///     file.set_len(4).await?;
    ///     assert_eq!(file.metadata().await?.len(), 4);
    ///     curio::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// A pending write's error, or as [`std::fs::File::set_len`]
    /// (`InvalidInput` for a file not open for writing).
    pub async fn set_len(&mut self, size: u64) -> io::Result<()> {
        self.settle().await?;
        let std = self.std.clone();
        asyncify(move || std.set_len(size)).await
    }

    /// The file's metadata (`fstat` on the pool). It does not wait for a
    /// write in flight: flush first to see its effect on the length.
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("curio-meta-{}", std::process::id()));
    /// curio::run(async move {
    ///     curio::fs::write(&path, b"12345").await?;
    ///     let file = curio::fs::File::open(&path).await?;
    ///     assert_eq!(file.metadata().await?.len(), 5);
    ///     curio::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::metadata`].
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        asyncify(move || std.metadata()).await
    }

    /// Sets the file's permissions.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::fs::PermissionsExt;
    /// # let path = std::env::temp_dir().join(format!("curio-fperm-{}", std::process::id()));
    /// curio::run(async move {
    ///     let file = curio::fs::File::create(&path).await?;
    ///     file.set_permissions(curio::fs::Permissions::from_mode(0o640)).await?;
    ///     assert_eq!(file.metadata().await?.permissions().mode() & 0o777, 0o640);
    ///     curio::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::set_permissions`].
    pub async fn set_permissions(&self, perm: Permissions) -> io::Result<()> {
        let std = self.std.clone();
        asyncify(move || std.set_permissions(perm)).await
    }

    /// A second `File` for the same open file (`dup`): the two share the
    /// OS position, but each has its own buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async move {
    ///     let file = curio::fs::File::open("/dev/null").await?;
    ///     let other = file.try_clone().await?;
    ///     assert_eq!(other.metadata().await?.len(), 0);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::try_clone`] (`EMFILE`, ...).
    pub async fn try_clone(&self) -> io::Result<File> {
        let std = self.std.clone();
        let clone = asyncify(move || std.try_clone()).await?;
        Ok(File::from_std(clone))
    }

    /// Waits for the call in flight and reports a pending write error.
    async fn flush_pending(&mut self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_flush_inner(cx)).await
    }

    /// [`flush_pending`](Self::flush_pending), then moves the OS position
    /// back over read-ahead bytes and drops them (invariant 2).
    async fn settle(&mut self) -> io::Result<()> {
        self.flush_pending().await?;
        std::future::poll_fn(|cx| self.poll_seek_inner(cx, SeekFrom::Current(0))).await?;
        Ok(())
    }

    /// Starts `op` on the pool with the buffer, unless outside a runtime.
    fn start<F>(&mut self, buf: Buf, op: F) -> io::Result<()>
    where
        F: FnOnce(&std::fs::File, Buf) -> (Operation, Buf) + Send + 'static,
    {
        if runtime_core::Handle::try_current().is_none() {
            self.state = State::Idle(Some(buf));
            return Err(outside_runtime());
        }
        let std = self.std.clone();
        self.state = State::Busy(runtime_core::run_in_thread(move || op(&std, buf)));
        Ok(())
    }

    /// Waits for the call in flight, if any, and takes the buffer: the
    /// file is then idle without it until [`put_buf`](Self::put_buf).
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<(Option<Operation>, Buf)> {
        match &mut self.state {
            State::Idle(slot) => Poll::Ready((None, slot.take().unwrap_or_default())),
            State::Busy(task) => {
                let (op, buf) = ready!(Pin::new(task).poll(cx));
                self.state = State::Idle(None);
                Poll::Ready((Some(op), buf))
            }
        }
    }

    /// Gives the buffer back to an idle file.
    fn put_buf(&mut self, buf: Buf) {
        self.state = State::Idle(Some(buf));
    }

    /// `poll_flush` without the `Pin`.
    fn poll_flush_inner(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let (op, buf) = ready!(self.poll_idle(cx));
        self.put_buf(buf);
        if let Some(Operation::Write(Err(e))) = op {
            return Poll::Ready(Err(e));
        }
        match self.write_error.take() {
            Some(e) => Poll::Ready(Err(e)),
            None => Poll::Ready(Ok(())),
        }
    }

    /// `poll_seek` without the `Pin`.
    fn poll_seek_inner(&mut self, cx: &mut Context<'_>, target: SeekFrom) -> Poll<io::Result<u64>> {
        loop {
            let (op, mut buf) = ready!(self.poll_idle(cx));
            match op {
                // The seek this caller started (or repeats, after Pending).
                Some(Operation::Seek(result)) => {
                    self.put_buf(buf);
                    return Poll::Ready(result);
                }
                Some(Operation::Write(Err(e))) => {
                    self.put_buf(buf);
                    return Poll::Ready(Err(e));
                }
                Some(Operation::Read(_) | Operation::Write(Ok(()))) | None => {}
            }
            // Invariant 2: the caller stands before the read-ahead bytes.
            let target = match target {
                SeekFrom::Current(off) => {
                    let unread = i64::try_from(buf.unread()).unwrap_or(i64::MAX);
                    match off.checked_sub(unread) {
                        Some(off) => SeekFrom::Current(off),
                        None => {
                            self.put_buf(buf);
                            return Poll::Ready(Err(io::Error::new(
                                io::ErrorKind::InvalidInput,
                                "seek offset out of range",
                            )));
                        }
                    }
                }
                other => other,
            };
            buf.reset(0);
            if let Err(e) = self.start(buf, move |mut std, buf| {
                (Operation::Seek(std.seek(target)), buf)
            }) {
                return Poll::Ready(Err(e));
            }
        }
    }
}

impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        loop {
            let (op, mut buf) = ready!(this.poll_idle(cx));
            match op {
                Some(Operation::Read(Ok(0))) => {
                    this.put_buf(buf);
                    return Poll::Ready(Ok(0));
                }
                Some(Operation::Read(Err(e))) => {
                    this.put_buf(buf);
                    return Poll::Ready(Err(e));
                }
                // Invariant 3: kept for the next write or flush.
                Some(Operation::Write(Err(e))) => this.write_error = Some(e),
                Some(Operation::Read(Ok(_)) | Operation::Write(Ok(())) | Operation::Seek(_))
                | None => {}
            }
            if buf.unread() > 0 || dst.is_empty() {
                let n = buf.copy_to(dst);
                this.put_buf(buf);
                return Poll::Ready(Ok(n));
            }
            let want = dst.len().min(MAX_BUF);
            buf.reset(want);
            if let Err(e) = this.start(buf, move |mut std, mut buf| {
                let result = loop {
                    match std.read(&mut buf.data[..want]) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        other => break other,
                    }
                };
                if let Ok(n) = result {
                    buf.end = n;
                }
                (Operation::Read(result), buf)
            }) {
                return Poll::Ready(Err(e));
            }
        }
    }
}

impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let (op, mut buf) = ready!(this.poll_idle(cx));
        if let Some(Operation::Write(Err(e))) = op {
            this.put_buf(buf);
            return Poll::Ready(Err(e));
        }
        if let Some(e) = this.write_error.take() {
            this.put_buf(buf);
            return Poll::Ready(Err(e));
        }
        if src.is_empty() {
            this.put_buf(buf);
            return Poll::Ready(Ok(0));
        }
        // Invariant 2: write where the caller stands, before read-ahead.
        let back = i64::try_from(buf.unread()).unwrap_or(i64::MAX);
        let n = src.len().min(MAX_BUF);
        buf.reset(n);
        buf.data[..n].copy_from_slice(&src[..n]);
        this.start(buf, move |mut std, buf| {
            let result = (|| {
                if back > 0 {
                    std.seek(SeekFrom::Current(-back))?;
                }
                std.write_all(&buf.data[..n])
            })();
            (Operation::Write(result), buf)
        })?;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush_inner(cx)
    }

    /// Flushes; the file itself closes when dropped.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush_inner(cx)
    }
}

impl AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        self.get_mut().poll_seek_inner(cx, pos)
    }
}

impl From<std::fs::File> for File {
    fn from(std: std::fs::File) -> File {
        File::from_std(std)
    }
}

impl std::os::fd::AsFd for File {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.std.as_fd()
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let busy = matches!(self.state, State::Busy(_));
        f.debug_struct("File")
            .field("std", &self.std)
            .field("busy", &busy)
            .finish()
    }
}
