//! Unit tests of the wheel's slot arithmetic and firing order.

use super::level::{clamp, level_for, Level, LEVELS, SLOT_BITS};
use super::wheel::Wheel;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Wake, Waker};

/// A waker that counts its wakes.
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

fn counter() -> (Arc<Count>, Waker) {
    let c = Arc::new(Count(AtomicUsize::new(0)));
    (c.clone(), Waker::from(c))
}

#[test]
fn level_for_picks_the_highest_differing_digit() {
    assert_eq!(level_for(0, 1), 0);
    assert_eq!(level_for(0, 63), 0);
    assert_eq!(level_for(0, 64), 1);
    assert_eq!(level_for(63, 64), 1);
    assert_eq!(level_for(64, 127), 0);
    assert_eq!(level_for(0, 1 << 12), 2);
    assert_eq!(level_for(0, (1 << 36) - 1), LEVELS - 1);
}

#[test]
fn clamp_keeps_far_deadlines_on_the_top_level() {
    let far = 1u64 << 40;
    let placed = clamp(5, far);
    assert!(placed > 5 && level_for(5, placed) == LEVELS - 1);
    assert_eq!(clamp(5, 1000), 1000);
}

#[test]
fn next_occupied_finds_the_slot_start() {
    let mut level = Level::new(1);
    level.set_head(3, 0);
    assert_eq!(level.next_occupied(10), Some((3, 3 << SLOT_BITS)));
    assert_eq!(level.next_occupied(3 << SLOT_BITS), None);
}

/// Fires every tick in order and checks that each entry fires exactly at
/// its tick, never before.
#[test]
fn entries_fire_at_their_tick_never_before() {
    let mut wheel = Wheel::new();
    let whens = [1u64, 2, 63, 64, 65, 100, 4095, 4096, 4097, 300_000, 5, 5];
    let entries: Vec<_> = whens
        .iter()
        .map(|&w| {
            let (c, waker) = counter();
            let key = wheel.reserve();
            assert!(wheel.arm(key, w, waker));
            (w, key, c)
        })
        .collect();
    assert_eq!(wheel.armed(), whens.len());
    let mut fired = Vec::new();
    let mut now = 0;
    while now <= 300_001 {
        let next = wheel.next_expiration().unwrap_or(300_001).max(now);
        assert!(wheel.advance(next, &mut fired, usize::MAX));
        fired.drain(..).for_each(Waker::wake);
        for (w, key, c) in &entries {
            let n = c.0.load(Ordering::Relaxed);
            if *w <= next {
                assert_eq!(n, 1, "entry due at {w} not fired by {next}");
                assert!(wheel.is_fired(*key));
            } else {
                assert_eq!(n, 0, "entry due at {w} fired early at {next}");
            }
        }
        now = next + 1;
    }
    assert_eq!(wheel.armed(), 0);
    assert_eq!(wheel.elapsed(), 300_001);
}

#[test]
fn removed_entries_never_fire_and_slots_are_reused() {
    let mut wheel = Wheel::new();
    let (c, waker) = counter();
    let a = wheel.reserve();
    assert!(wheel.arm(a, 10, waker.clone()));
    let b = wheel.reserve();
    assert!(wheel.arm(b, 10, waker.clone()));
    wheel.remove(a);
    assert_eq!(wheel.armed(), 1);
    let c2 = wheel.reserve();
    assert_ne!(c2, a, "a reused slot gets a new generation");
    wheel.remove(c2);
    let mut fired = Vec::new();
    wheel.advance(20, &mut fired, usize::MAX);
    fired.drain(..).for_each(Waker::wake);
    assert_eq!(c.0.load(Ordering::Relaxed), 1);
    assert!(wheel.is_fired(b));
}

#[test]
fn arming_in_the_past_reports_due() {
    let mut wheel = Wheel::new();
    let mut fired = Vec::new();
    wheel.advance(50, &mut fired, 8);
    let key = wheel.reserve();
    let (_c, waker) = counter();
    assert!(!wheel.arm(key, 50, waker.clone()));
    assert!(wheel.is_fired(key));
    assert!(wheel.arm(key, 51, waker));
    assert!(!wheel.is_fired(key));
}

#[test]
fn advance_stops_at_the_batch_size() {
    let mut wheel = Wheel::new();
    let (c, waker) = counter();
    for w in 1..=10 {
        let key = wheel.reserve();
        wheel.arm(key, w, waker.clone());
    }
    let mut fired = Vec::new();
    let mut rounds = 0;
    while !wheel.advance(10, &mut fired, 3) {
        rounds += 1;
        fired.drain(..).for_each(Waker::wake);
    }
    fired.drain(..).for_each(Waker::wake);
    assert!(rounds >= 3);
    assert_eq!(c.0.load(Ordering::Relaxed), 10);
}

/// Dropping a sleep takes its timer out of the wheel at once.
#[test]
fn dropped_sleeps_leave_the_wheel_at_once() {
    use std::future::Future;
    use std::task::Poll;
    use std::time::Duration;
    let rt = crate::Runtime::builder().workers(1).build().unwrap();
    let handle = rt.handle().clone();
    rt.block_on(async move {
        let mut sleeps: Vec<_> = (0..1000u64)
            .map(|i| Box::pin(crate::sleep(Duration::from_secs(100 + i))))
            .collect();
        std::future::poll_fn(|cx| {
            for s in &mut sleeps {
                assert!(s.as_mut().poll(cx).is_pending());
            }
            Poll::Ready(())
        })
        .await;
        let driver = super::Driver::of(handle.shared());
        assert_eq!(driver.lock().wheel.armed(), 1000);
        sleeps.truncate(10);
        assert_eq!(driver.lock().wheel.armed(), 10);
        drop(sleeps);
        assert_eq!(driver.lock().wheel.armed(), 0);
    });
}

/// A timeout arms its timer only when its future suspends: one that
/// completes at once never takes a wheel slot, one that suspends is armed
/// while it waits and removed when it completes.
#[test]
fn timeouts_arm_only_when_their_future_suspends() {
    use std::time::Duration;
    let rt = crate::Runtime::builder().workers(1).build().unwrap();
    let handle = rt.handle().clone();
    rt.block_on(async move {
        let driver = super::Driver::of(handle.shared()).clone();
        for _ in 0..100 {
            let r = crate::timeout_after(Duration::from_secs(5), async {
                assert_eq!(driver.lock().wheel.armed(), 0);
                7
            })
            .await;
            assert_eq!(r, Ok(7));
        }
        let d = driver.clone();
        let mut suspended = false;
        let r = crate::timeout_after(
            Duration::from_secs(5),
            std::future::poll_fn(move |cx| {
                if suspended {
                    assert_eq!(d.lock().wheel.armed(), 1);
                    return std::task::Poll::Ready(8);
                }
                suspended = true;
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            }),
        )
        .await;
        assert_eq!(r, Ok(8));
        assert_eq!(driver.lock().wheel.armed(), 0);
    });
}

/// A firing round publishes the wheel's elapsed tick (never past `now`)
/// before its wakers are woken.
#[test]
fn a_firing_round_publishes_its_tick() {
    let driver = super::Driver::new(std::sync::Arc::new(super::Clock::new(false)));
    let (c, waker) = counter();
    let mut fired = Vec::new();
    {
        let mut st = driver.lock();
        let key = st.wheel.reserve();
        assert!(driver.arm(&mut st, key, 5, waker));
        assert!(driver.fire_round(&mut st, 4, &mut fired));
        assert!(fired.is_empty());
        assert_eq!(driver.elapsed(), 4);
        assert!(driver.fire_round(&mut st, 7, &mut fired));
    }
    assert_eq!(fired.len(), 1);
    assert_eq!(driver.elapsed(), 7);
    fired.drain(..).for_each(Waker::wake);
    assert_eq!(c.0.load(Ordering::Relaxed), 1);
}
