//! Tests of `Event`: immediate return, wake-all in FIFO order, clear.

use super::*;
use crate::loom::{model, thread};
use crate::test_util::{poll_once, poll_with, WakeLog};

#[test]
fn wait_on_set_event_returns_at_once() {
    let ev = Event::new();
    ev.set();
    assert!(poll_once(&mut ev.wait()).is_ready());
}

#[test]
fn set_wakes_every_waiter_in_fifo_order() {
    let ev = Event::new();
    let log = WakeLog::default();
    let mut ws: Vec<_> = (0..5).map(|_| ev.wait()).collect();
    for (i, w) in ws.iter_mut().enumerate() {
        assert!(poll_with(w, &log.waker(i)).is_pending());
    }
    ev.set();
    assert_eq!(log.take(), vec![0, 1, 2, 3, 4]);
    ev.clear();
    // curio: a waiter woken by `set` completes even if cleared meanwhile.
    for w in &mut ws {
        assert!(poll_once(w).is_ready());
    }
    assert!(poll_once(&mut ev.wait()).is_pending());
}

#[test]
fn dropped_waiter_does_not_disturb_others() {
    let ev = Event::new();
    let log = WakeLog::default();
    let mut a = ev.wait();
    let mut b = ev.wait();
    assert!(poll_with(&mut a, &log.waker(1)).is_pending());
    assert!(poll_with(&mut b, &log.waker(2)).is_pending());
    drop(a);
    ev.set();
    assert_eq!(log.take(), vec![2]);
    assert!(poll_once(&mut b).is_ready());
}

#[test]
fn set_is_idempotent() {
    let ev = Event::new();
    ev.set();
    ev.set();
    assert!(ev.is_set());
    ev.clear();
    assert!(!ev.is_set());
}

/// Model: a setter sets, clears and sets again while one thread waits and
/// another polls a wait once and drops it.
/// Invariant: a waiter never misses the final `set` (no lost wake-up, loom
/// reports a deadlock otherwise), and `wait` returns only after some `set`.
#[test]
fn loom_event_set_clear_wait() {
    model(|| {
        let ev = crate::loom::Arc::new(Event::new());
        let e1 = ev.clone();
        let setter = thread::spawn(move || {
            e1.set();
            e1.clear();
            e1.set();
        });
        let e2 = ev.clone();
        let dropper = thread::spawn(move || {
            let mut w = e2.wait();
            let _ = poll_once(&mut w);
        });
        crate::universal::block_on(ev.wait());
        setter.join().expect("setter");
        dropper.join().expect("dropper");
        assert!(ev.is_set());
    });
}

#[test]
fn released_waiter_never_touches_a_reused_slot() {
    let ev = Event::new();
    let mut a = ev.wait();
    assert!(poll_once(&mut a).is_pending());
    ev.set();
    ev.clear();
    let mut b = ev.wait();
    assert!(poll_once(&mut b).is_pending(), "b queues, reusing a's slot");
    // `a` was released by the set; dropping it unpolled must not remove b.
    drop(a);
    assert_eq!(ev.waiters.lock().len(), 1, "b is still queued");
    let mut c = ev.wait();
    assert!(poll_once(&mut c).is_pending());
    drop(c);
    assert_eq!(ev.waiters.lock().len(), 1);
    let log = WakeLog::default();
    assert!(poll_with(&mut b, &log.waker(9)).is_pending());
    ev.set();
    assert_eq!(log.take(), vec![9]);
}
