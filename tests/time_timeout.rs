//! Timeouts: curio's nested-timeout rules (semantics file A16–A21).

use curio::{disable_cancellation, ignore_after, sleep, timeout_after, TaskTimeout};
use futures::channel::oneshot;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LONG: Duration = Duration::from_secs(30);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

type Log = Arc<Mutex<Vec<&'static str>>>;

fn log() -> Log {
    Arc::new(Mutex::new(Vec::new()))
}

// A17
#[curio::test]
async fn basic_timeouts() {
    assert_eq!(timeout_after(ms(5), sleep(LONG)).await, Err(TaskTimeout));
    assert_eq!(ignore_after(ms(5), sleep(LONG)).await, None);
    assert_eq!(timeout_after(LONG, async { 1 }).await, Ok(1));
    assert_eq!(ignore_after(LONG, async { 2 }).await, Some(2));
    let at = curio::clock() + ms(3);
    assert!(curio::timeout_at(at, sleep(LONG)).await.is_err());
    assert!(curio::ignore_at(at, sleep(LONG)).await.is_none());
    assert_eq!(TaskTimeout.to_string(), "task timeout");
}

// A18: the outer deadline wins; the inner code after its own timeout never runs.
#[curio::test]
async fn outer_deadline_wins_over_a_longer_inner_one() {
    let log = log();
    let l = log.clone();
    let start = Instant::now();
    let r = timeout_after(ms(20), async move {
        l.lock().unwrap().push("coro1 start");
        let inner = timeout_after(LONG, sleep(LONG)).await;
        l.lock().unwrap().push("after inner");
        inner
    })
    .await;
    assert_eq!(r, Err(TaskTimeout));
    assert_eq!(*log.lock().unwrap(), ["coro1 start"]);
    assert!(start.elapsed() >= ms(20) && start.elapsed() < LONG);
}

// A19: an inner timeout that fires alone reaches its own caller only.
#[curio::test]
async fn an_escaped_inner_timeout_is_an_ordinary_value() {
    let r = timeout_after(LONG, timeout_after(ms(5), sleep(LONG))).await;
    assert_eq!(r, Ok(Err(TaskTimeout)));
    let r = timeout_after(LONG, async {
        let inner = timeout_after(ms(5), sleep(LONG)).await;
        assert_eq!(inner, Err(TaskTimeout));
        "handled"
    })
    .await;
    assert_eq!(r, Ok("handled"));
}

// A20: both deadlines pass while the task is suspended: the outer one wins.
#[curio::test(workers = 1)]
async fn simultaneous_expiry_goes_to_the_outermost() {
    // A task on the only worker, which the blocker then occupies until
    // both deadlines have passed.
    curio::spawn(async {
        let blocker = curio::spawn(async { std::thread::sleep(ms(40)) });
        let r = timeout_after(ms(20), timeout_after(ms(10), sleep(LONG))).await;
        assert_eq!(r, Err(TaskTimeout));
        blocker.await.unwrap();
    })
    .await
    .unwrap();
}

// A20, second shape: both pass during one poll (no suspension in between).
#[curio::test]
async fn simultaneous_expiry_during_a_poll_goes_to_the_outermost() {
    let r = timeout_after(
        ms(20),
        timeout_after(ms(10), async {
            curio::yield_now().await;
            std::thread::sleep(ms(40));
            sleep(LONG).await
        }),
    )
    .await;
    assert_eq!(r, Err(TaskTimeout));
}

// A21: completing late without suspending is not an error.
#[curio::test]
async fn late_completion_is_not_an_error() {
    let r = timeout_after(ms(5), async {
        std::thread::sleep(ms(20));
        5
    })
    .await;
    assert_eq!(r, Ok(5));
    // Nothing is left armed: a later suspension is not interrupted.
    curio::yield_now().await;
    sleep(ms(1)).await;
}

#[curio::test]
async fn ignore_after_swallows_only_its_own_expiry() {
    let log = log();
    let l = log.clone();
    let r = timeout_after(ms(10), async move {
        let inner = ignore_after(LONG, sleep(LONG)).await;
        l.lock().unwrap().push("after ignore");
        inner
    })
    .await;
    assert_eq!(r, Err(TaskTimeout));
    assert!(log.lock().unwrap().is_empty());
}

#[curio::test]
async fn timeouts_wait_for_disable_cancellation() {
    let log = log();
    let l = log.clone();
    let start = Instant::now();
    let r = timeout_after(ms(5), async move {
        disable_cancellation(sleep(ms(30))).await;
        l.lock().unwrap().push("shield done");
        sleep(LONG).await;
        l.lock().unwrap().push("unreachable");
    })
    .await;
    assert_eq!(r, Err(TaskTimeout));
    assert_eq!(*log.lock().unwrap(), ["shield done"]);
    assert!(start.elapsed() >= ms(30));
}

#[curio::test]
async fn a_timeout_inside_a_shield_still_fires() {
    let r = disable_cancellation(timeout_after(ms(5), sleep(LONG))).await;
    assert_eq!(r, Err(TaskTimeout));
}

#[curio::test]
async fn check_cancellation_sees_an_expired_enclosing_timeout() {
    let r = timeout_after(
        ms(5),
        disable_cancellation(async {
            let mut polls = 0;
            while !curio::check_cancellation() {
                polls += 1;
                sleep(ms(1)).await;
            }
            polls
        }),
    )
    .await;
    assert!(r.unwrap() >= 1);
}

// A16: a cancel request disarms the timeout around the cleanup.
#[curio::test]
async fn cancel_disarms_the_pending_timeout() {
    let log = log();
    let l = log.clone();
    let (ready_tx, ready_rx) = oneshot::channel();
    let mut kid = curio::spawn(async move {
        let r = timeout_after(ms(20), async {
            disable_cancellation(async {
                ready_tx.send(()).unwrap();
                while !curio::check_cancellation() {
                    sleep(ms(1)).await;
                }
                l.lock().unwrap().push("cancelled");
                // Cleanup outlives the timeout's deadline.
                sleep(ms(40)).await;
                // A timeout set inside the cleanup still works.
                let own = timeout_after(ms(2), sleep(LONG)).await;
                assert_eq!(own, Err(TaskTimeout));
                l.lock().unwrap().push("cleanup done");
            })
            .await;
            sleep(LONG).await;
        })
        .await;
        l.lock()
            .unwrap()
            .push(if r.is_err() { "timeout" } else { "ok" });
    });
    ready_rx.await.unwrap();
    assert!(kid.cancel().await);
    assert!(kid.await.unwrap_err().is_cancelled());
    assert_eq!(*log.lock().unwrap(), ["cancelled", "cleanup done"]);
}

#[curio::test]
async fn a_dropped_timeout_disarms_its_timer() {
    for _ in 0..1000 {
        assert_eq!(timeout_after(ms(1), async { 1 }).await, Ok(1));
    }
    let start = Instant::now();
    sleep(ms(2)).await;
    assert!(start.elapsed() < LONG);
}
