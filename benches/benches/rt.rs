//! Scheduler throughput of curio against tokio's multi-thread runtime (2 workers): spawning, yielding, wake-ups.
//!
//! Every workload runs on both runtimes in the same run, as the ids `curio`
//! and `tokio` of one group. The runtimes are built once, outside the timing
//! loop, with the same worker count. Both sides use the same synchronisation
//! (`futures::channel::oneshot` and a shared countdown), so only the runtime
//! differs. A "driver" future runs as a task on both sides: curio's
//! `block_on` spawns it, and on tokio it is spawned and its `JoinHandle` is
//! blocked on, since tokio's `block_on` would poll it on the bench thread.

use criterion::{criterion_group, criterion_main, Criterion};
use futures::channel::oneshot;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Worker threads of both runtimes (the cores of the bench machine).
const WORKERS: usize = 2;
/// Tasks spawned by the `spawn_many_*` workloads.
const NUM_SPAWN: usize = 10_000;
/// Yields of each task of `yield_many`.
const NUM_YIELD: usize = 1_000;
/// Tasks per worker in `yield_many`.
const TASKS_PER_WORKER: usize = 2;
/// Rounds of `ping_pong`.
const NUM_PINGS: usize = 1_000;
/// Length of the `chained_spawn` chain.
const CHAIN: usize = 1_000;

/// A countdown whose last decrement fires a oneshot.
struct Latch {
    /// Decrements left.
    left: AtomicUsize,
    /// Fired by the last decrement.
    tx: Mutex<Option<oneshot::Sender<()>>>,
}

impl Latch {
    /// A latch of `n` decrements and the receiver it fires.
    fn new(n: usize) -> (Arc<Latch>, oneshot::Receiver<()>) {
        let (tx, rx) = oneshot::channel();
        let latch = Latch {
            left: AtomicUsize::new(n),
            tx: Mutex::new(Some(tx)),
        };
        (Arc::new(latch), rx)
    }

    /// One decrement; the last one fires the receiver.
    fn count_down(&self) {
        if self.left.fetch_sub(1, Ordering::AcqRel) == 1 {
            let tx = self.tx.lock().unwrap().take().expect("latch fired twice");
            let _ = tx.send(());
        }
    }
}

/// The operations each workload needs from a runtime.
trait Rt {
    /// Runs `fut` as a task and blocks the bench thread until it finishes.
    fn run<F: Future<Output = ()> + Send + 'static>(&self, fut: F);
    /// Spawns from outside the runtime (the bench thread), detached.
    fn spawn_remote<F: Future<Output = ()> + Send + 'static>(&self, fut: F);
}

impl Rt for curio::Runtime {
    fn run<F: Future<Output = ()> + Send + 'static>(&self, fut: F) {
        self.block_on(fut);
    }

    fn spawn_remote<F: Future<Output = ()> + Send + 'static>(&self, fut: F) {
        drop(self.handle().spawn(fut));
    }
}

impl Rt for tokio::runtime::Runtime {
    fn run<F: Future<Output = ()> + Send + 'static>(&self, fut: F) {
        self.block_on(self.spawn(fut)).unwrap();
    }

    fn spawn_remote<F: Future<Output = ()> + Send + 'static>(&self, fut: F) {
        drop(self.handle().spawn(fut));
    }
}

/// Writes each workload once per runtime; `$spawn` spawns from inside a
/// task and `$yield_now` yields.
macro_rules! workloads {
    ($module:ident, $spawn:path, $yield_now:path) => {
        mod $module {
            use super::*;

            /// From inside one task, spawns `NUM_SPAWN` trivial tasks and
            /// waits for all.
            pub fn spawn_many_local(rt: &impl Rt) {
                rt.run(async {
                    let (latch, rx) = Latch::new(NUM_SPAWN);
                    for _ in 0..NUM_SPAWN {
                        let latch = latch.clone();
                        drop($spawn(async move { latch.count_down() }));
                    }
                    rx.await.unwrap();
                });
            }

            /// From the bench thread, spawns `NUM_SPAWN` trivial tasks and
            /// waits for all.
            pub fn spawn_many_remote(rt: &impl Rt) {
                let (latch, rx) = Latch::new(NUM_SPAWN);
                for _ in 0..NUM_SPAWN {
                    let latch = latch.clone();
                    rt.spawn_remote(async move { latch.count_down() });
                }
                futures::executor::block_on(rx).unwrap();
            }

            /// Starts one task per worker that yields until `stop` is set.
            pub fn start_busy(rt: &impl Rt, stop: &Arc<AtomicBool>) {
                for _ in 0..WORKERS {
                    let stop = stop.clone();
                    rt.spawn_remote(async move {
                        while !stop.load(Ordering::Relaxed) {
                            $yield_now().await;
                        }
                    });
                }
            }

            /// `TASKS_PER_WORKER` tasks per worker, each yielding
            /// `NUM_YIELD` times.
            pub fn yield_many(rt: &impl Rt) {
                rt.run(async {
                    let (latch, rx) = Latch::new(WORKERS * TASKS_PER_WORKER);
                    for _ in 0..WORKERS * TASKS_PER_WORKER {
                        let latch = latch.clone();
                        drop($spawn(async move {
                            for _ in 0..NUM_YIELD {
                                $yield_now().await;
                            }
                            latch.count_down();
                        }));
                    }
                    rx.await.unwrap();
                });
            }

            /// `NUM_PINGS` rounds, one after the other: two tasks exchange a
            /// message through oneshots, and the driver joins both.
            pub fn ping_pong(rt: &impl Rt) {
                rt.run(async {
                    for _ in 0..NUM_PINGS {
                        let (ping_tx, ping_rx) = oneshot::channel::<()>();
                        let (pong_tx, pong_rx) = oneshot::channel::<()>();
                        let a = $spawn(async move {
                            ping_rx.await.unwrap();
                            pong_tx.send(()).unwrap();
                        });
                        let b = $spawn(async move {
                            ping_tx.send(()).unwrap();
                            pong_rx.await.unwrap();
                        });
                        a.await.unwrap();
                        b.await.unwrap();
                    }
                });
            }

            /// The link `n` of a chain: spawns link `n - 1`, or fires `done`
            /// when `n` is zero.
            fn link(n: usize, done: oneshot::Sender<()>) {
                if n == 0 {
                    done.send(()).unwrap();
                } else {
                    drop($spawn(async move { link(n - 1, done) }));
                }
            }

            /// A chain of `CHAIN` tasks, each spawning the next.
            pub fn chained_spawn(rt: &impl Rt) {
                rt.run(async {
                    let (tx, rx) = oneshot::channel();
                    link(CHAIN, tx);
                    rx.await.unwrap();
                });
            }
        }
    };
}

workloads!(on_curio, curio::spawn, curio::yield_now);
workloads!(on_tokio, tokio::spawn, tokio::task::yield_now);

/// A curio runtime of `WORKERS` workers.
fn curio_rt() -> curio::Runtime {
    curio::Runtime::builder()
        .workers(WORKERS)
        .build()
        .expect("curio runtime")
}

/// A tokio multi-thread runtime of `WORKERS` workers.
fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .build()
        .expect("tokio runtime")
}

/// Registers one group: `curio` and `tokio` running the same workload.
fn group(
    c: &mut Criterion,
    name: &str,
    curio: &curio::Runtime,
    tokio: &tokio::runtime::Runtime,
    on_curio: fn(&curio::Runtime),
    on_tokio: fn(&tokio::runtime::Runtime),
) {
    let mut g = c.benchmark_group(name);
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    g.bench_function("curio", |b| b.iter(|| on_curio(curio)));
    g.bench_function("tokio", |b| b.iter(|| on_tokio(tokio)));
    g.finish();
}

/// `spawn_many_remote_busy`: each runtime's workers are kept busy by
/// yielding tasks only while that runtime is measured, so the other
/// runtime's busy tasks do not take its cores.
fn busy_group(c: &mut Criterion, curio: &curio::Runtime, tokio: &tokio::runtime::Runtime) {
    let mut g = c.benchmark_group("spawn_many_remote_busy");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let stop = Arc::new(AtomicBool::new(false));
    on_curio::start_busy(curio, &stop);
    g.bench_function("curio", |b| b.iter(|| on_curio::spawn_many_remote(curio)));
    stop.store(true, Ordering::Relaxed);
    let stop = Arc::new(AtomicBool::new(false));
    on_tokio::start_busy(tokio, &stop);
    g.bench_function("tokio", |b| b.iter(|| on_tokio::spawn_many_remote(tokio)));
    stop.store(true, Ordering::Relaxed);
    g.finish();
}

/// Every workload.
fn rt(c: &mut Criterion) {
    let curio = curio_rt();
    let tokio = tokio_rt();
    group(
        c,
        "spawn_many_local",
        &curio,
        &tokio,
        on_curio::spawn_many_local,
        on_tokio::spawn_many_local,
    );
    group(
        c,
        "spawn_many_remote_idle",
        &curio,
        &tokio,
        on_curio::spawn_many_remote,
        on_tokio::spawn_many_remote,
    );

    busy_group(c, &curio, &tokio);
    group(
        c,
        "yield_many",
        &curio,
        &tokio,
        on_curio::yield_many,
        on_tokio::yield_many,
    );
    group(
        c,
        "ping_pong",
        &curio,
        &tokio,
        on_curio::ping_pong,
        on_tokio::ping_pong,
    );
    group(
        c,
        "chained_spawn",
        &curio,
        &tokio,
        on_curio::chained_spawn,
        on_tokio::chained_spawn,
    );
}

criterion_group!(benches, rt);
criterion_main!(benches);
