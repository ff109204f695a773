//! How exits are watched: the pidfd where the kernel has one, and the
//! `SIGCHLD` fallback, which such a kernel never takes on its own.

use super::child::Watch;
use super::{Child, Command};
use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

#[test]
fn sigchld_fallback_notices_exits_and_kills() {
    let rt = runtime_core::Runtime::builder()
        .workers(2)
        .build()
        .expect("runtime starts");
    rt.run(async {
        let mut quick = Command::new("sh");
        quick.args(["-c", "exit 3"]);
        let mut child = quick.spawn_with(Watch::Sigchld).expect("spawn sh");
        assert_eq!(child.wait().await.expect("wait").code(), Some(3));

        // Several at once: every SIGCHLD wakes each waiter, and each reaps
        // only its own pid.
        let mut waits = Vec::new();
        for i in 0..8 {
            let mut cmd = Command::new("sh");
            cmd.args(["-c", &format!("sleep 0.0{i}; exit {i}")]);
            let mut child = cmd.spawn_with(Watch::Sigchld).expect("spawn sh");
            waits.push(runtime_core::spawn(async move { child.wait().await }));
        }
        for (i, wait) in waits.into_iter().enumerate() {
            let status = wait.await.expect("task").expect("wait");
            assert_eq!(status.code(), Some(i as i32));
        }

        let mut sleeper = Command::new("sleep");
        sleeper.arg("30");
        let mut child = sleeper.spawn_with(Watch::Sigchld).expect("spawn sleep");
        child.kill().expect("kill");
        let status = runtime_core::timeout_after(Duration::from_secs(10), child.wait())
            .await
            .expect("the kill is noticed within 10 s")
            .expect("wait");
        assert_eq!(status.signal(), Some(libc::SIGKILL));
    });
}

#[test]
fn linux_children_are_watched_through_a_pidfd() {
    let rt = runtime_core::Runtime::builder()
        .workers(1)
        .build()
        .expect("runtime starts");
    rt.run(async {
        let mut child = Command::new("true").spawn().expect("spawn true");
        if cfg!(target_os = "linux") && !Child::pidfd_unsupported() {
            assert!(child.uses_pidfd(), "pidfd_open works here but was not used");
        } else {
            eprintln!("SKIP: no pidfd_open on this kernel; the SIGCHLD fallback is in use");
        }
        assert!(child.wait().await.expect("wait").success());
    });
}
