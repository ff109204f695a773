//! Checks of the blocking pool's and `spawn_thread`'s thread bookkeeping.

use crate::runtime::Builder;
use std::time::{Duration, Instant};

/// Polls `cond` until it holds, failing after `limit`.
fn wait_until(limit: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Finished `spawn_thread` threads are joined as they finish, not kept
/// until the next `spawn_thread` call or shutdown.
#[test]
fn finished_spawn_threads_are_joined_without_a_later_spawn() {
    let rt = Builder::new().workers(1).build().unwrap();
    let handle = rt.handle().clone();
    rt.block_on(async {
        let tasks: Vec<_> = (0..16u32).map(|i| crate::spawn_thread(move || i)).collect();
        for (i, t) in tasks.into_iter().enumerate() {
            assert_eq!(t.await.unwrap(), i as u32);
        }
    });
    wait_until(
        Duration::from_secs(10),
        "the finished threads' handles to go",
        || handle.shared().threads.lock().is_empty(),
    );
}

/// Pool threads that exit after their keep-alive are joined as they exit,
/// not kept until the pool next starts a thread.
#[test]
fn exited_pool_threads_are_joined_without_a_later_spawn() {
    let rt = Builder::new()
        .workers(1)
        .thread_keep_alive(Duration::from_millis(10))
        .build()
        .unwrap();
    let handle = rt.handle().clone();
    rt.block_on(async {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        // Four calls that wait for each other, so four threads start.
        let calls: Vec<_> = (0..4)
            .map(|_| {
                let rx = rx.clone();
                crate::spawn(crate::run_in_thread(move || {
                    let _ = rx.lock().unwrap().recv_timeout(Duration::from_secs(5));
                }))
            })
            .collect();
        wait_until(Duration::from_secs(10), "four pool threads", || {
            crate::Handle::current().shared().blocking.threads() == 4
        });
        for _ in 0..4 {
            tx.send(()).unwrap();
        }
        for c in calls {
            c.await.unwrap();
        }
    });
    let pool = &handle.shared().blocking;
    wait_until(Duration::from_secs(10), "the pool threads to exit", || {
        pool.threads() == 0
    });
    wait_until(
        Duration::from_secs(10),
        "the exited threads' handles to go",
        || pool.inner.state.lock().threads.is_empty(),
    );
}
