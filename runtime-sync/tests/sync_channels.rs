//! The channels (`oneshot`, `mpsc`, `watch`, `broadcast`) with no curio
//! runtime at all: polled by hand with recording wakers, and driven by
//! `futures::executor` on several OS threads.

use futures::executor::{block_on, ThreadPool};
use futures::task::SpawnExt;
use futures::StreamExt;
use runtime_sync::{broadcast, mpsc, oneshot, watch};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// A waker that counts its wake-ups.
#[derive(Default)]
struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A counting waker and its counter.
fn counting() -> (Waker, Arc<Counter>) {
    let c = Arc::new(Counter::default());
    (Waker::from(c.clone()), c)
}

/// Polls `fut` once with `waker`.
fn poll<F: Future + Unpin>(fut: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(fut).poll(&mut Context::from_waker(waker))
}

/// A pool of four OS threads.
fn pool() -> ThreadPool {
    ThreadPool::builder()
        .pool_size(4)
        .create()
        .expect("thread pool")
}

/// An item that counts its drops, to prove nothing is lost or leaked.
struct Tracked(Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

// ---------------------------------------------------------------- mpsc

#[test]
fn mpsc_ends_once_every_sender_is_gone_and_it_is_drained() {
    for bounded in [true, false] {
        let (tx, mut rx) = if bounded {
            mpsc::channel(4)
        } else {
            mpsc::unbounded()
        };
        let tx2 = tx.clone();
        tx.try_send(1).unwrap();
        tx2.try_send(2).unwrap();
        drop(tx);
        assert_eq!(rx.try_recv(), Ok(1));
        drop(tx2);
        assert_eq!(block_on(rx.recv()), Some(2));
        assert_eq!(block_on(rx.recv()), None);
        assert_eq!(rx.try_recv(), Err(mpsc::TryRecvError::Disconnected));
    }
}

#[test]
fn mpsc_a_parked_receiver_is_woken_by_the_last_sender_drop() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let (w, woken) = counting();
    let mut recv = rx.recv();
    assert!(poll(&mut recv, &w).is_pending());
    drop(tx);
    assert_eq!(woken.0.load(Ordering::SeqCst), 1);
    assert_eq!(poll(&mut recv, &w), Poll::Ready(None));
}

#[test]
fn mpsc_close_fails_waiting_senders_and_keeps_queued_items() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(1).unwrap();
    let (w, woken) = counting();
    let mut blocked = tx.send(2);
    assert!(poll(&mut blocked, &w).is_pending());
    rx.close();
    assert_eq!(woken.0.load(Ordering::SeqCst), 1);
    match poll(&mut blocked, &w) {
        Poll::Ready(Err(mpsc::SendError(2))) => {}
        other => panic!("expected the item back, got {:?}", other.map(|r| r.is_ok())),
    }
    assert!(matches!(tx.try_send(3), Err(mpsc::TrySendError::Closed(3))));
    assert!(tx.is_closed());
    assert_eq!(block_on(rx.recv()), Some(1));
    // Senders are still alive, but closed and drained means the end.
    assert_eq!(block_on(rx.recv()), None);
}

#[test]
fn mpsc_blocked_senders_are_served_in_fifo_order() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let w = futures::task::noop_waker();
    let mut sends: Vec<_> = (1..=4).map(|i| tx.send(i)).collect();
    for s in &mut sends {
        assert!(poll(s, &w).is_pending());
    }
    // A newcomer cannot barge in while others wait, even once room frees up.
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(matches!(tx.try_send(99), Err(mpsc::TrySendError::Full(99))));
    let mut order = Vec::new();
    for _ in 0..4 {
        // Poll the senders newest first: only the one handed the room completes.
        for s in sends.iter_mut().rev() {
            if let Poll::Ready(r) = poll(s, &w) {
                r.unwrap();
            }
        }
        order.push(rx.try_recv().unwrap());
    }
    assert_eq!(order, [1, 2, 3, 4]);
}

#[test]
fn mpsc_a_send_dropped_while_waiting_inserts_nothing_and_passes_on_its_room() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(Tracked(dropped.clone())).unwrap();
    let (w1, _) = counting();
    let (w2, woken2) = counting();
    let mut first = tx.send(Tracked(dropped.clone()));
    let mut second = tx.send(Tracked(dropped.clone()));
    assert!(poll(&mut first, &w1).is_pending());
    assert!(poll(&mut second, &w2).is_pending());
    // The receiver frees room: it is handed to `first`, which is then dropped.
    drop(rx.try_recv().unwrap());
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    drop(first);
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        2,
        "the cancelled item is dropped"
    );
    assert_eq!(
        woken2.0.load(Ordering::SeqCst),
        1,
        "the room went on to `second`"
    );
    assert!(matches!(poll(&mut second, &w2), Poll::Ready(Ok(()))));
    drop(rx.try_recv().unwrap());
    assert_eq!(rx.try_recv().err(), Some(mpsc::TryRecvError::Empty));
    drop(second);
    assert_eq!(dropped.load(Ordering::SeqCst), 3);
}

#[test]
fn mpsc_after_close_a_cancelled_sender_holding_room_still_ends_the_receiver() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let w = futures::task::noop_waker();
    let mut blocked = tx.send(1);
    assert!(poll(&mut blocked, &w).is_pending());
    // The receive hands the freed room to `blocked`, which has not run yet.
    assert_eq!(rx.try_recv(), Ok(0));
    rx.close();
    let (rw, woken) = counting();
    let mut recv = rx.recv();
    assert!(
        poll(&mut recv, &rw).is_pending(),
        "`blocked` may still push"
    );
    // Cancelled instead: nothing more can come, and the receiver must learn it.
    drop(blocked);
    assert_eq!(woken.0.load(Ordering::SeqCst), 1, "the receiver is woken");
    assert_eq!(poll(&mut recv, &rw), Poll::Ready(None));
}

#[test]
fn mpsc_a_receive_dropped_while_waiting_loses_nothing() {
    let (tx, mut rx) = mpsc::channel(2);
    let (w, woken) = counting();
    let mut recv = rx.recv();
    assert!(poll(&mut recv, &w).is_pending());
    tx.try_send(7).unwrap();
    assert_eq!(woken.0.load(Ordering::SeqCst), 1);
    // Woken, then dropped before it took the item: the item stays.
    drop(recv);
    assert_eq!(rx.try_recv(), Ok(7));
}

#[test]
fn mpsc_dropping_the_receiver_drops_queued_items_and_fails_sends() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::unbounded();
    for _ in 0..5 {
        tx.try_send(Tracked(dropped.clone())).unwrap();
    }
    drop(rx);
    assert_eq!(dropped.load(Ordering::SeqCst), 5);
    let back = block_on(tx.send(Tracked(dropped.clone()))).unwrap_err();
    drop(back);
    assert_eq!(dropped.load(Ordering::SeqCst), 6);
}

#[test]
fn mpsc_is_a_stream() {
    let (tx, rx) = mpsc::channel(8);
    for i in 0..5 {
        tx.try_send(i).unwrap();
    }
    drop(tx);
    let all: Vec<i32> = block_on(rx.collect());
    assert_eq!(all, [0, 1, 2, 3, 4]);
}

#[test]
fn mpsc_many_producers_on_threads_deliver_everything_in_per_producer_order() {
    const PRODUCERS: usize = 8;
    const EACH: usize = 5_000;
    for cap in [Some(16), None] {
        let pool = pool();
        let (tx, mut rx) = match cap {
            Some(c) => mpsc::channel(c),
            None => mpsc::unbounded(),
        };
        for p in 0..PRODUCERS {
            let tx = tx.clone();
            pool.spawn(async move {
                for i in 0..EACH {
                    tx.send((p, i)).await.unwrap();
                }
            })
            .unwrap();
        }
        drop(tx);
        let mut next = [0usize; PRODUCERS];
        let total = block_on(async {
            let mut n = 0;
            while let Some((p, i)) = rx.recv().await {
                assert_eq!(next[p], i, "producer {p} out of order");
                next[p] += 1;
                n += 1;
            }
            n
        });
        assert_eq!(total, PRODUCERS * EACH);
    }
}

// ---------------------------------------------------------------- oneshot

#[test]
fn oneshot_delivers_once_and_reports_a_dropped_sender() {
    let (tx, rx) = oneshot::channel();
    tx.send(5).unwrap();
    assert_eq!(block_on(rx), Ok(5));

    let (tx, rx) = oneshot::channel::<u8>();
    let (w, woken) = counting();
    let mut rx = rx;
    assert!(poll(&mut rx, &w).is_pending());
    drop(tx);
    assert_eq!(woken.0.load(Ordering::SeqCst), 1);
    assert_eq!(poll(&mut rx, &w), Poll::Ready(Err(oneshot::RecvError)));
}

#[test]
fn oneshot_send_fails_once_the_receiver_is_gone_and_closed_wakes() {
    let (mut tx, rx) = oneshot::channel::<String>();
    let (w, woken) = counting();
    {
        let mut closed = tx.closed();
        assert!(poll(&mut closed, &w).is_pending());
    }
    drop(rx);
    assert_eq!(woken.0.load(Ordering::SeqCst), 1);
    assert!(tx.is_closed());
    block_on(tx.closed());
    assert_eq!(tx.send("x".into()), Err("x".to_string()));
}

#[test]
fn oneshot_a_closed_receiver_that_waits_is_woken_by_the_failed_send() {
    let (tx, mut rx) = oneshot::channel::<u8>();
    rx.close();
    let (w, woken) = counting();
    assert!(poll(&mut rx, &w).is_pending(), "the sender is still there");
    assert_eq!(tx.send(1), Err(1));
    assert_eq!(woken.0.load(Ordering::SeqCst), 1, "the receiver is woken");
    assert_eq!(poll(&mut rx, &w), Poll::Ready(Err(oneshot::RecvError)));
}

#[test]
fn oneshot_across_threads() {
    let pool = pool();
    for i in 0..200u32 {
        let (tx, rx) = oneshot::channel();
        pool.spawn(async move { tx.send(i).unwrap() }).unwrap();
        assert_eq!(block_on(rx), Ok(i));
    }
}

// ---------------------------------------------------------------- watch

#[test]
fn watch_changed_sees_the_latest_value_once() {
    let (tx, mut rx) = watch::channel(0);
    let w = futures::task::noop_waker();
    {
        let mut ch = rx.changed();
        assert!(poll(&mut ch, &w).is_pending());
    }
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    block_on(rx.changed()).unwrap();
    assert_eq!(*rx.borrow_and_update(), 2);
    let mut ch = rx.changed();
    assert!(
        poll(&mut ch, &w).is_pending(),
        "both sends were seen at once"
    );
}

#[test]
fn watch_changed_fails_once_the_sender_is_gone_after_the_last_value() {
    let (tx, mut rx) = watch::channel("a");
    let (w, woken) = counting();
    tx.send("b").unwrap();
    drop(tx);
    // The unseen value still counts as a change.
    block_on(rx.changed()).unwrap();
    assert_eq!(*rx.borrow(), "b");
    assert_eq!(block_on(rx.changed()), Err(watch::RecvError));

    let (tx, mut rx) = watch::channel(0);
    let mut ch = rx.changed();
    assert!(poll(&mut ch, &w).is_pending());
    drop(tx);
    assert_eq!(woken.0.load(Ordering::SeqCst), 1);
    assert_eq!(poll(&mut ch, &w), Poll::Ready(Err(watch::RecvError)));
}

#[test]
fn watch_send_is_an_error_without_receivers_but_send_replace_stores() {
    let (tx, rx) = watch::channel(1);
    drop(rx);
    assert_eq!(tx.send(2).unwrap_err().0, 2);
    assert_eq!(*tx.borrow(), 1, "a failed send stores nothing");
    assert_eq!(tx.send_replace(3), 1);
    let rx = tx.subscribe();
    assert_eq!(*rx.borrow(), 3);
    assert_eq!(rx.has_changed(), Ok(false));
}

#[test]
fn watch_every_waiting_receiver_is_woken() {
    let (tx, rx) = watch::channel(0u32);
    let mut rxs: Vec<_> = (0..5).map(|_| rx.clone()).collect();
    let (w, woken) = counting();
    let mut futs: Vec<_> = rxs.iter_mut().map(|r| r.changed()).collect();
    for f in &mut futs {
        assert!(poll(f, &w).is_pending());
    }
    tx.send(1).unwrap();
    assert_eq!(woken.0.load(Ordering::SeqCst), 5);
    for f in &mut futs {
        assert_eq!(poll(f, &w), Poll::Ready(Ok(())));
    }
}

#[test]
fn watch_updates_across_threads_end_at_the_last_value() {
    let pool = pool();
    let (tx, mut rx) = watch::channel(0u32);
    pool.spawn(async move {
        for i in 1..=10_000 {
            tx.send(i).unwrap();
        }
    })
    .unwrap();
    let last = block_on(async {
        let mut last = 0;
        while rx.changed().await.is_ok() {
            let v = *rx.borrow_and_update();
            assert!(v > last, "versions only move forward");
            last = v;
        }
        last
    });
    assert_eq!(last, 10_000);
}

// ---------------------------------------------------------------- broadcast

#[test]
fn broadcast_lagged_counts_exactly_the_skipped_values() {
    let (tx, mut slow) = broadcast::channel(3);
    let mut fast = tx.subscribe();
    for i in 0..10 {
        tx.send(i).unwrap();
        assert_eq!(fast.try_recv(), Ok(i));
    }
    // 10 sent, 3 kept (7, 8, 9): the slow receiver missed 0..=6.
    assert_eq!(slow.try_recv(), Err(broadcast::TryRecvError::Lagged(7)));
    assert_eq!(slow.try_recv(), Ok(7));
    tx.send(10).unwrap();
    tx.send(11).unwrap();
    // Kept now: 9, 10, 11; slow wants 8.
    assert_eq!(block_on(slow.recv()), Err(broadcast::RecvError::Lagged(1)));
    assert_eq!(block_on(slow.recv()), Ok(9));
    assert_eq!(block_on(slow.recv()), Ok(10));
    assert_eq!(block_on(slow.recv()), Ok(11));
    assert_eq!(slow.try_recv(), Err(broadcast::TryRecvError::Empty));
}

#[test]
fn broadcast_closes_after_the_last_sender_once_drained() {
    let (tx, mut rx) = broadcast::channel(4);
    let tx2 = tx.clone();
    let (w, woken) = counting();
    tx.send(1).unwrap();
    drop(tx);
    assert_eq!(block_on(rx.recv()), Ok(1));
    let mut r = rx.recv();
    assert!(poll(&mut r, &w).is_pending());
    drop(tx2);
    assert_eq!(woken.0.load(Ordering::SeqCst), 1);
    assert_eq!(
        poll(&mut r, &w),
        Poll::Ready(Err(broadcast::RecvError::Closed))
    );
}

#[test]
fn broadcast_send_is_an_error_without_receivers_and_never_waits() {
    let (tx, rx) = broadcast::channel(2);
    for i in 0..1_000 {
        assert_eq!(tx.send(i), Ok(1), "a full channel never blocks the sender");
    }
    drop(rx);
    assert_eq!(tx.send(5).unwrap_err().0, 5);
    let mut late = tx.subscribe();
    assert_eq!(tx.send(6), Ok(1));
    assert_eq!(late.try_recv(), Ok(6));
}

#[test]
fn broadcast_a_receive_dropped_while_waiting_loses_nothing() {
    let (tx, mut rx) = broadcast::channel(4);
    let (w, woken) = counting();
    let mut r = rx.recv();
    assert!(poll(&mut r, &w).is_pending());
    tx.send("a").unwrap();
    assert_eq!(woken.0.load(Ordering::SeqCst), 1);
    // Woken, then dropped before it took the value: the value stays.
    drop(r);
    assert_eq!(rx.try_recv(), Ok("a"));
}

#[test]
fn broadcast_fan_out_across_threads_reaches_every_receiver_in_order() {
    const RECEIVERS: usize = 8;
    const VALUES: u64 = 2_000;
    let pool = pool();
    let (tx, rx) = broadcast::channel(VALUES as usize);
    let handles: Vec<_> = (0..RECEIVERS)
        .map(|_| {
            let mut rx = rx.resubscribe();
            pool.spawn_with_handle(async move {
                let mut expect = 0;
                loop {
                    match rx.recv().await {
                        Ok(v) => {
                            assert_eq!(v, expect);
                            expect += 1;
                        }
                        Err(broadcast::RecvError::Closed) => break,
                        Err(e) => panic!("unexpected {e}"),
                    }
                }
                expect
            })
            .unwrap()
        })
        .collect();
    drop(rx);
    for v in 0..VALUES {
        tx.send(v).unwrap();
    }
    drop(tx);
    let seen: Vec<u64> = handles.into_iter().map(block_on).collect();
    assert_eq!(seen, vec![VALUES; RECEIVERS]);
}

// ---------------------------------------------------------------- auto traits

#[test]
fn channel_handles_and_futures_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<mpsc::Sender<String>>();
    send_sync::<mpsc::Receiver<String>>();
    send::<mpsc::SendFuture<'static, String>>();
    send::<mpsc::Recv<'static, String>>();
    send_sync::<oneshot::Sender<String>>();
    send_sync::<oneshot::Receiver<String>>();
    send_sync::<watch::Sender<String>>();
    send_sync::<watch::Receiver<String>>();
    send::<watch::Changed<'static, String>>();
    send_sync::<broadcast::Sender<String>>();
    send_sync::<broadcast::Receiver<String>>();
    send::<broadcast::Recv<'static, String>>();
}
