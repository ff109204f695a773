//! Tests of `Condition`: FIFO notify, wait_while, cancel safety.

use super::*;
use crate::loom::{model, thread};
use crate::test_util::{poll_once, poll_with, WakeLog};

#[test]
fn wait_releases_the_lock_and_reacquires_it() {
    let lock = Lock::new(0);
    let cond = Condition::new();
    let mut w = cond.wait(lock.try_lock().expect("free"));
    assert!(poll_once(&mut w).is_pending());
    assert!(!lock.locked(), "waiting released the lock");
    let mut g = lock.try_lock().expect("free");
    *g = 5;
    cond.notify(1);
    assert!(poll_once(&mut w).is_pending(), "the lock is still held");
    drop(g);
    let Poll::Ready(g) = poll_once(&mut w) else {
        panic!("lock was released")
    };
    assert_eq!(*g, 5);
}

#[test]
fn notify_wakes_oldest_first() {
    let lock = Lock::new(());
    let cond = Condition::new();
    let log = WakeLog::default();
    let mut a = cond.wait(lock.try_lock().expect("free"));
    assert!(poll_with(&mut a, &log.waker(1)).is_pending());
    let mut b = cond.wait(lock.try_lock().expect("free"));
    assert!(poll_with(&mut b, &log.waker(2)).is_pending());
    let mut c = cond.wait(lock.try_lock().expect("free"));
    assert!(poll_with(&mut c, &log.waker(3)).is_pending());
    cond.notify(2);
    assert_eq!(log.take(), vec![1, 2]);
    cond.notify_all();
    assert_eq!(log.take(), vec![3]);
}

#[test]
fn dropped_notified_waiter_passes_notification_on() {
    let lock = Lock::new(());
    let cond = Condition::new();
    let mut a = cond.wait(lock.try_lock().expect("free"));
    assert!(poll_once(&mut a).is_pending());
    let mut b = cond.wait(lock.try_lock().expect("free"));
    assert!(poll_once(&mut b).is_pending());
    cond.notify(1);
    drop(a);
    assert!(poll_once(&mut b).is_ready(), "b inherited a's notification");
}

#[test]
fn wait_while_waits_while_predicate_holds() {
    let lock = Lock::new(0);
    let cond = Condition::new();
    let mut w = cond.wait_while(lock.try_lock().expect("free"), |v| *v < 2);
    assert!(poll_once(&mut w).is_pending());
    *lock.try_lock().expect("free") = 1;
    cond.notify_all();
    assert!(poll_once(&mut w).is_pending(), "1 < 2: keeps waiting");
    *lock.try_lock().expect("free") = 2;
    cond.notify_all();
    let Poll::Ready(g) = poll_once(&mut w) else {
        panic!("predicate is false now")
    };
    assert_eq!(*g, 2);
}

#[test]
fn wait_while_false_predicate_returns_at_once() {
    let lock = Lock::new(1);
    let cond = Condition::new();
    let mut w = cond.wait_while(lock.try_lock().expect("free"), |v| *v == 0);
    assert!(poll_once(&mut w).is_ready());
}

/// Model: a notifier sets the flag under the lock and notifies while a
/// waiter runs `wait_while(!flag)`.
/// Invariant: the notification is never lost (no deadlock), whichever side
/// takes the lock first.
#[test]
fn loom_condition_notify_races_wait() {
    model(|| {
        let pair = crate::loom::Arc::new((Lock::new(false), Condition::new()));
        let p2 = pair.clone();
        let notifier = thread::spawn(move || {
            let (lock, cond) = &*p2;
            *crate::universal::block_on(lock.lock()) = true;
            cond.notify(1);
        });
        let (lock, cond) = &*pair;
        let g = crate::universal::block_on(async {
            let g = lock.lock().await;
            cond.wait_while(g, |ready| !*ready).await
        });
        assert!(*g);
        drop(g);
        notifier.join().expect("notifier");
    });
}

/// Model: `notify(1)` may reach a waiter that is then dropped before it
/// re-acquires the lock, while another task waits for the flag.
/// Invariant: the dropped waiter passes the notification on (rule 3), so the
/// other waiter is never left waiting (loom reports a deadlock otherwise).
/// The losing interleaving needs three preemptions, so this model asks for
/// three.
#[test]
fn loom_condition_dropped_waiter_passes_notification() {
    crate::loom::model_with_preemptions(3, || {
        let pair = crate::loom::Arc::new((Lock::new(false), Condition::new()));
        let p1 = pair.clone();
        let dropper = thread::spawn(move || {
            let (lock, cond) = &*p1;
            let g = crate::universal::block_on(lock.lock());
            let mut w = cond.wait(g);
            let _ = poll_once(&mut w);
            drop(w);
        });
        let p2 = pair.clone();
        let notifier = thread::spawn(move || {
            let (lock, cond) = &*p2;
            *crate::universal::block_on(lock.lock()) = true;
            cond.notify(1);
        });
        let (lock, cond) = &*pair;
        let g = crate::universal::block_on(async {
            let g = lock.lock().await;
            cond.wait_while(g, |ready| !*ready).await
        });
        assert!(*g);
        drop(g);
        dropper.join().expect("dropper");
        notifier.join().expect("notifier");
    });
}
