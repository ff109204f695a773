//! TCP echo round trips (1 and 64 connections: messages/s, p50/p99) and the connect+accept+close rate, curio's server against tokio's.
//!
//! Both servers run on 2 workers; the clients are the same plain std
//! threads for both, so only the server side differs. Not a criterion
//! benchmark: it reports throughput and latency percentiles, which
//! criterion does not. `NET_BENCH_SCALE` (default 1) multiplies the work.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Worker threads of both runtimes.
const WORKERS: usize = 2;
/// Bytes per echo message.
const MSG: usize = 64;

/// Echo server on curio; gives its address.
fn curio_server(rt: &curio::Runtime) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    drop(rt.spawn(async move {
        let listener = curio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        tx.send(listener.local_addr().unwrap()).unwrap();
        loop {
            let Ok((s, _)) = listener.accept().await else {
                continue;
            };
            drop(curio::spawn(async move {
                let _ = s.set_nodelay(true);
                let mut buf = [0u8; 4096];
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            }));
        }
    }));
    rx.recv().unwrap()
}

/// Echo server on tokio; gives its address.
fn tokio_server(rt: &tokio::runtime::Runtime) -> SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (tx, rx) = std::sync::mpsc::channel();
    rt.spawn(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        tx.send(listener.local_addr().unwrap()).unwrap();
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let _ = s.set_nodelay(true);
                let mut buf = [0u8; 4096];
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    rx.recv().unwrap()
}

/// `conns` std-thread clients doing `rounds` round trips each; gives
/// (messages per second, p50, p99).
fn echo_load(addr: SocketAddr, conns: usize, rounds: usize) -> (f64, Duration, Duration) {
    let start = Instant::now();
    let threads: Vec<_> = (0..conns)
        .map(|_| {
            std::thread::spawn(move || {
                let mut s = std::net::TcpStream::connect(addr).unwrap();
                s.set_nodelay(true).unwrap();
                let msg = [7u8; MSG];
                let mut back = [0u8; MSG];
                let mut lat = Vec::with_capacity(rounds);
                for _ in 0..rounds {
                    let t = Instant::now();
                    s.write_all(&msg).unwrap();
                    s.read_exact(&mut back).unwrap();
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut all: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let secs = start.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| all[((all.len() - 1) as f64 * p) as usize];
    (all.len() as f64 / secs, pct(0.50), pct(0.99))
}

/// Connections opened, accepted and closed per second by one client
/// thread.
fn connect_rate(addr: SocketAddr, n: usize) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        // One byte each way proves the server accepted and served it.
        s.write_all(b"x").unwrap();
        let mut b = [0u8; 1];
        s.read_exact(&mut b).unwrap();
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let scale: usize = std::env::var("NET_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let curio_rt = curio::Runtime::builder().workers(WORKERS).build().unwrap();
    let tokio_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .unwrap();
    let servers = [
        ("curio", curio_server(&curio_rt)),
        ("tokio", tokio_server(&tokio_rt)),
    ];
    println!("| workload | runtime | msgs/s | p50 | p99 |");
    println!("|---|---|---|---|---|");
    for (conns, rounds) in [(1, 20_000 * scale), (64, 500 * scale), (1000, 20 * scale)] {
        for (name, addr) in servers {
            // Warm-up, then the measured run.
            echo_load(addr, conns.min(8), 100);
            let (rate, p50, p99) = echo_load(addr, conns, rounds);
            println!(
                "| echo {conns} conn | {name} | {rate:.0} | {:.1} µs | {:.1} µs |",
                p50.as_secs_f64() * 1e6,
                p99.as_secs_f64() * 1e6
            );
        }
    }
    for (name, addr) in servers {
        connect_rate(addr, 100);
        let rate = connect_rate(addr, 2_000 * scale);
        println!("| connect+accept+close | {name} | {rate:.0} conn/s | | |");
    }
}
