//! Single-threaded checks of the task state transitions.

use super::state::{
    State, TransitionToCancel, TransitionToIdle, TransitionToNotified, TransitionToRunning,
};

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
    assert!(matches!(s.transition_to_idle(false), TransitionToIdle::Ok));
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
