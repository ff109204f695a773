//! Single-threaded tests of the waiter list's bookkeeping.

use super::*;
use futures::task::noop_waker;

#[test]
fn fifo_order_and_removal_from_the_middle() {
    let mut l: WaitList<u32> = WaitList::new();
    let a = l.push_back(noop_waker(), None, 1);
    let b = l.push_back(noop_waker(), None, 2);
    let c = l.push_back(noop_waker(), None, 3);
    assert_eq!(l.len(), 3);
    assert!(matches!(l.remove(b), Removed::Queued(None)));
    assert_eq!(l.front_want(), Some(1));
    assert!(l.notify_front(Some(10)).is_ok());
    assert_eq!(l.front_want(), Some(3));
    assert_eq!(l.take_notified(a, &noop_waker()), Some(Some(10)));
    assert!(l.take_notified(c, &noop_waker()).is_none());
    assert!(l.notify_front(None).is_ok());
    assert!(matches!(l.remove(c), Removed::Notified(None)));
    assert!(l.is_empty());
    assert_eq!(l.notify_front(Some(5)).err(), Some(Some(5)));
}

#[test]
fn slots_are_reused() {
    let mut l: WaitList<()> = WaitList::new();
    for _ in 0..100 {
        let k = l.push_back(noop_waker(), None, 1);
        let _ = l.remove(k);
    }
    assert_eq!(l.slots.len(), 1);
}

#[test]
fn carried_values_come_back() {
    let mut l: WaitList<&str> = WaitList::new();
    let k = l.push_back(noop_waker(), Some("item"), 1);
    let n = l.notify_front(None).ok().map(|n| n.carried);
    assert_eq!(n, Some(Some("item")));
    assert_eq!(l.take_notified(k, &noop_waker()), Some(None));
}

#[test]
fn drain_free_wakes_all_in_order_and_frees_slots() {
    let mut l: WaitList<()> = WaitList::new();
    for _ in 0..3 {
        let _ = l.push_back(noop_waker(), None, 1);
    }
    let mut wake = WakeList::new();
    l.drain_free(&mut wake);
    assert_eq!(wake.wakers.len(), 3);
    assert!(l.is_empty());
    let k = l.push_back(noop_waker(), None, 1);
    assert!(k.0 < 3, "a freed slot is reused");
    assert!(l.notify_front(None).is_ok());
}
