//! Wakers that point at the task cell directly: cloning a waker adds a task
//! reference, dropping it releases one, and waking it queues the task.

use super::raw::{Header, RawTask};
use super::state::TransitionToNotified;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

/// The vtable of every task waker.
static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A waker for `raw` that does not own a reference: the caller must wrap it
/// in `ManuallyDrop` and keep a reference to the task while it is in use.
pub(super) fn borrowed_waker(raw: RawTask) -> Waker {
    let data = raw.as_ptr().as_ptr() as *const ();
    // SAFETY: `VTABLE` upholds the `RawWaker` contract for a task pointer:
    // `clone` adds a reference, `drop` releases one (rule 1). The returned
    // waker is never dropped (ManuallyDrop at the caller), so it consumes no
    // reference it does not own.
    unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) }
}

/// The task behind a waker's data pointer.
///
/// # Safety
///
/// - `data` came from [`borrowed_waker`] or [`clone`], so it is a live task
///   pointer backed by a reference the waker holds or borrows.
unsafe fn raw(data: *const ()) -> RawTask {
    // SAFETY: `data` is a non-null task pointer by this function's contract.
    unsafe { RawTask::from_ptr(NonNull::new_unchecked(data as *mut Header)) }
}

/// `RawWakerVTable::clone`.
unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: the waker being cloned keeps the task alive (rule 1).
    unsafe { raw(data) }.ref_inc();
    RawWaker::new(data, &VTABLE)
}

/// `RawWakerVTable::wake`: consumes the waker's reference.
unsafe fn wake(data: *const ()) {
    // SAFETY: the waker owns a reference (rule 1).
    let raw = unsafe { raw(data) };
    match raw.state().transition_to_notified_by_val() {
        TransitionToNotified::Submit => {
            // The `Notified` got a reference of its own; the waker's keeps
            // the cell alive while the scheduler, which lives in it, runs
            // (the task may complete on another worker meanwhile).
            raw.schedule();
            raw.drop_reference();
        }
        TransitionToNotified::DoNothing => {}
        TransitionToNotified::Dealloc => raw.drop_reference_final(),
    }
}

/// `RawWakerVTable::wake_by_ref`.
unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: the waker owns or borrows a reference (rule 1).
    let raw = unsafe { raw(data) };
    match raw.state().transition_to_notified_by_ref() {
        TransitionToNotified::Submit => raw.schedule(),
        TransitionToNotified::DoNothing => {}
        TransitionToNotified::Dealloc => unreachable!("wake_by_ref released a reference"),
    }
}

/// `RawWakerVTable::drop`: releases the waker's reference.
unsafe fn drop_waker(data: *const ()) {
    // SAFETY: the waker owns a reference (rule 1).
    unsafe { raw(data) }.drop_reference();
}
