//! Which workers are parked, and which are searching for work.
//!
//! # State
//!
//! One atomic word counts the *unparked* workers (high bits) and, among
//! them, the *searching* ones (low bits); a mutex-protected list names the
//! parked workers.
//!
//! # Invariants
//!
//! 1. At most about half of the workers search at once
//!    ([`Idle::transition_worker_to_searching`]), so idle cores do not
//!    thrash on each other's queues.
//! 2. A producer that queued work wakes a parked worker only when nobody is
//!    searching ([`Idle::worker_to_notify`]): a searcher will find the work.
//! 3. The last searcher to park re-checks every queue after it stopped
//!    counting as searching, and wakes a worker if it finds work. With
//!    rule 2 this is Dekker's pattern: the producer writes the queue then
//!    reads the count, the parker writes the count then reads the queues,
//!    each separated by a SeqCst fence, so at least one of them sees the
//!    other's write and no work is left with every worker asleep.

use crate::loom::{fence, AtomicUsize, Mutex};
use std::sync::atomic::Ordering::SeqCst;

/// Bits of the word that count searching workers.
const SEARCH_MASK: usize = (1 << 16) - 1;
/// Shift of the count of unparked workers.
const UNPARK_SHIFT: usize = 16;

/// The idle bookkeeping of one runtime.
pub(crate) struct Idle {
    /// Unparked count above `UNPARK_SHIFT`, searching count below.
    state: AtomicUsize,
    /// The number of workers.
    num_workers: usize,
    /// The indices of parked workers.
    sleepers: Mutex<Vec<usize>>,
}

impl Idle {
    /// Every worker starts unparked and not searching.
    pub(crate) fn new(num_workers: usize) -> Idle {
        Idle {
            state: AtomicUsize::new(num_workers << UNPARK_SHIFT),
            num_workers,
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
        }
    }

    /// Rule 2: after queueing work, picks a parked worker to wake (and
    /// counts it as unparked and searching), or `None` when a searcher
    /// exists or nobody is parked.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        // ORDERING: SeqCst fence; Dekker with the fence in `park` (rule 3).
        fence(SeqCst);
        if !self.should_notify() {
            return None;
        }
        let mut sleepers = self.sleepers.lock();
        if !self.should_notify() {
            return None;
        }
        let worker = sleepers.pop()?;
        // ORDERING: SeqCst; part of the rule 2/3 protocol.
        self.state.fetch_add((1 << UNPARK_SHIFT) | 1, SeqCst);
        Some(worker)
    }

    /// Whether a parked worker should be woken.
    fn should_notify(&self) -> bool {
        // ORDERING: SeqCst; part of the rule 2/3 protocol.
        let state = self.state.load(SeqCst);
        let searching = state & SEARCH_MASK;
        let unparked = state >> UNPARK_SHIFT;
        searching == 0 && unparked < self.num_workers
    }

    /// Rule 1: starts searching unless enough workers already do.
    pub(crate) fn transition_worker_to_searching(&self) -> bool {
        // ORDERING: SeqCst; part of the rule 2/3 protocol.
        let state = self.state.load(SeqCst);
        if 2 * (state & SEARCH_MASK) >= self.num_workers {
            return false;
        }
        // A race may let one extra worker through; the bound is a heuristic.
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// Stops searching (work was found). Returns whether this was the last
    /// searcher, in which case the caller wakes another worker so that
    /// searching goes on while it is busy.
    pub(crate) fn transition_worker_from_searching(&self) -> bool {
        // ORDERING: SeqCst; part of the rule 2/3 protocol.
        let prev = self.state.fetch_sub(1, SeqCst);
        debug_assert!(prev & SEARCH_MASK > 0);
        prev & SEARCH_MASK == 1
    }

    /// Rule 3: records `worker` as parked. Returns whether it was the last
    /// searcher, in which case the caller must re-check every queue.
    pub(crate) fn transition_worker_to_parked(&self, worker: usize, is_searching: bool) -> bool {
        let mut sleepers = self.sleepers.lock();
        let dec = (1 << UNPARK_SHIFT) | usize::from(is_searching);
        // ORDERING: SeqCst; part of the rule 2/3 protocol.
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.push(worker);
        drop(sleepers);
        // ORDERING: SeqCst fence; Dekker with the fence in
        // `worker_to_notify` (rule 3).
        fence(SeqCst);
        is_searching && prev & SEARCH_MASK == 1
    }

    /// `worker` found work of its own while parked (the I/O driver it slept
    /// in woke tasks onto it): counts it unparked again, not searching.
    /// Returns `false` when a notifier had already unparked it (and counted
    /// it searching).
    pub(crate) fn unpark_self(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        let Some(pos) = sleepers.iter().position(|&w| w == worker) else {
            return false;
        };
        sleepers.swap_remove(pos);
        // ORDERING: SeqCst; part of the rule 2/3 protocol.
        self.state.fetch_add(1 << UNPARK_SHIFT, SeqCst);
        true
    }

    /// Whether every worker counts as parked.
    pub(crate) fn all_parked(&self) -> bool {
        // ORDERING: SeqCst; part of the rule 2/3 protocol.
        self.state.load(SeqCst) >> UNPARK_SHIFT == 0
    }

    /// Whether `worker` is still listed as parked (a wake-up that did not
    /// come from `worker_to_notify` leaves it listed).
    pub(crate) fn is_parked(&self, worker: usize) -> bool {
        self.sleepers.lock().contains(&worker)
    }
}
