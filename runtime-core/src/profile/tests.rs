//! The histogram's bucket arithmetic and the counters of one task.

use super::{bucket_of, DelayHistogram, Profile, TaskProfile, DELAY_BUCKETS};
use std::time::Duration;

#[test]
fn delays_land_in_their_power_of_two_bucket() {
    assert_eq!(bucket_of(0), 0);
    assert_eq!(bucket_of(999), 0);
    assert_eq!(bucket_of(1_000), 1);
    assert_eq!(bucket_of(1_999), 1);
    assert_eq!(bucket_of(2_000), 2);
    assert_eq!(bucket_of(3_999), 2);
    assert_eq!(bucket_of(4_000), 3);
    assert_eq!(bucket_of(1_000_000), 10); // 1 ms: 512 µs ≤ d < 1024 µs
    assert_eq!(bucket_of((1 << 20) * 1_000 - 1), 20);
    assert_eq!(bucket_of((1 << 20) * 1_000), DELAY_BUCKETS - 1);
    assert_eq!(bucket_of(u64::MAX), DELAY_BUCKETS - 1);
    // Every bucket's delays are below its upper bound and at or above the
    // previous bucket's.
    for ns in [
        0,
        1,
        999,
        1_000,
        1_500,
        65_535_000,
        900_000_000,
        2_000_000_000,
    ] {
        let b = bucket_of(ns);
        if let Some(bound) = DelayHistogram::upper_bound(b) {
            assert!(Duration::from_nanos(ns) < bound, "{ns} ns in bucket {b}");
        }
        if b > 0 {
            let lower = DelayHistogram::upper_bound(b - 1).unwrap();
            assert!(Duration::from_nanos(ns) >= lower, "{ns} ns in bucket {b}");
        }
    }
}

#[test]
fn a_task_profile_sums_its_polls_and_delays() {
    let p = TaskProfile::new_queued();
    std::thread::sleep(Duration::from_millis(2));
    p.start_poll();
    std::thread::sleep(Duration::from_millis(3));
    p.end_poll();
    let s = p.snapshot();
    assert!(s.busy >= Duration::from_millis(3), "{:?}", s.busy);
    assert_eq!(s.busy, s.longest_poll);
    assert!(s.delay_max >= Duration::from_millis(2), "{:?}", s.delay_max);
    assert_eq!(s.delay_mean, s.delay_max);
    // The end of a poll, or a later queueing, restarts the delay.
    p.stamp_queued();
    p.start_poll();
    p.end_poll();
    let s2 = p.snapshot();
    assert!(s2.busy >= s.busy);
    assert!(s2.delay_mean < s.delay_max, "{:?}", s2.delay_mean);
    assert_eq!(s2.delay_max, s.delay_max);
}

#[test]
fn a_worker_counts_only_while_entered() {
    let profile = std::sync::Arc::new(Profile::new(2));
    let task = TaskProfile::new_queued();
    task.start_poll();
    task.end_poll();
    assert_eq!(profile.worker(1).unwrap().delays.total(), 0);
    {
        let _g = super::enter_worker(Some(&profile), 1);
        task.stamp_queued();
        task.start_poll();
        task.end_poll();
    }
    task.start_poll();
    task.end_poll();
    let w = profile.worker(1).unwrap();
    assert_eq!(w.delays.total(), 1);
    assert_eq!(profile.worker(0).unwrap().delays.total(), 0);
    assert!(w.busy_fraction >= 0.0 && w.busy_fraction <= 1.0);
    assert!(profile.worker(2).is_none());
}
