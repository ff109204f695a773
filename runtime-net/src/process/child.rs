//! `Child`: a running child process, its pipes, and how its exit reaches
//! the task waiting for it without a thread per child.
//!
//! # How an exit is noticed
//!
//! 1. On Linux (5.3 and later) each child gets a pidfd (`pidfd_open`),
//!    registered with the reactor; it becomes readable when the child
//!    exits, and the waiting task then reaps it with `waitpid(pid,
//!    WNOHANG)` (`std::process::Child::try_wait`).
//! 2. Where `pidfd_open` fails (`ENOSYS` on older kernels, `EPERM` under
//!    some seccomp filters, other Unixes), the child waits on `SIGCHLD`
//!    through `signal-hook`'s self-pipe, registered with the reactor like
//!    [`SignalEvent`](crate::signal::SignalEvent)'s: every `SIGCHLD` wakes
//!    every waiting child, and each tries its own `waitpid(pid, WNOHANG)`.
//!    Once `pidfd_open` has said `ENOSYS`, later spawns skip it.
//!
//! Both reap only their own pid, so they never steal the status of a child
//! spawned by other code. Each wait first tries `waitpid` (a new source
//! starts ready), so an exit before registration is not missed, and a
//! readiness edge during the try is kept by the reactor's tick (reactor
//! rule 2).
//!
//! # Invariants
//!
//! 1. A child is reaped exactly once: by `wait`/`try_wait`, or, when the
//!    `Child` is dropped first, by a detached reaper task on the runtime
//!    (after a `SIGKILL` if `kill_on_drop` is set). A child dropped outside
//!    a runtime, or still running when the runtime shuts down, is left to
//!    the OS (a zombie until this process exits), as `std` does.

use super::pipe::{ChildStderr, ChildStdin, ChildStdout};
use crate::reactor::{Direction, PollEvented};
use parking_lot::Mutex;
use std::fmt;
use std::io;
use std::process::{ExitStatus, Output};
#[cfg(target_os = "linux")]
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

/// Set once `pidfd_open` has failed with `ENOSYS`: the kernel has none.
#[cfg(target_os = "linux")]
static NO_PIDFD: AtomicBool = AtomicBool::new(false);

/// How a child's exit is noticed (module docs, items 1 and 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Watch {
    /// A pidfd if the kernel has one, else `SIGCHLD`.
    Best,
    /// `SIGCHLD` only (to test the fallback).
    #[cfg_attr(not(test), allow(dead_code))]
    Sigchld,
}

/// A child process spawned by [`Command::spawn`](super::Command::spawn).
///
/// Its pipes, when the command asked for them with
/// [`Stdio::piped`](super::Stdio::piped), are in the public fields; take them
/// out to use them from other tasks.
///
/// Dropping a `Child` does not kill the process unless
/// [`kill_on_drop`](super::Command::kill_on_drop) was set; either way the
/// runtime reaps it in the background when it exits (a task named
/// `curio::process reaper` in the monitor), so it leaves no zombie. A
/// child dropped outside a runtime, or still running when its runtime shuts
/// down, is not reaped until this process exits, as with `std`.
///
/// # How the exit is noticed
///
/// No thread waits per child. On Linux 5.3 and later each child has a
/// pidfd registered with the reactor, readable once the child has exited;
/// where `pidfd_open` is refused (`ENOSYS` on older kernels, `EPERM` under
/// some seccomp filters, other Unixes) the child waits on `SIGCHLD`
/// through the reactor instead, as [`SignalEvent`](crate::signal::SignalEvent)
/// does (installing a `SIGCHLD` handler for the process, which chains to
/// any handler already there). Either way only this child's pid is reaped
/// (`waitpid(pid, WNOHANG)`), so children spawned by other code keep their
/// statuses.
///
/// # Examples
///
/// ```
/// use curio::process::Command;
/// use std::os::unix::process::ExitStatusExt;
/// curio::run(async {
///     let mut child = Command::new("sleep").arg("30").spawn()?;
///     assert!(child.id().is_some());
///     assert!(child.try_wait()?.is_none());
///     child.kill()?;
///     let status = child.wait().await?;
///     assert_eq!(status.signal(), Some(9));
///     assert_eq!(child.id(), None);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct Child {
    /// The process and its exit watch; `None` only inside `drop`.
    proc: Option<Proc>,
    /// Its exit status, once reaped.
    status: Option<ExitStatus>,
    /// Whether dropping the `Child` first kills the process.
    kill_on_drop: bool,
    /// The child's stdin, if piped.
    pub stdin: Option<ChildStdin>,
    /// The child's stdout, if piped.
    pub stdout: Option<ChildStdout>,
    /// The child's stderr, if piped.
    pub stderr: Option<ChildStderr>,
}

/// A process not yet reaped, and the source that says when it exits.
struct Proc {
    /// The std handle (its pipes taken out).
    std: std::process::Child,
    /// Readable when the process may have exited.
    exit: Exit,
}

/// The reactor source of a child's exit.
enum Exit {
    /// A pidfd (module docs, item 1).
    #[cfg(target_os = "linux")]
    PidFd(PollEvented<PidFd>),
    /// A `SIGCHLD` self-pipe (module docs, item 2).
    Sigchld(PollEvented<crate::signal::Source>),
}

/// A pidfd as a mio source.
#[cfg(target_os = "linux")]
struct PidFd(std::os::fd::OwnedFd);

#[cfg(target_os = "linux")]
impl mio::event::Source for PidFd {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        mio::unix::SourceFd(&self.0.as_raw_fd()).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        mio::unix::SourceFd(&self.0.as_raw_fd()).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        mio::unix::SourceFd(&self.0.as_raw_fd()).deregister(registry)
    }
}

impl Exit {
    /// The exit source of `child`, registered with the current reactor.
    fn new(child: &std::process::Child, watch: Watch) -> io::Result<Exit> {
        #[cfg(target_os = "linux")]
        // ORDERING: Relaxed; a hint only: a stale `false` costs one failed
        // syscall, never a wrong result.
        if watch == Watch::Best && !NO_PIDFD.load(Ordering::Relaxed) {
            use rustix::process::{pidfd_open, Pid, PidfdFlags};
            match pidfd_open(Pid::from_child(child), PidfdFlags::empty()) {
                Ok(fd) => return Ok(Exit::PidFd(PollEvented::new(PidFd(fd))?)),
                Err(rustix::io::Errno::NOSYS) => {
                    // ORDERING: Relaxed; see the load above.
                    NO_PIDFD.store(true, Ordering::Relaxed);
                }
                // EPERM (seccomp) and the like: this child uses SIGCHLD.
                Err(_) => {}
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = (child, watch);
        let signals = signal_hook_mio::v1_0::Signals::new([signal_hook::consts::SIGCHLD])?;
        Ok(Exit::Sigchld(PollEvented::new(crate::signal::Source(
            Mutex::new(signals),
        ))?))
    }
}

impl Proc {
    /// Waits until the process has exited and reaps it.
    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        let std = &mut self.std;
        let mut reap = move || match std.try_wait()? {
            Some(status) => Ok(status),
            None => Err(io::ErrorKind::WouldBlock.into()),
        };
        match &self.exit {
            #[cfg(target_os = "linux")]
            Exit::PidFd(io) => io.poll_io(cx, Direction::Read, |_| reap()),
            Exit::Sigchld(io) => io.poll_io(cx, Direction::Read, |signals| {
                // Drain first: a SIGCHLD after the drain makes a new edge.
                signals.0.lock().pending().for_each(drop);
                reap()
            }),
        }
    }
}

impl Child {
    /// Wraps a spawned std child: registers its pipes and exit source.
    ///
    /// On an error the process is killed and reaped before returning.
    pub(crate) fn new(
        mut std: std::process::Child,
        watch: Watch,
        kill_on_drop: bool,
    ) -> io::Result<Child> {
        let pipes = (|| {
            let stdin = std.stdin.take().map(ChildStdin::new).transpose()?;
            let stdout = std.stdout.take().map(ChildStdout::new).transpose()?;
            let stderr = std.stderr.take().map(ChildStderr::new).transpose()?;
            let exit = Exit::new(&std, watch)?;
            Ok((stdin, stdout, stderr, exit))
        })();
        match pipes {
            Ok((stdin, stdout, stderr, exit)) => Ok(Child {
                proc: Some(Proc { std, exit }),
                status: None,
                kill_on_drop,
                stdin,
                stdout,
                stderr,
            }),
            Err(e) => {
                // Nothing can watch it: do not leave it running unseen.
                let _ = std.kill();
                let _ = std.wait();
                Err(e)
            }
        }
    }

    /// The OS process id, or `None` once the child has been reaped (the id
    /// may then belong to another process).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let mut child = curio::process::Command::new("true").spawn()?;
    ///     assert!(child.id().is_some());
    ///     child.wait().await?;
    ///     assert_eq!(child.id(), None); // reaped
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn id(&self) -> Option<u32> {
        match (&self.proc, self.status) {
            (Some(proc), None) => Some(proc.std.id()),
            _ => None,
        }
    }

    /// Waits for the child to exit and gives its status. Closes the
    /// child's stdin first, if it is still here, so a child reading it is
    /// not left waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let status = curio::process::Command::new("false").spawn()?.wait().await?;
    ///     assert_eq!(status.code(), Some(1));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// A `waitpid` error, or an error once the runtime's reactor has
    /// stopped.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a cancelled wait leaves the child as it was, and a
    /// later `wait` gives the status.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        std::future::poll_fn(|cx| self.poll_wait(cx)).await
    }

    /// [`wait`](Self::wait) as a poll function (without closing stdin).
    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        if let Some(status) = self.status {
            return Poll::Ready(Ok(status));
        }
        let Some(proc) = &mut self.proc else {
            return Poll::Ready(Err(io::Error::other("the child was already reaped")));
        };
        let status = std::task::ready!(proc.poll_wait(cx))?;
        self.status = Some(status);
        Poll::Ready(Ok(status))
    }

    /// The exit status if the child has exited, `None` if it is still
    /// running; never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let mut child = curio::process::Command::new("sleep").arg("10").spawn()?;
    ///     assert!(child.try_wait()?.is_none()); // still running
    ///     child.kill()?;
    ///     child.wait().await?;
    ///     assert!(child.try_wait()?.is_some());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// A `waitpid` error.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if let Some(status) = self.status {
            return Ok(Some(status));
        }
        let Some(proc) = &mut self.proc else {
            return Ok(None);
        };
        let status = proc.std.try_wait()?;
        self.status = status;
        Ok(status)
    }

    /// Sends `SIGKILL` to the child, now; [`wait`](Self::wait) then
    /// reports the signal (`ExitStatusExt::signal() == Some(9)`). A child
    /// that has already been reaped is left alone (`Ok`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::process::ExitStatusExt;
    /// curio::run(async {
    ///     let mut child = curio::process::Command::new("sleep").arg("10").spawn()?;
    ///     child.kill()?;
    ///     assert_eq!(child.wait().await?.signal(), Some(9));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As `kill(2)`.
    pub fn kill(&mut self) -> io::Result<()> {
        if self.status.is_some() {
            return Ok(());
        }
        match &mut self.proc {
            Some(proc) => proc.std.kill(),
            None => Ok(()),
        }
    }

    /// Closes stdin, reads stdout and stderr (those that are piped) to
    /// their end at the same time, and waits for the exit.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::process::{Command, Stdio};
    /// curio::run(async {
    ///     let child = Command::new("echo").arg("hi").stdout(Stdio::piped()).spawn()?;
    ///     let output = child.wait_with_output().await?;
    ///     assert_eq!(output.stdout, b"hi\n");
    ///     assert!(output.status.success());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// A read or wait error.
    ///
    /// # Cancel safety
    ///
    /// Not cancel-safe: the output read so far is lost. The `Child` is
    /// dropped (so it is killed if `kill_on_drop` was set, and reaped).
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        drop(self.stdin.take());
        let mut stdout = self.stdout.take();
        let mut stderr = self.stderr.take();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        std::future::poll_fn(|cx| {
            let a = poll_read_to_end(cx, &mut stdout, &mut out)?;
            let b = poll_read_to_end(cx, &mut stderr, &mut err)?;
            if a.is_ready() && b.is_ready() {
                Poll::Ready(io::Result::Ok(()))
            } else {
                Poll::Pending
            }
        })
        .await?;
        let status = self.wait().await?;
        Ok(Output {
            status,
            stdout: out,
            stderr: err,
        })
    }

    /// Whether the exit is watched through a pidfd (module docs, item 1).
    #[cfg(test)]
    pub(crate) fn uses_pidfd(&self) -> bool {
        #[cfg(target_os = "linux")]
        if let Some(Proc {
            exit: Exit::PidFd(_),
            ..
        }) = &self.proc
        {
            return true;
        }
        false
    }

    /// Whether `pidfd_open` has said `ENOSYS` in this process (always,
    /// off Linux).
    #[cfg(test)]
    pub(crate) fn pidfd_unsupported() -> bool {
        #[cfg(target_os = "linux")]
        // ORDERING: Relaxed; a hint (see `Exit::new`).
        return NO_PIDFD.load(Ordering::Relaxed);
        #[cfg(not(target_os = "linux"))]
        return true;
    }

    /// Makes a drop of this `Child` kill the process (for `output` and
    /// `status`, whose cancellation kills the child as curio's `run` did).
    pub(crate) fn set_kill_on_drop(&mut self) {
        self.kill_on_drop = true;
    }
}

/// Reads `pipe` into `buf` until its end, then sets it to `None`.
fn poll_read_to_end<R: futures_io::AsyncRead + Unpin>(
    cx: &mut Context<'_>,
    pipe: &mut Option<R>,
    buf: &mut Vec<u8>,
) -> Poll<io::Result<()>> {
    /// Bytes added to the buffer per read.
    const CHUNK: usize = 8 * 1024;
    while let Some(reader) = pipe {
        let len = buf.len();
        buf.resize(len + CHUNK, 0);
        let read = std::pin::Pin::new(reader).poll_read(cx, &mut buf[len..]);
        let n = match read {
            Poll::Ready(Ok(n)) => n,
            Poll::Ready(Err(e)) => {
                buf.truncate(len);
                return Poll::Ready(Err(e));
            }
            Poll::Pending => {
                buf.truncate(len);
                return Poll::Pending;
            }
        };
        buf.truncate(len + n);
        if n == 0 {
            *pipe = None;
        }
    }
    Poll::Ready(Ok(()))
}

impl Drop for Child {
    fn drop(&mut self) {
        if self.status.is_some() {
            return;
        }
        let Some(mut proc) = self.proc.take() else {
            return;
        };
        if let Ok(Some(_)) = proc.std.try_wait() {
            return;
        }
        if self.kill_on_drop {
            let _ = proc.std.kill();
        }
        // Invariant 1: reap it when it exits, so it leaves no zombie.
        if let Some(handle) = runtime_core::Handle::try_current() {
            drop(
                runtime_core::task::Builder::new()
                    .name("curio::process reaper")
                    .spawn_on(&handle, async move {
                        let _ = std::future::poll_fn(|cx| proc.poll_wait(cx)).await;
                    }),
            );
        }
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Child")
            .field("id", &self.id())
            .field("status", &self.status)
            .field("kill_on_drop", &self.kill_on_drop)
            .field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .finish()
    }
}
