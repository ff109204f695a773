//! Tests of `Lock`: curio's FIFO sequence, hand-off, cancel safety.

use super::*;
use crate::loom::{model, thread};
use crate::test_util::{poll_once, poll_with, WakeLog};

#[test]
fn waiters_acquire_in_arrival_order() {
    // curio's test_lock_sequence: work1 holds, work2 and work3 queue.
    let lock = Lock::new(Vec::new());
    let mut g = lock.try_lock().expect("free");
    g.push(1);
    let mut w2 = lock.lock();
    let mut w3 = lock.lock();
    assert!(poll_once(&mut w2).is_pending());
    assert!(poll_once(&mut w3).is_pending());
    assert!(lock.locked());
    drop(g);
    assert!(lock.locked(), "the lock stays acquired across the hand-off");
    assert!(poll_once(&mut w3).is_pending());
    let Poll::Ready(mut g2) = poll_once(&mut w2) else {
        panic!("w2 is first in line")
    };
    g2.push(2);
    drop(g2);
    let Poll::Ready(mut g3) = poll_once(&mut w3) else {
        panic!("w3 is next")
    };
    g3.push(3);
    drop(g3);
    drop((w2, w3));
    assert_eq!(lock.into_inner(), vec![1, 2, 3]);
}

#[test]
fn try_lock_cannot_barge_past_a_waiter() {
    let lock = Lock::new(0);
    let g = lock.try_lock().expect("free");
    let log = WakeLog::default();
    let mut w = lock.lock();
    assert!(poll_with(&mut w, &log.waker(7)).is_pending());
    drop(g);
    assert_eq!(log.take(), vec![7]);
    assert!(lock.try_lock().is_none());
    assert!(poll_once(&mut w).is_ready());
}

#[test]
fn dropped_waiter_passes_the_lock_on() {
    let lock = Lock::new(0);
    let g = lock.try_lock().expect("free");
    let mut a = lock.lock();
    let mut b = lock.lock();
    assert!(poll_once(&mut a).is_pending());
    assert!(poll_once(&mut b).is_pending());
    drop(g);
    drop(a);
    assert!(poll_once(&mut b).is_ready());
    assert!(!lock.locked());
}

#[test]
fn dropped_waiter_alone_leaves_lock_free() {
    let lock = Lock::new(0);
    let g = lock.try_lock().expect("free");
    let mut a = lock.lock();
    assert!(poll_once(&mut a).is_pending());
    drop(g);
    drop(a);
    assert!(lock.try_lock().is_some());
}

#[test]
fn owned_guard_moves_across_threads() {
    let lock = std::sync::Arc::new(Lock::new(1));
    let mut g = futures::executor::block_on(lock.clone().lock_owned());
    std::thread::spawn(move || *g += 1).join().expect("thread");
    assert_eq!(*lock.try_lock().expect("free"), 2);
}

/// Model: two threads increment under the lock while a third polls a lock
/// future once and drops it mid-wait (maybe after the hand-off).
/// Invariant: mutual exclusion (loom checks the cell), no lost hand-off (no
/// deadlock), and the lock ends free with both increments.
#[test]
fn loom_lock_handoff_with_dropped_waiter() {
    model(|| {
        let lock = crate::loom::Arc::new(Lock::new(0));
        let l1 = lock.clone();
        let t1 = thread::spawn(move || {
            *crate::universal::block_on(l1.lock()) += 1;
        });
        let l2 = lock.clone();
        let t2 = thread::spawn(move || {
            let mut f = l2.lock();
            if let Poll::Ready(mut g) = poll_once(&mut f) {
                *g += 10;
            }
        });
        *crate::universal::block_on(lock.lock()) += 1;
        t1.join().expect("t1");
        t2.join().expect("t2");
        let v = *lock.try_lock().expect("lock ends free");
        assert!(v == 2 || v == 12, "got {v}");
    });
}
