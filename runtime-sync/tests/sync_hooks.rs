//! The runtime hook: waits are reported with curio's state names and the
//! caller's location, and a budget that says Pending makes ready operations
//! yield without taking anything. (Its own process: hooks are global.)

// Test bookkeeping outside the crate: the loom shim does not apply here.
#![allow(clippy::disallowed_types)]

use futures::task::noop_waker;
use runtime_sync::hook::{install, RuntimeHooks};
use runtime_sync::{Event, Lock, Queue, Semaphore, UniversalQueue};
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::task::{Context, Poll};

/// Records waits; refuses the budget while `DENY` is set.
struct Recorder;

/// Reported (state, line) pairs.
static SEEN: Mutex<Vec<(&'static str, u32)>> = Mutex::new(Vec::new());
/// When set, `poll_proceed` answers Pending.
static DENY: AtomicBool = AtomicBool::new(false);
/// Serialises the tests of this file (they share the globals).
static SERIAL: Mutex<()> = Mutex::new(());

impl RuntimeHooks for Recorder {
    fn waiting(&self, state: &'static str, location: &'static Location<'static>) {
        if let Ok(mut s) = SEEN.lock() {
            s.push((state, location.line()));
        }
    }
    fn poll_proceed(&self, cx: &mut Context<'_>) -> Poll<()> {
        if DENY.load(Ordering::SeqCst) {
            cx.waker().wake_by_ref();
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    }
}

/// The hooks of this test process.
static HOOKS: Recorder = Recorder;

/// Installs the hooks once and clears the records.
fn setup() -> std::sync::MutexGuard<'static, ()> {
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let _ = install(&HOOKS);
    SEEN.lock().unwrap_or_else(|e| e.into_inner()).clear();
    DENY.store(false, Ordering::SeqCst);
    guard
}

/// Polls once with a no-op waker.
fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    let w = noop_waker();
    Pin::new(f).poll(&mut Context::from_waker(&w))
}

#[test]
fn second_install_is_refused() {
    let _g = setup();
    assert!(!install(&HOOKS));
}

#[test]
fn waits_report_state_and_caller_line() {
    let _g = setup();
    let ev = Event::new();
    let lock = Lock::new(());
    let sem = Semaphore::new(0);
    let q: Queue<u8> = Queue::new(0);
    let uq: UniversalQueue<u8> = UniversalQueue::new(0);
    let held = lock.try_lock();
    let line = line!() + 1;
    let mut w = ev.wait();
    let mut l = lock.lock();
    let mut s = sem.acquire();
    let mut g = q.get();
    let mut u = uq.get();
    assert!(poll_once(&mut w).is_pending());
    assert!(poll_once(&mut l).is_pending());
    assert!(poll_once(&mut s).is_pending());
    assert!(poll_once(&mut g).is_pending());
    assert!(poll_once(&mut u).is_pending());
    let seen = SEEN.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(
        seen,
        [
            ("EVENT_WAIT", line),
            ("LOCK_ACQUIRE", line + 1),
            ("SEMA_ACQUIRE", line + 2),
            ("QUEUE_GET", line + 3),
            ("FUTURE_WAIT", line + 4),
        ]
    );
    drop(held);
}

#[test]
fn denied_budget_takes_nothing() {
    let _g = setup();
    let q = Queue::new(0);
    q.try_put(1).expect("unbounded");
    let sem = Semaphore::new(1);
    DENY.store(true, Ordering::SeqCst);
    let mut g = q.get();
    let mut a = sem.acquire();
    assert!(poll_once(&mut g).is_pending());
    assert!(poll_once(&mut a).is_pending());
    assert_eq!(q.len(), 1, "the item stayed");
    assert_eq!(sem.available(), 1, "the permit stayed");
    DENY.store(false, Ordering::SeqCst);
    assert_eq!(poll_once(&mut g), Poll::Ready(1));
    assert!(poll_once(&mut a).is_ready());
}
