//! The task state word: every flag and the reference count in one atomic.
//!
//! The word is mutated only here. Each `transition_to_*` method is one atomic
//! read-modify-write that checks its precondition and returns a `#[must_use]`
//! outcome; the harness in `raw.rs` acts on that outcome. The rules the bits
//! obey are numbered in `task/mod.rs`.

use crate::loom::AtomicUsize;
use std::fmt;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed};

/// Set while a thread polls the future (or drops it on cancellation). Never
/// set together with `COMPLETE`.
const RUNNING: usize = 1 << 0;

/// Set once the future has been dropped and the outcome stored. Never cleared.
const COMPLETE: usize = 1 << 1;

/// Set while a `Notified` reference for the task exists (it sits in a run
/// queue, or is about to). Cleared when a worker starts running the task.
const NOTIFIED: usize = 1 << 2;

/// Set by a waker, together with `NOTIFIED`: the next run is due to a real
/// wake-up rather than only to a cancellation request. Cleared on running.
const WOKEN: usize = 1 << 3;

/// Set by a cancellation request (rule 5). Never cleared.
const CANCELLED: usize = 1 << 4;

/// Set while a `Task<T>` handle exists. Cleared when it is dropped.
const JOIN_INTEREST: usize = 1 << 5;

/// Set while the join waker slot holds a waker that the runtime may read;
/// the handle may write the slot only while this is clear (rule 6).
const JOIN_WAKER: usize = 1 << 6;

/// Set the first time the task is run. Never cleared.
const POLLED: usize = 1 << 7;

/// The reference count lives above the flags.
const REF_SHIFT: usize = 8;

/// One reference.
const REF_ONE: usize = 1 << REF_SHIFT;

/// A new task: notified (its first run is queued), a join handle, and three
/// references (the registry, the queued `Notified`, the `Task<T>` handle).
const INITIAL: usize = NOTIFIED | JOIN_INTEREST | (3 * REF_ONE);

/// The atomic state of one task.
pub(crate) struct State {
    /// Flags in the low bits, reference count above `REF_SHIFT`.
    val: AtomicUsize,
}

/// A copy of the state word at one instant.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

/// Outcome of [`State::transition_to_running`].
#[must_use]
pub(crate) enum TransitionToRunning {
    /// The caller owns `RUNNING`; the snapshot is the state before.
    Success(Snapshot),
    /// The task was complete or already running; the caller's reference was
    /// released.
    Failed,
    /// As `Failed`, and that was the last reference: deallocate.
    Dealloc,
}

/// Outcome of [`State::transition_to_idle`].
#[must_use]
pub(crate) enum TransitionToIdle {
    /// Idle; the caller's reference was released.
    Ok,
    /// Idle but woken meanwhile: a new reference was made for a `Notified`
    /// that must be scheduled; the caller keeps its own until the scheduler
    /// has taken the `Notified`, then releases it.
    OkNotified,
    /// Idle and that was the last reference: deallocate.
    OkDealloc,
    /// A cancellation is pending and may be delivered: the caller still owns
    /// `RUNNING` and must drop the future.
    Cancelled,
    /// Idle with a cancellation pending that the caller found deferred by a
    /// `disable_cancellation` scope; the caller's reference is kept, so it
    /// can re-check the scope (which may have closed on another thread
    /// meanwhile) and then release the reference (rule 5).
    OkShielded,
}

/// Outcome of the notify transitions.
#[must_use]
pub(crate) enum TransitionToNotified {
    /// Nothing to do.
    DoNothing,
    /// The caller holds a new `Notified` reference and must schedule it.
    Submit,
    /// The last reference was released: deallocate.
    Dealloc,
}

/// Outcome of [`State::transition_to_cancel_requested`].
#[must_use]
pub(crate) enum TransitionToCancel {
    /// The task had already completed.
    AlreadyComplete,
    /// A cancellation had already been requested (it is one-shot).
    AlreadyRequested,
    /// Requested; the task is queued or running and will see it.
    Requested,
    /// Requested; the task was idle, and the caller holds a new `Notified`
    /// reference that must be scheduled.
    RequestedSubmit,
}

impl State {
    /// The state of a freshly spawned task.
    pub(crate) fn new() -> State {
        State {
            val: AtomicUsize::new(INITIAL),
        }
    }

    /// Reads the state.
    pub(crate) fn load(&self) -> Snapshot {
        // ORDERING: Acquire; pairs with the AcqRel updates below, so that a
        // reader who sees COMPLETE also sees the stored outcome.
        Snapshot(self.val.load(Acquire))
    }

    /// Applies `f` until the compare-exchange succeeds; `f` returns the new
    /// word (or `None` to leave it) and an outcome.
    fn fetch_update<T>(&self, mut f: impl FnMut(Snapshot) -> (Option<Snapshot>, T)) -> T {
        let mut curr = self.load();
        loop {
            let (next, out) = f(curr);
            let Some(next) = next else { return out };
            // ORDERING: AcqRel; each transition both publishes what the
            // caller wrote (the stage, the join waker, a waker's data) and
            // acquires what the previous writers of the word published. A
            // transition that returns `None` writes nothing and so
            // publishes nothing: only its initial Acquire load orders it.
            match self
                .val
                .compare_exchange_weak(curr.0, next.0, AcqRel, Acquire)
            {
                Ok(_) => return out,
                Err(actual) => curr = Snapshot(actual),
            }
        }
    }

    /// A worker took a `Notified` reference off a queue and wants to run it
    /// (rule 2).
    pub(crate) fn transition_to_running(&self) -> TransitionToRunning {
        self.fetch_update(|curr| {
            debug_assert!(curr.is_notified() || curr.is_complete() || curr.is_running());
            if curr.is_running() || curr.is_complete() {
                let next = curr.ref_dec();
                let out = if next.ref_count() == 0 {
                    TransitionToRunning::Dealloc
                } else {
                    TransitionToRunning::Failed
                };
                return (Some(next), out);
            }
            let next = Snapshot((curr.0 | RUNNING | POLLED) & !(NOTIFIED | WOKEN));
            (Some(next), TransitionToRunning::Success(curr))
        })
    }

    /// The future returned `Pending` (rule 3). With `cancellable`, a pending
    /// cancellation is reported instead of going idle.
    pub(crate) fn transition_to_idle(&self, cancellable: bool) -> TransitionToIdle {
        self.fetch_update(|curr| {
            debug_assert!(curr.is_running());
            if cancellable && curr.is_cancelled() {
                return (None, TransitionToIdle::Cancelled);
            }
            if curr.is_notified() {
                // A reference for the new `Notified`; the runner's own keeps
                // the cell alive while the scheduler borrowed from it runs.
                let next = Snapshot(curr.0 & !RUNNING).ref_inc();
                return (Some(next), TransitionToIdle::OkNotified);
            }
            if curr.is_cancelled() {
                // Not cancellable when the caller looked: keep its reference
                // for the re-check of the scope.
                let next = Snapshot(curr.0 & !RUNNING);
                return (Some(next), TransitionToIdle::OkShielded);
            }
            let next = Snapshot(curr.0 & !RUNNING).ref_dec();
            let out = if next.ref_count() == 0 {
                TransitionToIdle::OkDealloc
            } else {
                TransitionToIdle::Ok
            };
            (Some(next), out)
        })
    }

    /// The outcome is stored: `RUNNING` → `COMPLETE` (rule 4). Returns the
    /// new state.
    pub(crate) fn transition_to_complete(&self) -> Snapshot {
        // ORDERING: AcqRel; publishes the stored outcome to the handle that
        // sees COMPLETE, and acquires the join waker written before
        // JOIN_WAKER was set.
        let prev = Snapshot(self.val.fetch_xor(RUNNING | COMPLETE, AcqRel));
        debug_assert!(prev.is_running() && !prev.is_complete());
        Snapshot(prev.0 ^ (RUNNING | COMPLETE))
    }

    /// Drops `count` references after completion; true if none is left.
    pub(crate) fn transition_to_terminal(&self, count: usize) -> bool {
        // ORDERING: AcqRel; the last owner must see every other owner's
        // writes before it frees the cell.
        let prev = Snapshot(self.val.fetch_sub(count * REF_ONE, AcqRel));
        debug_assert!(prev.ref_count() >= count);
        prev.ref_count() == count
    }

    /// A waker consumed by `wake()`: its reference is released, or, on
    /// `Submit`, kept while a new one made for the `Notified` is scheduled
    /// (the caller then releases the waker's).
    pub(crate) fn transition_to_notified_by_val(&self) -> TransitionToNotified {
        self.fetch_update(|curr| {
            if curr.is_running() {
                // The runner reschedules it after the poll (rule 3).
                let next = Snapshot(curr.0 | NOTIFIED | WOKEN).ref_dec();
                debug_assert!(next.ref_count() > 0);
                (Some(next), TransitionToNotified::DoNothing)
            } else if curr.is_complete() || curr.is_notified() {
                let mut next = curr.ref_dec();
                if !curr.is_complete() {
                    next.0 |= WOKEN;
                }
                let out = if next.ref_count() == 0 {
                    TransitionToNotified::Dealloc
                } else {
                    TransitionToNotified::DoNothing
                };
                (Some(next), out)
            } else {
                let next = Snapshot(curr.0 | NOTIFIED | WOKEN).ref_inc();
                (Some(next), TransitionToNotified::Submit)
            }
        })
    }

    /// A waker used by reference: a new `Notified` reference is made when
    /// the task was idle.
    pub(crate) fn transition_to_notified_by_ref(&self) -> TransitionToNotified {
        self.fetch_update(|curr| {
            if curr.is_complete() {
                (None, TransitionToNotified::DoNothing)
            } else if curr.is_running() || curr.is_notified() {
                // Written even when the bits are already set (a same-value
                // compare-exchange, as async-task does): the write is what
                // publishes the waker's earlier writes to the run that the
                // earlier wake queued, whose `transition_to_running` reads
                // it (rule 3). A plain load here would publish nothing.
                let next = Snapshot(curr.0 | NOTIFIED | WOKEN);
                (Some(next), TransitionToNotified::DoNothing)
            } else {
                let next = Snapshot(curr.0 | NOTIFIED | WOKEN).ref_inc();
                (Some(next), TransitionToNotified::Submit)
            }
        })
    }

    /// Requests cancellation (rule 5): one-shot, and an idle task is queued
    /// so the request is delivered without waiting for its wake-up.
    pub(crate) fn transition_to_cancel_requested(&self) -> TransitionToCancel {
        self.fetch_update(|curr| {
            if curr.is_complete() {
                return (None, TransitionToCancel::AlreadyComplete);
            }
            if curr.is_cancelled() {
                return (None, TransitionToCancel::AlreadyRequested);
            }
            let next = Snapshot(curr.0 | CANCELLED);
            if curr.is_running() || curr.is_notified() {
                (Some(next), TransitionToCancel::Requested)
            } else {
                let next = Snapshot(next.0 | NOTIFIED).ref_inc();
                (Some(next), TransitionToCancel::RequestedSubmit)
            }
        })
    }

    /// Runtime shutdown (rule 7): claims `RUNNING` on a task that is neither
    /// running nor complete, so the caller can drop its future. Returns
    /// whether it did.
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.fetch_update(|curr| {
            if curr.is_running() || curr.is_complete() {
                let next = Snapshot(curr.0 | CANCELLED);
                if next == curr || curr.is_complete() {
                    return (None, false);
                }
                return (Some(next), false);
            }
            (Some(Snapshot(curr.0 | RUNNING | CANCELLED)), true)
        })
    }

    /// The handle is dropped (rule 6): clears `JOIN_INTEREST`, and before
    /// completion `JOIN_WAKER` too. Returns whether the handle must drop the
    /// outcome (the task completed first) and whether it must drop the join
    /// waker (the slot is the handle's: `JOIN_WAKER` was clear, or the
    /// handle just cleared it).
    pub(crate) fn transition_to_join_handle_dropped(&self) -> (bool, bool) {
        self.fetch_update(|curr| {
            debug_assert!(curr.is_join_interested());
            if curr.is_complete() {
                let next = Snapshot(curr.0 & !JOIN_INTEREST);
                (Some(next), (true, !curr.has_join_waker()))
            } else {
                let next = Snapshot(curr.0 & !(JOIN_INTEREST | JOIN_WAKER));
                (Some(next), (false, true))
            }
        })
    }

    /// After completion woke the join waker, the runtime gives the slot
    /// back (rule 6). Returns the state before: if the handle was already
    /// gone, the runtime must drop the waker itself.
    pub(crate) fn unset_join_waker_after_complete(&self) -> Snapshot {
        // ORDERING: AcqRel; pairs with the handle's drop transition, so that
        // exactly one side sees the other's bit cleared and drops the waker.
        Snapshot(self.val.fetch_and(!JOIN_WAKER, AcqRel))
    }

    /// A `disable_cancellation` scope closed from outside its task (rule 5):
    /// an idle task with a pending cancellation is queued, without `WOKEN`,
    /// so the request is delivered at the await where it sits.
    pub(crate) fn transition_to_notified_for_cancel(&self) -> TransitionToNotified {
        self.fetch_update(|curr| {
            if !curr.is_cancelled() || curr.is_complete() || curr.is_running() || curr.is_notified()
            {
                return (None, TransitionToNotified::DoNothing);
            }
            let next = Snapshot(curr.0 | NOTIFIED).ref_inc();
            (Some(next), TransitionToNotified::Submit)
        })
    }

    /// The handle wrote the join waker slot and now hands it to the runtime
    /// (rule 6). Fails if the task completed meanwhile.
    pub(crate) fn set_join_waker(&self) -> Result<(), Snapshot> {
        self.fetch_update(|curr| {
            debug_assert!(curr.is_join_interested() && !curr.has_join_waker());
            if curr.is_complete() {
                return (None, Err(curr));
            }
            (Some(Snapshot(curr.0 | JOIN_WAKER)), Ok(()))
        })
    }

    /// The handle takes the join waker slot back to replace the waker
    /// (rule 6). Fails if the task completed meanwhile.
    pub(crate) fn unset_join_waker(&self) -> Result<(), Snapshot> {
        self.fetch_update(|curr| {
            if curr.is_complete() {
                // The runtime may already have given the slot back.
                return (None, Err(curr));
            }
            debug_assert!(curr.is_join_interested() && curr.has_join_waker());
            (Some(Snapshot(curr.0 & !JOIN_WAKER)), Ok(()))
        })
    }

    /// Adds a reference.
    pub(crate) fn ref_inc(&self) {
        // ORDERING: Relaxed; a new reference is made from an existing one,
        // which already orders it (the Arc argument).
        let prev = self.val.fetch_add(REF_ONE, Relaxed);
        if prev > usize::MAX / 2 {
            std::process::abort();
        }
    }

    /// Drops a reference; true if it was the last.
    pub(crate) fn ref_dec(&self) -> bool {
        // ORDERING: AcqRel; the last owner must see the others' writes.
        let prev = Snapshot(self.val.fetch_sub(REF_ONE, AcqRel));
        debug_assert!(prev.ref_count() >= 1);
        prev.ref_count() == 1
    }
}

impl Snapshot {
    /// See [`RUNNING`].
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }

    /// See [`COMPLETE`].
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }

    /// See [`NOTIFIED`].
    pub(crate) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }

    /// See [`WOKEN`].
    pub(crate) fn is_woken(self) -> bool {
        self.0 & WOKEN != 0
    }

    /// See [`CANCELLED`].
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }

    /// See [`JOIN_INTEREST`].
    pub(crate) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }

    /// See [`JOIN_WAKER`].
    pub(crate) fn has_join_waker(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }

    /// See [`POLLED`].
    pub(crate) fn was_polled(self) -> bool {
        self.0 & POLLED != 0
    }

    /// The number of references.
    pub(crate) fn ref_count(self) -> usize {
        self.0 >> REF_SHIFT
    }

    /// This word with one reference more.
    fn ref_inc(self) -> Snapshot {
        Snapshot(self.0 + REF_ONE)
    }

    /// This word with one reference less.
    fn ref_dec(self) -> Snapshot {
        debug_assert!(self.ref_count() > 0);
        Snapshot(self.0 - REF_ONE)
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("notified", &self.is_notified())
            .field("woken", &self.is_woken())
            .field("cancelled", &self.is_cancelled())
            .field("join_interest", &self.is_join_interested())
            .field("join_waker", &self.has_join_waker())
            .field("polled", &self.was_polled())
            .field("refs", &self.ref_count())
            .finish()
    }
}
