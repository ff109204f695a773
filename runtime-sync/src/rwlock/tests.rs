//! Tests of `RwLock`: shared reads, FIFO fairness, writers not starved.

use super::*;
use crate::loom::{model, thread};
use crate::test_util::poll_once;

#[test]
fn readers_share_writers_exclude() {
    let lock = RwLock::new(0);
    let r1 = lock.try_read().expect("free");
    let r2 = lock.try_read().expect("shared");
    assert!(lock.try_write().is_none());
    drop((r1, r2));
    let w = lock.try_write().expect("free");
    assert!(lock.try_read().is_none());
    drop(w);
}

#[test]
fn queued_writer_blocks_later_readers() {
    let lock = RwLock::new(0);
    let r1 = lock.try_read().expect("free");
    let mut w = lock.write();
    assert!(poll_once(&mut w).is_pending());
    // A reader arriving after the writer must not overtake it.
    assert!(lock.try_read().is_none());
    let mut r2 = lock.read();
    let mut r3 = lock.read();
    assert!(poll_once(&mut r2).is_pending());
    assert!(poll_once(&mut r3).is_pending());
    drop(r1);
    let Poll::Ready(mut g) = poll_once(&mut w) else {
        panic!("writer is first in line")
    };
    assert!(poll_once(&mut r2).is_pending());
    *g = 1;
    drop(g);
    // Both readers queued behind the writer are admitted together.
    let a = poll_once(&mut r2);
    let b = poll_once(&mut r3);
    assert!(a.is_ready() && b.is_ready());
}

#[test]
fn dropped_queued_writer_lets_readers_in() {
    let lock = RwLock::new(0);
    let r1 = lock.try_read().expect("free");
    let mut w = lock.write();
    assert!(poll_once(&mut w).is_pending());
    let mut r2 = lock.read();
    assert!(poll_once(&mut r2).is_pending());
    drop(w);
    assert!(
        poll_once(&mut r2).is_ready(),
        "the writer's removal admits r2"
    );
    drop(r1);
}

/// Model: a writer competes with a stream of readers (two threads reading
/// twice each).
/// Invariant: the writer gets the lock (no starvation or lost hand-off: loom
/// reports a deadlock otherwise) and readers never see a torn state.
#[test]
fn loom_rwlock_writer_not_starved() {
    model(|| {
        let lock = crate::loom::Arc::new(RwLock::new(0));
        let l1 = lock.clone();
        let writer = thread::spawn(move || {
            *crate::universal::block_on(l1.write()) += 1;
        });
        let l2 = lock.clone();
        let reader = thread::spawn(move || {
            let v = *crate::universal::block_on(l2.read());
            assert!(v == 0 || v == 1);
        });
        let v = *crate::universal::block_on(lock.read());
        assert!(v == 0 || v == 1);
        writer.join().expect("writer");
        reader.join().expect("reader");
        assert_eq!(*lock.try_read().expect("free"), 1);
    });
}

/// Model: while a read guard is held, a writer queues and is dropped, and a
/// later reader waits behind it; the guard is released only after that
/// reader finishes.
/// Invariant: removing a queued writer re-runs the grant (semaphore.rs rule
/// 4), so the reader behind it is admitted (loom reports a deadlock otherwise).
#[test]
fn loom_rwlock_dropped_writer_admits_readers() {
    model(|| {
        let lock = crate::loom::Arc::new(RwLock::new(0));
        let held = lock.try_read().expect("free");
        let l1 = lock.clone();
        let writer = thread::spawn(move || {
            let mut w = l1.write();
            let _ = poll_once(&mut w);
        });
        let l2 = lock.clone();
        let reader = thread::spawn(move || {
            let _ = *crate::universal::block_on(l2.read());
        });
        reader.join().expect("reader");
        drop(held);
        writer.join().expect("writer");
    });
}
