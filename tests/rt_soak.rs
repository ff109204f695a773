//! A soak test: many tasks doing timeouts, cancels, group joins, socket
//! round trips and channel traffic at once on every worker, for a bounded
//! time; counted destructors prove every task ends exactly once, and file
//! descriptors come back to their starting count.
//!
//! Gated: it runs only with `CURIO_SOAK=1` (for `CURIO_SOAK_SECS` seconds,
//! 60 by default), so the default test run stays fast; without it, it says
//! so and returns.

mod support;

use curio::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::DropCount;

/// The number of open file descriptors of this process.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

/// `fut`, counted in `spawned` and carrying a guard of `drops`.
fn guarded<F>(
    drops: &DropCount,
    spawned: &AtomicUsize,
    fut: F,
) -> impl std::future::Future<Output = F::Output> + Send + 'static
where
    F: std::future::Future + Send + 'static,
{
    let guard = drops.guard();
    spawned.fetch_add(1, SeqCst);
    async move {
        let _guard = guard;
        fut.await
    }
}

/// One round of mixed work; every task it spawns carries a guard of
/// `drops` and is counted in `spawned`.
async fn round(addr: std::net::SocketAddr, drops: &DropCount, spawned: &AtomicUsize) {
    // Timeouts that fire and timeouts that do not.
    let mut tasks = Vec::new();
    for i in 0..8u64 {
        tasks.push(curio::spawn(guarded(drops, spawned, async move {
            let _ = curio::timeout_after(
                Duration::from_micros(200 * i),
                curio::sleep(Duration::from_micros(150 * (8 - i))),
            )
            .await;
        })));
    }
    // Cancels, some inside a shield that cleans up.
    for i in 0..8 {
        let mut t = curio::spawn(guarded(drops, spawned, async move {
            if i % 2 == 0 {
                curio::disable_cancellation(async {
                    while !curio::check_cancellation() {
                        curio::sleep(Duration::from_micros(100)).await;
                    }
                    curio::yield_now().await;
                })
                .await;
            }
            curio::sleep(Duration::from_secs(3600)).await;
        }));
        curio::yield_now().await;
        t.cancel().await;
    }
    // A group race.
    let group = curio::TaskGroup::with_wait(curio::Wait::Any);
    for i in 0..4u64 {
        group.spawn(guarded(drops, spawned, async move {
            curio::sleep(Duration::from_micros(100 * (i + 1))).await;
        }));
    }
    let _ = group.join().await;
    // Socket round trips.
    for _ in 0..4 {
        tasks.push(curio::spawn(guarded(drops, spawned, async move {
            let s = TcpStream::connect(addr).await.unwrap();
            s.write_all(b"soak").await.unwrap();
            let mut buf = [0; 4];
            s.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"soak");
        })));
    }
    // Channel traffic, with a receiver that times out now and then.
    let (tx, mut rx) = curio::sync::mpsc::channel::<u32>(4);
    for p in 0..3 {
        let tx = tx.clone();
        tasks.push(curio::spawn(guarded(drops, spawned, async move {
            for n in 0..20 {
                tx.send(p * 100 + n).await.unwrap();
            }
        })));
    }
    drop(tx);
    let mut got = 0;
    loop {
        match curio::timeout_after(Duration::from_millis(500), rx.recv()).await {
            Ok(Some(_)) => got += 1,
            Ok(None) => break,
            Err(_) => continue,
        }
    }
    assert_eq!(got, 60);
    for t in tasks {
        t.await.unwrap();
    }
}

#[test]
fn soak() {
    if std::env::var("CURIO_SOAK").as_deref() != Ok("1") {
        println!("SKIP soak: set CURIO_SOAK=1 (and CURIO_SOAK_SECS, default 60) to run it");
        return;
    }
    let secs: u64 = std::env::var("CURIO_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let fds_before = open_fds();
    let drops = DropCount::default();
    let spawned = Arc::new(AtomicUsize::new(0));
    let rounds = {
        let rt = curio::Runtime::builder().workers(4).build().unwrap();
        let (d, s) = (drops.clone(), spawned.clone());
        let rounds = rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = curio::spawn(async move {
                loop {
                    let (c, _) = listener.accept().await.unwrap();
                    drop(curio::spawn(async move {
                        let mut buf = [0; 64];
                        while let Ok(n) = c.read(&mut buf).await {
                            if n == 0 || c.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                    }));
                }
            });
            let deadline = Instant::now() + Duration::from_secs(secs);
            let mut rounds = 0u64;
            while Instant::now() < deadline && rounds < 1_000_000 {
                // Four rounds at once, on every worker.
                let batch: Vec<_> = (0..4)
                    .map(|_| {
                        let (d, s) = (d.clone(), s.clone());
                        curio::spawn(async move { round(addr, &d, &s).await })
                    })
                    .collect();
                for b in batch {
                    curio::timeout_after(Duration::from_secs(30), b)
                        .await
                        .expect("a soak round hung")
                        .unwrap();
                }
                rounds += 4;
            }
            let mut server = server;
            server.cancel().await;
            rounds
        });
        drop(rt);
        rounds
    };
    assert!(rounds > 0);
    assert_eq!(
        drops.get(),
        spawned.load(SeqCst),
        "every task ends exactly once"
    );
    support::wait_until(Duration::from_secs(5), "descriptors to close", || {
        open_fds() <= fds_before
    });
    println!(
        "soak: {rounds} rounds, {} counted tasks, descriptors {fds_before} -> {}",
        spawned.load(SeqCst),
        open_fds()
    );
}
