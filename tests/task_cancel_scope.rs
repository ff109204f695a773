//! `disable_cancellation` and `check_cancellation` (semantics file A15).

use curio::{check_cancellation, disable_cancellation, sleep};
use futures::channel::oneshot;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(30);

type Log = Arc<Mutex<Vec<&'static str>>>;

#[curio::test]
async fn cancel_is_deferred_until_the_shield_ends() {
    let log: Log = Arc::default();
    let l = log.clone();
    let (ready_tx, ready_rx) = oneshot::channel();
    let mut kid = curio::spawn(async move {
        disable_cancellation(async {
            ready_tx.send(()).unwrap();
            // Suspends many times while the request is pending.
            while !check_cancellation() {
                sleep(Duration::from_millis(1)).await;
            }
            sleep(Duration::from_millis(2)).await;
            l.lock().unwrap().push("success");
            if check_cancellation() {
                l.lock().unwrap().push("cancelled");
            }
        })
        .await;
        l.lock().unwrap().push("after shield");
        sleep(LONG).await;
        l.lock().unwrap().push("unreachable");
    });
    ready_rx.await.unwrap();
    assert!(kid.cancel().await);
    assert!(kid.await.unwrap_err().is_cancelled());
    assert_eq!(
        *log.lock().unwrap(),
        ["success", "cancelled", "after shield"]
    );
}

#[curio::test]
async fn nested_shields_defer_until_the_outermost_ends() {
    let log: Log = Arc::default();
    let l = log.clone();
    let (ready_tx, ready_rx) = oneshot::channel();
    let mut kid = curio::spawn(disable_cancellation(async move {
        disable_cancellation(async {
            ready_tx.send(()).unwrap();
            while !check_cancellation() {
                sleep(Duration::from_millis(1)).await;
            }
        })
        .await;
        // The inner shield ended but the outer one is open: still shielded.
        sleep(Duration::from_millis(5)).await;
        l.lock().unwrap().push("outer still shielded");
    }));
    ready_rx.await.unwrap();
    assert!(kid.cancel().await);
    // The shielded future returned without suspending afterwards.
    kid.await.unwrap();
    assert_eq!(*log.lock().unwrap(), ["outer still shielded"]);
}

#[curio::test]
async fn check_cancellation_is_false_without_a_request() {
    assert!(!check_cancellation());
    disable_cancellation(async { assert!(!check_cancellation()) }).await;
}

#[test]
fn check_cancellation_outside_a_task_is_false() {
    assert!(!check_cancellation());
}

#[curio::test]
async fn a_dropped_shield_reopens_cancellation() {
    let (ready_tx, ready_rx) = oneshot::channel();
    let mut kid = curio::spawn(async move {
        let shielded = Box::pin(disable_cancellation(std::future::pending::<()>()));
        let tick = Box::pin(sleep(Duration::from_millis(1)));
        // The shield is opened by the first poll, then dropped with `select`.
        futures::future::select(shielded, tick).await;
        ready_tx.send(()).unwrap();
        sleep(LONG).await;
    });
    ready_rx.await.unwrap();
    assert!(kid.cancel().await);
    assert!(kid.await.unwrap_err().is_cancelled());
}

#[curio::test]
async fn a_shield_returns_its_value() {
    assert_eq!(disable_cancellation(async { 5 }).await, 5);
}
