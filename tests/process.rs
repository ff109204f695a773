//! Child processes: `Command::{output, status, spawn}`, exit statuses,
//! piped stdin/stdout streamed through the reactor, pipelines, kills, timeouts and
//! cancellation that kill the child, reaping of dropped children, and 100
//! children at once.

mod support;

use curio::net::SocketStream;
use curio::process::{Command, Stdio};
use futures::{AsyncReadExt, AsyncWriteExt};
use std::io::ErrorKind;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use support::{runtime, FLAVOURS};

/// Whether process `pid` is gone: not running and reaped (a zombie still
/// answers `kill(pid, 0)`).
fn gone(pid: u32) -> bool {
    let pid = libc::pid_t::try_from(pid).expect("pid fits pid_t");
    // SAFETY: signal 0 only checks that the process exists; no memory is
    // involved.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

/// Waits, in a task, until `cond` holds; fails the test after `limit`.
async fn eventually(limit: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        curio::sleep(Duration::from_millis(2)).await;
    }
}

/// A path for a child to write its pid to.
fn pid_file(test: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("curio-proc-{test}-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// Waits for the pid a child wrote to `path` (`echo $$ > path`).
async fn read_pid(path: &PathBuf) -> u32 {
    let mut pid = None;
    eventually(Duration::from_secs(10), "the child's pid file", || {
        pid = std::fs::read_to_string(path)
            .ok()
            .and_then(|s| s.strip_suffix('\n').and_then(|s| s.parse().ok()));
        pid.is_some()
    })
    .await;
    let _ = std::fs::remove_file(path);
    pid.expect("parsed")
}

#[test]
fn echo_output_and_exit_statuses() {
    curio::run(async {
        let out = Command::new("echo")
            .args(["hello", "curio"])
            .output()
            .await?;
        assert!(out.status.success());
        assert_eq!(out.stdout, b"hello curio\n");
        assert!(out.stderr.is_empty());

        let status = Command::new("sh").args(["-c", "exit 3"]).status().await?;
        assert!(!status.success());
        assert_eq!(status.code(), Some(3));

        let out = Command::new("sh")
            .args(["-c", "echo to-err >&2; exit 42"])
            .output()
            .await?;
        assert_eq!(out.status.code(), Some(42));
        assert_eq!(out.stderr, b"to-err\n");

        let err = Command::new("/no/such/curio-program").spawn().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);

        // Environment and working directory reach the child.
        let out = Command::new("sh")
            .args(["-c", "echo $A-$B; pwd"])
            .env_clear()
            .envs([("A", "1"), ("B", "2")])
            .env("B", "3")
            .current_dir("/")
            .output()
            .await?;
        assert_eq!(out.stdout, b"1-3\n/\n");
        std::io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn spawning_outside_a_runtime_is_an_error() {
    let err = Command::new("true").spawn().unwrap_err();
    assert!(err.to_string().contains("curio runtime"), "{err}");
}

#[test]
fn stdout_streams_line_by_line_while_the_child_runs() {
    curio::run(async {
        let mut child = Command::new("sh")
            .args(["-c", "echo first; read x; echo second $x"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut stdin = child.stdin.take().expect("piped");
        let mut lines = SocketStream::new(child.stdout.take().expect("piped"));
        assert_eq!(lines.readline().await?, b"first\n");
        // It is blocked reading stdin: the line came while it runs.
        assert!(child.try_wait()?.is_none());
        stdin.write_all(b"go\n").await?;
        assert_eq!(lines.readline().await?, b"second go\n");
        assert!(lines.readline().await?.is_empty(), "end of stream");
        assert!(child.wait().await?.success());
        std::io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn stdin_piped_to_cat_comes_back() {
    // Far more than a pipe holds (64 KiB), so writer and reader must take
    // turns on the reactor.
    let data: Vec<u8> = (0..2_000_000u32).map(|i| (i % 253) as u8).collect();
    for workers in FLAVOURS {
        let data = data.clone();
        runtime(workers, "proc-cat")
            .run(async move {
                let mut child = Command::new("cat")
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .spawn()?;
                let mut stdin = child.stdin.take().expect("piped");
                let mut stdout = child.stdout.take().expect("piped");
                let input = data.clone();
                let writer = curio::spawn(async move {
                    stdin.write_all(&input).await?;
                    stdin.close().await?;
                    // Closed: later writes fail clearly.
                    let err = stdin.write(b"x").await.unwrap_err();
                    assert_eq!(err.kind(), ErrorKind::NotConnected);
                    std::io::Result::Ok(())
                });
                let mut back = Vec::new();
                stdout.read_to_end(&mut back).await?;
                writer.await.unwrap()?;
                assert!(back == data, "cat gave back other bytes");
                assert!(child.wait().await?.success());
                std::io::Result::Ok(())
            })
            .unwrap();
    }
}

#[test]
fn pipes_connect_children_into_a_pipeline() {
    curio::run(async {
        // (sleep; printf 'b\na\nc\n') | sort | tr a-z A-Z; the sleep makes
        // sort find its stdin empty first, which fails if it is
        // non-blocking.
        let mut producer = Command::new("sh")
            .args(["-c", "sleep 0.1; printf 'b\\na\\nc\\n'"])
            .stdout(Stdio::piped())
            .spawn()?;
        let mut sort = Command::new("sort")
            .stdin(Stdio::try_from(producer.stdout.take().expect("piped"))?)
            .stdout(Stdio::piped())
            .spawn()?;
        let upper = Command::new("tr")
            .args(["a-z", "A-Z"])
            .stdin(Stdio::try_from(sort.stdout.take().expect("piped"))?)
            .output()
            .await?;
        assert_eq!(upper.stdout, b"A\nB\nC\n");
        assert!(producer.wait().await?.success());
        assert!(sort.wait().await?.success());
        // A closed stdin cannot be handed on.
        let mut cat = Command::new("cat").stdin(Stdio::piped()).spawn()?;
        let mut stdin = cat.stdin.take().expect("piped");
        stdin.close().await?;
        let err = Stdio::try_from(stdin).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotConnected);
        assert!(cat.wait().await?.success());
        std::io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn kill_then_wait_reports_the_signal() {
    curio::run(async {
        let mut child = Command::new("sleep").arg("30").spawn()?;
        let pid = child.id().expect("running");
        assert!(child.try_wait()?.is_none());
        child.kill()?;
        let status = child.wait().await?;
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        assert_eq!(status.code(), None);
        assert_eq!(child.id(), None, "reaped");
        assert!(gone(pid));
        // Killing or waiting again is harmless.
        child.kill()?;
        assert_eq!(child.wait().await?, status);
        assert_eq!(child.try_wait()?, Some(status));
        std::io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn a_timed_out_status_kills_the_child() {
    let path = pid_file("timeout");
    curio::run(async move {
        let script = format!("echo $$ > {}; exec sleep 30", path.display());
        let status = Command::new("sh").args(["-c", &script]).status();
        let pid = read_pid(&path).await;
        assert!(!gone(pid));
        let started = Instant::now();
        let timed_out = curio::timeout_after(Duration::from_millis(100), status).await;
        assert!(timed_out.is_err(), "sleep 30 cannot finish in 100 ms");
        eventually(
            Duration::from_secs(10),
            "the child killed and reaped",
            || gone(pid),
        )
        .await;
        assert!(started.elapsed() < Duration::from_secs(10));
    });
}

#[test]
fn a_cancelled_output_kills_the_child() {
    let path = pid_file("cancel");
    curio::run(async move {
        let script = format!("echo $$ > {}; exec sleep 30", path.display());
        let output = Command::new("sh").args(["-c", &script]).output();
        let mut task = curio::spawn(output);
        let pid = read_pid(&path).await;
        assert!(!gone(pid));
        assert!(task.cancel().await, "cancelled while running");
        assert!(task.await.unwrap_err().is_cancelled());
        eventually(
            Duration::from_secs(10),
            "the child killed and reaped",
            || gone(pid),
        )
        .await;
    });
}

#[test]
fn dropped_children_are_reaped_and_killed_on_request() {
    curio::run(async {
        // kill_on_drop: killed at the drop, then reaped.
        let child = Command::new("sleep").arg("30").kill_on_drop(true).spawn()?;
        let pid = child.id().expect("running");
        drop(child);
        eventually(Duration::from_secs(10), "kill_on_drop's kill", || gone(pid)).await;

        // Without it the child runs to its end, and is still reaped: no
        // zombie is left.
        let child = Command::new("sh").args(["-c", "exit 0"]).spawn()?;
        let pid = child.id().expect("running");
        drop(child);
        eventually(Duration::from_secs(10), "the dropped child reaped", || {
            gone(pid)
        })
        .await;
        std::io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn a_hundred_children_at_once() {
    for workers in FLAVOURS {
        runtime(workers, "proc-many")
            .run(async {
                let mut tasks = Vec::new();
                for i in 0..100 {
                    tasks.push(curio::spawn(async move {
                        // Each exits with its own code and prints its own
                        // number: no status or output goes to another.
                        Command::new("sh")
                            .args(["-c", "sleep 0.05; echo $0; exit $(($0 % 7))"])
                            .arg(i.to_string())
                            .output()
                            .await
                    }));
                }
                for (i, task) in tasks.into_iter().enumerate() {
                    let out = task.await.unwrap()?;
                    assert_eq!(out.stdout, format!("{i}\n").as_bytes());
                    assert_eq!(out.status.code(), Some(i as i32 % 7));
                }
                std::io::Result::Ok(())
            })
            .unwrap();
    }
}

#[test]
fn the_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Command>();
    send_sync::<curio::process::Child>();
    send_sync::<curio::process::ChildStdin>();
    send_sync::<curio::process::ChildStdout>();
    send_sync::<curio::process::ChildStderr>();
}

#[test]
fn a_hundred_waiting_children_take_no_thread_each() {
    let (ok, threads) = runtime(2, "proc-idle")
        .run(async {
            let mut waits = Vec::new();
            let mut pids = Vec::new();
            for _ in 0..100 {
                let mut child = Command::new("sleep").arg("30").kill_on_drop(true).spawn()?;
                pids.push(child.id().expect("running"));
                waits.push(
                    curio::task::Builder::new()
                        .name("waiter")
                        .spawn(async move { child.wait().await }),
                );
            }
            // Every waiter suspends on its child's exit source (a pidfd, or
            // SIGCHLD) in the reactor.
            eventually(Duration::from_secs(10), "100 waiters in READ_WAIT", || {
                let waiting = curio::Handle::current()
                    .tasks()
                    .into_iter()
                    .filter(|t| t.name.as_deref() == Some("waiter"))
                    .filter(|t| t.state == curio::introspect::TaskState::ReadWait)
                    .count();
                waiting == 100
            })
            .await;
            let threads = support::threads_named("proc-idle").len();
            for &pid in &pids {
                let pid = libc::pid_t::try_from(pid).expect("pid fits pid_t");
                // SAFETY: sends a signal to a child this test spawned and
                // has not reaped (its waiter is still waiting); no memory is
                // involved.
                assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
            }
            let mut ok = 0;
            for wait in waits {
                let status = wait.await.unwrap()?;
                ok += usize::from(status.signal() == Some(libc::SIGKILL));
            }
            std::io::Result::Ok((ok, threads))
        })
        .unwrap();
    assert_eq!(ok, 100, "every wait saw its child's SIGKILL");
    // Threads with the runtime's name: its 2 workers and any blocking-pool
    // or `spawn_thread` threads (the reactor and timer are `curio-*`). A
    // wait that blocked a thread per child would show 100 here; 2 were seen.
    assert!(
        threads < 10,
        "{threads} runtime threads for 100 waiting children"
    );
}
