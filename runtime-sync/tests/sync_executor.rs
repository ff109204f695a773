//! The primitives under `futures::executor` with several OS threads: no
//! curio runtime involved, so these check that the crate is executor-agnostic.

use futures::executor::{block_on, ThreadPool};
use futures::task::SpawnExt;
use runtime_sync::{
    Barrier, BoundedSemaphore, Condition, Event, Lock, PriorityQueue, Queue, RwLock, Semaphore,
    UniversalEvent, UniversalQueue,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A pool of four OS threads.
fn pool() -> ThreadPool {
    ThreadPool::builder()
        .pool_size(4)
        .create()
        .expect("thread pool")
}

#[test]
fn lock_counts_exactly_under_contention() {
    let pool = pool();
    let lock = Arc::new(Lock::new(0u64));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let lock = lock.clone();
            pool.spawn_with_handle(async move {
                for _ in 0..1_000 {
                    *lock.lock().await += 1;
                }
            })
            .expect("spawn")
        })
        .collect();
    for h in handles {
        block_on(h);
    }
    assert_eq!(*block_on(lock.lock()), 8_000);
}

#[test]
fn semaphore_never_exceeds_its_permits() {
    let pool = pool();
    let sem = Arc::new(Semaphore::new(3));
    let inside = Arc::new(AtomicUsize::new(0));
    let max = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..16)
        .map(|_| {
            let (sem, inside, max) = (sem.clone(), inside.clone(), max.clone());
            pool.spawn_with_handle(async move {
                for _ in 0..200 {
                    let _p = sem.acquire().await;
                    let n = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    max.fetch_max(n, Ordering::SeqCst);
                    inside.fetch_sub(1, Ordering::SeqCst);
                }
            })
            .expect("spawn")
        })
        .collect();
    for h in handles {
        block_on(h);
    }
    assert!(max.load(Ordering::SeqCst) <= 3);
    assert_eq!(sem.available(), 3);
}

#[test]
fn bounded_semaphore_round_trip_across_threads() {
    let sem = Arc::new(BoundedSemaphore::new(1));
    block_on(sem.acquire()).forget();
    let s = sem.clone();
    std::thread::spawn(move || s.release().expect("below bound"))
        .join()
        .expect("thread");
    assert!(sem.release().is_err());
}

#[test]
fn queue_many_producers_one_consumer_loses_nothing() {
    let pool = pool();
    let q = Arc::new(Queue::new(16));
    for p in 0..4u64 {
        let q = q.clone();
        pool.spawn(async move {
            for i in 0..1_000u64 {
                q.put(p * 1_000 + i).await;
            }
        })
        .expect("spawn");
    }
    let sum: u64 = block_on(async {
        let mut sum = 0;
        for _ in 0..4_000 {
            sum += q.get().await;
            q.task_done().expect("one per item");
        }
        q.join().await;
        sum
    });
    assert_eq!(sum, (0..4_000u64).sum());
}

#[test]
fn priority_queue_across_threads() {
    let q = Arc::new(PriorityQueue::new(0));
    let q1 = q.clone();
    std::thread::spawn(move || {
        for p in [5, 3, 9, 1] {
            block_on(q1.put(p));
        }
    })
    .join()
    .expect("producer");
    let got: Vec<i32> = (0..4).map(|_| block_on(q.get())).collect();
    assert_eq!(got, [1, 3, 5, 9]);
}

#[test]
fn event_releases_every_waiter() {
    let pool = pool();
    let ev = Arc::new(Event::new());
    let done = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..32)
        .map(|_| {
            let (ev, done) = (ev.clone(), done.clone());
            pool.spawn_with_handle(async move {
                ev.wait().await;
                done.fetch_add(1, Ordering::SeqCst);
            })
            .expect("spawn")
        })
        .collect();
    ev.set();
    for h in handles {
        block_on(h);
    }
    assert_eq!(done.load(Ordering::SeqCst), 32);
}

#[test]
fn condition_producer_consumer() {
    let pool = pool();
    let state = Arc::new((Lock::new(Vec::<u32>::new()), Condition::new()));
    let consumer = {
        let state = state.clone();
        pool.spawn_with_handle(async move {
            let (lock, cond) = &*state;
            let mut got = 0;
            while got < 100 {
                let mut g = cond.wait_while(lock.lock().await, |v| v.is_empty()).await;
                got += g.drain(..).count();
            }
            got
        })
        .expect("spawn")
    };
    block_on(async {
        let (lock, cond) = &*state;
        for i in 0..100 {
            lock.lock().await.push(i);
            cond.notify(1);
        }
    });
    assert_eq!(block_on(consumer), 100);
}

#[test]
fn rwlock_readers_and_writers() {
    let pool = pool();
    let lock = Arc::new(RwLock::new(0u32));
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let lock = lock.clone();
            pool.spawn_with_handle(async move {
                for _ in 0..200 {
                    if i % 2 == 0 {
                        *lock.write().await += 1;
                    } else {
                        let v = *lock.read().await;
                        assert!(v <= 800);
                    }
                }
            })
            .expect("spawn")
        })
        .collect();
    for h in handles {
        block_on(h);
    }
    assert_eq!(*block_on(lock.read()), 800);
}

#[test]
fn barrier_has_one_leader_per_round() {
    let pool = pool();
    let barrier = Arc::new(Barrier::new(4));
    let leaders = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (barrier, leaders) = (barrier.clone(), leaders.clone());
            pool.spawn_with_handle(async move {
                for _ in 0..10 {
                    if barrier.wait().await.is_leader() {
                        leaders.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
            .expect("spawn")
        })
        .collect();
    for h in handles {
        block_on(h);
    }
    assert_eq!(leaders.load(Ordering::SeqCst), 10);
}

#[test]
fn universal_queue_threads_and_tasks_together() {
    let pool = pool();
    let q = Arc::new(UniversalQueue::new(4));
    let threads: Vec<_> = (0..3)
        .map(|t| {
            let q = q.clone();
            std::thread::spawn(move || {
                for i in 0..300 {
                    q.put_blocking(t * 300 + i);
                }
            })
        })
        .collect();
    let consumer = {
        let q = q.clone();
        pool.spawn_with_handle(async move {
            let mut sum = 0;
            for _ in 0..900 {
                sum += q.get().await;
            }
            sum
        })
        .expect("spawn")
    };
    for t in threads {
        t.join().expect("producer");
    }
    assert_eq!(block_on(consumer), (0..900).sum::<i32>());
}

#[test]
fn universal_event_from_thread_to_task_and_back() {
    let pool = pool();
    let there = Arc::new(UniversalEvent::new());
    let back = Arc::new(UniversalEvent::new());
    let task = {
        let (there, back) = (there.clone(), back.clone());
        pool.spawn_with_handle(async move {
            there.wait().await;
            back.set();
        })
        .expect("spawn")
    };
    there.set();
    back.wait_blocking();
    block_on(task);
}

/// Returns `Pending` once (waking itself), then `Ready`.
struct YieldNow(bool);

impl std::future::Future for YieldNow {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            return std::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

#[test]
fn cancelled_getters_lose_no_item_across_threads() {
    use futures::future::{select, Either};
    let pool = pool();
    let q = Arc::new(Queue::new(8));
    let total = 4_000usize;
    let received = Arc::new(AtomicUsize::new(0));
    let sum = Arc::new(AtomicUsize::new(0));
    // Each consumer races a get against a yield, so most gets are queued
    // and then cancelled, often just as an item is handed to them.
    let consumers: Vec<_> = (0..4)
        .map(|_| {
            let (q, received, sum) = (q.clone(), received.clone(), sum.clone());
            pool.spawn_with_handle(async move {
                while received.load(Ordering::SeqCst) < total {
                    if let Either::Left((v, _)) = select(q.get(), YieldNow(false)).await {
                        sum.fetch_add(v, Ordering::SeqCst);
                        received.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
            .expect("spawn")
        })
        .collect();
    block_on(async {
        for i in 0..total {
            q.put(i).await;
        }
    });
    for c in consumers {
        block_on(c);
    }
    assert_eq!(received.load(Ordering::SeqCst), total);
    assert_eq!(sum.load(Ordering::SeqCst), (0..total).sum::<usize>());
    assert!(q.is_empty());
}

#[test]
fn cancelled_acquirers_lose_no_permit_across_threads() {
    use futures::future::{select, Either};
    let pool = pool();
    let sem = Arc::new(Semaphore::new(2));
    let handles: Vec<_> = (0..6)
        .map(|_| {
            let sem = sem.clone();
            pool.spawn_with_handle(async move {
                let mut got = 0;
                while got < 200 {
                    if let Either::Left((p, _)) = select(sem.acquire(), YieldNow(false)).await {
                        got += 1;
                        drop(p);
                    }
                }
            })
            .expect("spawn")
        })
        .collect();
    for h in handles {
        block_on(h);
    }
    assert_eq!(sem.available(), 2);
}
