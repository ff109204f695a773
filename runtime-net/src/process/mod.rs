//! Child processes (curio's `subprocess`, `tokio::process`'s API): a
//! [`Command`] builder over `std::process::Command`, a [`Child`] whose exit
//! a task awaits, and its pipes as `futures-io` streams on the reactor.
//!
//! Users reach this module as `curio::process`. Spawning runs `fork`/`exec`
//! on the calling thread, as `std` does; everything after that waits on
//! the reactor: the pipes are non-blocking and registered like sockets,
//! and the exit is noticed through a pidfd (Linux 5.3+) or, failing that,
//! `SIGCHLD` (see [`Child`] for the details). No thread waits per child.
//!
//! [`Command::output`] and [`Command::status`] kill the child when they
//! are cancelled or time out, as curio's `subprocess.run` did.
//!
//! # Examples
//!
//! ```
//! use curio::process::Command;
//!
//! curio::run(async {
//!     let output = Command::new("echo").arg("hello").output().await?;
//!     assert!(output.status.success());
//!     assert_eq!(output.stdout, b"hello\n");
//!
//!     // A timeout kills the child.
//!     let slow = Command::new("sleep").arg("30").status();
//!     let timed_out = curio::timeout_after(std::time::Duration::from_millis(50), slow).await;
//!     assert!(timed_out.is_err());
//!     std::io::Result::Ok(())
//! })
//! .unwrap();
//! ```

mod child;
mod pipe;
#[cfg(test)]
mod tests;

pub use child::Child;
pub use pipe::{ChildStderr, ChildStdin, ChildStdout};
pub use std::process::{ExitStatus, Output, Stdio};

use child::Watch;
use std::ffi::OsStr;
use std::fmt;
use std::future::Future;
use std::io;
use std::path::Path;

/// A process to start: program, arguments, environment, working directory
/// and standard streams, as `std::process::Command`, spawned into a
/// [`Child`] that tasks can await.
///
/// By default the child inherits this process's stdin, stdout and stderr
/// (for [`output`](Self::output): stdin is null and stdout and stderr are
/// captured, unless set).
///
/// # Examples
///
/// ```
/// use curio::process::{Command, Stdio};
/// curio::run(async {
///     let output = Command::new("sh")
///         .args(["-c", "echo $GREETING from $PWD"])
///         .env_clear()
///         .env("GREETING", "hello")
///         .current_dir("/")
///         .stdin(Stdio::null())
///         .output()
///         .await?;
///     assert_eq!(output.stdout, b"hello from /\n");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct Command {
    /// The std builder, which spawns.
    std: std::process::Command,
    /// Whether dropping the `Child` kills the process.
    kill_on_drop: bool,
    /// Whether the caller set stdin, stdout, stderr (`output` keeps them).
    set: [bool; 3],
}

impl Command {
    /// A command running `program` (looked up in `PATH` when it has no
    /// `/`), with no arguments.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let status = curio::process::Command::new("true").status().await?;
    ///     assert!(status.success());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command::from(std::process::Command::new(program))
    }

    /// Adds an argument.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut ls = curio::process::Command::new("ls");
    /// ls.arg("-l").arg("/");
    /// ```
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds several arguments.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let out = curio::process::Command::new("echo").args(["a", "b"]).output().await?;
    ///     assert_eq!(out.stdout, b"a b\n");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable of the child.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let out = curio::process::Command::new("sh")
    ///         .args(["-c", "echo $GREETING"])
    ///         .env("GREETING", "hello")
    ///         .output()
    ///         .await?;
    ///     assert_eq!(out.stdout, b"hello\n");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn env(&mut self, key: impl AsRef<OsStr>, val: impl AsRef<OsStr>) -> &mut Command {
        self.std.env(key, val);
        self
    }

    /// Sets several environment variables of the child.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cmd = curio::process::Command::new("env");
    /// cmd.envs([("A", "1"), ("B", "2")]);
    /// ```
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes a variable from the child's environment.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cmd = curio::process::Command::new("env");
    /// cmd.env_remove("HOME");
    /// ```
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (plus what `env` adds
    /// afterwards).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let out = curio::process::Command::new("/bin/sh")
    ///         .args(["-c", "echo \"[$HOME]\""])
    ///         .env_clear()
    ///         .output()
    ///         .await?;
    ///     assert_eq!(out.stdout, b"[]\n");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// The child's working directory.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let out = curio::process::Command::new("pwd").current_dir("/").output().await?;
    ///     assert_eq!(out.stdout, b"/\n");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// The child's stdin: [`Stdio::piped`] gives [`Child::stdin`],
    /// [`Stdio::null`], [`Stdio::inherit`], or a `std::fs::File`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Stdio;
    /// curio::run(async {
    ///     // With stdin closed, `cat` reads end of file at once.
    ///     let out = curio::process::Command::new("cat").stdin(Stdio::null()).output().await?;
    ///     assert!(out.stdout.is_empty());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdin(cfg);
        self.set[0] = true;
        self
    }

    /// The child's stdout ([`Stdio::piped`] gives [`Child::stdout`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::AsyncReadExt;
    /// use std::process::Stdio;
    /// curio::run(async {
    ///     let mut child = curio::process::Command::new("echo")
    ///         .arg("piped")
    ///         .stdout(Stdio::piped())
    ///         .spawn()?;
    ///     let mut text = String::new();
    ///     child.stdout.take().unwrap().read_to_string(&mut text).await?;
    ///     child.wait().await?;
    ///     assert_eq!(text, "piped\n");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdout(cfg);
        self.set[1] = true;
        self
    }

    /// The child's stderr ([`Stdio::piped`] gives [`Child::stderr`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Stdio;
    /// curio::run(async {
    ///     let out = curio::process::Command::new("sh")
    ///         .args(["-c", "echo oops >&2"])
    ///         .stderr(Stdio::piped())
    ///         .output()
    ///         .await?;
    ///     assert_eq!(out.stderr, b"oops\n");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stderr(cfg);
        self.set[2] = true;
        self
    }

    /// Whether dropping the [`Child`] sends it `SIGKILL` (default
    /// `false`: the child runs on, and is reaped when it exits).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let child = curio::process::Command::new("sleep")
    ///         .arg("30")
    ///         .kill_on_drop(true)
    ///         .spawn()?;
    ///     drop(child); // killed now, reaped in the background
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// The std builder, for what this one does not wrap (`uid`,
    /// `process_group`, `pre_exec` through `std::os::unix::process::CommandExt`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::process::CommandExt;
    /// let mut cmd = curio::process::Command::new("true");
    /// cmd.as_std_mut().process_group(0);
    /// ```
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// The std builder, to inspect it.
    ///
    /// # Examples
    ///
    /// ```
    /// let cmd = curio::process::Command::new("true");
    /// assert_eq!(cmd.as_std().get_program(), "true");
    /// ```
    pub fn as_std(&self) -> &std::process::Command {
        &self.std
    }

    /// Starts the child process.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let mut child = curio::process::Command::new("sh").args(["-c", "exit 3"]).spawn()?;
    ///     assert_eq!(child.wait().await?.code(), Some(3));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`std::process::Command::spawn`] (`NotFound` for a missing
    /// program, `PermissionDenied`, ...), an error outside a curio runtime
    /// (checked before anything is started), and an error registering its
    /// pipes or exit with the reactor (the child is then killed and reaped).
    pub fn spawn(&mut self) -> io::Result<Child> {
        self.spawn_with(Watch::Best)
    }

    /// [`spawn`](Self::spawn), noticing the exit as `watch` says.
    fn spawn_with(&mut self, watch: Watch) -> io::Result<Child> {
        if runtime_core::Handle::try_current().is_none() {
            return Err(io::Error::other(
                "curio::process needs a curio runtime: call it from a task",
            ));
        }
        let std = self.std.spawn()?;
        Child::new(std, watch, self.kill_on_drop)
    }

    /// Runs the child to its end and gives its status and captured
    /// output. Unless set, stdin is null and stdout and stderr are piped
    /// (and stay so for later spawns of this `Command`). The child starts
    /// when `output` is called, not when the future is first polled.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let output = curio::process::Command::new("sh")
    ///         .args(["-c", "echo out; echo err >&2; exit 3"])
    ///         .output()
    ///         .await?;
    ///     assert_eq!(output.status.code(), Some(3));
    ///     assert_eq!(output.stdout, b"out\n");
    ///     assert_eq!(output.stderr, b"err\n");
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`spawn`](Self::spawn), and read or wait errors.
    ///
    /// # Cancel safety
    ///
    /// Cancelling the future (or a timeout around it) kills the child with
    /// `SIGKILL`; the runtime reaps it in the background.
    pub fn output(&mut self) -> impl Future<Output = io::Result<Output>> + Send + 'static {
        if !self.set[0] {
            self.stdin(Stdio::null());
        }
        if !self.set[1] {
            self.stdout(Stdio::piped());
        }
        if !self.set[2] {
            self.stderr(Stdio::piped());
        }
        let child = self.spawn();
        async move {
            let mut child = child?;
            child.set_kill_on_drop();
            child.wait_with_output().await
        }
    }

    /// Runs the child to its end and gives its exit status. Its streams
    /// are inherited unless set; pipes the caller asked for are closed at
    /// once. The child starts when `status` is called.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let status = curio::process::Command::new("sh").args(["-c", "exit 7"]).status().await?;
    ///     assert_eq!(status.code(), Some(7));
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`spawn`](Self::spawn), and wait errors.
    ///
    /// # Cancel safety
    ///
    /// Cancelling the future (or a timeout around it) kills the child with
    /// `SIGKILL`; the runtime reaps it in the background.
    pub fn status(&mut self) -> impl Future<Output = io::Result<ExitStatus>> + Send + 'static {
        let child = self.spawn();
        async move {
            let mut child = child?;
            child.set_kill_on_drop();
            drop((child.stdin.take(), child.stdout.take(), child.stderr.take()));
            child.wait().await
        }
    }
}

impl From<std::process::Command> for Command {
    fn from(std: std::process::Command) -> Command {
        Command {
            std,
            kill_on_drop: false,
            set: [false; 3],
        }
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Command")
            .field("std", &self.std)
            .field("kill_on_drop", &self.kill_on_drop)
            .finish()
    }
}
