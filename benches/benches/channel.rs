//! Measures curio's channels (`curio::sync::{mpsc, oneshot, broadcast, watch}`) against tokio's channels, async-channel and async-broadcast: throughput, round trips, fan-out, updates.
//!
//! Ids of a group, each with the identical workload on a fixed 2-worker
//! runtime:
//!
//! - `curio`: curio's channels on curio's runtime;
//! - `curio_on_tokio`: curio's channels on tokio's runtime (only the channel
//!   differs from the `tokio` id, so this isolates the channel's cost);
//! - `tokio`: tokio's channels on tokio's runtime;
//! - `async_channel` / `async_broadcast`: those crates on tokio's runtime.
//!
//! A "driver" future runs as a task on every side (curio's `block_on`
//! spawns it; on tokio it is spawned and its `JoinHandle` blocked on).

use criterion::{criterion_group, criterion_main, Criterion};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// Worker threads of every runtime.
const WORKERS: usize = 2;
/// Items per iteration in the mpsc throughput groups.
const ITEMS: usize = 200_000;
/// Capacity of the bounded mpsc channels.
const CAPACITY: usize = 1_024;
/// Producers of the 8→1 groups.
const PRODUCERS: usize = 8;
/// Round trips per iteration in the oneshot groups.
const ROUND_TRIPS: usize = 10_000;
/// Receivers of the broadcast fan-out.
const FAN_OUT: usize = 100;
/// Values broadcast per iteration (the capacity too, so nobody lags or waits).
const BROADCASTS: usize = 1_000;
/// Updates per iteration in the watch group.
const UPDATES: usize = 100_000;
/// Receivers of the watch group.
const WATCHERS: usize = 4;

/// A boxed join future.
type Join = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What a workload needs from a runtime.
trait Rt {
    /// Runs `fut` as a task and blocks the bench thread until it finishes.
    fn run<F: Future<Output = ()> + Send + 'static>(&self, fut: F);
    /// From inside a task: spawns `fut` on the current runtime; the result waits for it.
    fn spawn<F: Future<Output = ()> + Send + 'static>(fut: F) -> Join;
}

impl Rt for curio::Runtime {
    fn run<F: Future<Output = ()> + Send + 'static>(&self, fut: F) {
        self.block_on(fut);
    }
    fn spawn<F: Future<Output = ()> + Send + 'static>(fut: F) -> Join {
        let t = curio::spawn(fut);
        Box::pin(async move { t.await.expect("bench task") })
    }
}

impl Rt for tokio::runtime::Runtime {
    fn run<F: Future<Output = ()> + Send + 'static>(&self, fut: F) {
        self.block_on(self.spawn(fut)).expect("bench task");
    }
    fn spawn<F: Future<Output = ()> + Send + 'static>(fut: F) -> Join {
        let t = tokio::spawn(fut);
        Box::pin(async move { t.await.expect("bench task") })
    }
}

/// Waits for every spawned task.
async fn join_all(tasks: Vec<Join>) {
    for t in tasks {
        t.await;
    }
}

/// `producers` tasks send `ITEMS` in all through curio's mpsc; the driver receives.
fn mpsc_curio<R: Rt>(rt: &R, producers: usize, bounded: bool) {
    rt.run(async move {
        let (tx, mut rx) = if bounded {
            curio::sync::mpsc::channel(CAPACITY)
        } else {
            curio::sync::mpsc::unbounded()
        };
        let tasks: Vec<_> = (0..producers)
            .map(|_| {
                let tx = tx.clone();
                R::spawn(async move {
                    for i in 0..ITEMS / producers {
                        tx.send(i).await.expect("receiver alive");
                    }
                })
            })
            .collect();
        drop(tx);
        let mut n = 0;
        while rx.recv().await.is_some() {
            n += 1;
        }
        assert_eq!(n, ITEMS / producers * producers);
        join_all(tasks).await;
    });
}

/// As [`mpsc_curio`] with tokio's mpsc (`channel` or `unbounded_channel`).
fn mpsc_tokio<R: Rt>(rt: &R, producers: usize, bounded: bool) {
    rt.run(async move {
        let tasks: Vec<_>;
        let mut n = 0;
        if bounded {
            let (tx, mut rx) = tokio::sync::mpsc::channel(CAPACITY);
            tasks = (0..producers)
                .map(|_| {
                    let tx = tx.clone();
                    R::spawn(async move {
                        for i in 0..ITEMS / producers {
                            tx.send(i).await.expect("receiver alive");
                        }
                    })
                })
                .collect();
            drop(tx);
            while rx.recv().await.is_some() {
                n += 1;
            }
        } else {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            tasks = (0..producers)
                .map(|_| {
                    let tx = tx.clone();
                    R::spawn(async move {
                        for i in 0..ITEMS / producers {
                            tx.send(i).expect("receiver alive");
                        }
                    })
                })
                .collect();
            drop(tx);
            while rx.recv().await.is_some() {
                n += 1;
            }
        }
        assert_eq!(n, ITEMS / producers * producers);
        join_all(tasks).await;
    });
}

/// As [`mpsc_curio`] with async-channel.
fn mpsc_async_channel<R: Rt>(rt: &R, producers: usize, bounded: bool) {
    rt.run(async move {
        let (tx, rx) = if bounded {
            async_channel::bounded(CAPACITY)
        } else {
            async_channel::unbounded()
        };
        let tasks: Vec<_> = (0..producers)
            .map(|_| {
                let tx = tx.clone();
                R::spawn(async move {
                    for i in 0..ITEMS / producers {
                        tx.send(i).await.expect("receiver alive");
                    }
                })
            })
            .collect();
        drop(tx);
        let mut n = 0;
        while rx.recv().await.is_ok() {
            n += 1;
        }
        assert_eq!(n, ITEMS / producers * producers);
        join_all(tasks).await;
    });
}

/// One mpsc group: every contender on its runtime.
fn mpsc_group(c: &mut Criterion, rts: &Runtimes, name: &str, producers: usize, bounded: bool) {
    let mut g = c.benchmark_group(name);
    g.bench_function("curio", |b| {
        b.iter(|| mpsc_curio(&rts.curio, producers, bounded))
    });
    g.bench_function("curio_on_tokio", |b| {
        b.iter(|| mpsc_curio(&rts.tokio, producers, bounded))
    });
    g.bench_function("tokio", |b| {
        b.iter(|| mpsc_tokio(&rts.tokio, producers, bounded))
    });
    g.bench_function("async_channel", |b| {
        b.iter(|| mpsc_async_channel(&rts.tokio, producers, bounded))
    });
    g.finish();
}

/// Request/response: the driver sends a reply sender to a responder task,
/// which answers through it; `ROUND_TRIPS` times, with curio's channels.
fn oneshot_curio<R: Rt>(rt: &R) {
    rt.run(async {
        use curio::sync::{mpsc, oneshot};
        let (req_tx, mut req_rx) = mpsc::channel::<oneshot::Sender<usize>>(1);
        let responder = R::spawn(async move {
            let mut i = 0;
            while let Some(reply) = req_rx.recv().await {
                let _ = reply.send(i);
                i += 1;
            }
        });
        for i in 0..ROUND_TRIPS {
            let (tx, rx) = oneshot::channel();
            req_tx.send(tx).await.expect("responder alive");
            assert_eq!(rx.await, Ok(i));
        }
        drop(req_tx);
        responder.await;
    });
}

/// As [`oneshot_curio`] with tokio's mpsc and oneshot.
fn oneshot_tokio<R: Rt>(rt: &R) {
    rt.run(async {
        use tokio::sync::{mpsc, oneshot};
        let (req_tx, mut req_rx) = mpsc::channel::<oneshot::Sender<usize>>(1);
        let responder = R::spawn(async move {
            let mut i = 0;
            while let Some(reply) = req_rx.recv().await {
                let _ = reply.send(i);
                i += 1;
            }
        });
        for i in 0..ROUND_TRIPS {
            let (tx, rx) = oneshot::channel();
            req_tx.send(tx).await.expect("responder alive");
            assert_eq!(rx.await, Ok(i));
        }
        drop(req_tx);
        responder.await;
    });
}

/// As [`oneshot_curio`] with async-channel, `bounded(1)` standing in for a oneshot.
fn oneshot_async_channel<R: Rt>(rt: &R) {
    rt.run(async {
        let (req_tx, req_rx) = async_channel::bounded::<async_channel::Sender<usize>>(1);
        let responder = R::spawn(async move {
            let mut i = 0;
            while let Ok(reply) = req_rx.recv().await {
                let _ = reply.send(i).await;
                i += 1;
            }
        });
        for i in 0..ROUND_TRIPS {
            let (tx, rx) = async_channel::bounded(1);
            req_tx.send(tx).await.expect("responder alive");
            assert_eq!(rx.recv().await, Ok(i));
        }
        drop(req_tx);
        responder.await;
    });
}

/// A oneshot created, sent and received on one task, `ROUND_TRIPS` times:
/// the channel's own cost, with no wake-up.
fn oneshot_local(c: &mut Criterion, rts: &Runtimes) {
    let mut g = c.benchmark_group("oneshot_create_send_recv");
    fn curio_side<R: Rt>(rt: &R) {
        rt.run(async {
            for i in 0..ROUND_TRIPS {
                let (tx, rx) = curio::sync::oneshot::channel();
                tx.send(i).expect("receiver alive");
                assert_eq!(rx.await, Ok(i));
            }
        })
    }
    g.bench_function("curio", |b| b.iter(|| curio_side(&rts.curio)));
    g.bench_function("curio_on_tokio", |b| b.iter(|| curio_side(&rts.tokio)));
    g.bench_function("tokio", |b| {
        b.iter(|| {
            rts.tokio.run(async {
                for i in 0..ROUND_TRIPS {
                    let (tx, rx) = tokio::sync::oneshot::channel();
                    tx.send(i).expect("receiver alive");
                    assert_eq!(rx.await, Ok(i));
                }
            })
        })
    });
    g.bench_function("async_channel", |b| {
        b.iter(|| {
            rts.tokio.run(async {
                for i in 0..ROUND_TRIPS {
                    let (tx, rx) = async_channel::bounded(1);
                    tx.try_send(i).expect("receiver alive");
                    assert_eq!(rx.recv().await, Ok(i));
                }
            })
        })
    });
    g.finish();
}

/// The oneshot round-trip group.
fn oneshot_group(c: &mut Criterion, rts: &Runtimes) {
    let mut g = c.benchmark_group("oneshot_round_trip");
    g.bench_function("curio", |b| b.iter(|| oneshot_curio(&rts.curio)));
    g.bench_function("curio_on_tokio", |b| b.iter(|| oneshot_curio(&rts.tokio)));
    g.bench_function("tokio", |b| b.iter(|| oneshot_tokio(&rts.tokio)));
    g.bench_function("async_channel", |b| {
        b.iter(|| oneshot_async_channel(&rts.tokio))
    });
    g.finish();
}

/// `FAN_OUT` receiver tasks each receive all `BROADCASTS` values of curio's broadcast.
fn broadcast_curio<R: Rt>(rt: &R) {
    rt.run(async {
        let (tx, rx) = curio::sync::broadcast::channel(BROADCASTS);
        let tasks: Vec<_> = (0..FAN_OUT)
            .map(|_| {
                let mut rx = rx.resubscribe();
                R::spawn(async move {
                    let mut n = 0;
                    while rx.recv().await.is_ok() {
                        n += 1;
                    }
                    assert_eq!(n, BROADCASTS);
                })
            })
            .collect();
        drop(rx);
        for i in 0..BROADCASTS {
            tx.send(i).expect("receivers alive");
        }
        drop(tx);
        join_all(tasks).await;
    });
}

/// As [`broadcast_curio`] with tokio's broadcast.
fn broadcast_tokio<R: Rt>(rt: &R) {
    rt.run(async {
        let (tx, rx) = tokio::sync::broadcast::channel(BROADCASTS);
        let tasks: Vec<_> = (0..FAN_OUT)
            .map(|_| {
                let mut rx = rx.resubscribe();
                R::spawn(async move {
                    let mut n = 0;
                    while rx.recv().await.is_ok() {
                        n += 1;
                    }
                    assert_eq!(n, BROADCASTS);
                })
            })
            .collect();
        drop(rx);
        for i in 0..BROADCASTS {
            tx.send(i).expect("receivers alive");
        }
        drop(tx);
        join_all(tasks).await;
    });
}

/// As [`broadcast_curio`] with async-broadcast (capacity `BROADCASTS`, so its
/// sender never waits either).
fn broadcast_async<R: Rt>(rt: &R) {
    rt.run(async {
        let (tx, rx) = async_broadcast::broadcast(BROADCASTS);
        let tasks: Vec<_> = (0..FAN_OUT)
            .map(|_| {
                let mut rx = rx.clone();
                R::spawn(async move {
                    let mut n = 0;
                    while rx.recv().await.is_ok() {
                        n += 1;
                    }
                    assert_eq!(n, BROADCASTS);
                })
            })
            .collect();
        drop(rx);
        for i in 0..BROADCASTS {
            tx.broadcast(i).await.expect("receivers alive");
        }
        drop(tx);
        join_all(tasks).await;
    });
}

/// The broadcast fan-out group.
fn broadcast_group(c: &mut Criterion, rts: &Runtimes) {
    let mut g = c.benchmark_group("broadcast_fan_out_100");
    g.bench_function("curio", |b| b.iter(|| broadcast_curio(&rts.curio)));
    g.bench_function("curio_on_tokio", |b| b.iter(|| broadcast_curio(&rts.tokio)));
    g.bench_function("tokio", |b| b.iter(|| broadcast_tokio(&rts.tokio)));
    g.bench_function("async_broadcast", |b| {
        b.iter(|| broadcast_async(&rts.tokio))
    });
    g.finish();
}

/// One sender makes `UPDATES` updates to curio's watch; `WATCHERS` tasks
/// follow until they see the last one.
fn watch_curio<R: Rt>(rt: &R) {
    rt.run(async {
        let (tx, rx) = curio::sync::watch::channel(0usize);
        let tasks: Vec<_> = (0..WATCHERS)
            .map(|_| {
                let mut rx = rx.clone();
                R::spawn(async move {
                    while *rx.borrow_and_update() != UPDATES {
                        rx.changed().await.expect("sender alive");
                    }
                })
            })
            .collect();
        for i in 1..=UPDATES {
            tx.send(i).expect("receivers alive");
        }
        join_all(tasks).await;
        drop(rx);
    });
}

/// As [`watch_curio`] with tokio's watch.
fn watch_tokio<R: Rt>(rt: &R) {
    rt.run(async {
        let (tx, rx) = tokio::sync::watch::channel(0usize);
        let tasks: Vec<_> = (0..WATCHERS)
            .map(|_| {
                let mut rx = rx.clone();
                R::spawn(async move {
                    while *rx.borrow_and_update() != UPDATES {
                        rx.changed().await.expect("sender alive");
                    }
                })
            })
            .collect();
        for i in 1..=UPDATES {
            tx.send(i).expect("receivers alive");
        }
        join_all(tasks).await;
        drop(rx);
    });
}

/// The watch group (async-channel and async-broadcast have no watch).
fn watch_group(c: &mut Criterion, rts: &Runtimes) {
    let mut g = c.benchmark_group("watch_updates");
    g.bench_function("curio", |b| b.iter(|| watch_curio(&rts.curio)));
    g.bench_function("curio_on_tokio", |b| b.iter(|| watch_curio(&rts.tokio)));
    g.bench_function("tokio", |b| b.iter(|| watch_tokio(&rts.tokio)));
    g.finish();
}

/// Both runtimes, built once outside the timing loops.
struct Runtimes {
    /// curio, `WORKERS` workers.
    curio: curio::Runtime,
    /// tokio multi-thread, `WORKERS` workers.
    tokio: tokio::runtime::Runtime,
}

fn benches(c: &mut Criterion) {
    let rts = Runtimes {
        curio: curio::Runtime::builder()
            .workers(WORKERS)
            .build()
            .expect("curio runtime"),
        tokio: tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .build()
            .expect("tokio runtime"),
    };
    mpsc_group(c, &rts, "mpsc_bounded_1_to_1", 1, true);
    mpsc_group(c, &rts, "mpsc_bounded_8_to_1", PRODUCERS, true);
    mpsc_group(c, &rts, "mpsc_unbounded_1_to_1", 1, false);
    mpsc_group(c, &rts, "mpsc_unbounded_8_to_1", PRODUCERS, false);
    oneshot_group(c, &rts);
    oneshot_local(c, &rts);
    broadcast_group(c, &rts);
    watch_group(c, &rts);
}

criterion_group! {
    name = channel;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(channel);
