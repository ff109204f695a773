//! Tests of the queue family: curio's traces, hand-off, cancel safety,
//! `task_done`/`join`.

use super::*;
use crate::loom::{model, thread};
use crate::test_util::{poll_once, poll_with, WakeLog};

#[test]
fn zero_maxsize_is_unbounded() {
    let q = Queue::new(0);
    for i in 0..10_000 {
        assert_eq!(q.try_put(i), Ok(()));
    }
    assert!(!q.is_full());
    assert_eq!(q.len(), 10_000);
}

#[test]
fn bounded_try_put_refuses_when_full_and_try_get_when_empty() {
    let q = Queue::new(2);
    assert_eq!(q.try_get(), None);
    assert_eq!(q.try_put(1), Ok(()));
    assert_eq!(q.try_put(2), Ok(()));
    assert!(q.is_full());
    assert_eq!(q.try_put(3), Err(3));
    assert_eq!(q.try_get(), Some(1));
    assert_eq!(q.try_put(3), Ok(()));
    assert_eq!(
        (q.try_get(), q.try_get(), q.try_get()),
        (Some(2), Some(3), None)
    );
}

#[test]
fn orders_of_the_three_queues() {
    let lifo = LifoQueue::new(0);
    let prio = PriorityQueue::new(0);
    for i in [4, 2, 1, 3] {
        lifo.try_put(i).expect("unbounded");
        prio.try_put(i).expect("unbounded");
    }
    let l: Vec<_> = std::iter::from_fn(|| lifo.try_get()).collect();
    let p: Vec<_> = std::iter::from_fn(|| prio.try_get()).collect();
    assert_eq!(l, [3, 1, 2, 4]);
    assert_eq!(p, [1, 2, 3, 4]);
}

#[test]
fn put_hands_item_to_oldest_getter_without_barging() {
    let q = Queue::new(0);
    let log = WakeLog::default();
    let mut g1 = q.get();
    let mut g2 = q.get();
    assert!(poll_with(&mut g1, &log.waker(1)).is_pending());
    assert!(poll_with(&mut g2, &log.waker(2)).is_pending());
    q.try_put("a").expect("unbounded");
    assert_eq!(log.take(), vec![1]);
    assert_eq!(q.try_get(), None, "a newcomer cannot take g1's item");
    assert_eq!(poll_once(&mut g1), Poll::Ready("a"));
    q.try_put("b").expect("unbounded");
    assert_eq!(poll_once(&mut g2), Poll::Ready("b"));
}

#[test]
fn cancelled_getter_gives_its_item_to_the_next_getter() {
    let q = Queue::new(0);
    let mut g1 = q.get();
    let mut g2 = q.get();
    assert!(poll_once(&mut g1).is_pending());
    assert!(poll_once(&mut g2).is_pending());
    q.try_put(7).expect("unbounded");
    drop(g1);
    assert_eq!(poll_once(&mut g2), Poll::Ready(7));
}

#[test]
fn cancelled_getter_puts_its_item_back_in_front() {
    let q = Queue::new(0);
    let mut g1 = q.get();
    assert!(poll_once(&mut g1).is_pending());
    q.try_put(1).expect("unbounded");
    q.try_put(2).expect("unbounded");
    drop(g1);
    assert_eq!((q.try_get(), q.try_get()), (Some(1), Some(2)));
}

#[test]
fn putters_wait_fifo_and_get_admits_the_oldest() {
    let q = Queue::new(1);
    q.try_put(0).expect("room");
    let log = WakeLog::default();
    let mut p1 = q.put(1);
    let mut p2 = q.put(2);
    assert!(poll_with(&mut p1, &log.waker(1)).is_pending());
    assert!(poll_with(&mut p2, &log.waker(2)).is_pending());
    assert_eq!(q.try_get(), Some(0));
    assert_eq!(log.take(), vec![1]);
    assert!(q.is_full(), "p1's item moved in at once");
    assert_eq!(q.try_put(9), Err(9), "no barging past p2");
    assert!(poll_once(&mut p1).is_ready());
    assert_eq!(q.try_get(), Some(1));
    assert!(poll_once(&mut p2).is_ready());
    assert_eq!(q.try_get(), Some(2));
}

#[test]
fn cancelled_putter_puts_nothing() {
    let q = Queue::new(1);
    q.try_put(0).expect("room");
    let mut p = q.put(1);
    assert!(poll_once(&mut p).is_pending());
    drop(p);
    assert_eq!(q.try_get(), Some(0));
    assert_eq!(q.try_get(), None);
    q.task_done().expect("one item was put");
    assert_eq!(
        q.task_done(),
        Err(TaskDoneError),
        "the cancelled put never counted"
    );
}

#[test]
fn curio_bounded_trace() {
    // curio's test_queue_bounded with maxsize=2, driven step by step.
    let q = Queue::new(2);
    let mut trace = Vec::new();
    let mut next = 0;
    let mut pending_put: Option<Put<'_, i32, Fifo<i32>>> = None;
    let mut got = Vec::new();
    while got.len() < 4 {
        // Producer: put until blocked.
        loop {
            if let Some(p) = &mut pending_put {
                if poll_once(p).is_pending() {
                    break;
                }
                pending_put = None;
                trace.push(format!("produced {}", next - 1));
            }
            if next == 4 {
                break;
            }
            pending_put = Some(q.put(next));
            next += 1;
        }
        // Consumer: one item.
        if let Poll::Ready(v) = poll_once(&mut q.get()) {
            trace.push(format!("cons {v}"));
            got.push(v);
        }
    }
    assert_eq!(got, [0, 1, 2, 3]);
    assert_eq!(
        trace,
        [
            "produced 0",
            "produced 1",
            "cons 0",
            "produced 2",
            "cons 1",
            "produced 3",
            "cons 2",
            "cons 3"
        ]
    );
}

#[test]
fn join_waits_for_every_task_done() {
    let q = Queue::new(0);
    assert!(poll_once(&mut q.join()).is_ready());
    q.try_put(1).expect("unbounded");
    q.try_put(2).expect("unbounded");
    let log = WakeLog::default();
    let mut j = q.join();
    assert!(poll_with(&mut j, &log.waker(1)).is_pending());
    let _ = q.try_get();
    q.task_done().expect("ok");
    assert!(log.take().is_empty());
    q.task_done().expect("ok");
    assert_eq!(log.take(), vec![1]);
    assert!(poll_once(&mut j).is_ready());
    assert_eq!(q.task_done(), Err(TaskDoneError));
}

/// Model: a bounded queue at capacity; one thread puts (must wait), another
/// polls a get once and drops it (maybe after being handed an item), the
/// main thread gets twice or until both items are seen.
/// Invariant: every item is received exactly once (none lost to the dropped
/// getter, none duplicated) and no one waits forever.
#[test]
fn loom_queue_bounded_put_get_with_dropped_getter() {
    model(|| {
        let q = crate::loom::Arc::new(Queue::new(1));
        q.try_put(1).expect("room");
        let q1 = q.clone();
        let putter = thread::spawn(move || {
            crate::universal::block_on(q1.put(2));
        });
        let q2 = q.clone();
        let dropper = thread::spawn(move || {
            let mut g = q2.get();
            match poll_once(&mut g) {
                Poll::Ready(v) => Some(v),
                Poll::Pending => None,
            }
        });
        let mut seen = vec![crate::universal::block_on(q.get())];
        putter.join().expect("putter");
        let stolen = dropper.join().expect("dropper");
        seen.extend(stolen);
        if seen.len() < 2 {
            seen.push(crate::universal::block_on(q.get()));
        }
        seen.sort_unstable();
        assert_eq!(seen, [1, 2]);
        assert!(q.is_empty());
    });
}
