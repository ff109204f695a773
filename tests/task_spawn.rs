//! Spawning and joining tasks: ordering, panics, foreign wake-ups, handles
//! from plain threads, and a million tasks that each run exactly once.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use support::{runtime, FLAVOURS};

#[test]
fn spawn_does_not_switch_to_the_child() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    // The parent is a task on the only worker (the future `run` drives
    // runs on the calling thread, beside the workers).
    let rt = runtime(1, "order");
    let parent = rt.spawn(async move {
        let l2 = l.clone();
        let kid = curio::spawn(async move { l2.lock().unwrap().push("child") });
        l.lock().unwrap().push("parent-after-spawn");
        curio::yield_now().await;
        l.lock().unwrap().push("parent-after-yield");
        kid.await.unwrap();
    });
    rt.run(parent).unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        ["parent-after-spawn", "child", "parent-after-yield"]
    );
}

#[test]
fn yielding_tasks_take_turns_in_spawn_order() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    runtime(1, "rr").run(async move {
        let countdown = |n: u32, l: Arc<Mutex<Vec<u32>>>| async move {
            for i in (1..=n).rev() {
                l.lock().unwrap().push(i);
                curio::yield_now().await;
            }
        };
        let a = curio::spawn(countdown(3, l.clone()));
        let b = curio::spawn(countdown(6, l.clone()));
        a.await.unwrap();
        b.await.unwrap();
    });
    assert_eq!(*log.lock().unwrap(), [3, 6, 2, 5, 1, 4, 3, 2, 1]);
}

#[test]
fn ids_increase_and_names_stick() {
    curio::run(async {
        let a = curio::spawn(async { curio::current_task() });
        let b = curio::task::Builder::new().name("kid").spawn(async {});
        assert!(a.id() < b.id());
        assert_eq!(a.name(), None);
        assert_eq!(b.name(), Some("kid"));
        assert_eq!(b.id().to_string(), b.id().as_u64().to_string());
        let id = a.id();
        assert_eq!(a.await.unwrap(), id);
        assert!(curio::try_current_task().is_some());
    });
    assert!(curio::try_current_task().is_none());
}

#[test]
fn panics_kill_only_their_task() {
    // Keep the 5,000 expected panic messages out of the test output.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let expected = info
            .payload()
            .downcast_ref::<String>()
            .is_some_and(|m| m.ends_with(" failed"));
        if !expected {
            default_hook(info);
        }
    }));
    for workers in FLAVOURS {
        let rt = runtime(workers, "panics");
        rt.run(async move {
            let mut tasks = Vec::new();
            for i in 0..10_000u32 {
                tasks.push(curio::spawn(async move {
                    if i % 2 == 0 {
                        panic!("task {i} failed");
                    }
                    i
                }));
            }
            let mut panicked = 0;
            for t in tasks {
                match t.await {
                    Ok(i) => assert_eq!(i % 2, 1),
                    Err(e) => {
                        assert!(e.is_panic() && !e.is_cancelled());
                        assert!(e.to_string().contains("failed"), "{e}");
                        panicked += 1;
                    }
                }
            }
            assert_eq!(panicked, 5_000);
            // Every worker still runs tasks.
            let names: Vec<_> = (0..8 * workers)
                .map(|_| curio::spawn(async { std::thread::current().name().map(str::to_owned) }))
                .collect();
            for n in names {
                assert!(n.await.unwrap().unwrap().starts_with("panics-"));
            }
        });
    }
}

#[test]
fn a_million_tasks_each_run_exactly_once() {
    const SPAWNERS: usize = 100;
    const PER: usize = 10_000;
    let seen: Arc<Vec<AtomicBool>> = Arc::new(
        (0..SPAWNERS * PER)
            .map(|_| AtomicBool::new(false))
            .collect(),
    );
    let ran = Arc::new(AtomicUsize::new(0));
    let (s, r) = (seen.clone(), ran.clone());
    runtime(4, "million").run(async move {
        let spawners: Vec<_> = (0..SPAWNERS)
            .map(|k| {
                let (s, r) = (s.clone(), r.clone());
                curio::spawn(async move {
                    let kids: Vec<_> = (0..PER)
                        .map(|j| {
                            let (s, r) = (s.clone(), r.clone());
                            curio::spawn(async move {
                                assert!(!s[k * PER + j].swap(true, SeqCst), "task ran twice");
                                r.fetch_add(1, SeqCst);
                            })
                        })
                        .collect();
                    for kid in kids {
                        kid.await.unwrap();
                    }
                })
            })
            .collect();
        for s in spawners {
            s.await.unwrap();
        }
    });
    assert_eq!(ran.load(SeqCst), SPAWNERS * PER);
    assert!(seen.iter().all(|b| b.load(SeqCst)));
}

/// A future completed from another thread through a stored waker.
#[derive(Default)]
struct Remote {
    done: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Remote {
    fn complete(&self) {
        self.done.store(true, SeqCst);
        if let Some(w) = self.waker.lock().unwrap().take() {
            w.wake();
        }
    }
}

struct WaitRemote(Arc<Remote>);

impl Future for WaitRemote {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        *self.0.waker.lock().unwrap() = Some(cx.waker().clone());
        if self.0.done.load(SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[test]
fn wakes_from_foreign_threads_are_never_lost() {
    for workers in FLAVOURS {
        runtime(workers, "foreign").run(async {
            for _ in 0..200 {
                let remotes: Vec<Arc<Remote>> = (0..8).map(|_| Arc::default()).collect();
                let tasks: Vec<_> = remotes
                    .iter()
                    .map(|r| curio::spawn(WaitRemote(r.clone())))
                    .collect();
                let rs = remotes.clone();
                let thread = std::thread::spawn(move || rs.iter().for_each(|r| r.complete()));
                for t in tasks {
                    t.await.unwrap();
                }
                thread.join().unwrap();
            }
        });
    }
}

#[test]
fn double_wakes_and_wakes_after_completion_are_harmless() {
    curio::run(async {
        let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
        let s = slot.clone();
        let polls = Arc::new(AtomicUsize::new(0));
        let p = polls.clone();
        let task = curio::spawn(std::future::poll_fn(move |cx| {
            *s.lock().unwrap() = Some(cx.waker().clone());
            if p.fetch_add(1, SeqCst) == 0 {
                cx.waker().wake_by_ref();
                cx.waker().wake_by_ref();
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        }));
        task.await.unwrap();
        let waker = slot.lock().unwrap().take().unwrap();
        waker.wake_by_ref();
        let twin = waker.clone();
        twin.wake();
        waker.wake();
        curio::yield_now().await;
        assert_eq!(polls.load(SeqCst), 2);
    });
}

#[test]
fn spawn_from_a_plain_thread_through_a_handle() {
    let rt = runtime(2, "remote");
    let handle = rt.handle().clone();
    let total = std::thread::spawn(move || {
        let tasks: Vec<_> = (0..1000u64)
            .map(|i| handle.spawn(async move { i }))
            .collect();
        handle.block_on(async move {
            let mut sum = 0;
            for t in tasks {
                sum += t.await.unwrap();
            }
            sum
        })
    })
    .join()
    .unwrap();
    assert_eq!(total, 999 * 1000 / 2);
}

#[test]
fn nested_block_on_is_refused_with_a_clear_panic() {
    curio::run(async {
        let handle = curio::Handle::current();
        let err = curio::spawn(async move { handle.block_on(async { 1 }) })
            .await
            .unwrap_err();
        assert!(err.is_panic());
        assert!(
            err.to_string()
                .contains("cannot block_on inside a curio task"),
            "{err}"
        );
    });
}

#[test]
fn dropping_a_task_handle_detaches_it() {
    let (tx, rx) = std::sync::mpsc::channel();
    curio::run(async move {
        drop(curio::spawn(async move {
            curio::yield_now().await;
            tx.send(5).unwrap();
        }));
        let got = curio::run_in_thread(move || rx.recv().unwrap()).await;
        assert_eq!(got, 5);
    });
}

#[test]
fn handle_current_outside_a_runtime() {
    assert!(curio::Handle::try_current().is_none());
    curio::run(async {
        assert!(curio::Handle::try_current().is_some());
        let inner = curio::run_in_thread(|| curio::Handle::try_current().is_some()).await;
        assert!(inner, "blocking threads belong to the runtime");
    });
}

#[test]
fn a_hot_task_cannot_starve_its_worker() {
    // On one worker, a task that keeps finding work ready is made to yield
    // by the cooperative budget, so the other task gets to run.
    let done = runtime(1, "coop").run(async {
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        let hot = curio::spawn(async move {
            for _ in 0..10_000_000u64 {
                if f.load(SeqCst) {
                    return true;
                }
                curio::task::consume_budget().await;
            }
            false
        });
        let other = curio::spawn(async move { flag.store(true, SeqCst) });
        other.await.unwrap();
        hot.await.unwrap()
    });
    assert!(
        done,
        "the hot task saw the other task's write before its bound"
    );
}
