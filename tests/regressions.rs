//! Regression tests: each one failed before the fix it names.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

type Slot = Arc<Mutex<Option<curio::Task<()>>>>;

async fn take(slot: &Slot) -> curio::Task<()> {
    loop {
        if let Some(h) = slot.lock().unwrap().take() {
            return h;
        }
        curio::yield_now().await;
    }
}

async fn wait_for(flag: &AtomicBool) {
    while !flag.load(SeqCst) {
        curio::yield_now().await;
    }
}

/// Polls `task` once, leaving the caller's waker in its join-waker slot.
async fn poll_once(task: &mut curio::Task<()>) {
    poll_fn(|cx| {
        let _ = Pin::new(&mut *task).poll(cx);
        Poll::Ready(())
    })
    .await;
}

/// Two tasks that each polled the other's handle once, then dropped it,
/// used to keep each other (and the runtime's shared state) alive through
/// the join wakers left in their cells. Fixed by clearing the join-waker
/// slot when the handle is dropped or the task completes (task rule 6).
#[test]
fn join_wakers_do_not_keep_tasks_alive() {
    let probe = Arc::new(AtomicU64::new(0));
    let rt = curio::Runtime::builder().workers(1).build().unwrap();
    rt.handle().publish_stat("probe", probe.clone());
    rt.block_on(async {
        let (slot_a, slot_b): (Slot, Slot) = Default::default();
        let (first, second) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let (sb, f1, f2) = (slot_b.clone(), first.clone(), second.clone());
        let a = curio::spawn(async move {
            let mut b = take(&sb).await;
            poll_once(&mut b).await;
            f1.store(true, SeqCst);
            wait_for(&f2).await;
            drop(b);
        });
        let (sa, f1, f2) = (slot_a.clone(), first.clone(), second.clone());
        let b = curio::spawn(async move {
            let mut a = take(&sa).await;
            wait_for(&f1).await;
            poll_once(&mut a).await;
            f2.store(true, SeqCst);
            drop(a);
        });
        *slot_a.lock().unwrap() = Some(a);
        *slot_b.lock().unwrap() = Some(b);
        while !second.load(SeqCst) {
            curio::sleep(Duration::from_millis(1)).await;
        }
        curio::sleep(Duration::from_millis(20)).await;
    });
    drop(rt);
    assert_eq!(
        Arc::strong_count(&probe),
        1,
        "the runtime's shared state leaked"
    );
}

/// A `disable_cancellation` scope moved to another task and dropped there
/// used to leave its first task shielded for ever, so cancelling that task
/// hung. Fixed by closing the shield on its owner from wherever the scope
/// ends, and queueing the owner to receive a pending cancellation.
#[test]
fn a_shield_dropped_by_another_task_is_closed_on_its_owner() {
    curio::run(async {
        type Shielded = Pin<Box<dyn Future<Output = ()> + Send>>;
        let slot: Arc<Mutex<Option<Shielded>>> = Default::default();
        let s = slot.clone();
        let mut owner = curio::spawn(async move {
            let mut shielded: Shielded =
                Box::pin(curio::disable_cancellation(std::future::pending::<()>()));
            poll_fn(|cx| {
                let _ = shielded.as_mut().poll(cx);
                Poll::Ready(())
            })
            .await;
            *s.lock().unwrap() = Some(shielded);
            std::future::pending::<()>().await;
        });
        curio::sleep(Duration::from_millis(10)).await;
        // Request the cancellation while the shield is open...
        let mut cancel = std::pin::pin!(owner.cancel());
        assert!(futures::poll!(cancel.as_mut()).is_pending());
        // ...then another task drops the shielded future.
        let s = slot.clone();
        curio::spawn(async move { drop(s.lock().unwrap().take()) })
            .await
            .unwrap();
        let done = curio::ignore_after(Duration::from_secs(5), cancel).await;
        assert_eq!(done, Some(true), "the owner was cancelled");
    });
}

/// Dropping a runtime on one of its own blocking threads is refused with a
/// clear message instead of a thread joining itself.
#[test]
fn dropping_a_runtime_on_its_own_blocking_thread_is_refused() {
    let rt = curio::Runtime::builder().workers(1).build().unwrap();
    let handle = rt.handle().clone();
    let rt = Arc::new(Mutex::new(Some(rt)));
    let r = rt.clone();
    let err = handle.block_on(async move {
        curio::spawn_thread(move || {
            let rt = r.lock().unwrap().take();
            drop(rt);
        })
        .await
        .unwrap_err()
    });
    assert!(err.is_panic());
    assert!(
        err.to_string()
            .contains("cannot be dropped on one of its own threads"),
        "{err}"
    );
}
