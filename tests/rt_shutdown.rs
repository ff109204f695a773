//! Running and shutting down a runtime: `run` returns the main task's
//! value, leftover tasks are cancelled exactly once, and every thread the
//! runtime started has exited.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use support::{runtime, threads_named, wait_until, DropCount, FLAVOURS};

#[test]
fn run_returns_the_main_value() {
    for workers in FLAVOURS {
        let rt = runtime(workers, "rt-value");
        assert_eq!(rt.run(async { 40 + 2 }), 42);
    }
    assert_eq!(curio::run(async { "default" }), "default");
}

#[test]
fn leftover_tasks_are_cancelled_once_and_threads_joined() {
    for (workers, prefix) in [(1, "sd1-"), (4, "sd4-")] {
        let drops = DropCount::default();
        let started = Arc::new(AtomicUsize::new(0));
        let rt = runtime(workers, prefix);
        let d = drops.clone();
        let s = started.clone();
        rt.run(async move {
            for _ in 0..100 {
                let guard = d.guard();
                let s = s.clone();
                curio::spawn(async move {
                    let _guard = guard;
                    s.fetch_add(1, SeqCst);
                    std::future::pending::<()>().await;
                });
            }
            // Some never-started tasks too: spawned last, never polled
            // before shutdown on one worker.
            for _ in 0..10 {
                let guard = d.guard();
                curio::spawn(async move {
                    let _guard = guard;
                });
            }
            // A blocking-pool thread and a dedicated thread.
            curio::run_in_thread(|| 1).await;
            curio::spawn_thread(|| 2).await.unwrap();
        });
        assert_eq!(drops.get(), 110, "each task dropped exactly once");
        // Every thread was joined before `run` returned. `pthread_join`
        // returns once a thread has left user space; the kernel may list it
        // in /proc for a moment longer, hence the short, bounded wait.
        wait_until(
            Duration::from_secs(2),
            "joined threads to leave /proc",
            || threads_named(prefix).is_empty(),
        );
    }
}

#[test]
fn tasks_spawned_during_shutdown_are_cancelled() {
    struct SpawnOnDrop(DropCount);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            let guard = self.0.guard();
            let late = curio::spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            });
            assert!(
                late.is_finished(),
                "a task spawned during shutdown is cancelled at once"
            );
        }
    }
    let drops = DropCount::default();
    let d = drops.clone();
    runtime(2, "sd-late").run(async move {
        let guard = SpawnOnDrop(d);
        curio::spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
    });
    assert_eq!(drops.get(), 1);
}

#[test]
fn spawn_through_a_handle_after_shutdown_is_cancelled() {
    let rt = runtime(2, "sd-after");
    let handle = rt.handle().clone();
    drop(rt);
    let task = handle.spawn(async { 1 });
    assert!(task.is_finished());
    let err = futures::executor::block_on(task).unwrap_err();
    assert!(err.is_cancelled(), "{err}");
}

#[test]
fn block_on_keeps_the_runtime_up() {
    let rt = runtime(2, "sd-block");
    let counter = Arc::new(AtomicUsize::new(0));
    let c = counter.clone();
    let background = rt.spawn(async move {
        c.fetch_add(1, SeqCst);
        7
    });
    assert_eq!(rt.block_on(async { 1 }), 1);
    assert_eq!(rt.block_on(background).unwrap(), 7);
    assert_eq!(counter.load(SeqCst), 1);
}

#[test]
fn a_main_task_panic_is_resumed() {
    let res =
        std::panic::catch_unwind(|| runtime(2, "sd-panic").run(async { panic!("main failed") }));
    let payload = res.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"main failed"));
    wait_until(Duration::from_secs(5), "threads to exit", || {
        threads_named("sd-panic").is_empty()
    });
}

#[test]
fn bad_configuration_is_an_error() {
    let err = curio::Runtime::builder().workers(0).build().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let err = curio::Runtime::builder()
        .max_blocking_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}
