//! The pipes to and from a child process: non-blocking, registered with the
//! reactor like sockets, and read and written through `futures-io`.

use crate::reactor::{Direction, PollEvented};
use futures_io::{AsyncRead, AsyncWrite};
use mio::unix::pipe::{Receiver, Sender};
use std::fmt;
use std::io::{self, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};

/// The error of a write after [`close`](futures_io::AsyncWrite::poll_close).
fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "the child's stdin was closed")
}

/// The write end of a child's stdin pipe ([`Child::stdin`](super::Child)).
///
/// Closing it ([`AsyncWriteExt::close`](https://docs.rs/futures/latest/futures/io/trait.AsyncWriteExt.html#method.close)
/// or dropping it) gives the child end of file. A write after the child
/// has closed its end is a `BrokenPipe` error (Rust programs ignore
/// `SIGPIPE`; a program that restored it is killed by the signal instead).
///
/// # Cancel safety
///
/// A write either hands bytes to the pipe and returns their count, or
/// waits having taken none: a cancelled `write` loses nothing (a cancelled
/// `write_all` may have written a prefix, as on a socket).
///
/// # Examples
///
/// ```
/// use curio::process::{Command, Stdio};
/// use futures::AsyncWriteExt;
/// curio::run(async {
///     let mut child = Command::new("cat")
///         .stdin(Stdio::piped())
///         .stdout(Stdio::piped())
///         .spawn()?;
///     let mut stdin = child.stdin.take().expect("piped");
///     stdin.write_all(b"through cat\n").await?;
///     stdin.close().await?;
///     let output = child.wait_with_output().await?;
///     assert_eq!(output.stdout, b"through cat\n");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct ChildStdin {
    /// The pipe; `None` once closed.
    io: Option<PollEvented<Sender>>,
}

/// The read end of a child's stdout pipe ([`Child::stdout`](super::Child)).
///
/// Wrap it in [`SocketStream`](crate::SocketStream) to read the child's
/// output line by line. The pipe ends (a read gives 0) when the child and
/// every process it passed the pipe to have closed it. `Stdio::try_from`
/// hands it to another child instead (a pipeline):
///
/// ```
/// use curio::process::{Command, Stdio};
/// curio::run(async {
///     let mut echo = Command::new("echo").arg("shout").stdout(Stdio::piped()).spawn()?;
///     let pipe = Stdio::try_from(echo.stdout.take().expect("piped"))?;
///     let upper = Command::new("tr").args(["a-z", "A-Z"]).stdin(pipe).output().await?;
///     assert_eq!(upper.stdout, b"SHOUT\n");
///     assert!(echo.wait().await?.success());
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
///
/// # Cancel safety
///
/// A read either takes bytes from the pipe and returns them, or waits
/// having taken none: a cancelled read loses no data.
///
/// # Examples
///
/// ```
/// use curio::net::SocketStream;
/// use curio::process::{Command, Stdio};
/// curio::run(async {
///     let mut child = Command::new("printf")
///         .arg("one\\ntwo\\n")
///         .stdout(Stdio::piped())
///         .spawn()?;
///     let mut lines = SocketStream::new(child.stdout.take().expect("piped"));
///     assert_eq!(lines.readline().await?, b"one\n");
///     assert_eq!(lines.readline().await?, b"two\n");
///     assert!(child.wait().await?.success());
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct ChildStdout {
    /// The pipe.
    io: PollEvented<Receiver>,
}

/// The read end of a child's stderr pipe ([`Child::stderr`](super::Child)).
///
/// # Cancel safety
///
/// As [`ChildStdout`]: a cancelled read loses no data.
///
/// # Examples
///
/// ```
/// use curio::process::{Command, Stdio};
/// use futures::AsyncReadExt;
/// curio::run(async {
///     let mut child = Command::new("sh")
///         .args(["-c", "echo oops >&2"])
///         .stderr(Stdio::piped())
///         .spawn()?;
///     let mut err = String::new();
///     child.stderr.take().expect("piped").read_to_string(&mut err).await?;
///     assert_eq!(err, "oops\n");
///     child.wait().await?;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct ChildStderr {
    /// The pipe.
    io: PollEvented<Receiver>,
}

impl ChildStdin {
    /// Makes the pipe non-blocking and registers it with the reactor.
    pub(crate) fn new(std: std::process::ChildStdin) -> io::Result<ChildStdin> {
        let pipe = Sender::from(std);
        pipe.set_nonblocking(true)?;
        Ok(ChildStdin {
            io: Some(PollEvented::new(pipe)?),
        })
    }
}

impl ChildStdout {
    /// Makes the pipe non-blocking and registers it with the reactor.
    pub(crate) fn new(std: std::process::ChildStdout) -> io::Result<ChildStdout> {
        let pipe = Receiver::from(std);
        pipe.set_nonblocking(true)?;
        Ok(ChildStdout {
            io: PollEvented::new(pipe)?,
        })
    }
}

impl ChildStderr {
    /// Makes the pipe non-blocking and registers it with the reactor.
    pub(crate) fn new(std: std::process::ChildStderr) -> io::Result<ChildStderr> {
        let pipe = Receiver::from(std);
        pipe.set_nonblocking(true)?;
        Ok(ChildStderr {
            io: PollEvented::new(pipe)?,
        })
    }
}

impl AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &self.io {
            Some(io) => io.poll_io(cx, Direction::Write, |mut pipe| pipe.write(buf)),
            None => Poll::Ready(Err(closed())),
        }
    }

    /// A pipe has no buffer of its own to flush.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Closes the pipe: the child reads end of file.
    fn poll_close(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io = None;
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for ChildStdout {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_read(cx, buf)
    }
}

impl AsyncRead for ChildStderr {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_read(cx, buf)
    }
}

// A closed `ChildStdin` has no descriptor to borrow, so only the read ends
// implement `AsFd`.
impl AsFd for ChildStdout {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl AsFd for ChildStderr {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

/// Hands a pipe to another child: `Command::stdin(Stdio::try_from(out)?)`
/// connects two children directly, as a shell pipeline does.
///
/// The pipe is made blocking again (children expect blocking standard
/// streams) and leaves the reactor; this side keeps no copy.
fn into_stdio(
    fd: BorrowedFd<'_>,
    set_blocking: impl FnOnce() -> io::Result<()>,
) -> io::Result<Stdio> {
    set_blocking()?;
    Ok(Stdio::from(fd.try_clone_to_owned()?))
}

impl TryFrom<ChildStdout> for Stdio {
    type Error = io::Error;

    /// See [`ChildStdout`]'s pipeline example.
    fn try_from(out: ChildStdout) -> io::Result<Stdio> {
        into_stdio(out.as_fd(), || out.io.get_ref().set_nonblocking(false))
    }
}

impl TryFrom<ChildStderr> for Stdio {
    type Error = io::Error;

    /// As for [`ChildStdout`].
    fn try_from(err: ChildStderr) -> io::Result<Stdio> {
        into_stdio(err.as_fd(), || err.io.get_ref().set_nonblocking(false))
    }
}

impl TryFrom<ChildStdin> for Stdio {
    type Error = io::Error;

    /// As for [`ChildStdout`]; a closed stdin is a `NotConnected` error.
    fn try_from(stdin: ChildStdin) -> io::Result<Stdio> {
        let io = stdin.io.as_ref().ok_or_else(closed)?;
        into_stdio(io.get_ref().as_fd(), || io.get_ref().set_nonblocking(false))
    }
}

impl fmt::Debug for ChildStdin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildStdin")
            .field("closed", &self.io.is_none())
            .finish()
    }
}

impl fmt::Debug for ChildStdout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildStdout").finish_non_exhaustive()
    }
}

impl fmt::Debug for ChildStderr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildStderr").finish_non_exhaustive()
    }
}
