//! curio's channels (`curio::sync::{oneshot, mpsc, watch, broadcast}`) on
//! curio's runtime: shutdown through "every sender is gone", FIFO order of
//! blocked senders, cancel safety under `timeout_after` and `Task::cancel`,
//! lag, and the wait states the monitor shows.

mod support;

use curio::introspect::TaskState;
use curio::sync::{broadcast, mpsc, oneshot, watch};
use curio::{timeout_after, TaskTimeout};
use std::time::Duration;
use support::{runtime, wait_until, DropCount, FLAVOURS};

/// A short timeout that is sure to fire on a wait nobody will end.
const SHORT: Duration = Duration::from_millis(10);
/// A deadline for waits that must end.
const LIMIT: Duration = Duration::from_secs(10);

#[test]
fn workers_stop_once_every_sender_is_gone() {
    for workers in FLAVOURS {
        let total = runtime(workers, "mpsc-close").run(async {
            let (tx, rx) = mpsc::channel::<u64>(16);
            let (done_tx, mut done_rx) = mpsc::unbounded();
            // One consumer; its end is the channel's end.
            let consumer = curio::spawn(async move {
                let mut rx = rx;
                let mut sum = 0;
                while let Some(v) = rx.recv().await {
                    sum += v;
                }
                done_tx.send(sum).await.unwrap();
            });
            let producers: Vec<_> = (0..8)
                .map(|p| {
                    let tx = tx.clone();
                    curio::spawn(async move {
                        for i in 0..500 {
                            tx.send(p * 1_000 + i).await.unwrap();
                        }
                    })
                })
                .collect();
            drop(tx);
            for p in producers {
                p.await.unwrap();
            }
            consumer.await.unwrap();
            done_rx.recv().await.unwrap()
        });
        let expect: u64 = (0..8u64)
            .flat_map(|p| (0..500).map(move |i| p * 1_000 + i))
            .sum();
        assert_eq!(total, expect);
    }
}

#[test]
fn blocked_senders_are_served_in_the_order_they_blocked() {
    for workers in FLAVOURS {
        let rt = runtime(workers, "mpsc-fifo");
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(0).unwrap();
        let mut senders = Vec::new();
        for i in 1..=4 {
            let tx = tx.clone();
            let t = rt.spawn(async move { tx.send(i).await.unwrap() });
            let id = t.id();
            // Each sender blocks before the next one starts.
            wait_until(LIMIT, "the sender to block", || {
                rt.handle()
                    .tasks()
                    .iter()
                    .any(|i| i.id == id && i.state == TaskState::QueuePut)
            });
            senders.push(t);
        }
        let got = rt.block_on(async move {
            let mut got = Vec::new();
            for _ in 0..5 {
                got.push(rx.recv().await.unwrap());
            }
            got
        });
        assert_eq!(got, [0, 1, 2, 3, 4]);
        for t in senders {
            rt.block_on(t).unwrap();
        }
    }
}

#[curio::test]
async fn a_send_timed_out_while_waiting_inserts_nothing() {
    let drops = DropCount::default();
    let (tx, mut rx) = mpsc::channel(1);
    tx.send(drops.guard()).await.unwrap();
    let r = timeout_after(SHORT, tx.send(drops.guard())).await;
    assert!(matches!(r, Err(TaskTimeout)));
    assert_eq!(drops.get(), 1, "the timed-out item was dropped, not queued");
    drop(rx.recv().await.unwrap());
    assert!(matches!(rx.try_recv(), Err(mpsc::TryRecvError::Empty)));
    // The room freed is usable at once.
    tx.try_send(drops.guard()).unwrap();
}

#[curio::test]
async fn a_receive_timed_out_while_waiting_loses_nothing() {
    let (tx, mut rx) = mpsc::channel(4);
    assert_eq!(timeout_after(SHORT, rx.recv()).await, Err(TaskTimeout));
    tx.send(1).await.unwrap();
    assert_eq!(rx.recv().await, Some(1));

    // Items arriving while receives keep timing out are all delivered, once.
    const N: u32 = 2_000;
    let producer = curio::spawn(async move {
        for i in 0..N {
            tx.send(i).await.unwrap();
            if i % 64 == 0 {
                curio::yield_now().await;
            }
        }
    });
    let mut next = 0;
    while next < N {
        match timeout_after(Duration::from_micros(50), rx.recv()).await {
            Ok(Some(v)) => {
                assert_eq!(v, next);
                next += 1;
            }
            Ok(None) => panic!("the producer is alive"),
            Err(TaskTimeout) => {}
        }
    }
    producer.await.unwrap();
    assert_eq!(rx.recv().await, None);
}

#[test]
fn a_cancelled_task_blocked_in_send_inserts_nothing() {
    let rt = runtime(2, "mpsc-cancel");
    let drops = DropCount::default();
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(drops.guard()).unwrap();
    let mut blocked = rt.spawn({
        let tx = tx.clone();
        let guard = drops.guard();
        async move {
            let _ = tx.send(guard).await;
        }
    });
    let id = blocked.id();
    wait_until(LIMIT, "the sender to block", || {
        rt.handle()
            .tasks()
            .iter()
            .any(|i| i.id == id && i.state == TaskState::QueuePut)
    });
    rt.block_on(async move { blocked.cancel().await });
    assert_eq!(drops.get(), 1, "the cancelled send's item is dropped");
    drop(rx.try_recv().unwrap());
    assert!(matches!(rx.try_recv(), Err(mpsc::TryRecvError::Empty)));
}

#[test]
fn receiver_close_fails_a_waiting_sender_with_its_item() {
    let rt = runtime(2, "mpsc-rxclose");
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send("kept").unwrap();
    let waiting = rt.spawn({
        let tx = tx.clone();
        async move { tx.send("refused").await.map_err(|e| e.0) }
    });
    let id = waiting.id();
    wait_until(LIMIT, "the sender to block", || {
        rt.handle()
            .tasks()
            .iter()
            .any(|i| i.id == id && i.state == TaskState::QueuePut)
    });
    rx.close();
    assert_eq!(rt.block_on(waiting).unwrap(), Err("refused"));
    assert!(tx.is_closed());
    let rest = rt.block_on(async move { (rx.recv().await, rx.recv().await) });
    assert_eq!(rest, (Some("kept"), None));
}

#[curio::test]
async fn oneshot_request_response_and_a_timed_out_wait() {
    let (req_tx, mut req_rx) = mpsc::channel::<(u32, oneshot::Sender<u32>)>(8);
    let server = curio::spawn(async move {
        while let Some((n, reply)) = req_rx.recv().await {
            let _ = reply.send(n * 2);
        }
    });
    for n in 0..100 {
        let (tx, rx) = oneshot::channel();
        req_tx.send((n, tx)).await.unwrap();
        assert_eq!(rx.await, Ok(n * 2));
    }
    drop(req_tx);
    server.await.unwrap();

    // A timed-out wait on `&mut rx` leaves the value to a later await.
    let (tx, mut rx) = oneshot::channel();
    assert_eq!(timeout_after(SHORT, &mut rx).await, Err(TaskTimeout));
    tx.send(5).unwrap();
    assert_eq!(rx.await, Ok(5));

    let (tx, rx) = oneshot::channel::<u8>();
    drop(tx);
    assert_eq!(rx.await, Err(oneshot::RecvError));
}

#[curio::test]
async fn watch_carries_the_latest_configuration_to_every_task() {
    let (tx, rx) = watch::channel(0u32);
    let followers: Vec<_> = (0..4)
        .map(|_| {
            let mut rx = rx.clone();
            curio::spawn(async move {
                let mut last = *rx.borrow_and_update();
                while rx.changed().await.is_ok() {
                    let v = *rx.borrow_and_update();
                    assert!(v > last);
                    last = v;
                }
                last
            })
        })
        .collect();
    drop(rx);
    for v in 1..=1_000 {
        tx.send(v).unwrap();
        if v % 100 == 0 {
            curio::yield_now().await;
        }
    }
    drop(tx);
    for f in followers {
        assert_eq!(f.await.unwrap(), 1_000);
    }
}

#[curio::test]
async fn watch_changed_timed_out_then_sees_the_next_value() {
    let (tx, mut rx) = watch::channel("a");
    assert_eq!(timeout_after(SHORT, rx.changed()).await, Err(TaskTimeout));
    tx.send("b").unwrap();
    rx.changed().await.unwrap();
    assert_eq!(*rx.borrow(), "b");
}

#[curio::test]
async fn broadcast_fan_out_and_exact_lag() {
    let (tx, rx) = broadcast::channel(64);
    let fans: Vec<_> = (0..10)
        .map(|_| {
            let mut rx = rx.resubscribe();
            curio::spawn(async move {
                let mut n = 0;
                while rx.recv().await.is_ok() {
                    n += 1;
                }
                n
            })
        })
        .collect();
    for i in 0..64 {
        assert_eq!(tx.send(i).unwrap(), 11);
    }
    drop(tx);
    for f in fans {
        assert_eq!(f.await.unwrap(), 64);
    }

    // The original receiver read nothing yet: it still has all 64.
    let mut first = rx;
    assert_eq!(first.len(), 64);
    assert_eq!(first.recv().await, Ok(0));
    drop(first);

    // A receiver that never reads while 100 values go through a channel
    // of 8 misses exactly 92 of them.
    let (tx, mut slow) = broadcast::channel(8);
    for i in 0..100 {
        tx.send(i).unwrap();
    }
    assert_eq!(slow.recv().await, Err(broadcast::RecvError::Lagged(92)));
    assert_eq!(slow.recv().await, Ok(92));
    assert_eq!(
        timeout_after(SHORT, async {
            for _ in 93..100 {
                slow.recv().await.unwrap();
            }
            slow.recv().await
        })
        .await,
        Err(TaskTimeout),
        "drained, then waiting for more"
    );
    drop(tx);
    assert_eq!(slow.recv().await, Err(broadcast::RecvError::Closed));
}

#[test]
fn waits_show_in_the_monitor_at_the_callers_line() {
    let rt = runtime(2, "chan-mon");
    let (_full_tx, mut empty_rx) = mpsc::channel::<u8>(1);
    let (full_tx, _full_rx) = mpsc::channel::<u8>(1);
    full_tx.try_send(0).unwrap();
    let (_wtx, mut wrx) = watch::channel(0u8);
    let (_btx, mut brx) = broadcast::channel::<u8>(1);
    let (_otx, orx) = oneshot::channel::<u8>();
    let tasks = [
        (
            rt.spawn(async move {
                let _ = empty_rx.recv().await;
            }),
            TaskState::QueueGet,
        ),
        (
            rt.spawn(async move {
                let _ = full_tx.send(1).await;
            }),
            TaskState::QueuePut,
        ),
        (
            rt.spawn(async move {
                let _ = wrx.changed().await;
            }),
            TaskState::EventWait,
        ),
        (
            rt.spawn(async move {
                let _ = brx.recv().await;
            }),
            TaskState::QueueGet,
        ),
        (
            rt.spawn(async move {
                let _ = orx.await;
            }),
            TaskState::QueueGet,
        ),
    ];
    wait_until(LIMIT, "every task to wait", || {
        let infos = rt.handle().tasks();
        tasks.iter().all(|(t, state)| {
            infos
                .iter()
                .any(|i| i.id == t.id() && i.state == *state && i.waiting_at.is_some())
        })
    });
    for info in rt.handle().tasks() {
        if tasks.iter().any(|(t, _)| t.id() == info.id) {
            assert_eq!(info.waiting_at.unwrap().file(), "tests/sync_channel.rs");
        }
    }
    for (mut t, _) in tasks {
        rt.block_on(async move { t.cancel().await });
    }
}
