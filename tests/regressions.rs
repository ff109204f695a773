//! Regression tests: each one failed before the fix it names.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

type Slot = Arc<Mutex<Option<curio::Task<()>>>>;

async fn take(slot: &Slot) -> curio::Task<()> {
    loop {
        if let Some(h) = slot.lock().unwrap().take() {
            return h;
        }
        curio::yield_now().await;
    }
}

async fn wait_for(flag: &AtomicBool) {
    while !flag.load(SeqCst) {
        curio::yield_now().await;
    }
}

/// Polls `task` once, leaving the caller's waker in its join-waker slot.
async fn poll_once(task: &mut curio::Task<()>) {
    poll_fn(|cx| {
        let _ = Pin::new(&mut *task).poll(cx);
        Poll::Ready(())
    })
    .await;
}

/// Two tasks that each polled the other's handle once, then dropped it,
/// used to keep each other (and the runtime's shared state) alive through
/// the join wakers left in their cells. Fixed by clearing the join-waker
/// slot when the handle is dropped or the task completes (task rule 6).
#[test]
fn join_wakers_do_not_keep_tasks_alive() {
    let probe = Arc::new(AtomicU64::new(0));
    let rt = curio::Runtime::builder().workers(1).build().unwrap();
    rt.handle().publish_stat("probe", probe.clone());
    rt.block_on(async {
        let (slot_a, slot_b): (Slot, Slot) = Default::default();
        let (first, second) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let (sb, f1, f2) = (slot_b.clone(), first.clone(), second.clone());
        let a = curio::spawn(async move {
            let mut b = take(&sb).await;
            poll_once(&mut b).await;
            f1.store(true, SeqCst);
            wait_for(&f2).await;
            drop(b);
        });
        let (sa, f1, f2) = (slot_a.clone(), first.clone(), second.clone());
        let b = curio::spawn(async move {
            let mut a = take(&sa).await;
            wait_for(&f1).await;
            poll_once(&mut a).await;
            f2.store(true, SeqCst);
            drop(a);
        });
        *slot_a.lock().unwrap() = Some(a);
        *slot_b.lock().unwrap() = Some(b);
        while !second.load(SeqCst) {
            curio::sleep(Duration::from_millis(1)).await;
        }
        curio::sleep(Duration::from_millis(20)).await;
    });
    drop(rt);
    assert_eq!(
        Arc::strong_count(&probe),
        1,
        "the runtime's shared state leaked"
    );
}

/// A `disable_cancellation` scope moved to another task and dropped there
/// used to leave its first task shielded for ever, so cancelling that task
/// hung. Fixed by closing the shield on its owner from wherever the scope
/// ends, and queueing the owner to receive a pending cancellation.
#[test]
fn a_shield_dropped_by_another_task_is_closed_on_its_owner() {
    curio::run(async {
        type Shielded = Pin<Box<dyn Future<Output = ()> + Send>>;
        let slot: Arc<Mutex<Option<Shielded>>> = Default::default();
        let s = slot.clone();
        let mut owner = curio::spawn(async move {
            let mut shielded: Shielded =
                Box::pin(curio::disable_cancellation(std::future::pending::<()>()));
            poll_fn(|cx| {
                let _ = shielded.as_mut().poll(cx);
                Poll::Ready(())
            })
            .await;
            *s.lock().unwrap() = Some(shielded);
            std::future::pending::<()>().await;
        });
        curio::sleep(Duration::from_millis(10)).await;
        // Request the cancellation while the shield is open...
        let mut cancel = std::pin::pin!(owner.cancel());
        assert!(futures::poll!(cancel.as_mut()).is_pending());
        // ...then another task drops the shielded future.
        let s = slot.clone();
        curio::spawn(async move { drop(s.lock().unwrap().take()) })
            .await
            .unwrap();
        let done = curio::ignore_after(Duration::from_secs(5), cancel).await;
        assert_eq!(done, Some(true), "the owner was cancelled");
    });
}

/// Dropping a runtime on one of its own blocking threads is refused with a
/// clear message instead of a thread joining itself.
#[test]
fn dropping_a_runtime_on_its_own_blocking_thread_is_refused() {
    let rt = curio::Runtime::builder().workers(1).build().unwrap();
    let handle = rt.handle().clone();
    let rt = Arc::new(Mutex::new(Some(rt)));
    let r = rt.clone();
    let err = handle.block_on(async move {
        curio::spawn_thread(move || {
            let rt = r.lock().unwrap().take();
            drop(rt);
        })
        .await
        .unwrap_err()
    });
    assert!(err.is_panic());
    assert!(
        err.to_string()
            .contains("cannot be dropped on one of its own threads"),
        "{err}"
    );
}

/// Runs `f` on its own thread and returns its result, failing the test if
/// it takes longer than `limit` (a hang is reported, not waited out; the
/// stuck thread is left behind).
fn within<T: Send + 'static>(
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
    });
    match rx.recv_timeout(limit) {
        Ok(Ok(value)) => value,
        Ok(Err(payload)) => std::panic::resume_unwind(payload),
        Err(_) => panic!("{what}: hung (no result within {limit:?})"),
    }
}

/// A value whose destructor panics.
struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("PanicOnDrop dropped");
    }
}

/// A future that is ready at once but whose own destructor panics, i.e.
/// after the harness has taken its output.
struct ReadyThenPanicOnDrop(#[allow(dead_code)] PanicOnDrop);

impl Future for ReadyThenPanicOnDrop {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, _cx: &mut std::task::Context<'_>) -> Poll<u32> {
        Poll::Ready(7)
    }
}

/// Dropping a completed future happened outside the harness's
/// `catch_unwind`, so a destructor panic there killed the only worker and
/// hung the runtime. Fixed by catching it: the task reports the panic and
/// the worker goes on.
#[test]
fn a_completed_future_whose_drop_panics_does_not_kill_the_worker() {
    let rt = curio::Runtime::builder().workers(1).build().unwrap();
    within(
        Duration::from_secs(20),
        "the runtime after a drop panic",
        move || {
            rt.block_on(async {
                let err = curio::spawn(ReadyThenPanicOnDrop(PanicOnDrop))
                    .await
                    .unwrap_err();
                assert!(err.is_panic(), "{err}");
                // The worker is still there to run further tasks.
                assert_eq!(curio::spawn(async { 5 }).await.unwrap(), 5);
            });
            drop(rt);
        },
    );
}

/// A join waker whose `wake` panics.
struct PanickingWaker;

impl std::task::Wake for PanickingWaker {
    fn wake(self: Arc<Self>) {
        panic!("PanickingWaker woken");
    }
}

/// Waking the join waker at completion ran outside any `catch_unwind`, so
/// a waker that panics killed the worker that completed the task. Fixed by
/// catching it there.
#[test]
fn a_join_waker_that_panics_does_not_kill_the_worker() {
    let rt = curio::Runtime::builder().workers(1).build().unwrap();
    within(
        Duration::from_secs(20),
        "the runtime after a waker panic",
        move || {
            let (tx, rx) = std::sync::mpsc::channel::<()>();
            let mut task = rt
                .handle()
                .spawn(async move { curio::run_in_thread(move || rx.recv().is_ok()).await });
            let waker = std::task::Waker::from(Arc::new(PanickingWaker));
            let mut cx = std::task::Context::from_waker(&waker);
            assert!(Pin::new(&mut task).poll(&mut cx).is_pending());
            drop(waker);
            tx.send(()).unwrap();
            // The worker that completes the task wakes the panicking waker.
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while !task.is_finished() {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the task never finished"
                );
                std::thread::sleep(Duration::from_millis(2));
            }
            assert!(rt.block_on(task).unwrap());
            assert_eq!(
                rt.block_on(async { curio::spawn(async { 5 }).await.unwrap() }),
                5
            );
            drop(rt);
        },
    );
}

/// `thread_keep_alive(Duration::MAX)` overflowed `Instant + keep_alive`
/// when a pool thread went idle; the panic skipped the thread count's
/// decrement, so with one blocking thread the next call waited for ever.
/// Fixed with `checked_add` (no deadline: the thread waits for work).
#[test]
fn an_unbounded_keep_alive_does_not_stall_the_pool() {
    let rt = curio::Runtime::builder()
        .workers(1)
        .max_blocking_threads(1)
        .thread_keep_alive(Duration::MAX)
        .build()
        .unwrap();
    within(
        Duration::from_secs(20),
        "run_in_thread with keep-alive MAX",
        move || {
            rt.block_on(async {
                for i in 0..5u32 {
                    assert_eq!(curio::run_in_thread(move || i * 2).await, i * 2);
                }
            });
            drop(rt);
        },
    );
}

/// A driver started while the runtime shuts down: `Handle::driver` checked
/// for shutdown, then pushed the stop hook under another lock, so a
/// shutdown that took the hooks in between never stopped the driver.
/// Fixed by checking and pushing under the hooks' lock, and stopping the
/// driver at once if shutdown won.
#[test]
fn a_driver_started_during_shutdown_is_stopped() {
    struct First;
    struct Second;
    let rt = curio::Runtime::builder().workers(1).build().unwrap();
    let handle = rt.handle().clone();
    let first_stopped = Arc::new(AtomicBool::new(false));
    let f = first_stopped.clone();
    handle
        .driver(move |_| -> std::io::Result<_> {
            let stop: Box<dyn FnOnce() + Send> = Box::new(move || f.store(true, SeqCst));
            Ok((Arc::new(First), stop))
        })
        .unwrap();
    let second_stopped = Arc::new(AtomicBool::new(false));
    let (entered_tx, entered_rx) = std::sync::mpsc::channel();
    let (f, s) = (first_stopped.clone(), second_stopped.clone());
    let starter = std::thread::spawn(move || {
        handle
            .driver(move |_| -> std::io::Result<_> {
                entered_tx.send(()).unwrap();
                // Let shutdown run its stop hooks before this driver is
                // registered.
                let deadline = std::time::Instant::now() + Duration::from_secs(10);
                while !f.load(SeqCst) {
                    assert!(std::time::Instant::now() < deadline, "shutdown never ran");
                    std::thread::sleep(Duration::from_millis(1));
                }
                let stop: Box<dyn FnOnce() + Send> = Box::new(move || s.store(true, SeqCst));
                Ok((Arc::new(Second), stop))
            })
            .map(|_| ())
    });
    entered_rx.recv().unwrap();
    drop(rt);
    let res = starter.join().unwrap();
    assert!(first_stopped.load(SeqCst));
    assert!(
        second_stopped.load(SeqCst),
        "the driver started during shutdown was never stopped"
    );
    assert!(res.is_err(), "a driver started during shutdown is refused");
}
