//! Blocking work: `run_in_thread` on a bounded pool and `spawn_thread`.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use support::{threads_named, wait_until};

#[test]
fn run_in_thread_returns_and_resumes_panics() {
    curio::run(async {
        assert_eq!(curio::run_in_thread(|| 6 * 7).await, 42);
        let err = curio::spawn(async { curio::run_in_thread(|| panic!("in a thread")).await })
            .await
            .unwrap_err();
        assert!(err.to_string().contains("in a thread"), "{err}");
    });
}

#[test]
fn the_pool_is_bounded() {
    let rt = curio::Runtime::builder()
        .workers(2)
        .max_blocking_threads(2)
        .thread_name("bounded")
        .build()
        .unwrap();
    let (now, max) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (n, m) = (now.clone(), max.clone());
    rt.run(async move {
        let calls: Vec<_> = (0..8)
            .map(|_| {
                let (n, m) = (n.clone(), m.clone());
                curio::spawn(curio::run_in_thread(move || {
                    let cur = n.fetch_add(1, SeqCst) + 1;
                    m.fetch_max(cur, SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    n.fetch_sub(1, SeqCst);
                }))
            })
            .collect();
        for c in calls {
            c.await.unwrap();
        }
    });
    assert!(
        max.load(SeqCst) <= 2,
        "at most 2 at once, saw {}",
        max.load(SeqCst)
    );
    assert!(max.load(SeqCst) >= 1);
}

#[test]
fn idle_pool_threads_exit_after_the_keep_alive() {
    let rt = curio::Runtime::builder()
        .workers(1)
        .thread_keep_alive(Duration::from_millis(20))
        .thread_name("keepalive")
        .build()
        .unwrap();
    rt.block_on(async { curio::run_in_thread(|| ()).await });
    wait_until(Duration::from_secs(5), "idle pool thread to exit", || {
        threads_named("keepalive-bloc").is_empty()
    });
    // The pool starts a new thread when needed again.
    assert_eq!(rt.block_on(async { curio::run_in_thread(|| 5).await }), 5);
}

#[test]
fn a_cancelled_call_runs_on_as_a_zombie() {
    let finished = Arc::new(AtomicBool::new(false));
    let f = finished.clone();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let rt = curio::Runtime::builder().workers(2).build().unwrap();
    rt.block_on(async move {
        let mut waiter = curio::spawn(curio::run_in_thread(move || {
            go_rx.recv().unwrap();
            f.store(true, SeqCst);
        }));
        curio::yield_now().await;
        assert!(
            waiter.cancel().await,
            "the awaiting task stops waiting at once"
        );
        go_tx.send(()).unwrap();
    });
    wait_until(Duration::from_secs(5), "the zombie call to finish", || {
        finished.load(SeqCst)
    });
}

#[test]
fn spawn_thread_is_joinable_like_a_task() {
    curio::run(async {
        let t = curio::spawn_thread(|| std::thread::current().name().map(str::to_owned));
        let name = t.await.unwrap().unwrap();
        assert!(name.ends_with("-thread"), "{name}");
        let err = curio::spawn_thread(|| panic!("thread failed"))
            .await
            .unwrap_err();
        assert!(err.is_panic());
    });
}
