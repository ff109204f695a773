//! Cancelling tasks, curio's way: `cancel()` requests and waits; delivery
//! at the next suspension, where the future is dropped.

mod support;

use std::sync::{Arc, Mutex};
use support::{runtime, DropCount, FLAVOURS};

#[test]
fn cancel_a_suspended_task() {
    for workers in FLAVOURS {
        let drops = DropCount::default();
        let d = drops.clone();
        runtime(workers, "cancel").run(async move {
            let guard = d.guard();
            let mut kid = curio::spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            });
            curio::yield_now().await;
            assert!(kid.cancel().await, "the kid had not finished");
            assert!(kid.is_finished());
            assert_eq!(
                d.get(),
                1,
                "the kid's destructors ran before cancel returned"
            );
            let err = kid.await.unwrap_err();
            assert!(err.is_cancelled() && !err.is_panic());
            assert!(err.to_string().contains("cancelled"), "{err}");
        });
        assert_eq!(drops.get(), 1);
    }
}

#[test]
fn cancel_a_finished_task_is_a_no_op() {
    curio::run(async {
        let mut kid = curio::spawn(async { 3 });
        while !kid.is_finished() {
            curio::yield_now().await;
        }
        assert!(!kid.cancel().await);
        assert_eq!(kid.await.unwrap(), 3);
    });
}

#[test]
fn cancel_is_one_shot_and_a_second_cancel_only_waits() {
    curio::run(async {
        let mut kid = curio::spawn(std::future::pending::<()>());
        assert!(kid.cancel().await);
        assert!(!kid.cancel().await, "already finished");
        assert!(kid.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn a_never_started_task_runs_its_prefix_then_is_cancelled() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    runtime(1, "prefix").run(async move {
        let l2 = l.clone();
        let mut kid = curio::spawn(async move {
            l2.lock().unwrap().push("prefix");
            std::future::pending::<()>().await;
            l2.lock().unwrap().push("never");
        });
        assert!(kid.cancel().await);
    });
    assert_eq!(*log.lock().unwrap(), ["prefix"]);
}

#[test]
fn a_woken_task_runs_to_its_next_suspension_before_the_cancel() {
    // curio: cancelling a ready task is deferred to its next blocking call.
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    runtime(1, "ready").run(async move {
        let (tx, rx) = futures::channel::oneshot::channel::<u32>();
        let l2 = l.clone();
        let mut kid = curio::spawn(async move {
            let v = rx.await.unwrap();
            l2.lock().unwrap().push(format!("got {v}"));
            std::future::pending::<()>().await;
            l2.lock().unwrap().push("never".into());
        });
        curio::yield_now().await; // the kid waits on rx
        tx.send(7).unwrap(); // the kid is ready...
        assert!(kid.cancel().await); // ...when the cancel arrives
    });
    assert_eq!(*log.lock().unwrap(), ["got 7"]);
}

#[test]
fn a_suspended_task_is_not_polled_to_deliver_a_cancel() {
    // The request alone does not resume the task: it is dropped where it
    // waits, without one more poll.
    // A task on the only worker, so the kid runs only when it yields.
    let rt = runtime(1, "nopoll");
    let body = rt.spawn(async {
        let polls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let p = polls.clone();
        let mut kid = curio::spawn(std::future::poll_fn(move |_cx| {
            p.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            std::task::Poll::<()>::Pending
        }));
        curio::yield_now().await;
        assert_eq!(polls.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(kid.cancel().await);
        assert_eq!(polls.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(kid.await.unwrap_err().is_cancelled());
    });
    rt.block_on(body).unwrap();
}

#[test]
fn a_task_woken_after_the_request_still_runs_on() {
    // Woken between the request and its delivery, the task is ready, so it
    // runs on to its next suspension (here: it finishes with the value).
    runtime(1, "wokenafter").run(async {
        let (tx, rx) = futures::channel::oneshot::channel::<u32>();
        let mut kid = curio::spawn(async move { rx.await.unwrap() });
        curio::yield_now().await;
        let mut cancel = std::pin::pin!(kid.cancel());
        assert!(futures::poll!(cancel.as_mut()).is_pending());
        tx.send(9).unwrap();
        assert!(cancel.await);
        assert_eq!(kid.await.unwrap(), 9, "the value was received, not lost");
    });
}

#[test]
fn a_panicking_destructor_during_cancel_is_reported() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("bomb went off");
        }
    }
    curio::run(async {
        let mut kid = curio::spawn(async {
            let _bomb = Bomb;
            std::future::pending::<()>().await;
        });
        curio::yield_now().await;
        assert!(kid.cancel().await);
        let err = kid.await.unwrap_err();
        assert!(err.is_panic(), "{err}");
        assert!(err.to_string().contains("bomb went off"));
    });
}

#[test]
fn cancelling_from_many_tasks_at_once() {
    runtime(4, "many").run(async {
        let victims: Vec<_> = (0..500)
            .map(|_| curio::spawn(std::future::pending::<()>()))
            .collect();
        let cancellers: Vec<_> = victims
            .into_iter()
            .map(|mut v| {
                curio::spawn(async move { (v.cancel().await, v.await.unwrap_err().is_cancelled()) })
            })
            .collect();
        for c in cancellers {
            assert_eq!(c.await.unwrap(), (true, true));
        }
    });
}
