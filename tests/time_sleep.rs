//! Sleeping: never early, cheap in bulk, dropped sleeps removed, intervals.

use futures::StreamExt;
use std::time::{Duration, Instant};

#[curio::test]
async fn sleep_never_wakes_early() {
    for ms in [1u64, 2, 5, 13] {
        let start = Instant::now();
        curio::sleep(Duration::from_millis(ms)).await;
        assert!(start.elapsed() >= Duration::from_millis(ms));
    }
}

#[curio::test]
async fn sleep_until_reaches_the_deadline() {
    let deadline = curio::clock() + Duration::from_millis(7);
    curio::sleep_until(deadline).await;
    assert!(curio::clock() >= deadline);
}

#[curio::test]
async fn zero_and_past_sleeps_complete_at_once() {
    curio::sleep(Duration::ZERO).await;
    curio::sleep_until(Instant::now() - Duration::from_millis(5)).await;
}

#[curio::test(workers = 4)]
async fn many_concurrent_sleeps_all_wake_in_time() {
    let start = Instant::now();
    let tasks: Vec<_> = (0..10_000u64)
        .map(|i| {
            curio::spawn(async move {
                let d = Duration::from_millis(i % 20);
                let t0 = Instant::now();
                curio::sleep(d).await;
                assert!(t0.elapsed() >= d);
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[curio::test]
async fn a_dropped_sleep_does_not_wake_the_task() {
    // A long sleep dropped before it fires, then a short one: the task only
    // sees the short one (and the runtime shuts down without waiting for
    // the long one).
    let long = curio::sleep(Duration::from_secs(3600));
    drop(long);
    let start = Instant::now();
    curio::sleep(Duration::from_millis(2)).await;
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[curio::test]
async fn interval_ticks_on_schedule_and_is_a_stream() {
    let mut i = curio::time::interval(Duration::from_millis(3));
    let t0 = i.tick().await;
    let t1 = i.tick().await;
    assert_eq!(t1 - t0, Duration::from_millis(3));
    let t2 = i.next().await.unwrap();
    assert!(t2 >= t1 + Duration::from_millis(3));
    assert!(Instant::now() >= t2);
}

#[test]
fn sleep_outside_a_runtime_panics_clearly() {
    let err = std::panic::catch_unwind(|| {
        futures::executor::block_on(curio::sleep(Duration::from_millis(1)))
    })
    .unwrap_err();
    let msg = err
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| err.downcast_ref::<String>().cloned())
        .unwrap();
    assert!(msg.contains("inside a curio runtime"), "{msg}");
}

#[test]
fn a_sleep_made_outside_runs_inside() {
    let rt = curio::Runtime::new().unwrap();
    rt.run(curio::sleep(Duration::from_millis(1)));
}

#[test]
fn shutdown_with_pending_timers_joins_the_timer_thread() {
    let rt = curio::Runtime::builder().workers(1).build().unwrap();
    rt.spawn(curio::sleep(Duration::from_secs(3600)));
    rt.block_on(curio::sleep(Duration::from_millis(1)));
    let start = Instant::now();
    drop(rt);
    assert!(start.elapsed() < Duration::from_secs(5));
}
