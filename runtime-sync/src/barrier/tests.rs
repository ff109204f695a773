//! Tests of `Barrier`: one leader per round, dropped waiters leave.

use super::*;
use crate::test_util::poll_once;

#[test]
fn last_arrival_leads_and_releases_the_round() {
    let b = Barrier::new(3);
    let mut w1 = b.wait();
    let mut w2 = b.wait();
    assert!(poll_once(&mut w1).is_pending());
    assert!(poll_once(&mut w2).is_pending());
    let Poll::Ready(r3) = poll_once(&mut b.wait()) else {
        panic!("third arrival completes the round")
    };
    assert!(r3.is_leader());
    let Poll::Ready(r1) = poll_once(&mut w1) else {
        panic!("released")
    };
    assert!(!r1.is_leader());
    assert!(poll_once(&mut w2).is_ready());
    // The next round starts empty.
    assert!(poll_once(&mut b.wait()).is_pending());
}

#[test]
fn dropped_waiter_leaves_the_round() {
    let b = Barrier::new(2);
    let mut w1 = b.wait();
    assert!(poll_once(&mut w1).is_pending());
    drop(w1);
    assert!(poll_once(&mut b.wait()).is_pending(), "one live party only");
}
