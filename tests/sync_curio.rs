//! curio's primitives on curio's runtime: contention across workers, queues
//! between tasks and threads, timeouts around waits, and the wait states the
//! monitor shows.

mod support;

use curio::introspect::TaskState;
use curio::{Event, Lock, Queue, Semaphore, UniversalQueue};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use support::{runtime, wait_until, FLAVOURS};

#[test]
fn a_contended_lock_counts_exactly() {
    for workers in FLAVOURS {
        let total = runtime(workers, "lock").run(async {
            let lock = Arc::new(Lock::new(0u64));
            let tasks: Vec<_> = (0..8)
                .map(|_| {
                    let lock = lock.clone();
                    curio::spawn(async move {
                        for _ in 0..1_000 {
                            *lock.lock().await += 1;
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            let v = *lock.lock().await;
            v
        });
        assert_eq!(total, 8_000);
    }
}

#[test]
fn a_bounded_queue_carries_every_item_in_order() {
    for workers in FLAVOURS {
        runtime(workers, "queue").run(async {
            let q = Arc::new(Queue::new(4));
            let producer = {
                let q = q.clone();
                curio::spawn(async move {
                    for i in 0..10_000u32 {
                        q.put(i).await;
                    }
                })
            };
            for i in 0..10_000u32 {
                assert_eq!(q.get().await, i);
            }
            producer.await.unwrap();
        });
    }
}

#[test]
fn a_universal_queue_between_threads_and_tasks() {
    runtime(2, "universal").run(async {
        let q = Arc::new(UniversalQueue::new(8));
        let back = Arc::new(UniversalQueue::new(0));
        let (q2, back2) = (q.clone(), back.clone());
        let thread = std::thread::spawn(move || {
            let mut sum = 0u64;
            for _ in 0..1_000 {
                sum += q2.get_blocking();
            }
            back2.put_blocking(sum);
        });
        for i in 0..1_000u64 {
            q.put(i).await;
        }
        assert_eq!(back.get().await, 999 * 1_000 / 2);
        curio::run_in_thread(move || thread.join().unwrap()).await;
    });
}

#[test]
fn event_fan_out_wakes_every_waiter() {
    runtime(4, "event").run(async {
        let ev = Arc::new(Event::new());
        let woke = Arc::new(AtomicUsize::new(0));
        let waiters: Vec<_> = (0..1_000)
            .map(|_| {
                let (ev, woke) = (ev.clone(), woke.clone());
                curio::spawn(async move {
                    ev.wait().await;
                    woke.fetch_add(1, SeqCst);
                })
            })
            .collect();
        curio::yield_now().await;
        ev.set();
        for w in waiters {
            w.await.unwrap();
        }
        assert_eq!(woke.load(SeqCst), 1_000);
    });
}

#[test]
fn a_semaphore_wait_composes_with_timeouts_and_cancel() {
    runtime(2, "sema").run(async {
        let sema = Arc::new(Semaphore::new(1));
        let held = sema.acquire().await;
        // A timed-out waiter takes nothing...
        let res = curio::timeout_after(Duration::from_millis(20), sema.acquire()).await;
        assert!(res.is_err());
        // ...and a cancelled one neither.
        let s = sema.clone();
        let mut waiter = curio::spawn(async move {
            let _p = s.acquire().await;
        });
        curio::yield_now().await;
        assert!(waiter.cancel().await);
        drop(held);
        assert_eq!(sema.available(), 1);
        let _again = sema.acquire().await;
    });
}

#[test]
fn the_monitor_sees_each_primitive_wait_state() {
    let rt = runtime(2, "states");
    let ev = Arc::new(Event::new());
    let lock = Arc::new(Lock::new(()));
    let q: Arc<Queue<u8>> = Arc::new(Queue::new(1));
    let sema = Arc::new(Semaphore::new(0));
    let guard = rt.block_on({
        let lock = lock.clone();
        async move { lock.lock_owned().await }
    });
    q.try_put(1).unwrap();
    let tasks = vec![
        (
            "event",
            rt.spawn({
                let ev = ev.clone();
                async move { ev.wait().await }
            }),
        ),
        (
            "lock",
            rt.spawn({
                let lock = lock.clone();
                async move { drop(lock.lock().await) }
            }),
        ),
        (
            "put",
            rt.spawn({
                let q = q.clone();
                async move { q.put(2).await }
            }),
        ),
        (
            "sema",
            rt.spawn({
                let sema = sema.clone();
                async move { drop(sema.acquire().await) }
            }),
        ),
    ];
    let expect = [
        TaskState::EventWait,
        TaskState::LockAcquire,
        TaskState::QueuePut,
        TaskState::SemaAcquire,
    ];
    wait_until(Duration::from_secs(10), "every task to wait", || {
        let infos = rt.handle().tasks();
        tasks.iter().zip(expect).all(|((_, t), state)| {
            infos
                .iter()
                .any(|i| i.id == t.id() && i.state == state && i.waiting_at.is_some())
        })
    });
    let infos = rt.handle().tasks();
    for (_, t) in &tasks {
        let info = infos.iter().find(|i| i.id == t.id()).unwrap();
        assert_eq!(info.waiting_at.unwrap().file(), "tests/sync_curio.rs");
    }
    ev.set();
    drop(guard);
    let _ = q.try_get();
    sema.add_permits(1);
    for (_, t) in tasks {
        rt.block_on(t).unwrap();
    }
}
