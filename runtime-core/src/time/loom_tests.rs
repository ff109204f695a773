//! Loom models of the timer protocol.

use super::driver::Driver;
use crate::loom::{model, Arc};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Wake, Waker};

/// Counts wakes (outside loom's view: only the count matters).
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Invariant: a timer that fires while its owner removes it is woken at
/// most once, the removal never corrupts the wheel (the slot is freed
/// exactly once and a new timer in the reused slot is neither fired nor
/// woken by the stale round), and the firing thread wakes outside the lock.
#[test]
fn loom_timer_fires_while_cancelled() {
    model(|| {
        let driver = Arc::new(Driver::new(std::sync::Arc::new(super::Clock::new(false))));
        let count = std::sync::Arc::new(Count(AtomicUsize::new(0)));
        let key = {
            let mut st = driver.lock();
            let key = st.wheel.reserve();
            assert!(st.wheel.arm(key, 5, Waker::from(count.clone())));
            key
        };
        let d = driver.clone();
        let firer = loom::thread::spawn(move || {
            let mut fired = Vec::new();
            d.lock().wheel.advance(10, &mut fired, 8);
            for w in fired {
                w.wake();
            }
        });
        let fresh = {
            let mut st = driver.lock();
            st.wheel.remove(key);
            let fresh = st.wheel.reserve();
            assert_ne!(fresh, key);
            fresh
        };
        firer.join().unwrap();
        assert!(count.0.load(Ordering::Relaxed) <= 1);
        let mut st = driver.lock();
        assert!(!st.wheel.is_fired(fresh));
        assert_eq!(st.wheel.armed(), 0);
        st.wheel.remove(fresh);
    });
}

/// Invariant: arming a timer earlier than the driver's planned wake-up
/// while the driver plans it is never missed: either the driver sees the
/// entry when it computes its next expiration, or the arm notifies it.
#[test]
fn loom_arm_while_the_driver_plans() {
    model(|| {
        let driver = Arc::new(Driver::new(std::sync::Arc::new(super::Clock::new(false))));
        let d = driver.clone();
        let armer = loom::thread::spawn(move || {
            let mut st = d.lock();
            let key = st.wheel.reserve();
            let waker = Waker::from(std::sync::Arc::new(Count(AtomicUsize::new(0))));
            // Due in the past of no one: tick 3.
            assert!(st.wheel.arm(key, 3, waker));
            key
        });
        let planned = driver.lock().wheel.next_expiration();
        let key = armer.join().unwrap();
        // Whichever ran first, the wheel now reports the entry.
        assert_eq!(driver.lock().wheel.next_expiration(), Some(3));
        assert!(planned.is_none() || planned == Some(3));
        driver.lock().wheel.remove(key);
    });
}

/// Sets a loom-visible flag when woken (Release), like a task being
/// scheduled.
struct Flag(crate::loom::AtomicBool);

impl Wake for Flag {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.store(true, Ordering::Release);
    }
}

/// Invariant 3 of driver.rs: a task woken by its timer sees the published
/// tick reach the timer's tick, so its re-poll learns the expiry without
/// the lock (else it would suspend again with no timer left to wake it).
#[test]
fn loom_woken_timer_sees_the_published_tick() {
    model(|| {
        let driver = Arc::new(Driver::new(std::sync::Arc::new(super::Clock::new(false))));
        let flag = std::sync::Arc::new(Flag(crate::loom::AtomicBool::new(false)));
        {
            let mut st = driver.lock();
            let key = st.wheel.reserve();
            assert!(driver.arm(&mut st, key, 5, Waker::from(flag.clone())));
        }
        let d = driver.clone();
        let firer = loom::thread::spawn(move || {
            let mut fired = Vec::new();
            let mut st = d.lock();
            d.fire_round(&mut st, 10, &mut fired);
            drop(st);
            for w in fired {
                w.wake();
            }
        });
        if flag.0.load(Ordering::Acquire) {
            assert!(driver.elapsed() >= 5);
        }
        firer.join().unwrap();
        assert_eq!(driver.elapsed(), 10);
    });
}
