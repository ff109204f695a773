//! The server side's cost per connection (connect+accept+close) and per
//! echo message, curio against tokio, for instruction counts (callgrind)
//! and syscall counts (`strace -c -f`), with the same client for both.
//!
//! The server runs on a 2-worker runtime in this process: the echo server
//! of `benches/benches/load.rs` (one task per connection, `TCP_NODELAY`,
//! a 4 KiB buffer). The client is this process's main thread, plain
//! blocking std sockets outside the runtime, so under
//! `valgrind --tool=callgrind --separate-threads=yes` its instructions are
//! in the file of thread 1 and everything else is the server's.
//!
//! Usage: `conn_cost curio|tokio connect|echo N [CONNS]`
//!
//! - `connect N`: after 100 warm-up connections, `N` times: connect, one
//!   byte each way, close (as the load bench's connect+accept+close row).
//! - `echo N [CONNS]`: opens `CONNS` connections (default 1) and warms each
//!   with one message, then `N` rounds of: write one 64-byte message on
//!   every connection, then read every echo back. `N × CONNS` messages;
//!   with many connections the server sees many events per poll, as the
//!   load bench's 1,000-connection rows.
//!
//! `CONN_COST_BUSY=K` (default 0) first spawns `K` busy tasks that loop on
//! `{ yield_now().await; spin }` (the load bench's busy tasks; the spin is
//! `CONN_COST_SPIN_ITERS` rounds of an LCG step, default 9,000, about
//! 10 µs here), stopped at the end. Echo also prints the median and p99
//! time of one round (all messages written until all are read back).
//!
//! Running it at two values of `N` and taking the difference of the server
//! threads' counts cancels start-up and shutdown. At the end it prints the
//! messages or connections done, the server threads' CPU time and context
//! switches per connection or message over the measured phase
//! (`getrusage`: the process minus the client thread; wall-clock CPU,
//! so noisy on a shared machine), and, for curio, the runtime's reactor
//! statistics (events, turns, fallback turns) and per-worker polls and
//! parks over the whole run. Every wait is bounded (30 s), `N` and `CONNS`
//! are capped, and it talks to 127.0.0.1 only.

use std::hint::black_box;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::exit;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

/// The longest any single client wait may take.
const LIMIT: Duration = Duration::from_secs(30);
/// Bytes per echo message.
const MSG: usize = 64;
/// Warm-up connections before the measured ones.
const WARM_CONNECTS: usize = 100;
/// Upper bound on `N`.
const MAX_N: usize = 1_000_000;
/// Upper bound on `CONNS` (two descriptors each in this process).
const MAX_CONNS: usize = 2_000;
/// Upper bound on `CONN_COST_BUSY`.
const MAX_BUSY: usize = 64;

/// One busy task: yield, spin `iters` LCG steps, until `stop` (or `LIMIT`).
async fn busy<Y: std::future::Future<Output = ()>>(
    yield_now: impl Fn() -> Y,
    iters: u64,
    stop: Arc<AtomicBool>,
) {
    let deadline = Instant::now() + LIMIT;
    let mut round = 0u64;
    // ORDERING: Relaxed; a stop flag, nothing is read after it.
    while !stop.load(Ordering::Relaxed) && (round & 0xff != 0 || Instant::now() < deadline) {
        yield_now().await;
        let mut x = 1u64;
        for _ in 0..iters {
            x = black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
        round += 1;
    }
}

/// The runtime under test.
enum Rt {
    Curio(curio::Runtime),
    Tokio(tokio::runtime::Runtime),
}

impl Rt {
    /// A 2-worker runtime of the kind named `name`.
    fn new(name: &str) -> Option<Rt> {
        match name {
            "curio" => Some(Rt::Curio(
                curio::Runtime::builder()
                    .workers(2)
                    .build()
                    .expect("build curio runtime"),
            )),
            "tokio" => Some(Rt::Tokio(
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("build tokio runtime"),
            )),
            _ => None,
        }
    }

    /// Starts the echo server on `listener`.
    fn serve_echo(&self, listener: std::net::TcpListener) {
        match self {
            Rt::Curio(rt) => drop(rt.spawn(curio_benches::curio_echo_server(listener))),
            Rt::Tokio(rt) => drop(rt.spawn(curio_benches::tokio_echo_server(listener))),
        }
    }

    /// Starts `n` busy tasks spinning `iters` between yields.
    fn start_busy(&self, n: usize, iters: u64, stop: &Arc<AtomicBool>) {
        for _ in 0..n {
            let stop = stop.clone();
            match self {
                Rt::Curio(rt) => drop(rt.spawn(busy(curio::yield_now, iters, stop))),
                Rt::Tokio(rt) => drop(rt.spawn(busy(tokio::task::yield_now, iters, stop))),
            }
        }
    }

    /// What the runtime counted, for curio.
    fn report(&self) {
        if let Rt::Curio(rt) = self {
            let stats = rt.handle().stats();
            for (name, value) in &stats.drivers {
                println!("curio {name}: {value}");
            }
            for (i, w) in stats.workers.iter().enumerate() {
                println!(
                    "curio worker {i}: polls {} steals {} parks {}",
                    w.polls, w.steals, w.parks
                );
            }
        }
    }
}

/// A loopback listener with a backlog that 2,000 connects in a row do not
/// overflow, non-blocking (tokio's `from_std` wants that).
fn listener() -> io::Result<std::net::TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())?;
    socket.listen(4096)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// A client connection with bounded waits.
fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let s = TcpStream::connect_timeout(&addr, LIMIT)?;
    s.set_read_timeout(Some(LIMIT))?;
    s.set_write_timeout(Some(LIMIT))?;
    s.set_nodelay(true)?;
    Ok(s)
}

/// CPU time (user + system) and context switches (voluntary,
/// involuntary) of the process (`libc::RUSAGE_SELF`) or of the calling
/// thread (`libc::RUSAGE_THREAD`).
fn usage_of(who: libc::c_int) -> (Duration, i64, i64) {
    // SAFETY: `rusage` is a plain C struct of integers, for which all
    // zero bytes are a valid value.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a valid, writable `rusage` for the call's duration;
    // `who` is one of the two constants the callers pass.
    if unsafe { libc::getrusage(who, &mut ru) } != 0 {
        return (Duration::ZERO, 0, 0);
    }
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    (tv(ru.ru_utime) + tv(ru.ru_stime), ru.ru_nvcsw, ru.ru_nivcsw)
}

/// What the server threads (the process but this thread) used since
/// `start` (two `usage_of` snapshots: process, this thread).
fn server_usage(start: [(Duration, i64, i64); 2]) -> (Duration, i64, i64) {
    let (p, t) = (usage_of(libc::RUSAGE_SELF), usage_of(libc::RUSAGE_THREAD));
    (
        (p.0 - start[0].0).saturating_sub(t.0 - start[1].0),
        (p.1 - start[0].1) - (t.1 - start[1].1),
        (p.2 - start[0].2) - (t.2 - start[1].2),
    )
}

/// `n` times: connect, one byte each way, close.
fn connect_close(addr: SocketAddr, n: usize) -> io::Result<()> {
    for _ in 0..n {
        let mut s = connect(addr)?;
        s.write_all(b"x")?;
        let mut b = [0u8; 1];
        s.read_exact(&mut b)?;
    }
    Ok(())
}

/// `CONNS` client connections, each warmed with one message.
fn echo_setup(addr: SocketAddr, conns: usize) -> io::Result<Vec<TcpStream>> {
    let mut streams = (0..conns)
        .map(|_| connect(addr))
        .collect::<io::Result<Vec<_>>>()?;
    echo_rounds(&mut streams, 1, &mut Vec::new())?;
    Ok(streams)
}

/// `rounds` rounds of one message on each connection: all written, then
/// all read back. Gives the messages echoed.
fn echo_rounds(
    streams: &mut [TcpStream],
    rounds: usize,
    times: &mut Vec<Duration>,
) -> io::Result<usize> {
    let msg = [7u8; MSG];
    let mut back = [0u8; MSG];
    for _ in 0..rounds {
        let start = Instant::now();
        for s in streams.iter_mut() {
            s.write_all(&msg)?;
        }
        for s in streams.iter_mut() {
            s.read_exact(&mut back)?;
            if back != msg {
                return Err(io::Error::other("the echo differs from the message"));
            }
        }
        times.push(start.elapsed());
    }
    Ok(rounds * streams.len())
}

fn usage() -> ! {
    eprintln!("usage: conn_cost curio|tokio connect|echo N [CONNS]");
    exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 || args.len() > 4 {
        usage();
    }
    let Some(rt) = Rt::new(&args[0]) else { usage() };
    let n = match args[2].parse::<usize>() {
        Ok(n) if n <= MAX_N => n,
        _ => usage(),
    };
    let conns = match args.get(3).map(|s| s.parse::<usize>()) {
        None => 1,
        Some(Ok(c)) if (1..=MAX_CONNS).contains(&c) => c,
        Some(_) => usage(),
    };
    let env_num = |name: &str, default: u64, max: u64| match std::env::var(name) {
        Err(_) => default,
        Ok(v) => match v.parse::<u64>() {
            Ok(x) if x <= max => x,
            _ => {
                eprintln!("{name}={v:?}: expected an integer up to {max}");
                exit(2)
            }
        },
    };
    let busy_tasks = env_num("CONN_COST_BUSY", 0, MAX_BUSY as u64) as usize;
    let spin_iters = env_num("CONN_COST_SPIN_ITERS", 9_000, 10_000_000);
    let stop = Arc::new(AtomicBool::new(false));
    rt.start_busy(busy_tasks, spin_iters, &stop);
    let result = listener().and_then(|l| {
        let addr = l.local_addr()?;
        rt.serve_echo(l);
        match args[1].as_str() {
            "connect" => {
                connect_close(addr, WARM_CONNECTS)?;
                let start = [usage_of(libc::RUSAGE_SELF), usage_of(libc::RUSAGE_THREAD)];
                connect_close(addr, n)?;
                Ok((format!("{n} connections"), n, server_usage(start)))
            }
            "echo" => {
                let mut streams = echo_setup(addr, conns)?;
                let start = [usage_of(libc::RUSAGE_SELF), usage_of(libc::RUSAGE_THREAD)];
                let mut times = Vec::with_capacity(n);
                let m = echo_rounds(&mut streams, n, &mut times)?;
                times.sort();
                if let (Some(p50), Some(p99)) = (
                    times.get(times.len() / 2),
                    times.get(times.len() * 99 / 100),
                ) {
                    println!("round time p50 {p50:?} p99 {p99:?}");
                }
                Ok((
                    format!("{m} messages on {conns} connections"),
                    m,
                    server_usage(start),
                ))
            }
            _ => usage(),
        }
    });
    match result {
        Ok((done, count, (cpu, vcsw, ivcsw))) => {
            println!("{} {}: {done}", args[0], args[1]);
            let per = |x: f64| x / count.max(1) as f64;
            println!(
                "server CPU {:.2} µs each, context switches {:.3} voluntary + {:.3} involuntary each",
                per(cpu.as_secs_f64() * 1e6),
                per(vcsw as f64),
                per(ivcsw as f64)
            );
        }
        Err(e) => {
            eprintln!("{} {}: failed: {e}", args[0], args[1]);
            exit(1);
        }
    }
    // ORDERING: Relaxed; a stop flag (see `busy`).
    stop.store(true, Ordering::Relaxed);
    rt.report();
}
