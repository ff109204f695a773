//! Tests of `UniversalQueue` and `UniversalEvent` between threads and tasks.

use super::*;
use crate::loom::{model, thread};

#[test]
fn thread_producer_task_consumer_keeps_order() {
    let q = std::sync::Arc::new(UniversalQueue::new(2));
    let q1 = q.clone();
    let t = std::thread::spawn(move || {
        for i in 0..100 {
            q1.put_blocking(i);
        }
    });
    let got: Vec<i32> = block_on(async {
        let mut v = Vec::new();
        for _ in 0..100 {
            v.push(q.get().await);
        }
        v
    });
    t.join().expect("producer");
    assert_eq!(got, (0..100).collect::<Vec<_>>());
}

#[test]
fn task_producer_thread_consumer() {
    let q = std::sync::Arc::new(UniversalQueue::new(1));
    let q1 = q.clone();
    let t = std::thread::spawn(move || (0..50).map(|_| q1.get_blocking()).sum::<i32>());
    block_on(async {
        for i in 0..50 {
            q.put(i).await;
        }
    });
    assert_eq!(t.join().expect("consumer"), (0..50).sum());
}

#[test]
fn universal_event_wakes_blocked_thread() {
    let ev = std::sync::Arc::new(UniversalEvent::new());
    let e1 = ev.clone();
    let t = std::thread::spawn(move || e1.wait_blocking());
    ev.set();
    ev.set();
    t.join().expect("waiter");
    assert!(ev.is_set());
}

/// Model: a plain thread puts two items with `put_blocking` into a
/// `UniversalQueue(1)` while a task gets them.
/// Invariant: both items arrive, in order, and neither side blocks forever.
#[test]
fn loom_universal_queue_thread_and_task() {
    model(|| {
        let q = crate::loom::Arc::new(UniversalQueue::new(1));
        let q1 = q.clone();
        let producer = thread::spawn(move || {
            q1.put_blocking(1);
            q1.put_blocking(2);
        });
        let got = block_on(async { (q.get().await, q.get().await) });
        producer.join().expect("producer");
        assert_eq!(got, (1, 2));
    });
}
