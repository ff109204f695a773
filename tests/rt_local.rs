//! Local tasks (`curio::spawn_local`): `!Send` futures that run only on the
//! worker or `block_on` thread that spawned them, wherever they are woken
//! from, and are cancelled and dropped on that thread.

mod support;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread::ThreadId;
use std::time::Duration;
use support::{runtime, wait_until, FLAVOURS};

/// A one-shot gate: a future waits until another thread opens it.
#[derive(Default)]
struct Gate {
    /// Set when opened.
    open: AtomicBool,
    /// The waiter's waker, once it waits.
    waker: Mutex<Option<Waker>>,
}

impl Gate {
    /// Opens the gate and wakes the waiter.
    fn open(&self) {
        self.open.store(true, SeqCst);
        if let Some(w) = self.waker.lock().unwrap().take() {
            w.wake();
        }
    }

    /// Whether a waiter registered its waker.
    fn has_waiter(&self) -> bool {
        self.waker.lock().unwrap().is_some()
    }

    /// Waits until the gate is open.
    fn wait(self: &Arc<Self>) -> WaitGate {
        WaitGate(self.clone())
    }
}

/// The future of `Gate::wait`.
struct WaitGate(Arc<Gate>);

impl Future for WaitGate {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut slot = self.0.waker.lock().unwrap();
        if self.0.open.load(SeqCst) {
            return Poll::Ready(());
        }
        *slot = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// Records, when dropped, the thread that dropped it.
struct DropThread(Arc<Mutex<Option<ThreadId>>>);

impl Drop for DropThread {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = Some(std::thread::current().id());
    }
}

/// The calling thread's id.
fn me() -> ThreadId {
    std::thread::current().id()
}

/// Runs the future that `make` builds as a local task of a worker (spawned
/// from a `Send` task there) and returns its output. The handle of a local
/// task is `!Send`, so it comes back through a channel.
async fn on_a_worker<T, Fut>(make: impl FnOnce() -> Fut + Send + 'static) -> T
where
    T: Send + 'static,
    Fut: Future<Output = T> + 'static,
{
    let (tx, rx) = curio::sync::oneshot::channel();
    curio::spawn(async move {
        drop(curio::spawn_local(async move {
            let _ = tx.send(make().await);
        }));
    })
    .await
    .unwrap();
    rx.await.expect("the local task finished")
}

#[test]
fn local_tasks_share_rc_refcell_state_on_the_block_on_thread() {
    for workers in FLAVOURS {
        let rt = runtime(workers, "local-rc");
        let main = me();
        let log = rt.block_on(async move {
            let log = Rc::new(RefCell::new(Vec::new()));
            let mut kids = Vec::new();
            for i in 0..8 {
                let log = log.clone();
                kids.push(curio::spawn_local(async move {
                    for step in 0..3 {
                        assert_eq!(me(), main, "a local task moved off its thread");
                        log.borrow_mut().push((i, step));
                        curio::yield_now().await;
                    }
                    Rc::new(i)
                }));
            }
            for (i, kid) in kids.into_iter().enumerate() {
                assert_eq!(*kid.await.unwrap(), i);
            }
            Rc::try_unwrap(log).unwrap().into_inner()
        });
        assert_eq!(log.len(), 24);
        // Interleaved: every task made its first step before any its last.
        let first_last = log.iter().position(|&(_, s)| s == 2).unwrap();
        assert!(first_last >= 8, "{log:?}");
    }
}

#[test]
fn local_task_on_a_worker_is_never_stolen() {
    for workers in FLAVOURS {
        let rt = runtime(workers, "local-steal");
        rt.block_on(async {
            // Many ready tasks on one worker while the others are idle:
            // they would steal half of its queue at once.
            let polls = on_a_worker(|| async {
                let owner = me();
                let polls = Rc::new(Cell::new(0));
                let mut kids = Vec::new();
                for _ in 0..16 {
                    let polls = polls.clone();
                    kids.push(curio::spawn_local(async move {
                        for _ in 0..100 {
                            assert_eq!(me(), owner, "a local task ran off its worker");
                            polls.set(polls.get() + 1);
                            // Long enough for a parked worker to wake
                            // and look for work to steal.
                            let until = std::time::Instant::now() + Duration::from_micros(20);
                            while std::time::Instant::now() < until {
                                std::hint::spin_loop();
                            }
                            curio::yield_now().await;
                        }
                    }));
                }
                for kid in kids {
                    kid.await.unwrap();
                }
                polls.get()
            })
            .await;
            assert_eq!(polls, 1600);
        });
    }
}

#[test]
fn wake_from_a_plain_thread_reaches_the_owner() {
    for workers in FLAVOURS {
        let rt = runtime(workers, "local-wake");
        // Owned by a worker, and by the block_on thread.
        for on_worker in [true, false] {
            let gate = Arc::new(Gate::default());
            let g = gate.clone();
            let waker_thread = std::thread::spawn(move || {
                wait_until(Duration::from_secs(10), "the local task to wait", || {
                    g.has_waiter()
                });
                g.open();
                me()
            });
            let body = {
                let gate = gate.clone();
                move || async move {
                    let kid = curio::spawn_local(async move {
                        let before = me();
                        let state = Rc::new(1);
                        gate.wait().await;
                        (before, me(), *state)
                    });
                    kid.await.unwrap()
                }
            };
            let (before, after, value) = if on_worker {
                rt.block_on(on_a_worker(body))
            } else {
                rt.block_on(body())
            };
            let waker = waker_thread.join().unwrap();
            assert_eq!(value, 1);
            assert_eq!(
                before, after,
                "the wake moved the task (on_worker {on_worker})"
            );
            assert_ne!(after, waker);
            if !on_worker {
                assert_eq!(after, me());
            }
        }
    }
}

#[test]
fn wake_from_a_send_task_reaches_the_owner() {
    let rt = runtime(4, "local-sendwake");
    let (before, after, opener) = rt.block_on(async {
        on_a_worker(|| async {
            let gate = Arc::new(Gate::default());
            let g = gate.clone();
            let kid = curio::spawn_local(async move {
                let before = me();
                g.wait().await;
                (before, me())
            });
            // The opener is a Send task, free to run on any worker.
            let opener = curio::spawn(async move {
                while !gate.has_waiter() {
                    curio::yield_now().await;
                }
                gate.open();
                me()
            });
            let (before, after) = kid.await.unwrap();
            (before, after, opener.await.unwrap())
        })
        .await
    });
    assert_eq!(before, after);
    // Record where the opener ran; the check above holds either way.
    eprintln!("opener ran on the owner's thread: {}", opener == after);
}

#[test]
fn cancelling_a_local_task_runs_its_cleanup_on_the_owner() {
    for workers in FLAVOURS {
        let rt = runtime(workers, "local-cancel");
        rt.block_on(async {
            // By the handle.
            let dropped = Arc::new(Mutex::new(None));
            let cleanup = Rc::new(Cell::new(false));
            let mut kid = curio::spawn_local({
                let guard = DropThread(dropped.clone());
                let cleanup = cleanup.clone();
                async move {
                    let _guard = guard;
                    /// Sets its flag when dropped (the cleanup).
                    struct Cleanup(Rc<Cell<bool>>);
                    impl Drop for Cleanup {
                        fn drop(&mut self) {
                            self.0.set(true);
                        }
                    }
                    let _cleanup = Cleanup(cleanup);
                    std::future::pending::<()>().await;
                }
            });
            curio::yield_now().await;
            assert!(kid.cancel().await);
            assert!(cleanup.get());
            assert_eq!(*dropped.lock().unwrap(), Some(me()));
            assert!(kid.await.unwrap_err().is_cancelled());

            // By id, as the monitor's `cancel` does, for a local task of a
            // worker.
            let res = on_a_worker(|| async {
                let owner = me();
                let dropped = Arc::new(Mutex::new(None));
                let guard = DropThread(dropped.clone());
                let kid = curio::spawn_local(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await;
                });
                let id = kid.id();
                let canceller = std::thread::spawn({
                    let handle = curio::Handle::current();
                    move || handle.cancel_task(id)
                });
                assert!(canceller.join().unwrap());
                let err = kid.await.unwrap_err();
                let on_owner = *dropped.lock().unwrap() == Some(owner);
                (err.is_cancelled(), on_owner)
            })
            .await;
            assert_eq!(res, (true, true));
        });
    }
}

#[test]
fn a_panicking_local_task_gives_a_task_error() {
    for workers in FLAVOURS {
        let rt = runtime(workers, "local-panic");
        let (a, b) = rt.block_on(async {
            let here = curio::spawn_local(async {
                let _rc = Rc::new(());
                curio::yield_now().await;
                panic!("local boom");
            });
            let on_worker = on_a_worker(|| async {
                curio::spawn_local(async {
                    curio::yield_now().await;
                    panic!("worker local boom");
                })
                .await
                .map_err(|e| e.is_panic())
            })
            .await;
            (here.await, on_worker)
        });
        let err = a.unwrap_err();
        assert!(err.is_panic());
        let payload = err.into_panic();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"local boom"));
        assert_eq!(b, Err(true));
    }
}

#[test]
fn local_tasks_show_in_the_task_list() {
    let rt = runtime(2, "local-ps");
    rt.block_on(async {
        let mut kid = curio::task::Builder::new()
            .name("local-ps-kid")
            .spawn_local(std::future::pending::<()>());
        curio::yield_now().await;
        let tasks = curio::Handle::current().tasks();
        let info = tasks
            .iter()
            .find(|t| t.id == kid.id())
            .expect("the local task is listed");
        assert_eq!(info.name.as_deref(), Some("local-ps-kid"));
        assert!(kid.cancel().await);
        assert!(curio::Handle::current()
            .tasks()
            .iter()
            .all(|t| t.id != kid.id()));
    });
}

#[test]
#[should_panic(expected = "curio::spawn_local called outside a curio worker thread or block_on")]
fn spawn_local_outside_a_runtime_panics() {
    drop(curio::spawn_local(async {}));
}

#[test]
#[should_panic(expected = "curio::spawn_local called outside a curio worker thread or block_on")]
fn spawn_local_in_run_in_thread_panics() {
    let rt = runtime(1, "local-rit");
    let res = rt.block_on(async {
        curio::run_in_thread(|| std::panic::catch_unwind(|| drop(curio::spawn_local(async {}))))
            .await
    });
    std::panic::resume_unwind(res.unwrap_err());
}

#[test]
fn shutdown_drops_pending_local_tasks_on_their_worker() {
    for workers in FLAVOURS {
        let rt = curio::Runtime::builder()
            .workers(workers)
            .thread_name("local-sd")
            .shutdown_grace(Duration::from_millis(50))
            .build()
            .unwrap();
        let dropped = Arc::new(Mutex::new(None));
        let owner = Arc::new(Mutex::new(None));
        let (d, o) = (dropped.clone(), owner.clone());
        rt.block_on(async move {
            curio::spawn(async move {
                *o.lock().unwrap() = Some(me());
                let guard = DropThread(d);
                let rc = Rc::new(guard);
                // Refuses the graceful cancellation, so shutdown must drop
                // it after the grace period.
                drop(curio::spawn_local(curio::disable_cancellation(
                    async move {
                        let _rc = rc;
                        std::future::pending::<()>().await;
                    },
                )));
            })
            .await
            .unwrap();
        });
        let started = std::time::Instant::now();
        drop(rt);
        assert!(started.elapsed() < Duration::from_secs(10));
        let owner = owner.lock().unwrap().expect("the spawner ran");
        let dropped = dropped.lock().unwrap().expect("the local task was dropped");
        assert_eq!(dropped, owner, "dropped off its worker");
        assert_ne!(dropped, me());
    }
}

#[test]
// The handle is returned on purpose, to be awaited after `block_on` ends.
#[allow(clippy::async_yields_async)]
fn block_on_drops_its_leftover_local_tasks_when_it_returns() {
    for workers in FLAVOURS {
        let rt = runtime(workers, "local-bo");
        let dropped = Arc::new(Mutex::new(None));
        let d = dropped.clone();
        let kid = rt.block_on(async move {
            let guard = Rc::new(DropThread(d));
            let kid = curio::spawn_local(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            });
            curio::yield_now().await;
            kid
        });
        assert_eq!(*dropped.lock().unwrap(), Some(me()));
        assert!(kid.is_finished());
        assert!(rt.block_on(kid).unwrap_err().is_cancelled());
    }
}

#[test]
fn seeded_single_worker_runs_local_tasks_in_its_shuffle() {
    let run = |seed| {
        let rt = curio::Runtime::builder()
            .workers(1)
            .seed(seed)
            .build()
            .unwrap();
        rt.block_on(async {
            on_a_worker(|| async {
                let order = Rc::new(RefCell::new(Vec::new()));
                let shared = Arc::new(Mutex::new(Vec::new()));
                let mut locals = Vec::new();
                let mut sends = Vec::new();
                for i in 0..4 {
                    let order = order.clone();
                    locals.push(curio::spawn_local(async move {
                        for _ in 0..3 {
                            order.borrow_mut().push(i);
                            curio::yield_now().await;
                        }
                    }));
                    let shared = shared.clone();
                    sends.push(curio::spawn(async move {
                        for _ in 0..3 {
                            shared.lock().unwrap().push(i);
                            curio::yield_now().await;
                        }
                    }));
                }
                for t in locals {
                    t.await.unwrap();
                }
                for t in sends {
                    t.await.unwrap();
                }
                let out = order.borrow().clone();
                out
            })
            .await
        })
    };
    let a = run(7);
    assert_eq!(a.len(), 12);
    assert_eq!(a, run(7), "the same seed gave another order");
}

#[curio::test]
async fn spawn_local_in_a_curio_test_body() {
    let main = me();
    let rc = Rc::new(Cell::new(0));
    let r = rc.clone();
    let kid = curio::spawn_local(async move {
        r.set(r.get() + 1);
        me()
    });
    assert_eq!(kid.await.unwrap(), main);
    assert_eq!(rc.get(), 1);
}

#[test]
fn runtime_shutdown_elsewhere_leaves_block_on_local_tasks_to_their_thread() {
    let rt = curio::Runtime::builder()
        .workers(2)
        .thread_name("local-sdbo")
        .shutdown_grace(Duration::from_millis(50))
        .build()
        .unwrap();
    let handle = rt.handle().clone();
    let dropped = Arc::new(Mutex::new(None));
    let ready = Arc::new(AtomicBool::new(false));
    let gate = Arc::new(Gate::default());
    let owner = std::thread::spawn({
        let (dropped, ready, gate) = (dropped.clone(), ready.clone(), gate.clone());
        move || {
            // Both refuse the graceful cancellation, so the runtime's
            // shutdown, on the test thread, outlives the grace period
            // while they are alive.
            handle.block_on(curio::disable_cancellation(async move {
                let guard = Rc::new(DropThread(dropped));
                drop(curio::spawn_local(curio::disable_cancellation(
                    async move {
                        let _guard = guard;
                        std::future::pending::<()>().await;
                    },
                )));
                curio::yield_now().await;
                ready.store(true, SeqCst);
                gate.wait().await;
            }));
            me()
        }
    });
    wait_until(
        Duration::from_secs(10),
        "the block_on thread to start",
        || ready.load(SeqCst),
    );
    drop(rt);
    assert_eq!(
        *dropped.lock().unwrap(),
        None,
        "shutdown dropped a local task off its thread"
    );
    gate.open();
    let owner = owner.join().unwrap();
    assert_eq!(*dropped.lock().unwrap(), Some(owner));
}

#[test]
fn paused_clock_jumps_for_sleeping_local_tasks() {
    for workers in FLAVOURS {
        let rt = curio::Runtime::builder()
            .workers(workers)
            .start_paused(true)
            .build()
            .unwrap();
        let started = std::time::Instant::now();
        let (here, there) = rt.block_on(async {
            let here = curio::spawn_local(async {
                let rc = Rc::new(1);
                curio::sleep(Duration::from_secs(3600)).await;
                *rc
            });
            let there = on_a_worker(|| async {
                let rc = Rc::new(2);
                curio::sleep(Duration::from_secs(7200)).await;
                *rc
            })
            .await;
            (here.await.unwrap(), there)
        });
        assert_eq!((here, there), (1, 2));
        assert!(started.elapsed() < Duration::from_secs(30));
    }
}

/// Spawns a local task when dropped and records whether that task had
/// already ended (it is refused: its owner is stopping).
struct SpawnOnDrop(Arc<Mutex<Option<bool>>>);

impl Drop for SpawnOnDrop {
    fn drop(&mut self) {
        let late = curio::spawn_local(async { Rc::new(()) });
        *self.0.lock().unwrap() = Some(late.is_finished());
    }
}

#[test]
fn a_local_task_spawned_while_its_owner_stops_is_cancelled_at_once() {
    let rt = runtime(2, "local-late");
    let finished = Arc::new(Mutex::new(None));
    let f = finished.clone();
    rt.block_on(async move {
        let guard = SpawnOnDrop(f);
        drop(curio::spawn_local(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        }));
        curio::yield_now().await;
    });
    assert_eq!(*finished.lock().unwrap(), Some(true));
}

/// With profiling on (here through long-block detection), a local task's
/// polls are timed like any other task's.
#[test]
fn local_tasks_are_profiled() {
    let rt = curio::Runtime::builder()
        .workers(1)
        .longblock(Duration::from_secs(60))
        .build()
        .unwrap();
    rt.run(async {
        let stop = Rc::new(Cell::new(false));
        let stopped = stop.clone();
        let local = curio::spawn_local(async move {
            let mut rounds = 0u64;
            // Bounded: the test stops it, or it ends after 50,000 rounds.
            while !stopped.get() && rounds < 50_000 {
                let spin = std::time::Instant::now() + Duration::from_micros(200);
                while std::time::Instant::now() < spin {
                    std::hint::spin_loop();
                }
                rounds += 1;
                curio::yield_now().await;
            }
            rounds
        });
        let id = local.id();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let info = loop {
            let tasks = curio::Handle::current().tasks();
            let info = tasks.into_iter().find(|t| t.id == id).expect("listed");
            if info.busy.is_some_and(|b| b >= Duration::from_millis(2)) {
                break info;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "never timed: {info:?}"
            );
            curio::sleep(Duration::from_millis(1)).await;
        };
        stop.set(true);
        assert!(info.longest_poll.expect("timed") >= Duration::from_micros(200));
        assert!(local.await.unwrap() > 0);
    });
}
