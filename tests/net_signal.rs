//! Signals through the reactor: several waiters wake on one signal, the
//! event stays set until cleared. (Its own process: it raises signals.)

use curio::signal::{raise, SignalEvent, SIGUSR1, SIGUSR2};
use std::future::Future;
use std::sync::Arc;

#[test]
fn several_waiters_wake_and_clear_rearms() {
    curio::run(async {
        let event = Arc::new(SignalEvent::new(&[SIGUSR1, SIGUSR2]).unwrap());
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let e = event.clone();
                curio::spawn(async move { e.wait().await })
            })
            .collect();
        curio::yield_now().await;
        raise(SIGUSR2).unwrap();
        for w in waiters {
            w.await.unwrap().unwrap();
        }
        assert!(event.is_set());
        event.wait().await.unwrap();
        event.clear();
        assert!(!event.is_set());
        let e = event.clone();
        let again = curio::spawn(async move { e.wait().await });
        curio::yield_now().await;
        raise(SIGUSR1).unwrap();
        again.await.unwrap().unwrap();
    });
}

#[test]
fn forbidden_signals_are_refused() {
    curio::run(async {
        let err = SignalEvent::new(&[9]).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    });
}

/// The environment variable that makes `default_action_child` run, and
/// which signal API it uses.
const CHILD_ENV: &str = "CURIO_NET_SIGNAL_CHILD";

/// Runs in a child process: handles SIGINT through curio (a `SignalEvent`,
/// or `ctrl_c`), lets go of it, then raises SIGINT, which must now kill it.
#[test]
fn default_action_child() {
    let Some(mode) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    curio::run(async move {
        if mode == "event" {
            let event = SignalEvent::new(&[curio::signal::SIGINT]).unwrap();
            raise(curio::signal::SIGINT).unwrap();
            event.wait().await.unwrap();
            drop(event);
        } else {
            // Polled once here, so its handler is installed before the
            // signal is raised (a spawned task might not have run yet).
            let mut ctrl_c = std::pin::pin!(curio::signal::ctrl_c());
            assert!(futures::poll!(ctrl_c.as_mut()).is_pending());
            raise(curio::signal::SIGINT).unwrap();
            ctrl_c.await.unwrap();
        }
        println!("handled");
    });
    raise(curio::signal::SIGINT).unwrap();
    println!("survived");
}

#[test]
fn the_default_action_comes_back_after_the_last_user_goes() {
    use std::os::unix::process::ExitStatusExt;
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    for mode in ["event", "ctrl_c"] {
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["default_action_child", "--exact", "--nocapture"])
            .args(["--test-threads=1"])
            .env(CHILD_ENV, mode)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stdout.contains("handled"), "{mode}: {stdout} {stderr}");
        assert!(
            !stdout.contains("survived"),
            "{mode}: SIGINT stayed swallowed"
        );
        assert_eq!(
            output.status.signal(),
            Some(curio::signal::SIGINT),
            "{mode}: {:?}",
            output.status
        );
    }
}

#[test]
fn ctrl_c_is_listening_once_polled() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    curio::run(async {
        // Hold a SIGINT user for the test's whole life, so a SIGINT raised
        // here never meets the default action, whatever the order of the
        // tests of this file.
        let _guard = SignalEvent::new(&[curio::signal::SIGINT]).unwrap();
        let mut ctrl_c = Box::pin(curio::signal::ctrl_c());
        {
            let waker = futures::task::noop_waker();
            let mut cx = std::task::Context::from_waker(&waker);
            assert!(ctrl_c.as_mut().poll(&mut cx).is_pending());
        }
        raise(curio::signal::SIGINT).unwrap();
        ctrl_c.await.unwrap();
    });
}
