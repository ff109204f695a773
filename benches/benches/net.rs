//! TCP echo round trips (1 and 64 connections: messages/s, p50/p99), the connect+accept+close rate, and the memory an idle connection costs, curio's server against tokio's.
//!
//! Both servers run on 2 workers; the clients are the same plain std
//! threads for both, so only the server side differs. Not a criterion
//! benchmark: it reports throughput and latency percentiles, which
//! criterion does not. `NET_BENCH_SCALE` (default 1) multiplies the work.
//! `NET_BENCH_PART=echo` or `NET_BENCH_PART=memory` runs one part only.
//!
//! The memory part runs each server in its own process and the idle
//! clients in another (this binary re-executed, `NET_BENCH_ROLE` selecting
//! the role), and reads the server's resident set size from
//! `/proc/self/status` as the connections are opened.

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
    match std::env::var("NET_BENCH_ROLE").as_deref() {
        Ok("idle-client") => return idle::client(),
        Ok(role) if role.starts_with("idle-server-") => {
            return idle::server(&role["idle-server-".len()..]);
        }
        _ => {}
    }
    let part = std::env::var("NET_BENCH_PART").unwrap_or_default();
    if part != "memory" {
        echo_part();
    }
    if part != "echo" {
        println!();
        idle::report();
    }
}

/// The echo and connect tables.
fn echo_part() {
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

/// Memory per idle connection: a server process per runtime, one client
/// process holding the connections open.
mod idle {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
    use std::process::{Child, ChildStdin, Command, Stdio};
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    /// Connections held open at each measuring point (cumulative). The
    /// last stays under the machine's 20,000 descriptors per process.
    const STAGES: [usize; 3] = [1_000, 10_000, 19_000];
    /// Source addresses the client spreads its connections over
    /// (127.0.0.2 up), 1,000 connections each.
    const SOURCES: usize = 20;
    /// Any step of the protocol fails after this.
    const STEP_LIMIT: Duration = Duration::from_secs(60);
    /// The idle handler's read buffer: the same for both runtimes.
    const BUF: usize = 64;

    /// The server's resident set size in bytes.
    fn rss() -> usize {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .expect("VmRSS in /proc/self/status");
        let kib: usize = line
            .split_whitespace()
            .nth(1)
            .and_then(|v| v.parse().ok())
            .expect("VmRSS value");
        kib * 1024
    }

    /// Server role: serves echo handlers on `runtime` ("curio" or
    /// "tokio"), prints its port, then answers "rss K" on stdin (once `K`
    /// handlers are live) with its resident set size.
    pub fn server(runtime: &str) {
        let live = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = std::sync::mpsc::channel();
        let l = live.clone();
        // Keep the runtime alive until the end of this function.
        let _runtime: Box<dyn std::any::Any> = match runtime {
            "curio" => {
                let rt = curio::Runtime::builder().workers(2).build().unwrap();
                drop(rt.spawn(async move {
                    let listener = curio::net::TcpListener::bind_with("127.0.0.1:0", 4096)
                        .await
                        .unwrap();
                    tx.send(listener.local_addr().unwrap()).unwrap();
                    loop {
                        let Ok((s, _)) = listener.accept().await else {
                            continue;
                        };
                        let l = l.clone();
                        drop(curio::spawn(async move {
                            l.fetch_add(1, SeqCst);
                            let mut buf = [0u8; BUF];
                            while let Ok(n) = s.read(&mut buf).await {
                                if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                                    break;
                                }
                            }
                            l.fetch_sub(1, SeqCst);
                        }));
                    }
                }));
                Box::new(rt)
            }
            "tokio" => {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .unwrap();
                rt.spawn(async move {
                    let socket = tokio::net::TcpSocket::new_v4().unwrap();
                    socket.set_reuseaddr(true).unwrap();
                    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
                    let listener = socket.listen(4096).unwrap();
                    tx.send(listener.local_addr().unwrap()).unwrap();
                    loop {
                        let Ok((mut s, _)) = listener.accept().await else {
                            continue;
                        };
                        let l = l.clone();
                        tokio::spawn(async move {
                            l.fetch_add(1, SeqCst);
                            let mut buf = [0u8; BUF];
                            while let Ok(n) = s.read(&mut buf).await {
                                if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                                    break;
                                }
                            }
                            l.fetch_sub(1, SeqCst);
                        });
                    }
                });
                Box::new(rt)
            }
            other => panic!("unknown runtime {other}"),
        };
        let addr: SocketAddr = rx.recv().unwrap();
        println!("addr {addr}");
        for line in std::io::stdin().lock().lines() {
            let line = line.unwrap();
            let Some(k) = line.strip_prefix("rss ") else {
                break;
            };
            let k: usize = k.parse().unwrap();
            let deadline = Instant::now() + STEP_LIMIT;
            while live.load(SeqCst) != k {
                assert!(Instant::now() < deadline, "{k} handlers never became live");
                std::thread::sleep(Duration::from_millis(5));
            }
            // Let the workers park and the allocator settle.
            std::thread::sleep(Duration::from_millis(300));
            println!("rss {k} {}", rss());
        }
    }

    /// Client role: on "open K" opens connections until `K` are open
    /// (one echo round trip each, so each is known to be served), answers
    /// "opened K"; on anything else closes them all and exits.
    pub fn client() {
        let addr: SocketAddr = std::env::var("NET_BENCH_ADDR").unwrap().parse().unwrap();
        let mut conns: Vec<std::net::TcpStream> = Vec::new();
        for line in std::io::stdin().lock().lines() {
            let line = line.unwrap();
            let Some(k) = line.strip_prefix("open ") else {
                break;
            };
            let k: usize = k.parse().unwrap();
            while conns.len() < k {
                let i = conns.len();
                let source = Ipv4Addr::new(127, 0, 0, 2 + (i % SOURCES) as u8);
                let socket =
                    socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
                        .unwrap();
                socket.bind(&SocketAddrV4::new(source, 0).into()).unwrap();
                socket
                    .connect_timeout(&addr.into(), Duration::from_secs(20))
                    .unwrap();
                let s: std::net::TcpStream = socket.into();
                s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                conns.push(s);
            }
            // One byte each way on the new ones: every handler has run
            // once and is now idle in its read.
            for s in &mut conns[..] {
                s.write_all(b"x").unwrap();
            }
            for s in &mut conns[..] {
                let mut b = [0u8; 1];
                s.read_exact(&mut b).unwrap();
            }
            println!("opened {k}");
        }
    }

    /// Starts this binary in `role` with its soft descriptor limit raised
    /// to the hard one.
    fn spawn_role(
        role: &str,
        addr: Option<SocketAddr>,
    ) -> (Child, ChildStdin, BufReader<std::process::ChildStdout>) {
        let exe = std::env::current_exe().unwrap();
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("ulimit -n \"$(ulimit -Hn)\" && exec \"$0\"")
            .arg(exe)
            .env("NET_BENCH_ROLE", role)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        if let Some(addr) = addr {
            cmd.env("NET_BENCH_ADDR", addr.to_string());
        }
        let mut child = cmd.spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        (child, stdin, stdout)
    }

    /// The next line starting with `prefix`, without it.
    fn expect(out: &mut impl BufRead, prefix: &str) -> String {
        let mut line = String::new();
        loop {
            line.clear();
            assert_ne!(
                out.read_line(&mut line).unwrap(),
                0,
                "child exited before {prefix:?}"
            );
            if let Some(rest) = line.strip_prefix(prefix) {
                return rest.trim().to_owned();
            }
        }
    }

    /// Prints the idle-connection memory table.
    pub fn report() {
        println!("| idle connections | runtime | server RSS growth | per connection | projected 100,000 |");
        println!("|---|---|---|---|---|");
        for runtime in ["curio", "tokio"] {
            let (mut server, mut to_server, mut from_server) =
                spawn_role(&format!("idle-server-{runtime}"), None);
            let addr: SocketAddr = expect(&mut from_server, "addr ").parse().unwrap();
            let (mut client, mut to_client, mut from_client) =
                spawn_role("idle-client", Some(addr));
            let rss_at = |to: &mut ChildStdin, from: &mut BufReader<_>, k: usize| -> usize {
                writeln!(to, "rss {k}").unwrap();
                let reply = expect(from, &format!("rss {k} "));
                reply.parse().unwrap()
            };
            let base = rss_at(&mut to_server, &mut from_server, 0);
            for k in STAGES {
                writeln!(to_client, "open {k}").unwrap();
                expect(&mut from_client, &format!("opened {k}"));
                let grown = rss_at(&mut to_server, &mut from_server, k).saturating_sub(base);
                let per = grown as f64 / k as f64;
                println!(
                    "| {k} | {runtime} | {:.1} MiB | {per:.0} B | {:.0} MiB |",
                    grown as f64 / (1 << 20) as f64,
                    per * 100_000.0 / (1 << 20) as f64
                );
            }
            drop(to_client);
            client.wait().unwrap();
            drop(to_server);
            server.wait().unwrap();
        }
    }
}
