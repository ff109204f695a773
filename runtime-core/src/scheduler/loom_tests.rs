//! Loom models of parking and notification (idle.rs rules 2 and 3, and
//! the parker): work queued while a worker is going to sleep is never left
//! with every worker asleep.

use super::idle::Idle;
use super::park::Parker;
use crate::loom::{model, thread, Arc, AtomicBool, AtomicUsize};
use std::sync::atomic::Ordering::SeqCst;

/// A stand-in for the run queues: a count of queued items.
struct Work {
    /// Queued items.
    items: AtomicUsize,
}

impl Work {
    /// Takes an item if there is one.
    fn take(&self) -> bool {
        self.items
            .fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

/// The worker's loop of `worker.rs` reduced to its protocol: search, park
/// as the last searcher with a re-check, and wake up searching.
fn worker(
    index: usize,
    idle: &Idle,
    parkers: &[Parker],
    work: &Work,
    done: &AtomicBool,
    taken: &AtomicUsize,
) {
    let mut searching = idle.transition_worker_to_searching();
    loop {
        if done.load(SeqCst) {
            return;
        }
        if work.take() {
            if searching {
                searching = false;
                if idle.transition_worker_from_searching() {
                    notify(idle, parkers);
                }
            }
            taken.fetch_add(1, SeqCst);
            continue;
        }
        if !searching && idle.transition_worker_to_searching() {
            searching = true;
            continue;
        }
        if idle.transition_worker_to_parked(index, searching) && work.items.load(SeqCst) > 0 {
            notify(idle, parkers);
        }
        loop {
            parkers[index].park();
            if done.load(SeqCst) {
                return;
            }
            if !idle.is_parked(index) {
                searching = true;
                break;
            }
        }
    }
}

/// `Shared::notify_parked`.
fn notify(idle: &Idle, parkers: &[Parker]) {
    if let Some(i) = idle.worker_to_notify() {
        parkers[i].unpark();
    }
}

/// One worker, one producer: the item pushed while the worker goes to
/// sleep is taken.
#[test]
fn loom_no_lost_wakeup_one_worker() {
    model(|| run_model(1, 1));
}

/// Two workers, one producer of two items: both items are taken.
#[test]
fn loom_no_lost_wakeup_two_workers() {
    model(|| run_model(2, 2));
}

/// Runs `workers` workers (starting as searchers) against a producer of
/// `items` items; the model thread waits until all are taken, then stops
/// the workers.
fn run_model(workers: usize, items: usize) {
    let idle = Arc::new(Idle::new(workers));
    let parkers: Arc<Vec<Parker>> = Arc::new((0..workers).map(|_| Parker::new()).collect());
    let work = Arc::new(Work {
        items: AtomicUsize::new(0),
    });
    let done = Arc::new(AtomicBool::new(false));
    let taken = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..workers)
        .map(|i| {
            let (idle, parkers, work, done, taken) = (
                idle.clone(),
                parkers.clone(),
                work.clone(),
                done.clone(),
                taken.clone(),
            );
            thread::spawn(move || worker(i, &idle, &parkers, &work, &done, &taken))
        })
        .collect();
    for _ in 0..items {
        work.items.fetch_add(1, SeqCst);
        notify(&idle, &parkers);
    }
    while taken.load(SeqCst) < items {
        thread::yield_now();
    }
    done.store(true, SeqCst);
    for p in parkers.iter() {
        p.unpark();
    }
    for h in handles {
        h.join().unwrap();
    }
}
