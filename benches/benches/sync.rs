//! Measures curio's synchronisation primitives (runtime-sync) against tokio::sync and async-lock/async-channel, all on one 2-worker tokio runtime.
//!
//! Only the primitive differs between the ids of a group: the executor, the
//! task shapes and the item counts are identical.

use criterion::{criterion_group, criterion_main, Criterion};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::runtime::Runtime;

/// Acquisitions per iteration in the uncontended lock and semaphore benches.
const UNCONTENDED: usize = 10_000;
/// Tasks in the contended lock bench.
const CONTENDERS: usize = 8;
/// Acquisitions per task in the contended lock bench.
const PER_CONTENDER: usize = 10_000;
/// Items per iteration in the queue benches.
const ITEMS: usize = 1_000_000;
/// Queue capacity in the queue benches.
const CAPACITY: usize = 1_024;
/// Producers in the 8→1 queue bench.
const PRODUCERS: usize = 8;
/// Waiters in the event fan-out bench.
const WAITERS: usize = 1_000;

/// The one runtime every bench runs on: tokio, multi-thread, 2 workers.
fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("tokio runtime")
}

/// Runs `fut` as a task on `rt`'s workers and waits for it.
fn run<F>(rt: &Runtime, fut: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    rt.block_on(async move { tokio::spawn(fut).await.expect("bench task") });
}

/// Spawns `n` copies of `make()` and waits for all of them.
async fn join_all<F, Fut>(n: usize, make: F)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(make(i))).collect();
    for h in handles {
        h.await.expect("bench task");
    }
}

fn lock_uncontended(c: &mut Criterion, rt: &Runtime) {
    let mut g = c.benchmark_group("lock_uncontended");
    let curio = Arc::new(curio::sync::Lock::new(0u64));
    g.bench_function("curio", |b| {
        b.iter(|| {
            let l = curio.clone();
            run(rt, async move {
                for _ in 0..UNCONTENDED {
                    *l.lock().await += 1;
                }
            })
        })
    });
    let tokio_m = Arc::new(tokio::sync::Mutex::new(0u64));
    g.bench_function("tokio", |b| {
        b.iter(|| {
            let l = tokio_m.clone();
            run(rt, async move {
                for _ in 0..UNCONTENDED {
                    *l.lock().await += 1;
                }
            })
        })
    });
    let al = Arc::new(async_lock::Mutex::new(0u64));
    g.bench_function("async-lock", |b| {
        b.iter(|| {
            let l = al.clone();
            run(rt, async move {
                for _ in 0..UNCONTENDED {
                    *l.lock().await += 1;
                }
            })
        })
    });
    g.finish();
}

fn lock_contended(c: &mut Criterion, rt: &Runtime) {
    let mut g = c.benchmark_group("lock_contended_8");
    let curio = Arc::new(curio::sync::Lock::new(0u64));
    g.bench_function("curio", |b| {
        b.iter(|| {
            let l = curio.clone();
            run(rt, async move {
                join_all(CONTENDERS, |_| {
                    let l = l.clone();
                    async move {
                        for _ in 0..PER_CONTENDER {
                            *l.lock().await += 1;
                        }
                    }
                })
                .await
            })
        })
    });
    let tokio_m = Arc::new(tokio::sync::Mutex::new(0u64));
    g.bench_function("tokio", |b| {
        b.iter(|| {
            let l = tokio_m.clone();
            run(rt, async move {
                join_all(CONTENDERS, |_| {
                    let l = l.clone();
                    async move {
                        for _ in 0..PER_CONTENDER {
                            *l.lock().await += 1;
                        }
                    }
                })
                .await
            })
        })
    });
    let al = Arc::new(async_lock::Mutex::new(0u64));
    g.bench_function("async-lock", |b| {
        b.iter(|| {
            let l = al.clone();
            run(rt, async move {
                join_all(CONTENDERS, |_| {
                    let l = l.clone();
                    async move {
                        for _ in 0..PER_CONTENDER {
                            *l.lock().await += 1;
                        }
                    }
                })
                .await
            })
        })
    });
    g.finish();
}

fn semaphore(c: &mut Criterion, rt: &Runtime) {
    let mut g = c.benchmark_group("semaphore_acquire_release");
    let curio = Arc::new(curio::sync::Semaphore::new(4));
    g.bench_function("curio", |b| {
        b.iter(|| {
            let s = curio.clone();
            run(rt, async move {
                for _ in 0..UNCONTENDED {
                    drop(s.acquire().await);
                }
            })
        })
    });
    let ts = Arc::new(tokio::sync::Semaphore::new(4));
    g.bench_function("tokio", |b| {
        b.iter(|| {
            let s = ts.clone();
            run(rt, async move {
                for _ in 0..UNCONTENDED {
                    drop(s.acquire().await.expect("open"));
                }
            })
        })
    });
    let als = Arc::new(async_lock::Semaphore::new(4));
    g.bench_function("async-lock", |b| {
        b.iter(|| {
            let s = als.clone();
            run(rt, async move {
                for _ in 0..UNCONTENDED {
                    drop(s.acquire().await);
                }
            })
        })
    });
    g.finish();
}

/// A queue bench with `producers` producers and one consumer of `ITEMS` items.
fn queue(c: &mut Criterion, rt: &Runtime, name: &str, producers: usize) {
    let mut g = c.benchmark_group(name);
    let per = ITEMS / producers;
    g.bench_function("curio", |b| {
        b.iter(|| {
            run(rt, async move {
                let q = Arc::new(curio::sync::Queue::new(CAPACITY));
                let prod = {
                    let q = q.clone();
                    tokio::spawn(async move {
                        join_all(producers, |_| {
                            let q = q.clone();
                            async move {
                                for i in 0..per {
                                    q.put(i).await;
                                }
                            }
                        })
                        .await
                    })
                };
                for _ in 0..per * producers {
                    std::hint::black_box(q.get().await);
                }
                prod.await.expect("producers");
            })
        })
    });
    g.bench_function("tokio", |b| {
        b.iter(|| {
            run(rt, async move {
                let (tx, mut rx) = tokio::sync::mpsc::channel(CAPACITY);
                let prod = tokio::spawn(async move {
                    join_all(producers, |_| {
                        let tx = tx.clone();
                        async move {
                            for i in 0..per {
                                tx.send(i).await.expect("open");
                            }
                        }
                    })
                    .await
                });
                for _ in 0..per * producers {
                    std::hint::black_box(rx.recv().await);
                }
                prod.await.expect("producers");
            })
        })
    });
    g.bench_function("async-channel", |b| {
        b.iter(|| {
            run(rt, async move {
                let (tx, rx) = async_channel::bounded(CAPACITY);
                let prod = tokio::spawn(async move {
                    join_all(producers, |_| {
                        let tx = tx.clone();
                        async move {
                            for i in 0..per {
                                tx.send(i).await.expect("open");
                            }
                        }
                    })
                    .await
                });
                for _ in 0..per * producers {
                    let _ = std::hint::black_box(rx.recv().await);
                }
                prod.await.expect("producers");
            })
        })
    });
    g.finish();
}

fn event_fan_out(c: &mut Criterion, rt: &Runtime) {
    let mut g = c.benchmark_group("event_fan_out_1000");
    g.bench_function("curio", |b| {
        b.iter(|| {
            run(rt, async move {
                let ev = Arc::new(curio::sync::Event::new());
                let ready = Arc::new(AtomicUsize::new(0));
                let handles: Vec<_> = (0..WAITERS)
                    .map(|_| {
                        let (ev, ready) = (ev.clone(), ready.clone());
                        tokio::spawn(async move {
                            let mut w = std::pin::pin!(ev.wait());
                            let first = futures::poll!(w.as_mut());
                            ready.fetch_add(1, Ordering::SeqCst);
                            if first.is_pending() {
                                w.await;
                            }
                        })
                    })
                    .collect();
                while ready.load(Ordering::SeqCst) < WAITERS {
                    tokio::task::yield_now().await;
                }
                ev.set();
                for h in handles {
                    h.await.expect("waiter");
                }
            })
        })
    });
    g.bench_function("tokio", |b| {
        b.iter(|| {
            run(rt, async move {
                let n = Arc::new(tokio::sync::Notify::new());
                let ready = Arc::new(AtomicUsize::new(0));
                let handles: Vec<_> = (0..WAITERS)
                    .map(|_| {
                        let (n, ready) = (n.clone(), ready.clone());
                        tokio::spawn(async move {
                            let mut w = std::pin::pin!(n.notified());
                            w.as_mut().enable();
                            ready.fetch_add(1, Ordering::SeqCst);
                            w.await;
                        })
                    })
                    .collect();
                while ready.load(Ordering::SeqCst) < WAITERS {
                    tokio::task::yield_now().await;
                }
                n.notify_waiters();
                for h in handles {
                    h.await.expect("waiter");
                }
            })
        })
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    let rt = runtime();
    lock_uncontended(c, &rt);
    lock_contended(c, &rt);
    semaphore(c, &rt);
    queue(c, &rt, "queue_1_to_1", 1);
    queue(c, &rt, "queue_8_to_1", PRODUCERS);
    event_fan_out(c, &rt);
}

criterion_group! {
    name = sync;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(sync);
