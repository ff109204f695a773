//! Tests of the semaphores: FIFO hand-off, cancel safety, the bound.

use super::*;
use crate::loom::{model, thread};
use crate::test_util::{poll_once, poll_with, WakeLog};
use futures::FutureExt;

#[test]
fn release_hands_off_to_oldest_waiter_without_barging() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().expect("free");
    let log = WakeLog::default();
    let mut a = sem.acquire();
    let mut b = sem.acquire();
    assert!(poll_with(&mut a, &log.waker(1)).is_pending());
    assert!(poll_with(&mut b, &log.waker(2)).is_pending());
    drop(held);
    assert_eq!(log.take(), vec![1], "only the oldest waiter is woken");
    // The permit went to `a` directly: a newcomer cannot take it.
    assert!(sem.try_acquire().is_none());
    assert!(sem.acquire().now_or_never().is_none());
    assert!(poll_with(&mut b, &log.waker(2)).is_pending());
    let pa = poll_once(&mut a);
    assert!(pa.is_ready());
    drop(pa);
    assert_eq!(log.take(), vec![2]);
    assert!(poll_once(&mut b).is_ready());
}

#[test]
fn dropped_queued_waiter_takes_nothing() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().expect("free");
    let mut a = sem.acquire();
    assert!(poll_once(&mut a).is_pending());
    drop(a);
    drop(held);
    assert_eq!(sem.available(), 1);
}

#[test]
fn dropped_waiter_passes_on_a_handed_permit() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().expect("free");
    let mut a = sem.acquire();
    let mut b = sem.acquire();
    assert!(poll_once(&mut a).is_pending());
    assert!(poll_once(&mut b).is_pending());
    drop(held); // handed to `a`
    drop(a); // never took it: it must reach `b`
    assert!(poll_once(&mut b).is_ready());
    assert_eq!(sem.available(), 1);
}

#[test]
fn bounded_semaphore_refuses_release_above_bound() {
    let sem = BoundedSemaphore::new(2);
    assert_eq!(sem.release(), Err(BoundError));
    let p = sem.try_acquire().expect("free");
    assert_eq!(sem.release(), Err(BoundError), "a held permit counts");
    p.forget();
    assert_eq!(sem.available(), 1);
    assert_eq!(sem.release(), Ok(()));
    assert_eq!(sem.release(), Err(BoundError));
    assert_eq!(sem.available(), 2);
}

#[test]
fn bounded_release_wakes_a_waiter() {
    let sem = BoundedSemaphore::new(1);
    sem.try_acquire().expect("free").forget();
    let mut a = sem.acquire();
    assert!(poll_once(&mut a).is_pending());
    assert_eq!(sem.release(), Ok(()));
    assert!(poll_once(&mut a).is_ready());
}

#[test]
fn add_permits_serves_waiters_in_order() {
    let sem = Semaphore::new(0);
    let log = WakeLog::default();
    let mut futs: Vec<_> = (0..3).map(|_| sem.acquire()).collect();
    for (i, f) in futs.iter_mut().enumerate() {
        assert!(poll_with(f, &log.waker(i)).is_pending());
    }
    sem.add_permits(2);
    assert_eq!(log.take(), vec![0, 1]);
    assert_eq!(sem.available(), 0);
}

#[test]
fn owned_permit_forget_and_drop() {
    let sem = std::sync::Arc::new(Semaphore::new(2));
    let p = sem.clone().acquire_owned().now_or_never().expect("free");
    p.forget();
    let q = sem.clone().try_acquire_owned().expect("free");
    assert_eq!(sem.available(), 0);
    drop(q);
    assert_eq!(sem.available(), 1);
}

/// Model: two tasks acquire a one-permit semaphore while a third future is
/// polled once and dropped (possibly after being handed the permit).
/// Invariant: no permit is lost or duplicated, and nobody waits forever.
#[test]
fn loom_semaphore_acquire_release_drop() {
    model(|| {
        let sem = crate::loom::Arc::new(Semaphore::new(1));
        let s1 = sem.clone();
        let t1 = thread::spawn(move || {
            let p = crate::universal::block_on(s1.acquire());
            drop(p);
        });
        let s2 = sem.clone();
        let t2 = thread::spawn(move || {
            let mut f = s2.acquire();
            let _maybe = poll_once(&mut f);
            drop(f);
        });
        let p = crate::universal::block_on(sem.acquire());
        drop(p);
        t1.join().expect("t1");
        t2.join().expect("t2");
        assert_eq!(sem.available(), 1);
    });
}
