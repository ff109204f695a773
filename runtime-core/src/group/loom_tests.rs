//! Loom models of task groups.

use super::{Member, TaskGroup};
use crate::loom::model;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Wake, Waker};

/// Counts wakes.
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Invariant: a member finishing while its group is dropped neither
/// deadlocks nor leaks nor double-frees the shared state (loom checks the
/// `Arc`), and the owner's registered waker is woken at most once.
#[test]
fn loom_member_finishes_while_group_dropped() {
    model(|| {
        let group: TaskGroup<u8> = TaskGroup::new();
        let count = std::sync::Arc::new(Count(AtomicUsize::new(0)));
        group.inner.state.lock().waker = Some(Waker::from(count.clone()));
        group.inner.state.lock().spawning = 1;
        let member = Member {
            inner: group.inner.clone(),
            key: 0,
        };
        let t = loom::thread::spawn(move || drop(member));
        drop(group);
        t.join().unwrap();
        assert!(count.0.load(Ordering::Relaxed) <= 1);
    });
}
