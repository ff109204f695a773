//! Single-threaded checks of the task state transitions.

use super::raw::RawTask;
use super::state::{
    State, TransitionToCancel, TransitionToIdle, TransitionToNotified, TransitionToRunning,
};
use super::{new_task, Notified, Schedule};
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

#[test]
fn fresh_task_runs_and_goes_idle() {
    let s = State::new();
    let prev = match s.transition_to_running() {
        TransitionToRunning::Success(prev) => prev,
        _ => panic!("a fresh task must run"),
    };
    assert!(prev.is_notified() && !prev.was_polled());
    assert!(matches!(s.transition_to_idle(true), TransitionToIdle::Ok));
    let now = s.load();
    assert!(!now.is_running() && !now.is_notified() && now.was_polled());
    assert_eq!(now.ref_count(), 2);
}

#[test]
fn wake_while_running_requeues_once() {
    let s = State::new();
    let _ = s.transition_to_running();
    s.ref_inc(); // a waker
    assert!(matches!(
        s.transition_to_notified_by_val(),
        TransitionToNotified::DoNothing
    ));
    assert!(matches!(
        s.transition_to_notified_by_ref(),
        TransitionToNotified::DoNothing
    ));
    assert!(matches!(
        s.transition_to_idle(true),
        TransitionToIdle::OkNotified
    ));
    assert!(s.load().is_notified() && s.load().is_woken());
}

#[test]
fn cancel_is_one_shot_and_queues_an_idle_task() {
    let s = State::new();
    let _ = s.transition_to_running();
    assert!(matches!(s.transition_to_idle(true), TransitionToIdle::Ok));
    assert!(matches!(
        s.transition_to_cancel_requested(),
        TransitionToCancel::RequestedSubmit
    ));
    assert!(matches!(
        s.transition_to_cancel_requested(),
        TransitionToCancel::AlreadyRequested
    ));
    let prev = match s.transition_to_running() {
        TransitionToRunning::Success(prev) => prev,
        _ => panic!("the cancel request queued the task"),
    };
    assert!(prev.is_cancelled() && !prev.is_woken());
    assert!(matches!(
        s.transition_to_idle(true),
        TransitionToIdle::Cancelled
    ));
    // Shielded: idle, and the runner keeps its reference to re-check.
    assert!(matches!(
        s.transition_to_idle(false),
        TransitionToIdle::OkShielded
    ));
    assert_eq!(s.load().ref_count(), 3);
}

#[test]
fn wake_after_complete_is_harmless() {
    let s = State::new();
    let _ = s.transition_to_running();
    let done = s.transition_to_complete();
    assert!(done.is_complete() && !done.is_running());
    assert!(matches!(
        s.transition_to_notified_by_ref(),
        TransitionToNotified::DoNothing
    ));
    assert!(matches!(
        s.transition_to_cancel_requested(),
        TransitionToCancel::AlreadyComplete
    ));
    // The handle, dropped after completion, drops the output; the waker
    // slot is its own, JOIN_WAKER never having been set.
    assert_eq!(s.transition_to_join_handle_dropped(), (true, true));
}

/// A scheduler that runs a woken task at once, on the waking thread, so a
/// task can complete (and be freed) while `schedule` is still running:
/// the harness must not borrow the cell across that (rule 1; checked by
/// Miri, `ci/miri.sh`). Not zero-sized, so that a `&self` borrow of it
/// covers bytes of the cell that Miri can see freed.
struct InlineSched(#[allow(dead_code)] u64);

impl Schedule for InlineSched {
    fn schedule(&self, task: Notified) {
        task.run();
    }

    fn yield_now(&self, task: Notified) {
        task.run();
    }

    fn release(&self, _task: RawTask) -> bool {
        false
    }
}

/// Pending on its first poll, handing out its waker; ready on the second.
struct PendOnce {
    /// Receives the waker.
    waker: std::sync::Arc<std::sync::Mutex<Option<Waker>>>,
    /// Whether the first poll happened.
    polled: bool,
}

impl Future for PendOnce {
    type Output = u8;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u8> {
        if std::mem::replace(&mut self.polled, true) {
            return Poll::Ready(1);
        }
        *self.waker.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// A task whose handle is gone frees its cell when it completes; the
/// harness holds no reference into the cell past that point.
#[test]
fn a_detached_task_frees_itself_at_completion() {
    let (registered, notified, join) =
        new_task(async { 7u8 }, InlineSched(0), None, Location::caller());
    drop(registered);
    drop(join);
    notified.run();
}

/// A wake that queues a task whose `schedule` runs it to completion (on
/// another worker, in the real scheduler) while the call is still in
/// progress: the cell outlives the call.
#[test]
fn a_task_completed_inside_schedule_outlives_the_call() {
    let slot = std::sync::Arc::new(std::sync::Mutex::new(None));
    let fut = PendOnce {
        waker: slot.clone(),
        polled: false,
    };
    let (registered, notified, join) = new_task(fut, InlineSched(0), None, Location::caller());
    drop(registered);
    drop(join);
    notified.run();
    let waker = slot.lock().unwrap().take().expect("first poll");
    waker.wake();
}

/// A task woken during its own poll is requeued through `yield_now`, which
/// here runs it to completion before returning.
#[test]
fn a_task_completed_inside_yield_now_outlives_the_call() {
    let (registered, notified, join) = new_task(
        async {
            super::yield_now().await;
            3u8
        },
        InlineSched(0),
        None,
        Location::caller(),
    );
    drop(registered);
    drop(join);
    notified.run();
}

/// A scheduler for tasks that are never woken.
struct IdleSched;

impl Schedule for IdleSched {
    fn schedule(&self, task: Notified) {
        drop(task);
    }

    fn yield_now(&self, task: Notified) {
        drop(task);
    }

    fn release(&self, _task: RawTask) -> bool {
        false
    }
}

/// A registry slab that grew for a burst of tasks shrinks again once most
/// of them are gone, and the tasks still in it can be found and removed.
#[test]
fn registry_slab_shrinks_when_mostly_empty() {
    // Fewer under Miri, which runs this about a thousand times slower.
    let (count, keep_every) = if cfg!(miri) { (512, 16) } else { (4096, 64) };
    let registry = super::Registry::new(1);
    let mut tasks = Vec::new();
    for _ in 0..count {
        let (registered, notified, join) = new_task(
            std::future::pending::<()>(),
            IdleSched,
            None,
            Location::caller(),
        );
        let raw = registered.raw();
        assert!(registry.insert(registered).is_ok());
        drop(notified);
        tasks.push((raw, join));
    }
    let grown = registry.slot_capacity();
    assert!(grown >= count);
    // Keep one task in `keep_every`, remove the others.
    let mut kept = Vec::new();
    for (i, (raw, join)) in tasks.into_iter().enumerate() {
        if i % keep_every == 0 {
            kept.push((raw, join));
        } else {
            drop(registry.remove(raw).expect("registered"));
            drop(join);
        }
    }
    assert_eq!(registry.len(), kept.len());
    assert!(
        registry.slot_capacity() <= grown / 8,
        "the slab kept {} slots for {} tasks",
        registry.slot_capacity(),
        kept.len()
    );
    for (raw, join) in kept {
        let id = raw.header().id.as_u64();
        assert_eq!(registry.with_task(id, |t| t == raw), Some(true));
        drop(
            registry
                .remove(raw)
                .expect("still registered after compaction"),
        );
        drop(join);
    }
    assert_eq!(registry.len(), 0);
}

/// Panics when dropped.
struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("PanicOnDrop dropped");
    }
}

/// A pending future whose destructor panics in its first field; its second
/// field, dropped while that panic unwinds, counts its drops.
struct PanicsThenCounts {
    /// Panics first.
    _panics: PanicOnDrop,
    /// Dropped during the unwinding.
    _counted: Counted,
}

/// Counts its drops.
struct Counted(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Future for PanicsThenCounts {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

/// A future whose destructor panics, dropped by a cancellation, is dropped
/// exactly once (the stage is dropped in place, then rewritten without a
/// second drop), and the task reports the panic. A guard for
/// `drop_future_or_output`, not a regression test: the earlier
/// assignment-based version was also correct here.
#[test]
fn a_future_whose_drop_panics_is_dropped_once() {
    let drops = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let fut = PanicsThenCounts {
        _panics: PanicOnDrop,
        _counted: Counted(drops.clone()),
    };
    let (registered, notified, join) = new_task(fut, InlineSched(0), None, Location::caller());
    drop(registered);
    // Shutdown cancels a task that is not running: its future is dropped.
    notified.shutdown();
    let err = futures::executor::block_on(join).unwrap_err();
    assert!(err.is_panic());
    assert_eq!(drops.load(std::sync::atomic::Ordering::SeqCst), 1);
}

/// A `!Send` future held across a suspension (an `Rc` it keeps) and a
/// `!Send` output, run through the `OwnerBound` wrapper of local tasks:
/// the pinned projection and the output's unwrapping (checked by Miri,
/// `ci/miri.sh`), and the `Rc` dropped exactly once.
#[test]
fn an_owner_bound_future_with_an_rc_runs_and_gives_its_output() {
    let waker = std::sync::Arc::new(std::sync::Mutex::new(None));
    let rc = std::rc::Rc::new(5u8);
    let pend = PendOnce {
        waker: waker.clone(),
        polled: false,
    };
    let kept = rc.clone();
    let fut = super::raw::OwnerBound::new(async move {
        let one = pend.await;
        std::rc::Rc::new(*kept + one)
    });
    let (registered, notified, join) = new_task(fut, InlineSched(0), None, Location::caller());
    drop(registered);
    notified.run();
    assert_eq!(std::rc::Rc::strong_count(&rc), 2);
    let w = waker
        .lock()
        .unwrap()
        .take()
        .expect("the first poll stored its waker");
    w.wake();
    let out = futures::executor::block_on(join).unwrap().into_inner();
    assert_eq!(*out, 6);
    // The future, and the clone of `rc` it held, were dropped at completion.
    assert_eq!(std::rc::Rc::strong_count(&rc), 1);
}
