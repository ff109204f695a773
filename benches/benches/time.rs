//! Time and task groups, curio against tokio (2 workers each): 100,000
//! tasks each sleeping 0–10 ms; 1,000,000 `timeout_after` scopes that are
//! armed and disarmed without firing; spawning and joining 10,000 tasks in
//! a `TaskGroup` (tokio: `JoinSet`).

use criterion::{criterion_group, BenchmarkId, Criterion};
use std::time::Duration;

/// Worker threads of both runtimes.
const WORKERS: usize = 2;

/// A deterministic 0–10 ms delay for task `i`.
fn delay(i: u64) -> Duration {
    let x = i
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    Duration::from_micros((x >> 33) % 10_001)
}

fn curio_rt() -> curio::Runtime {
    curio::Runtime::builder().workers(WORKERS).build().unwrap()
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_time()
        .build()
        .unwrap()
}

fn sleeps(c: &mut Criterion) {
    const N: u64 = 100_000;
    let mut g = c.benchmark_group("sleep_100k");
    g.sample_size(10).measurement_time(Duration::from_secs(4));
    let rt = curio_rt();
    g.bench_function(BenchmarkId::from_parameter("curio"), |b| {
        b.iter(|| {
            rt.block_on(async {
                let tasks: Vec<_> = (0..N)
                    .map(|i| curio::spawn(curio::sleep(delay(i))))
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            })
        })
    });
    drop(rt);
    let rt = tokio_rt();
    g.bench_function(BenchmarkId::from_parameter("tokio"), |b| {
        b.iter(|| {
            rt.block_on(async {
                let tasks: Vec<_> = (0..N)
                    .map(|i| tokio::spawn(tokio::time::sleep(delay(i))))
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            })
        })
    });
    g.finish();
}

fn timeouts(c: &mut Criterion) {
    const N: u32 = 1_000_000;
    let mut g = c.benchmark_group("timeout_1m_unfired");
    g.sample_size(10).measurement_time(Duration::from_secs(6));
    let rt = curio_rt();
    // The inner future suspends once, so the timer is armed then disarmed.
    g.bench_function(BenchmarkId::from_parameter("curio"), |b| {
        b.iter(|| {
            rt.block_on(async {
                for _ in 0..N {
                    curio::timeout_after(Duration::from_secs(5), curio::yield_now())
                        .await
                        .unwrap();
                }
            })
        })
    });
    drop(rt);
    let rt = tokio_rt();
    g.bench_function(BenchmarkId::from_parameter("tokio"), |b| {
        b.iter(|| {
            rt.block_on(async {
                for _ in 0..N {
                    tokio::time::timeout(Duration::from_secs(5), tokio::task::yield_now())
                        .await
                        .unwrap();
                }
            })
        })
    });
    g.finish();
}

fn groups(c: &mut Criterion) {
    const N: u64 = 10_000;
    let mut g = c.benchmark_group("group_10k");
    g.sample_size(20);
    let rt = curio_rt();
    g.bench_function(BenchmarkId::from_parameter("curio"), |b| {
        b.iter(|| {
            rt.block_on(async {
                let group = curio::TaskGroup::new();
                for i in 0..N {
                    group.spawn(async move { i });
                }
                group.join().await.len()
            })
        })
    });
    drop(rt);
    let rt = tokio_rt();
    g.bench_function(BenchmarkId::from_parameter("tokio"), |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut set = tokio::task::JoinSet::new();
                for i in 0..N {
                    set.spawn(async move { i });
                }
                let mut n = 0;
                while let Some(r) = set.join_next().await {
                    r.unwrap();
                    n += 1;
                }
                n
            })
        })
    });
    g.finish();
}

/// Prints the median and p99 lateness of 1,000 sleeps of 1 ms on an idle
/// runtime (how long after its deadline each sleep returned).
fn lateness() {
    fn report(name: &str, mut late: Vec<Duration>) {
        late.sort();
        println!(
            "sleep(1 ms) lateness, {name}: median {:?}, p99 {:?}, max {:?}",
            late[late.len() / 2],
            late[late.len() * 99 / 100],
            late[late.len() - 1]
        );
    }
    let late = curio_rt().run(async {
        let mut late = Vec::with_capacity(1000);
        for _ in 0..1000 {
            let deadline = std::time::Instant::now() + Duration::from_millis(1);
            curio::sleep_until(deadline).await;
            late.push(deadline.elapsed());
        }
        late
    });
    report("curio", late);
    let late = tokio_rt().block_on(async {
        let mut late = Vec::with_capacity(1000);
        for _ in 0..1000 {
            let deadline = tokio::time::Instant::now() + Duration::from_millis(1);
            tokio::time::sleep_until(deadline).await;
            late.push(deadline.elapsed());
        }
        late
    });
    report("tokio", late);
}

criterion_group!(benches, sleeps, timeouts, groups);

fn main() {
    lateness();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
