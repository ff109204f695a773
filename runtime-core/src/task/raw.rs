//! The task cell: one allocation holding the header, the scheduler handle
//! and the future or its outcome; the type-erased vtable over it; and the
//! harness that polls, cancels and completes a task.
//!
//! This module and `waker.rs` hold all of the crate's `unsafe`. Each block
//! cites the rule of `task/mod.rs` that makes it sound.

use super::error::TaskError;
use super::id::TaskId;
use super::state::{State, TransitionToIdle, TransitionToNotified, TransitionToRunning};
use super::{Notified, Schedule};
use crate::introspect::TaskState;
use crate::loom::{AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, UnsafeCell};
use std::cell::Cell as StdCell;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{self, AssertUnwindSafe, Location};
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::Ordering::{AcqRel, Relaxed};
use std::task::{Context, Poll, Waker};

/// The type-independent part of a task, at offset 0 of its cell.
#[repr(C)]
pub(crate) struct Header {
    /// Flags and reference count (`state.rs`).
    pub(super) state: State,
    /// The functions of this task's concrete cell type.
    pub(super) vtable: &'static Vtable,
    /// The task's id.
    pub(crate) id: TaskId,
    /// The name given at spawn, if any.
    pub(crate) name: Option<Box<str>>,
    /// Where the task was spawned.
    pub(crate) location: &'static Location<'static>,
    /// The task's slot in the registry of live tasks (written once, before
    /// the task is first scheduled).
    pub(crate) owner_key: AtomicUsize,
    /// How many times the future was polled (written only by the runner).
    pub(crate) polls: AtomicU64,
    /// Depth of open `disable_cancellation` scopes (written only by the
    /// task itself, while it runs).
    pub(crate) shield: AtomicU32,
    /// The state the task last reported waiting in (a `TaskState` code).
    /// Like the three fields below, it is current only while `wait_epoch`
    /// equals `polls` (rule: one store per poll, none to reset).
    wait_state: AtomicU8,
    /// Where the task last reported waiting, or null; always a
    /// `&'static Location` when set.
    wait_location: AtomicPtr<Location<'static>>,
    /// The value of `polls` when the wait was reported.
    wait_epoch: AtomicU64,
    /// When the sleep the task waits in ends (`introspect::encode`); read
    /// only while the current wait is `TimeSleep`.
    sleep_deadline: AtomicU64,
    /// The earliest deadline of the timeouts around its last suspension
    /// (`introspect::encode`), current while `timeout_epoch` equals `polls`.
    timeout_deadline: AtomicU64,
    /// The value of `polls` when `timeout_deadline` was written.
    timeout_epoch: AtomicU64,
    /// The waker of the `Task<T>` handle's last poll (rule 6).
    join_waker: UnsafeCell<Option<Waker>>,
    /// The task's profile, only while its runtime profiles (`profile.rs`);
    /// written once, before the task is shared.
    pub(crate) profile: Option<Box<crate::profile::TaskProfile>>,
}

impl Header {
    /// Records the wait the task is entering (introspect.rs).
    #[cfg_attr(curio_no_introspect, allow(dead_code))]
    pub(crate) fn set_wait(&self, state: u8, location: Option<&'static Location<'static>>) {
        let ptr = location.map_or(std::ptr::null_mut(), |l| {
            l as *const Location<'static> as *mut Location<'static>
        });
        // ORDERING: Relaxed; an observation for the monitor only, written by
        // the task itself while it runs.
        self.wait_state.store(state, Relaxed);
        self.wait_location.store(ptr, Relaxed);
        self.wait_epoch.store(self.polls.load(Relaxed), Relaxed);
    }

    /// Records the deadline of the sleep the task waits in (after
    /// `set_wait(TimeSleep, ..)`).
    pub(crate) fn set_sleep_deadline(&self, code: u64) {
        // ORDERING: Relaxed; an observation for the monitor only.
        self.sleep_deadline.store(code, Relaxed);
    }

    /// Records a timeout around the task's suspension, keeping the earliest
    /// of this poll's.
    pub(crate) fn add_timeout_deadline(&self, code: u64) {
        // ORDERING: Relaxed; an observation for the monitor only.
        let polls = self.polls.load(Relaxed);
        let cur = self.timeout_deadline.load(Relaxed);
        if self.timeout_epoch.load(Relaxed) != polls || code < cur {
            self.timeout_deadline.store(code, Relaxed);
            self.timeout_epoch.store(polls, Relaxed);
        }
    }

    /// Whether the reported wait belongs to the last poll.
    fn wait_is_current(&self) -> bool {
        // ORDERING: Relaxed; an observation for the monitor only.
        self.wait_epoch.load(Relaxed) == self.polls.load(Relaxed)
    }

    /// The recorded sleep and timeout deadlines (encoded; 0 for none).
    pub(crate) fn deadlines(&self) -> (u64, u64) {
        // ORDERING: Relaxed; an observation for the monitor only.
        let sleeping = self.wait_is_current()
            && TaskState::from_code(self.wait_state.load(Relaxed)) == TaskState::TimeSleep;
        let sleep = if sleeping {
            self.sleep_deadline.load(Relaxed)
        } else {
            0
        };
        let timeout = if self.timeout_epoch.load(Relaxed) == self.polls.load(Relaxed) {
            self.timeout_deadline.load(Relaxed)
        } else {
            0
        };
        (sleep, timeout)
    }

    /// The state for the monitor: from the state word while the task runs,
    /// is queued or has finished; else the wait reported by its last poll.
    pub(crate) fn task_state(&self) -> TaskState {
        let s = self.state.load();
        if s.is_complete() {
            TaskState::Terminated
        } else if s.is_running() {
            TaskState::Running
        } else if s.is_notified() {
            TaskState::Ready
        } else if self.wait_is_current() {
            // ORDERING: Relaxed; an observation for the monitor only.
            TaskState::from_code(self.wait_state.load(Relaxed))
        } else {
            TaskState::FutureWait
        }
    }

    /// Where the task reported waiting in its last poll.
    pub(crate) fn wait_location(&self) -> Option<&'static Location<'static>> {
        if !self.wait_is_current() {
            return None;
        }
        // ORDERING: Relaxed; an observation for the monitor only.
        let ptr = self.wait_location.load(Relaxed);
        // SAFETY: the pointer is null or was made from a `&'static Location`
        // in `set_wait`, so it is valid for the whole program.
        unsafe { ptr.as_ref() }
    }

    /// How many times the task was polled.
    pub(crate) fn polls(&self) -> u64 {
        // ORDERING: Relaxed; a statistics counter.
        self.polls.load(Relaxed)
    }

    /// A stand-in's poll (`enter_current`) ended without reporting a wait:
    /// it now waits on something unnamed, as a task that returned
    /// `Pending` silently.
    pub(crate) fn end_stand_in_poll(&self) {
        // ORDERING: Relaxed; an observation for the monitor only.
        if self.wait_is_current()
            && TaskState::from_code(self.wait_state.load(Relaxed)) == TaskState::Running
        {
            self.wait_state.store(TaskState::FutureWait as u8, Relaxed);
        }
    }

    /// The task is being queued: stamps its profile, if it has one
    /// (`profile.rs` rule 2).
    #[inline(always)]
    fn stamp_queued(&self) {
        if let Some(profile) = self.profile.as_deref() {
            profile.stamp_queued();
        }
    }

    /// A poll of the task begins: notes it in its profile, if it has one.
    #[inline(always)]
    fn start_poll(&self) {
        if let Some(profile) = self.profile.as_deref() {
            profile.start_poll();
        }
    }

    /// The poll begun by `start_poll` returned (or panicked): times it in
    /// the task's profile, if it has one. The drop of a finished future
    /// that follows is not timed.
    #[inline(always)]
    fn end_poll(&self) {
        if let Some(profile) = self.profile.as_deref() {
            profile.end_poll();
        }
    }

    /// Whether a cancel request was made (rule 5); read by timeouts and
    /// `check_cancellation` (`cancel.rs`).
    pub(crate) fn is_cancel_requested(&self) -> bool {
        self.state.load().is_cancelled()
    }
}

/// The functions of one concrete `Cell<F, S>`.
pub(super) struct Vtable {
    /// Runs the task, consuming the caller's `Notified` reference.
    poll: unsafe fn(NonNull<Header>),
    /// Hands the caller's reference to the scheduler as a `Notified`.
    schedule: unsafe fn(NonNull<Header>),
    /// Frees the cell.
    dealloc: unsafe fn(NonNull<Header>),
    /// Moves the outcome into `*dst` (a `Poll<Result<T, TaskError>>`) if the
    /// task completed; else registers the waker.
    try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// Drops the stored outcome (the handle was dropped after completion).
    drop_output: unsafe fn(NonNull<Header>),
    /// Runtime shutdown: cancels the task unless it is running, consuming
    /// the caller's reference.
    shutdown: unsafe fn(NonNull<Header>),
}

/// What the cell holds besides the header.
enum Stage<F: Future> {
    /// The future, not yet finished.
    Running(F),
    /// The outcome, not yet taken by the handle.
    Finished(Result<F::Output, TaskError>),
    /// Nothing: the outcome was taken or dropped.
    Consumed,
}

/// The single allocation of a task.
#[repr(C)]
struct Cell<F: Future, S> {
    /// Must stay first: a `NonNull<Header>` is cast to the cell.
    header: Header,
    /// The scheduler the task belongs to.
    scheduler: S,
    /// The future or its outcome; accessed only by the owner of `RUNNING`,
    /// or by the handle after `COMPLETE` (rule 4).
    stage: UnsafeCell<Stage<F>>,
}

/// An unowned pointer to a live task. Every `RawTask` in use is backed by a
/// reference held by its user (a `TaskRef`, a `Notified`, a `Task<T>` or a
/// waker), which keeps the cell alive (rule 1).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawTask {
    /// The cell, seen through its header.
    ptr: NonNull<Header>,
}

// SAFETY: the header's shared fields are atomics or written before the task
// is shared; the stage is guarded by RUNNING/COMPLETE (rule 4); the future and
// output are `Send` (spawn's bounds).
unsafe impl Send for RawTask {}
// SAFETY: as for `Send`: every access through `&RawTask` is synchronised by
// the state word.
unsafe impl Sync for RawTask {}

/// What the harness does with an outcome.
enum PollOutcome {
    /// Still pending: go idle.
    Pending,
    /// Finished with this outcome.
    Done,
}

impl RawTask {
    /// Allocates a task with three references (rule 1): one returned as the
    /// registry's, one as the first `Notified`, one for the `Task<T>`.
    #[inline]
    pub(crate) fn new<F, S>(
        future: F,
        scheduler: S,
        id: TaskId,
        name: Option<Box<str>>,
        location: &'static Location<'static>,
    ) -> RawTask
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        S: Schedule,
    {
        let mut cell = Box::new(Cell {
            header: Header {
                state: State::new(),
                vtable: vtable::<F, S>(),
                id,
                name,
                location,
                owner_key: AtomicUsize::new(usize::MAX),
                polls: AtomicU64::new(0),
                shield: AtomicU32::new(0),
                wait_state: AtomicU8::new(TaskState::FutureWait as u8),
                wait_location: AtomicPtr::new(std::ptr::null_mut()),
                wait_epoch: AtomicU64::new(0),
                sleep_deadline: AtomicU64::new(0),
                timeout_deadline: AtomicU64::new(0),
                timeout_epoch: AtomicU64::new(0),
                join_waker: UnsafeCell::new(None),
                profile: None,
            },
            scheduler,
            stage: UnsafeCell::new(Stage::Running(future)),
        });
        // Set after the allocation, so that nothing before it can unwind and
        // the cell is built in place.
        if cell.scheduler.profiling() {
            cell.header.profile = Some(crate::profile::TaskProfile::new_queued());
        }
        let ptr = NonNull::from(Box::leak(cell)).cast::<Header>();
        RawTask { ptr }
    }

    /// Rebuilds a `RawTask` from its pointer.
    ///
    /// # Safety
    ///
    /// - `ptr` came from [`RawTask::as_ptr`] of a task that is still alive,
    ///   and the caller holds one of its references.
    pub(crate) unsafe fn from_ptr(ptr: NonNull<Header>) -> RawTask {
        RawTask { ptr }
    }

    /// The cell's address.
    pub(crate) fn as_ptr(self) -> NonNull<Header> {
        self.ptr
    }

    /// The header.
    pub(crate) fn header(&self) -> &Header {
        // SAFETY: the cell is alive while its user holds a reference (rule 1).
        unsafe { self.ptr.as_ref() }
    }

    /// The state word.
    pub(super) fn state(&self) -> &State {
        &self.header().state
    }

    /// Runs the task; consumes the caller's `Notified` reference.
    ///
    /// Never unwinds: the harness catches the panics of the task's own code
    /// (its poll, its destructors, its join waker) where they happen, and a
    /// panic that escapes it anyway (a bug in the harness or in a
    /// scheduler's `schedule`) is stopped here, after the panic hook has
    /// reported it, so that the worker or pool thread goes on.
    pub(super) fn poll(self) {
        let poll = self.header().vtable.poll;
        let ptr = self.ptr;
        // SAFETY: the vtable belongs to this cell; the caller gives up a
        // `Notified` reference, as `poll` requires (rule 2).
        let res = panic::catch_unwind(AssertUnwindSafe(|| unsafe { poll(ptr) }));
        if let Err(payload) = res {
            drop_quietly(payload);
        }
    }

    /// Schedules the task; consumes one reference, which becomes the
    /// `Notified` (the state already carries NOTIFIED).
    pub(super) fn schedule(self) {
        // SAFETY: the vtable belongs to this cell; the caller gives up one
        // reference made for this purpose by a notify transition.
        unsafe { (self.header().vtable.schedule)(self.ptr) }
    }

    /// Frees the cell after a transition released its last reference.
    pub(super) fn drop_reference_final(self) {
        self.dealloc();
    }

    /// Frees the cell.
    fn dealloc(self) {
        // SAFETY: called only when the reference count reached zero, so no
        // other user exists (rule 1).
        unsafe { (self.header().vtable.dealloc)(self.ptr) }
    }

    /// Shuts the task down; consumes one reference.
    pub(crate) fn shutdown(self) {
        // SAFETY: the vtable belongs to this cell and the caller gives up one
        // reference.
        unsafe { (self.header().vtable.shutdown)(self.ptr) }
    }

    /// Moves the output into `dst` if complete, else registers `waker`.
    ///
    /// # Safety
    ///
    /// - `dst` points to a valid `Poll<Result<T, TaskError>>` where `T` is
    ///   the output type of this task's future.
    /// - The caller is the task's `Task<T>` handle (it owns JOIN_INTEREST).
    pub(super) unsafe fn try_read_output(self, dst: *mut (), waker: &Waker) {
        // SAFETY: forwarded from this function's contract.
        unsafe { (self.header().vtable.try_read_output)(self.ptr, dst, waker) }
    }

    /// Adds a reference.
    pub(crate) fn ref_inc(self) {
        self.state().ref_inc();
    }

    /// Drops a reference, freeing the cell if it was the last.
    pub(crate) fn drop_reference(self) {
        if self.state().ref_dec() {
            self.dealloc();
        }
    }

    /// The handle is dropped: releases JOIN_INTEREST and its reference,
    /// drops the outcome if the task already completed, and drops the join
    /// waker when the slot is the handle's (rule 6), so that no waker, and
    /// no task it points to, outlives the handle's interest.
    pub(super) fn drop_join_handle(self) {
        let (drop_output, drop_waker) = self.state().transition_to_join_handle_dropped();
        if drop_output {
            // SAFETY: COMPLETE is set and the handle owned JOIN_INTEREST,
            // so the handle alone owns the stage (rule 4).
            unsafe { (self.header().vtable.drop_output)(self.ptr) }
        }
        if drop_waker {
            // SAFETY: JOIN_WAKER is clear and the runtime has given the slot
            // up (before completion the handle cleared the bit itself; after
            // it, the runtime cleared it), so the slot is the handle's.
            let waker = self
                .header()
                .join_waker
                .with_mut(|w| unsafe { (*w).take() });
            drop(waker);
        }
        self.drop_reference();
    }

    /// Whether the outcome can be read; if not, `waker` is registered to be
    /// woken at completion (rule 6). Called only by the `Task<T>` handle.
    pub(super) fn poll_complete(self, waker: &Waker) -> bool {
        let header = self.header();
        let snapshot = header.state.load();
        if snapshot.is_complete() {
            return true;
        }
        let res = if snapshot.has_join_waker() {
            // SAFETY: JOIN_WAKER is set, so the runtime may read the slot but
            // nobody writes it; a shared read is fine (rule 6).
            let same = header
                .join_waker
                .with(|w| unsafe { (*w).as_ref() }.is_some_and(|w| w.will_wake(waker)));
            if same {
                return false;
            }
            match header.state.unset_join_waker() {
                Ok(()) => self.set_join_waker(waker.clone()),
                Err(s) => Err(s),
            }
        } else {
            self.set_join_waker(waker.clone())
        };
        match res {
            Ok(()) => false,
            Err(s) => {
                debug_assert!(s.is_complete());
                true
            }
        }
    }

    /// Writes the join waker slot and hands it to the runtime.
    fn set_join_waker(self, waker: Waker) -> Result<(), super::state::Snapshot> {
        let header = self.header();
        // SAFETY: JOIN_WAKER is clear and the caller is the handle, so only
        // the handle may touch the slot now (rule 6).
        header.join_waker.with_mut(|w| unsafe { *w = Some(waker) });
        let res = header.state.set_join_waker();
        if res.is_err() {
            // SAFETY: the transition failed, so JOIN_WAKER is still clear and
            // the slot is still the handle's.
            header.join_waker.with_mut(|w| unsafe { *w = None });
        }
        res
    }
}

/// Builds the vtable of `Cell<F, S>`.
fn vtable<F, S>() -> &'static Vtable
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    &Vtable {
        poll: poll::<F, S>,
        schedule: schedule::<F, S>,
        dealloc: dealloc::<F, S>,
        try_read_output: try_read_output::<F, S>,
        drop_output: drop_output::<F, S>,
        shutdown: shutdown::<F, S>,
    }
}

/// The cell behind `ptr`.
///
/// # Safety
///
/// - `ptr` points to a live `Cell<F, S>` of exactly these types (the vtable
///   that calls this was built for them).
unsafe fn cell<'a, F: Future, S>(ptr: NonNull<Header>) -> &'a Cell<F, S> {
    // SAFETY: the header is the first field of the `repr(C)` cell, and the
    // caller guarantees the types and liveness.
    unsafe { ptr.cast::<Cell<F, S>>().as_ref() }
}

/// See [`Vtable::poll`].
///
/// # Safety
///
/// - `ptr` is a live `Cell<F, S>` and the caller gives up a `Notified`
///   reference to it.
unsafe fn poll<F, S>(ptr: NonNull<Header>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: forwarded from this function's contract.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: as above; the caller's reference keeps the cell alive.
    let raw = unsafe { RawTask::from_ptr(ptr) };
    let header = &cell.header;
    let prev = match header.state.transition_to_running() {
        TransitionToRunning::Success(prev) => prev,
        TransitionToRunning::Failed => return,
        TransitionToRunning::Dealloc => return raw.dealloc(),
    };
    // Rule 5: a task that was queued only to deliver a cancellation is not
    // polled; it is dropped at the await where it sits, or left alone while
    // a `disable_cancellation` scope is open.
    let request_only = prev.is_cancelled() && !prev.is_woken() && prev.was_polled();
    let outcome = if request_only {
        PollOutcome::Pending
    } else {
        // The monitor's per-poll bookkeeping (one counter, which also ages
        // the last reported wait); `--cfg curio_no_introspect` compiles it
        // out, to measure what it costs (BENCHMARKS.md).
        #[cfg(not(curio_no_introspect))]
        header.polls.store(header.polls.load(Relaxed) + 1, Relaxed);
        // Profiling (`profile.rs`): off, one read of `profile` here and one
        // in the arm the poll's result takes, and no clock read.
        header.start_poll();
        let _current = CurrentGuard::enter(ptr);
        // SAFETY: RUNNING is ours, so we alone access the stage (rule 4).
        let res = panic::catch_unwind(AssertUnwindSafe(|| unsafe { cell.poll_stage(raw) }));
        match res {
            Ok(Poll::Pending) => {
                header.end_poll();
                PollOutcome::Pending
            }
            Ok(Poll::Ready(output)) => {
                header.end_poll();
                // The finished future is dropped here, still inside the
                // task's context; a panic in its destructor is the task's
                // panic (its output is then dropped too), never the worker's.
                // SAFETY: RUNNING is still ours (rule 4).
                let outcome = match unsafe { cell.drop_future_or_output() } {
                    None => Ok(output),
                    Some(payload) => {
                        drop_quietly(output);
                        Err(TaskError::panic(header.id, payload))
                    }
                };
                // SAFETY: as above; the stage is `Consumed`, so replacing it
                // runs no destructor.
                unsafe { cell.set_stage(Stage::Finished(outcome)) };
                PollOutcome::Done
            }
            Err(payload) => {
                header.end_poll();
                // SAFETY: RUNNING is still ours (rule 4).
                unsafe { cell.drop_future_or_output() };
                // SAFETY: as above.
                unsafe {
                    cell.set_stage(Stage::Finished(Err(TaskError::panic(header.id, payload))))
                };
                PollOutcome::Done
            }
        }
    };
    if let PollOutcome::Pending = outcome {
        // ORDERING: Relaxed; a scope opens and closes on this thread during
        // the poll, and one closed elsewhere is caught by the re-check below.
        let cancellable = header.shield.load(Relaxed) == 0;
        match header.state.transition_to_idle(cancellable) {
            TransitionToIdle::Ok => return,
            TransitionToIdle::OkNotified => {
                // The transition made the new `Notified`'s reference, so our
                // own keeps the cell (and `scheduler`, which the call
                // borrows) alive while another worker may run the task.
                cell.scheduler.yield_now(Notified::from_raw(raw));
                return raw.drop_reference();
            }
            TransitionToIdle::OkDealloc => return raw.dealloc(),
            TransitionToIdle::OkShielded => {
                // The scope may have closed on another thread since the
                // depth was read above; re-check it now that the task is
                // idle (see `task::close_shield` for the other half).
                // ORDERING: AcqRel read-modify-write; pairs with the AcqRel
                // decrement in `close_shield`: one of the two reads the
                // other, so one side sees both the closed scope and the
                // idle task, and queues the task.
                if header.shield.fetch_add(0, AcqRel) == 0 {
                    if let TransitionToNotified::Submit =
                        header.state.transition_to_notified_for_cancel()
                    {
                        raw.schedule();
                    }
                }
                return raw.drop_reference();
            }
            TransitionToIdle::Cancelled => {
                // SAFETY: RUNNING is still ours (rule 4).
                unsafe { cell.cancel_future(ptr) };
            }
        }
    }
    // SAFETY: the outcome is stored, RUNNING is ours and we give up the
    // `Notified` reference (rule 4); `cell` is not used again.
    unsafe { complete::<F, S>(ptr, 1) };
}

impl<F, S> Cell<F, S>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    /// Polls the future with a waker that borrows the task.
    ///
    /// # Safety
    ///
    /// - The caller owns RUNNING and the stage holds the future.
    unsafe fn poll_stage(&self, raw: RawTask) -> Poll<F::Output> {
        let waker = ManuallyDrop::new(super::waker::borrowed_waker(raw));
        let mut cx = Context::from_waker(&waker);
        self.stage.with_mut(|stage| {
            // SAFETY: RUNNING gives exclusive access (caller's contract).
            let stage = unsafe { &mut *stage };
            match stage {
                Stage::Running(fut) => {
                    // SAFETY: the future is never moved out of the cell
                    // until it is dropped in place, so pinning it is sound.
                    let fut = unsafe { Pin::new_unchecked(fut) };
                    fut.poll(&mut cx)
                }
                _ => unreachable!("a task was polled after it completed"),
            }
        })
    }

    /// Replaces the stage, dropping what it held.
    ///
    /// # Safety
    ///
    /// - The caller owns RUNNING, or is the handle after COMPLETE (rule 4).
    unsafe fn set_stage(&self, stage: Stage<F>) {
        // SAFETY: exclusive access by the caller's contract.
        self.stage.with_mut(|s| unsafe { *s = stage });
    }

    /// Drops the future (or the outcome), catching a panic from its
    /// destructor; returns the payload of such a panic. The stage is
    /// `Consumed` afterwards, whether or not the destructor panicked.
    ///
    /// # Safety
    ///
    /// - As for [`Cell::set_stage`].
    unsafe fn drop_future_or_output(&self) -> Option<Box<dyn std::any::Any + Send>> {
        self.stage.with_mut(|s| {
            // Dropped in place (no copy of the future), then overwritten
            // without a second drop: a destructor that panics has still
            // dropped the value's other fields while unwinding, so the slot
            // must not be dropped again, only rewritten.
            // SAFETY: exclusive access by the caller's contract; the stage
            // is initialised.
            let res =
                panic::catch_unwind(AssertUnwindSafe(|| unsafe { std::ptr::drop_in_place(s) }));
            // SAFETY: as above; the old value was dropped just now, so
            // writing without dropping it is what is wanted.
            unsafe { std::ptr::write(s, Stage::Consumed) };
            res.err()
        })
    }

    /// Cancellation: drops the future inside the task's context (so
    /// destructors see `current_task`) and stores the cancelled outcome.
    ///
    /// # Safety
    ///
    /// - The caller owns RUNNING and the stage holds the future.
    unsafe fn cancel_future(&self, ptr: NonNull<Header>) {
        let panicked = {
            let _current = CurrentGuard::enter(ptr);
            // SAFETY: forwarded from this function's contract.
            unsafe { self.drop_future_or_output() }
        };
        let outcome = match panicked {
            Some(payload) => TaskError::panic(self.header.id, payload),
            None => TaskError::cancelled(self.header.id),
        };
        // SAFETY: forwarded from this function's contract.
        unsafe { self.set_stage(Stage::Finished(Err(outcome))) };
    }
}

/// The outcome is stored: marks COMPLETE, notifies the handle, leaves the
/// registry and drops `refs` references plus the registry's (rule 4).
///
/// A free function over the pointer, not a method on `&Cell`: it may free
/// the cell, which no reference that outlives that (such as a `&self`
/// argument) may point into.
///
/// # Safety
///
/// - `ptr` is a live `Cell<F, S>`, the caller owns RUNNING, the stage holds
///   the outcome, and the caller gives up `refs` references.
/// - The caller holds no reference into the cell that it uses afterwards.
unsafe fn complete<F, S>(ptr: NonNull<Header>, refs: usize)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: forwarded from this function's contract.
    let raw = unsafe { RawTask::from_ptr(ptr) };
    let released = {
        // SAFETY: the caller's references keep the cell alive until the
        // terminal transition below; this borrow ends before it.
        let cell = unsafe { cell::<F, S>(ptr) };
        let snapshot = cell.header.state.transition_to_complete();
        if !snapshot.is_join_interested() {
            // SAFETY: COMPLETE is set and no handle exists, so the runtime
            // owns the outcome (rule 4). A panic from its destructor has no
            // one to go to and is dropped.
            if let Some(payload) = unsafe { cell.drop_future_or_output() } {
                drop_quietly(payload);
            }
        } else if snapshot.has_join_waker() {
            // The join waker is the user's code: a panic in its `wake` or
            // its drop must not unwind into the worker.
            let woken = panic::catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: JOIN_WAKER is set: the slot is readable by the
                // runtime and the handle no longer writes it, COMPLETE being
                // set (rule 6).
                cell.header
                    .join_waker
                    .with(|w| unsafe { (*w).as_ref() }.map(Waker::wake_by_ref));
            }));
            if let Err(payload) = woken {
                drop_quietly(payload);
            }
            let prev = cell.header.state.unset_join_waker_after_complete();
            if !prev.is_join_interested() {
                // SAFETY: the handle was dropped after completion while
                // JOIN_WAKER was still set, so it left the slot to us, and
                // nobody else touches it now (rule 6).
                let waker = cell.header.join_waker.with_mut(|w| unsafe { (*w).take() });
                drop_quietly(waker);
            }
        }
        cell.scheduler.release(raw)
    };
    // SAFETY: the cell is alive: the caller's references are not yet given up.
    let header = unsafe { ptr.as_ref() };
    if header
        .state
        .transition_to_terminal(refs + usize::from(released))
    {
        raw.dealloc();
    }
}

/// Drops `value`, catching a panic from its destructor (user code that runs
/// on a worker, with no one to report to). The payload of such a panic is
/// dropped the same way, and a third-level panic is leaked rather than
/// unwound.
fn drop_quietly<T>(value: T) {
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(move || drop(value))) {
        if let Err(inner) = panic::catch_unwind(AssertUnwindSafe(move || drop(payload))) {
            std::mem::forget(inner);
        }
    }
}

/// See [`Vtable::schedule`].
///
/// # Safety
///
/// - `ptr` is a live `Cell<F, S>`; the caller gives up one reference.
unsafe fn schedule<F, S>(ptr: NonNull<Header>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: forwarded from this function's contract.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: the caller's reference becomes the `Notified`'s.
    let raw = unsafe { RawTask::from_ptr(ptr) };
    cell.header.stamp_queued();
    cell.scheduler.schedule(Notified::from_raw(raw));
}

/// See [`Vtable::dealloc`].
///
/// # Safety
///
/// - `ptr` is a `Cell<F, S>` whose reference count reached zero.
unsafe fn dealloc<F, S>(ptr: NonNull<Header>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: the cell was made by `Box::leak` in `RawTask::new` with these
    // types, and no reference remains (rule 1).
    let cell = unsafe { Box::from_raw(ptr.cast::<Cell<F, S>>().as_ptr()) };
    // A panicking destructor here would unwind through a waker or the
    // scheduler; abort instead (STYLE: no unwinding out of destructors).
    if panic::catch_unwind(AssertUnwindSafe(move || drop(cell))).is_err() {
        std::process::abort();
    }
}

/// See [`Vtable::try_read_output`].
///
/// # Safety
///
/// - `ptr` is a live `Cell<F, S>`; `dst` is a valid
///   `*mut Poll<Result<F::Output, TaskError>>`; the caller is the handle.
unsafe fn try_read_output<F, S>(ptr: NonNull<Header>, dst: *mut (), waker: &Waker)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: forwarded from this function's contract.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: as above.
    let raw = unsafe { RawTask::from_ptr(ptr) };
    if raw.poll_complete(waker) {
        // SAFETY: COMPLETE is set and the caller is the handle, which owns
        // the stage from now on (rule 4).
        let stage = cell
            .stage
            .with_mut(|s| unsafe { std::mem::replace(&mut *s, Stage::Consumed) });
        let output = match stage {
            Stage::Finished(output) => output,
            _ => panic!("a task's output was taken twice"),
        };
        let dst = dst.cast::<Poll<Result<F::Output, TaskError>>>();
        // SAFETY: the caller guarantees `dst` is valid for this type.
        unsafe { *dst = Poll::Ready(output) };
    }
}

/// See [`Vtable::drop_output`].
///
/// # Safety
///
/// - `ptr` is a live `Cell<F, S>`, COMPLETE is set and the caller is the
///   handle.
unsafe fn drop_output<F, S>(ptr: NonNull<Header>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: forwarded from this function's contract.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: the handle owns the stage after COMPLETE (rule 4).
    if let Some(payload) = unsafe { cell.drop_future_or_output() } {
        drop_quietly(payload);
    }
}

/// See [`Vtable::shutdown`].
///
/// # Safety
///
/// - `ptr` is a live `Cell<F, S>` and the caller gives up one reference.
unsafe fn shutdown<F, S>(ptr: NonNull<Header>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: forwarded from this function's contract.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: as above.
    let raw = unsafe { RawTask::from_ptr(ptr) };
    if !cell.scheduler.may_drop_here() {
        // A local task seen from another thread: its owner drops the future
        // (`scheduler/local.rs`, rule 3 there); only this reference goes.
        return raw.drop_reference();
    }
    if cell.header.state.transition_to_shutdown() {
        // SAFETY: the transition gave us RUNNING (rule 7).
        unsafe { cell.cancel_future(ptr) };
        // SAFETY: the outcome is stored, RUNNING is ours and we give up the
        // caller's reference; `cell` is not used again.
        unsafe { complete::<F, S>(ptr, 1) };
    } else {
        raw.drop_reference();
    }
}

thread_local! {
    /// The task this thread is polling, if any.
    static CURRENT: StdCell<Option<NonNull<Header>>> = const { StdCell::new(None) };
}

/// Marks a task as this thread's current one while it is polled or dropped.
struct CurrentGuard {
    /// The task that was current before (polls do not nest, but a
    /// destructor may run another task's drop).
    prev: Option<NonNull<Header>>,
}

impl CurrentGuard {
    /// Makes `ptr` the current task. (The thread that polls the task
    /// refills its cooperative budget, `coop.rs`.)
    // Inline, with the thread-local access inside it: left to codegen-unit
    // partitioning, the access may land out of line (a call per poll).
    #[inline]
    fn enter(ptr: NonNull<Header>) -> CurrentGuard {
        CurrentGuard {
            prev: CURRENT.with(|c| c.replace(Some(ptr))),
        }
    }
}

impl Drop for CurrentGuard {
    #[inline]
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.prev));
    }
}

/// Makes `task` this thread's current task until the guard drops: the
/// `block_on` thread polls its future as the stand-in task's
/// (`runtime/handle.rs`). The caller keeps a reference to `task` for the
/// guard's life, as a poll does (rule 2).
pub(crate) fn enter_current(task: &super::TaskRef) -> impl Drop {
    let raw = task.raw();
    let ptr = raw.as_ptr();
    let header = raw.header();
    // ORDERING: Relaxed; a statistics counter only this thread writes
    // while the stand-in is entered (its own harness never polls it then).
    header.polls.store(header.polls.load(Relaxed) + 1, Relaxed);
    // The monitor shows it running until the poll reports a wait.
    header.set_wait(TaskState::Running as u8, None);
    CurrentGuard::enter(ptr)
}

/// The task this thread is polling, if any; the caller must take a
/// reference before the poll ends (`task::current_ref`).
pub(crate) fn current_raw() -> Option<RawTask> {
    CURRENT.with(StdCell::get).map(|ptr| RawTask { ptr })
}

/// Calls `f` with the header of the task this thread is polling, or `None`
/// outside a task.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Header>) -> R) -> R {
    let ptr = CURRENT.with(StdCell::get);
    // SAFETY: CURRENT is set only while the task is polled or dropped by this
    // thread, which holds a reference to it meanwhile (rule 2); the borrow
    // cannot escape `f`.
    f(ptr.map(|p| unsafe { p.as_ref() }))
}

/// A value that never leaves its owner thread: the future of a local task
/// (`curio::spawn_local`), and its output, which need not be `Send`.
///
/// The task cell requires `Send` of what it holds, because its harness may
/// be driven from any thread; a local task's cell is driven only by its
/// owner, so this wrapper vouches for the missing bound.
pub(crate) struct OwnerBound<T>(T);

// SAFETY: an `OwnerBound` is made only by `task::spawn_local`, on the
// owner thread, and put in a task cell whose scheduler is a
// `LocalSchedule`. Its value is touched (polled, dropped, moved out) only
// on that thread, by `scheduler/local.rs` rules 1-4: [1] the task's
// `Notified` goes only to the owner's inbox, which only the owner pops, so
// only the owner polls it (and drops the future on completion or at a
// cancellation, in the poll); [2] shutdown from another thread leaves the
// future alone (`Schedule::may_drop_here`, above in `shutdown`); [3] the
// owner completes every unfinished local task before it stops, so the last
// reference, wherever it drops, frees a cell whose stage holds nothing of
// the value; [4] the output is read or dropped only by the `LocalTask`
// handle, which is `!Send` and made on the owner, or by the owner's run
// that completes the task with no handle left. Moving the pointer to the
// cell between threads moves no `T`.
unsafe impl<T> Send for OwnerBound<T> {}

impl<T> OwnerBound<T> {
    /// Wraps a value made on its owner thread.
    pub(crate) fn new(value: T) -> OwnerBound<T> {
        OwnerBound(value)
    }

    /// The value, on its owner thread.
    pub(crate) fn into_inner(self) -> T {
        self.0
    }
}

impl<F: Future> Future for OwnerBound<F> {
    type Output = OwnerBound<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning of the only field: it is never moved
        // out while pinned (`into_inner` takes `self` by value, which a
        // pinned future cannot give up), and `OwnerBound` has no `Drop`.
        let inner = unsafe { self.map_unchecked_mut(|b| &mut b.0) };
        inner.poll(cx).map(OwnerBound)
    }
}
