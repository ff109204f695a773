//! Task groups: wait policies, completion order, cancellation (semantics
//! file A22–A26).

use curio::{TaskGroup, Wait};
use futures::channel::oneshot;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Sends on drop: observes a member's future being dropped.
struct OnDrop(Option<oneshot::Sender<()>>);

impl Drop for OnDrop {
    fn drop(&mut self) {
        let _ = self.0.take().unwrap().send(());
    }
}

// A22
#[curio::test]
async fn wait_all_reports_every_result_in_spawn_order() {
    let g = TaskGroup::new();
    for (n, delay) in [(2, 6u64), (4, 1), (6, 3)] {
        g.spawn(async move {
            curio::sleep(Duration::from_millis(delay)).await;
            n
        });
    }
    let out: Vec<i32> = g.join().await.into_iter().map(Result::unwrap).collect();
    assert_eq!(out, [2, 4, 6]);
}

// A24
#[curio::test]
async fn a_panicking_member_cancels_its_siblings() {
    let g = TaskGroup::new();
    g.spawn(std::future::pending::<()>());
    g.spawn(std::future::pending());
    g.spawn(async { panic!("boom") });
    let out = g.join().await;
    assert!(out[0].as_ref().unwrap_err().is_cancelled());
    assert!(out[1].as_ref().unwrap_err().is_cancelled());
    assert!(out[2].as_ref().unwrap_err().is_panic());
}

// A23
#[curio::test]
async fn wait_any_stops_at_the_first_finisher() {
    let g = TaskGroup::with_wait(Wait::Any);
    g.spawn(async { 1 });
    g.spawn(std::future::pending());
    let out = g.join().await;
    assert_eq!(*out[0].as_ref().unwrap(), 1);
    assert!(out[1].as_ref().unwrap_err().is_cancelled());
}

// A23
#[curio::test]
async fn wait_object_skips_failures() {
    let g = TaskGroup::with_wait(Wait::Object);
    let (tx, rx) = oneshot::channel::<()>();
    g.spawn(async { panic!("first, but a failure") });
    g.spawn(async move {
        rx.await.unwrap();
        42
    });
    g.spawn(std::future::pending());
    // The failure is reported first; the group keeps waiting.
    tx.send(()).unwrap();
    let out = g.join().await;
    assert!(out[0].as_ref().unwrap_err().is_panic());
    assert_eq!(*out[1].as_ref().unwrap(), 42);
    assert!(out[2].as_ref().unwrap_err().is_cancelled());
}

#[curio::test]
async fn wait_none_cancels_everything() {
    let g = TaskGroup::with_wait(Wait::None);
    let (tx, rx) = oneshot::channel();
    g.spawn(async move {
        let _guard = OnDrop(Some(tx));
        std::future::pending::<()>().await
    });
    let out = g.join().await;
    assert!(out[0].as_ref().unwrap_err().is_cancelled());
    rx.await.unwrap();
}

#[curio::test]
async fn next_done_gives_completion_order_then_none() {
    let mut g = TaskGroup::new();
    let (tx1, rx1) = oneshot::channel::<()>();
    let (tx2, rx2) = oneshot::channel::<()>();
    let a = g.spawn(async move { rx1.await.map(|_| "a").unwrap() });
    let b = g.spawn(async move { rx2.await.map(|_| "b").unwrap() });
    tx2.send(()).unwrap();
    let first = g.next_done().await.unwrap();
    assert_eq!(first.id(), b);
    tx1.send(()).unwrap();
    let second = g.next_done().await.unwrap();
    assert_eq!(second.id(), a);
    assert_eq!(second.result().unwrap(), "a");
    assert!(g.next_done().await.is_none());
    assert!(g.next_result().await.is_none());
}

// A26: a member taken by next_done is not in join's results.
#[curio::test]
async fn next_result_detaches_from_join() {
    let mut g = TaskGroup::new();
    g.spawn(async { 1 });
    assert_eq!(g.next_result().await.unwrap().unwrap(), 1);
    g.spawn(async { 2 });
    let out: Vec<i32> = g.join().await.into_iter().map(Result::unwrap).collect();
    assert_eq!(out, [2]);
}

#[curio::test]
async fn cancel_remaining_cancels_and_removes_running_members() {
    let mut g = TaskGroup::new();
    let (tx, rx) = oneshot::channel();
    g.spawn(async move {
        let _guard = OnDrop(Some(tx));
        std::future::pending::<u8>().await
    });
    g.cancel_remaining().await;
    rx.await.unwrap();
    assert!(g.next_done().await.is_none());
}

// Drop cancels members (they terminate asynchronously).
#[curio::test]
async fn dropping_the_group_cancels_its_members() {
    let g = TaskGroup::new();
    let (tx, rx) = oneshot::channel();
    let (started_tx, started_rx) = oneshot::channel();
    g.spawn(async move {
        let _guard = OnDrop(Some(tx));
        started_tx.send(()).unwrap();
        std::future::pending::<()>().await
    });
    started_rx.await.unwrap();
    drop(g);
    rx.await.unwrap();
}

// A25: cancelling the owner while it joins cancels the members.
#[curio::test]
async fn cancelling_the_owner_cancels_the_members() {
    let (tx, rx) = oneshot::channel();
    let (started_tx, started_rx) = oneshot::channel();
    let mut owner = curio::spawn(async move {
        let g = TaskGroup::new();
        g.spawn(async move {
            let _guard = OnDrop(Some(tx));
            started_tx.send(()).unwrap();
            std::future::pending::<()>().await
        });
        g.join().await
    });
    started_rx.await.unwrap();
    assert!(owner.cancel().await);
    rx.await.unwrap();
}

// A25 with a timeout around the join.
#[curio::test]
async fn a_timed_out_join_cancels_the_members() {
    let (tx, rx) = oneshot::channel();
    let g = TaskGroup::new();
    g.spawn(async move {
        let _guard = OnDrop(Some(tx));
        std::future::pending::<()>().await
    });
    let r = curio::timeout_after(Duration::from_millis(5), g.join()).await;
    assert!(r.is_err());
    rx.await.unwrap();
}

#[curio::test]
async fn members_spawn_siblings_until_the_group_closes() {
    let g = TaskGroup::new();
    let spawner = g.spawner();
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    g.spawn(async move {
        for _ in 0..3 {
            let c = c.clone();
            spawner
                .spawn(async move {
                    c.fetch_add(1, Ordering::SeqCst);
                })
                .expect("open while the group joins");
        }
        c.fetch_add(1, Ordering::SeqCst);
    });
    let late = g.spawner();
    let out = g.join().await;
    assert_eq!(out.len(), 4);
    assert_eq!(count.load(Ordering::SeqCst), 4);
    assert!(late.spawn(async {}).is_none(), "closed after join");
}

#[curio::test(workers = 4)]
async fn a_large_group_joins() {
    let g = TaskGroup::new();
    for i in 0..5_000u64 {
        g.spawn(async move { i });
    }
    let out: Vec<u64> = g.join().await.into_iter().map(Result::unwrap).collect();
    assert_eq!(out, (0..5_000).collect::<Vec<_>>());
}
