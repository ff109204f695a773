//! Under load: remote spawns onto busy workers, TCP echo with CPU-bound yielding tasks sharing the workers, connect+accept+close, and sleep lateness while the workers are busy; curio against tokio's multi-thread runtime and smol, medians of alternating rounds.
//!
//! "Busy" means 4 tasks on the runtime under test, each looping
//! `{ yield_now().await; spin }` where the spin is about 10 µs of CPU,
//! calibrated once at start and then the same for every runtime.
//!
//! The runtimes: curio (`Runtime::builder().workers(N)`), tokio
//! (`Builder::new_multi_thread().worker_threads(N)`) and smol (one
//! `smol::Executor` run by N plain threads, each in `smol::block_on(ex.run(..))`,
//! so a thread that finds no task drives async-io's reactor, and async-io's
//! own thread drives it when nobody does). N is 2, and also 1 for the
//! remote spawns. Every measurement builds a fresh runtime and drops it
//! afterwards; the rounds alternate between the runtimes, the order rotated
//! each round.
//!
//! Workloads (`LOAD_BENCH_PART`: `spawn`, `echo` or `sleep`; all when unset):
//!
//! - `spawn`: 10,000 tasks spawned from the bench thread, each counting down
//!   a latch, while the busy tasks run. Figure: µs per spawn, from the
//!   first spawn to the moment the last task ran.
//! - `echo`: an echo server (64-byte messages, `TCP_NODELAY`, one task per
//!   connection) on the runtime under test, with and without the busy
//!   tasks, at 64 and 1,000 connections (the soft descriptor limit is
//!   raised to the hard one first; under about 2,300 the 1,000-connection
//!   rows are skipped with a SKIP line). The clients are outside the
//!   runtime: 2 plain threads (`LOAD_BENCH_CLIENTS`) of this process, each
//!   a mio event loop over its share of the connections, one message in
//!   flight per connection; the same code for every runtime. Figures over
//!   a measuring window after a warm-up: messages/s, p50 and p99 round trip.
//!   Then connect+accept+close: one client thread connects, exchanges one
//!   byte and closes, 2,000 times, against an idle server; figures:
//!   connections/s and the server's CPU time per connection (`getrusage`:
//!   the process minus the client thread).
//! - `sleep`: 100 tasks each sleeping 1 ms (`sleep_until(now + 1 ms)`;
//!   smol: async-io's `Timer::at`) 200 times, with and without the busy
//!   tasks. Figures: p50 and p99 lateness (wake-up minus deadline).
//!
//! `LOAD_BENCH_ROUNDS` (default 5) sets the rounds, `LOAD_BENCH_SCALE`
//! (default 1) multiplies the counts and the echo window, and
//! `LOAD_BENCH_SPIN_ITERS` fixes the spin instead of calibrating it. The
//! table printed at the end gives, per row, the median and (min–max) over
//! the rounds for each runtime and the ratios curio/tokio and curio/smol.
//! Everything talks to 127.0.0.1 only; every loop is bounded in count and
//! time (any single wait gives up after 30 s). Run without `--bench` (as
//! `cargo test --benches` does), it runs one round at a tenth of the counts
//! as a smoke test and says so.

use std::future::Future;
use std::hint::black_box;
use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// Tasks looping on yield + spin in the "busy" variants.
const BUSY_TASKS: usize = 4;
/// CPU time of one spin between two yields of a busy task.
const SPIN: Duration = Duration::from_micros(10);
/// The longest any single wait of the benchmark may take.
const LIMIT: Duration = Duration::from_secs(30);
/// Iteration bound of a busy task (far above what `LIMIT` allows).
const BUSY_MAX_ITERS: u64 = 100_000_000;
/// Tasks spawned per round of the spawn workload (times the scale).
const NUM_SPAWN: usize = 10_000;
/// Bytes per echo message.
const MSG: usize = 64;
/// Echo warm-up before the measuring window.
const ECHO_WARM: Duration = Duration::from_millis(150);
/// Echo measuring window (times the scale).
const ECHO_WINDOW: Duration = Duration::from_millis(500);
/// Connections opened and closed per round of connect+accept+close
/// (times the scale).
const NUM_CONNECT: usize = 2_000;
/// Sleeping tasks of the sleep workload.
const SLEEPERS: usize = 100;
/// Sleeps of each sleeping task (times the scale).
const SLEEPS: usize = 200;
/// The period each sleeper sleeps.
const SLEEP_PERIOD: Duration = Duration::from_millis(1);
/// Listen backlog of every server: 1,000 connects in a row must not
/// overflow it.
const BACKLOG: i32 = 4096;

/// The runtimes under test, in the column order of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Curio,
    Tokio,
    Smol,
}

const KINDS: [Kind; 3] = [Kind::Curio, Kind::Tokio, Kind::Smol];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Curio => "curio",
            Kind::Tokio => "tokio",
            Kind::Smol => "smol",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A calibrated busy loop: `iters` rounds of an LCG step that the
/// optimiser cannot remove.
#[derive(Clone, Copy, Debug)]
struct Spin {
    iters: u64,
}

impl Spin {
    fn run(self) {
        let mut x = 1u64;
        for _ in 0..self.iters {
            x = black_box(
                x.wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407),
            );
        }
        black_box(x);
    }

    /// The spin that takes `target` on this machine: the fastest of 9
    /// timed probes (the least disturbed by other load) scaled to it.
    fn calibrate(target: Duration) -> Spin {
        let probe = Spin { iters: 200_000 };
        probe.run();
        let best = (0..9)
            .map(|_| {
                let t = Instant::now();
                probe.run();
                t.elapsed()
            })
            .min()
            .unwrap_or(Duration::from_millis(1))
            .max(Duration::from_nanos(1));
        let iters = probe.iters as f64 * target.as_secs_f64() / best.as_secs_f64();
        Spin {
            iters: (iters as u64).max(1),
        }
    }
}

/// One plain-threaded smol executor: `threads` threads each run the
/// executor until `stop` is dropped.
struct SmolRt {
    ex: Arc<smol::Executor<'static>>,
    stop: Option<async_channel::Sender<()>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl SmolRt {
    fn new(threads: usize) -> SmolRt {
        let ex = Arc::new(smol::Executor::new());
        let (stop, stopped) = async_channel::bounded::<()>(1);
        let threads = (0..threads)
            .map(|i| {
                let ex = ex.clone();
                let stopped = stopped.clone();
                std::thread::Builder::new()
                    .name(format!("smol-{i}"))
                    .spawn(move || {
                        let _ = smol::block_on(ex.run(stopped.recv()));
                    })
                    .expect("spawn a smol thread")
            })
            .collect();
        SmolRt {
            ex,
            stop: Some(stop),
            threads,
        }
    }
}

impl Drop for SmolRt {
    fn drop(&mut self) {
        // Closing the channel ends every `run`; the executor (and with it
        // every task left) is dropped with the last `Arc`, after the joins.
        drop(self.stop.take());
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// A runtime under test.
enum Rt {
    Curio(curio::Runtime),
    Tokio(tokio::runtime::Runtime),
    Smol(SmolRt),
}

impl Rt {
    fn new(kind: Kind, workers: usize) -> Rt {
        match kind {
            Kind::Curio => Rt::Curio(
                curio::Runtime::builder()
                    .workers(workers)
                    .build()
                    .expect("build curio runtime"),
            ),
            Kind::Tokio => Rt::Tokio(
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(workers)
                    .enable_all()
                    .build()
                    .expect("build tokio runtime"),
            ),
            Kind::Smol => Rt::Smol(SmolRt::new(workers)),
        }
    }

    /// Spawns `fut` from outside the runtime, detached.
    fn spawn<F: Future<Output = ()> + Send + 'static>(&self, fut: F) {
        match self {
            Rt::Curio(rt) => drop(rt.spawn(fut)),
            Rt::Tokio(rt) => drop(rt.handle().spawn(fut)),
            Rt::Smol(rt) => rt.ex.spawn(fut).detach(),
        }
    }

    /// Starts `n` busy tasks and returns once each has run.
    fn start_busy(&self, n: usize, spin: Spin) -> Busy {
        let stop = Arc::new(AtomicBool::new(false));
        let spins = Arc::new(AtomicU64::new(0));
        let (tx, rx) = mpsc::channel();
        for _ in 0..n {
            let b = BusyTask {
                spin,
                stop: stop.clone(),
                spins: spins.clone(),
                done: tx.clone(),
            };
            match self {
                Rt::Curio(_) => self.spawn(busy_loop(curio::yield_now, b)),
                Rt::Tokio(_) => self.spawn(busy_loop(tokio::task::yield_now, b)),
                Rt::Smol(_) => self.spawn(busy_loop(smol::future::yield_now, b)),
            }
        }
        drop(tx);
        for _ in 0..n {
            rx.recv_timeout(LIMIT)
                .expect("a busy task did not start within the limit");
        }
        Busy {
            stop,
            spins,
            done: rx,
            since: Instant::now(),
        }
    }

    /// Starts an echo server on `listener` (already bound and listening).
    fn serve_echo(&self, listener: std::net::TcpListener) {
        match self {
            Rt::Curio(rt) => drop(rt.spawn(curio_benches::curio_echo_server(listener))),
            Rt::Tokio(rt) => drop(rt.spawn(curio_benches::tokio_echo_server(listener))),
            Rt::Smol(rt) => {
                use smol::io::{AsyncReadExt, AsyncWriteExt};
                let listener = match smol::Async::new(listener) {
                    Ok(l) => l,
                    Err(e) => return eprintln!("smol: adopting the listener failed: {e}"),
                };
                // A weak reference: the accept loop must not keep its own
                // executor alive (the executor drops it with the last `Arc`).
                let ex = Arc::downgrade(&rt.ex);
                rt.ex
                    .spawn(async move {
                        loop {
                            let mut s = match listener.accept().await {
                                Ok((s, _)) => s,
                                Err(e) => return eprintln!("smol: accept failed: {e}"),
                            };
                            let Some(ex) = ex.upgrade() else { return };
                            ex.spawn(async move {
                                let _ = s.get_ref().set_nodelay(true);
                                let mut buf = [0u8; 4096];
                                while let Ok(n) = s.read(&mut buf).await {
                                    if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                                        break;
                                    }
                                }
                            })
                            .detach();
                        }
                    })
                    .detach();
            }
        }
    }

    /// Spawns one sleeper that sends its lateness samples on `out`.
    fn spawn_sleeper(&self, sleeps: usize, out: mpsc::Sender<Vec<Duration>>) {
        match self {
            Rt::Curio(_) => self.spawn(sleeper(curio::sleep_until, sleeps, out)),
            Rt::Tokio(_) => self.spawn(sleeper(
                |d| tokio::time::sleep_until(tokio::time::Instant::from_std(d)),
                sleeps,
                out,
            )),
            Rt::Smol(_) => self.spawn(sleeper(smol::Timer::at, sleeps, out)),
        }
    }
}

/// The busy tasks of one runtime.
struct Busy {
    stop: Arc<AtomicBool>,
    /// Spins done so far, by all of them.
    spins: Arc<AtomicU64>,
    /// Disconnected once every busy task has ended.
    done: mpsc::Receiver<()>,
    /// When the last of them had started.
    since: Instant,
}

impl Busy {
    /// Spins done so far.
    fn spins(&self) -> u64 {
        self.spins.load(Ordering::Relaxed)
    }

    /// Stops the busy tasks, waits until all have ended, and gives the
    /// spins per second they did together (the CPU the runtime left them).
    fn stop(self) -> f64 {
        // ORDERING: Relaxed; the flag publishes no data, the tasks only
        // need to see it eventually (the load in `busy_loop`).
        self.stop.store(true, Ordering::Relaxed);
        let secs = self.since.elapsed().as_secs_f64();
        loop {
            match self.done.recv_timeout(LIMIT) {
                Ok(()) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!("the busy tasks did not stop within {LIMIT:?}")
                }
            }
        }
        // Every task counted its spins before dropping its sender, and the
        // disconnection seen above happens after every drop.
        self.spins() as f64 / secs
    }
}

/// What a busy task needs.
struct BusyTask {
    spin: Spin,
    stop: Arc<AtomicBool>,
    spins: Arc<AtomicU64>,
    /// Sent on once running; dropped when the task ends.
    done: mpsc::Sender<()>,
}

/// A busy task: reports that it runs, then loops `{ yield; spin }` until
/// told to stop (or its count or time limit is reached), counting its
/// spins in the shared total.
async fn busy_loop<Y: Future<Output = ()>>(yield_now: impl Fn() -> Y, b: BusyTask) {
    let _ = b.done.send(());
    let deadline = Instant::now() + LIMIT;
    let mut spins = 0u64;
    while spins < BUSY_MAX_ITERS {
        // ORDERING: Relaxed; pairs with the Relaxed store in `Busy::stop`
        // (a flag only, nothing is read after it).
        if b.stop.load(Ordering::Relaxed) || (spins & 0xff == 0 && Instant::now() >= deadline) {
            break;
        }
        yield_now().await;
        b.spin.run();
        spins += 1;
        // A counter shared by the 4 tasks (one contended increment per
        // 10 µs spin, the same on every runtime), so the echo part can read
        // it at the edges of its window.
        b.spins.fetch_add(1, Ordering::Relaxed);
    }
    drop(b.done);
}

/// A sleeper: `sleeps` times sleeps until now + `SLEEP_PERIOD` and records
/// how late it woke; sends the samples on `out`.
async fn sleeper<S: Future>(
    sleep_until: impl Fn(Instant) -> S,
    sleeps: usize,
    out: mpsc::Sender<Vec<Duration>>,
) {
    let hard = Instant::now() + LIMIT;
    let mut late = Vec::with_capacity(sleeps);
    for _ in 0..sleeps {
        let deadline = Instant::now() + SLEEP_PERIOD;
        if deadline >= hard {
            break;
        }
        sleep_until(deadline).await;
        late.push(Instant::now().saturating_duration_since(deadline));
    }
    let _ = out.send(late);
}

/// A countdown whose last decrement sends the time it happened.
struct Latch {
    left: AtomicUsize,
    tx: mpsc::SyncSender<Instant>,
}

impl Latch {
    fn new(n: usize) -> (Arc<Latch>, mpsc::Receiver<Instant>) {
        let (tx, rx) = mpsc::sync_channel(1);
        let latch = Latch {
            left: AtomicUsize::new(n),
            tx,
        };
        (Arc::new(latch), rx)
    }

    fn count_down(&self) {
        // ORDERING: AcqRel; the last decrement (the one that sees 1)
        // acquires every earlier one, so it runs after all the tasks did.
        if self.left.fetch_sub(1, Ordering::AcqRel) == 1 {
            let _ = self.tx.try_send(Instant::now());
        }
    }
}

/// The `p`-quantile (0..=1) of sorted samples.
fn quantile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// The bench clients: plain threads outside every runtime, the same code
/// for each.
mod client {
    use super::*;
    use mio::net::TcpStream;
    use mio::{Events, Interest, Poll, Token};

    /// What one echo run measured.
    pub struct Echo {
        /// Round trips completed inside the window.
        pub msgs: u64,
        pub window: Duration,
        /// Their round-trip times, sorted.
        pub lat: Vec<Duration>,
        /// Spins per second of the busy tasks inside the window, if any.
        pub spins: Option<f64>,
    }

    /// One connection of an event loop: a message is written, then read
    /// back in full, then the next one is written.
    struct Conn {
        s: TcpStream,
        written: usize,
        got: usize,
        sent_at: Instant,
    }

    /// The window and the tallies of one event loop.
    struct Tally {
        from: Instant,
        until: Instant,
        msgs: u64,
        lat: Vec<Duration>,
    }

    /// Opens `conns` connections to `addr`, then runs them from `threads`
    /// event-loop threads, one message in flight per connection, for
    /// `warm` and then the measuring `window`; reads `busy`'s spins at the
    /// window's edges.
    pub fn echo(
        addr: SocketAddr,
        conns: usize,
        threads: usize,
        (warm, window): (Duration, Duration),
        busy: Option<&Busy>,
    ) -> io::Result<Echo> {
        let threads = threads.clamp(1, conns.max(1));
        let mut groups: Vec<Vec<std::net::TcpStream>> = (0..threads).map(|_| Vec::new()).collect();
        for i in 0..conns {
            let s = std::net::TcpStream::connect_timeout(&addr, LIMIT)?;
            s.set_nodelay(true)?;
            s.set_nonblocking(true)?;
            groups[i % threads].push(s);
        }
        let from = Instant::now() + warm;
        let until = from + window;
        let loops: Vec<_> = groups
            .into_iter()
            .enumerate()
            .map(|(i, group)| {
                std::thread::Builder::new()
                    .name(format!("echo-client-{i}"))
                    .spawn(move || event_loop(group, from, until))
                    .expect("spawn a client thread")
            })
            .collect();
        // This thread only reads the spin count at the window's edges.
        std::thread::sleep(from.saturating_duration_since(Instant::now()));
        let first = busy.map(Busy::spins);
        std::thread::sleep(until.saturating_duration_since(Instant::now()));
        let spins = busy
            .zip(first)
            .map(|(b, first)| (b.spins() - first) as f64 / window.as_secs_f64());
        let mut out = Echo {
            msgs: 0,
            window,
            lat: Vec::new(),
            spins,
        };
        for l in loops {
            let tally = l.join().expect("client thread panicked")?;
            out.msgs += tally.msgs;
            out.lat.extend(tally.lat);
        }
        out.lat.sort_unstable();
        Ok(out)
    }

    fn event_loop(
        group: Vec<std::net::TcpStream>,
        from: Instant,
        until: Instant,
    ) -> io::Result<Tally> {
        let mut poll = Poll::new()?;
        let mut events = Events::with_capacity(1024);
        let mut conns: Vec<Conn> = group
            .into_iter()
            .map(|s| Conn {
                s: TcpStream::from_std(s),
                written: 0,
                got: 0,
                sent_at: Instant::now(),
            })
            .collect();
        for (i, c) in conns.iter_mut().enumerate() {
            poll.registry().register(
                &mut c.s,
                Token(i),
                Interest::READABLE | Interest::WRITABLE,
            )?;
        }
        let mut tally = Tally {
            from,
            until,
            msgs: 0,
            lat: Vec::with_capacity(1 << 16),
        };
        for c in &mut conns {
            c.sent_at = Instant::now();
            step(c, &mut tally)?;
        }
        // Bounded by the window; the count only guards against a clock
        // that does not advance.
        for _ in 0..100_000_000u64 {
            let now = Instant::now();
            if now >= until {
                break;
            }
            match poll.poll(&mut events, Some(until - now)) {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            for ev in events.iter() {
                step(&mut conns[ev.token().0], &mut tally)?;
            }
        }
        Ok(tally)
    }

    /// Moves one connection on until its socket would block (the sockets
    /// are edge-triggered) or the window ended.
    fn step(c: &mut Conn, t: &mut Tally) -> io::Result<()> {
        let msg = [7u8; MSG];
        let mut buf = [0u8; MSG];
        // At most a few messages per call: each needs the server's answer.
        for _ in 0..1_000 {
            if c.written < MSG {
                match c.s.write(&msg[c.written..]) {
                    Ok(0) => return Err(ErrorKind::WriteZero.into()),
                    Ok(n) => c.written += n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            } else {
                match c.s.read(&mut buf[..MSG - c.got]) {
                    Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
                    Ok(n) => {
                        c.got += n;
                        if c.got == MSG {
                            let now = Instant::now();
                            if now >= t.from && now < t.until {
                                t.msgs += 1;
                                t.lat.push(now - c.sent_at);
                            }
                            if now >= t.until {
                                return Ok(());
                            }
                            c.written = 0;
                            c.got = 0;
                            c.sent_at = now;
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }

    /// `n` times: connect, one byte each way, close; from this thread.
    /// Gives the connections completed (it stops early at `LIMIT`).
    pub fn connect_close(addr: SocketAddr, n: usize) -> io::Result<usize> {
        let start = Instant::now();
        for i in 0..n {
            if start.elapsed() >= LIMIT {
                return Ok(i);
            }
            let mut s = std::net::TcpStream::connect_timeout(&addr, LIMIT)?;
            s.set_read_timeout(Some(LIMIT))?;
            // One byte each way proves the server accepted and served it.
            s.write_all(b"x")?;
            let mut b = [0u8; 1];
            s.read_exact(&mut b)?;
        }
        Ok(n)
    }
}

/// CPU time (user + system) of the process (`libc::RUSAGE_SELF`) or of
/// the calling thread (`libc::RUSAGE_THREAD`).
fn cpu_time(who: libc::c_int) -> Duration {
    // SAFETY: `rusage` is a plain C struct of integers, for which all
    // zero bytes are a valid value.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a valid, writable `rusage` for the call's duration;
    // `who` is one of the two constants the callers pass.
    let rc = unsafe { libc::getrusage(who, &mut ru) };
    if rc != 0 {
        return Duration::ZERO;
    }
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// Raises the soft descriptor limit to the hard one (1,000 connections
/// are 2,000 descriptors in this process); gives the soft limit after.
fn raise_nofile() -> libc::rlim_t {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid, writable `rlimit` for the call's duration.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return 0;
    }
    if lim.rlim_cur < lim.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: lim.rlim_max,
            rlim_max: lim.rlim_max,
        };
        // SAFETY: `raised` is a valid `rlimit` for the call's duration.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            return raised.rlim_cur;
        }
    }
    lim.rlim_cur
}

/// A loopback listener with the benchmark's backlog, for any runtime.
fn listener() -> io::Result<std::net::TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())?;
    socket.listen(BACKLOG)?;
    // tokio's `from_std` wants it non-blocking already; the others set it.
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// How a figure is printed.
#[derive(Clone, Copy)]
enum Unit {
    /// Microseconds, shown as µs or ms.
    Time,
    /// Per second, shown with thousands separators.
    Rate,
}

/// One row of the table: one figure of one workload, per runtime the
/// values of every round.
struct Row {
    workload: String,
    metric: &'static str,
    unit: Unit,
    values: [Vec<f64>; 3],
}

impl Row {
    fn new(workload: &str, metric: &'static str, unit: Unit) -> Row {
        Row {
            workload: workload.to_owned(),
            metric,
            unit,
            values: [Vec::new(), Vec::new(), Vec::new()],
        }
    }
}

/// Median, min and max of `v` (`None` if empty).
fn summary(v: &[f64]) -> Option<(f64, f64, f64)> {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if s.is_empty() {
        return None;
    }
    s.sort_by(f64::total_cmp);
    let n = s.len();
    let median = if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    };
    Some((median, s[0], s[n - 1]))
}

fn fmt_value(unit: Unit, x: f64) -> String {
    match unit {
        Unit::Time if x >= 1000.0 => format!("{:.2} ms", x / 1000.0),
        Unit::Time if x >= 100.0 => format!("{x:.0} µs"),
        Unit::Time if x >= 10.0 => format!("{x:.1} µs"),
        Unit::Time => format!("{x:.2} µs"),
        Unit::Rate => {
            let digits = format!("{:.0}", x.max(0.0));
            let mut out = String::new();
            for (i, ch) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(ch);
            }
            out
        }
    }
}

fn fmt_cell(unit: Unit, v: &[f64]) -> String {
    match summary(v) {
        None => "n/a".to_owned(),
        Some((median, min, max)) => format!(
            "{} ({}–{})",
            fmt_value(unit, median),
            fmt_value(unit, min),
            fmt_value(unit, max)
        ),
    }
}

fn fmt_ratio(a: &[f64], b: &[f64]) -> String {
    match (summary(a), summary(b)) {
        (Some((a, ..)), Some((b, ..))) if b > 0.0 => format!("{:.2}", a / b),
        _ => "n/a".to_owned(),
    }
}

fn print_table(rows: &[Row]) {
    println!("| workload | figure | curio | tokio | smol | curio / tokio | curio / smol |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for r in rows {
        let [c, t, s] = &r.values;
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.workload,
            r.metric,
            fmt_cell(r.unit, c),
            fmt_cell(r.unit, t),
            fmt_cell(r.unit, s),
            fmt_ratio(c, t),
            fmt_ratio(c, s)
        );
    }
}

/// Settings from the environment.
struct Config {
    rounds: usize,
    scale: usize,
    /// Divides every count and window: 1, or 10 in smoke mode.
    div: usize,
    clients: usize,
    spin: Spin,
}

fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Err(_) => default,
        Ok(v) => match v.trim().parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => {
                eprintln!("{name}={v:?} is not a positive integer");
                std::process::exit(2);
            }
        },
    }
}

/// The runtimes in the order of round `round`: rotated by one each round.
fn order(round: usize) -> impl Iterator<Item = Kind> {
    (0..KINDS.len()).map(move |i| KINDS[(i + round) % KINDS.len()])
}

/// Remote spawns onto busy workers.
fn part_spawn(cfg: &Config, rows: &mut Vec<Row>) {
    let n = NUM_SPAWN * cfg.scale / cfg.div;
    for workers in [1, 2] {
        let mut row = Row::new(
            &format!("{n} remote spawns, {workers} worker(s), {BUSY_TASKS} busy tasks"),
            "µs per spawn",
            Unit::Time,
        );
        for round in 0..cfg.rounds {
            for kind in order(round) {
                let rt = Rt::new(kind, workers);
                let busy = rt.start_busy(BUSY_TASKS, cfg.spin);
                let (latch, rx) = Latch::new(n);
                let start = Instant::now();
                for _ in 0..n {
                    let latch = latch.clone();
                    rt.spawn(async move { latch.count_down() });
                }
                let result = rx.recv_timeout(LIMIT);
                let _ = busy.stop();
                drop(rt);
                match result {
                    Ok(last) => {
                        let per = micros(last.saturating_duration_since(start)) / n as f64;
                        eprintln!(
                            "spawn w={workers} round {round} {}: {per:.2} µs/spawn",
                            kind.name()
                        );
                        row.values[kind.index()].push(per);
                    }
                    Err(_) => eprintln!(
                        "spawn w={workers} round {round} {}: not all tasks ran within {LIMIT:?}",
                        kind.name()
                    ),
                }
            }
        }
        rows.push(row);
    }
}

/// TCP echo (busy and idle) and connect+accept+close.
fn part_echo(cfg: &Config, nofile: libc::rlim_t, rows: &mut Vec<Row>) {
    let window = ECHO_WINDOW * cfg.scale as u32 / cfg.div as u32;
    let warm = ECHO_WARM / cfg.div as u32;
    for busy in [true, false] {
        for conns in [64, 1000] {
            // Each connection is two descriptors here, plus the runtimes'.
            let needed = 2 * conns as libc::rlim_t + 256;
            if nofile < needed {
                println!(
                    "SKIP echo with {conns} connections: the descriptor limit is {nofile}, it needs about {needed}"
                );
                continue;
            }
            let name = if busy {
                format!("echo, {conns} conns, {BUSY_TASKS} busy tasks")
            } else {
                format!("echo, {conns} conns, idle")
            };
            let mut rate = Row::new(&name, "msgs/s", Unit::Rate);
            let mut p50 = Row::new(&name, "p50 round trip", Unit::Time);
            let mut p99 = Row::new(&name, "p99 round trip", Unit::Time);
            let mut spins = Row::new(&name, "busy tasks' spins/s", Unit::Rate);
            for round in 0..cfg.rounds {
                for kind in order(round) {
                    let rt = Rt::new(kind, 2);
                    let result = listener().and_then(|l| {
                        let addr = l.local_addr()?;
                        rt.serve_echo(l);
                        let b = busy.then(|| rt.start_busy(BUSY_TASKS, cfg.spin));
                        let out =
                            client::echo(addr, conns, cfg.clients, (warm, window), b.as_ref());
                        if let Some(b) = b {
                            b.stop();
                        }
                        out
                    });
                    drop(rt);
                    match result {
                        Ok(e) => {
                            let spun = e.spins;
                            let r = e.msgs as f64 / e.window.as_secs_f64();
                            let (a, b) = (quantile(&e.lat, 0.50), quantile(&e.lat, 0.99));
                            eprintln!(
                                "{name} round {round} {}: {r:.0} msgs/s, p50 {:.1} µs, p99 {:.1} µs, busy spins/s {:.0}",
                                kind.name(),
                                micros(a),
                                micros(b),
                                spun.unwrap_or(0.0)
                            );
                            let i = kind.index();
                            rate.values[i].push(r);
                            spins.values[i].extend(spun);
                            if !e.lat.is_empty() {
                                p50.values[i].push(micros(a));
                                p99.values[i].push(micros(b));
                            }
                        }
                        Err(e) => eprintln!("{name} round {round} {}: failed: {e}", kind.name()),
                    }
                }
            }
            rows.extend([rate, p50, p99]);
            if busy {
                rows.push(spins);
            }
        }
    }

    let n = NUM_CONNECT * cfg.scale / cfg.div;
    let name = format!("connect+accept+close, {n} in a row, idle");
    let mut rate = Row::new(&name, "conns/s", Unit::Rate);
    let mut cpu = Row::new(&name, "server CPU per conn", Unit::Time);
    for round in 0..cfg.rounds {
        for kind in order(round) {
            let rt = Rt::new(kind, 2);
            let result = listener().and_then(|l| {
                let addr = l.local_addr()?;
                rt.serve_echo(l);
                client::connect_close(addr, 100)?;
                let (proc0, thread0, wall0) = (
                    cpu_time(libc::RUSAGE_SELF),
                    cpu_time(libc::RUSAGE_THREAD),
                    Instant::now(),
                );
                let done = client::connect_close(addr, n)?;
                let wall = wall0.elapsed();
                let server = (cpu_time(libc::RUSAGE_SELF) - proc0)
                    .saturating_sub(cpu_time(libc::RUSAGE_THREAD) - thread0);
                Ok((done, wall, server))
            });
            drop(rt);
            match result {
                Ok((done, wall, server)) if done > 0 => {
                    let r = done as f64 / wall.as_secs_f64();
                    let c = micros(server) / done as f64;
                    eprintln!(
                        "connect round {round} {}: {r:.0} conns/s, server CPU {c:.1} µs/conn, wall {:.1} µs/conn",
                        kind.name(),
                        micros(wall) / done as f64
                    );
                    rate.values[kind.index()].push(r);
                    cpu.values[kind.index()].push(c);
                }
                Ok(_) => eprintln!(
                    "connect round {round} {}: no connection completed",
                    kind.name()
                ),
                Err(e) => eprintln!("connect round {round} {}: failed: {e}", kind.name()),
            }
        }
    }
    rows.extend([rate, cpu]);
}

/// Sleep lateness, busy and idle.
fn part_sleep(cfg: &Config, rows: &mut Vec<Row>) {
    let sleeps = SLEEPS * cfg.scale / cfg.div;
    for busy in [true, false] {
        let name = if busy {
            format!("{SLEEPERS} tasks × {sleeps} sleeps of 1 ms, {BUSY_TASKS} busy tasks")
        } else {
            format!("{SLEEPERS} tasks × {sleeps} sleeps of 1 ms, idle")
        };
        let mut p50 = Row::new(&name, "p50 lateness", Unit::Time);
        let mut p99 = Row::new(&name, "p99 lateness", Unit::Time);
        let mut spins = Row::new(&name, "busy tasks' spins/s", Unit::Rate);
        for round in 0..cfg.rounds {
            for kind in order(round) {
                let rt = Rt::new(kind, 2);
                let b = busy.then(|| rt.start_busy(BUSY_TASKS, cfg.spin));
                let (tx, rx) = mpsc::channel();
                for _ in 0..SLEEPERS {
                    rt.spawn_sleeper(sleeps, tx.clone());
                }
                drop(tx);
                let mut late = Vec::with_capacity(SLEEPERS * sleeps);
                let mut missing = 0;
                for _ in 0..SLEEPERS {
                    match rx.recv_timeout(LIMIT) {
                        Ok(v) => late.extend(v),
                        Err(_) => missing += 1,
                    }
                }
                let spun = b.map(Busy::stop);
                drop(rt);
                if missing > 0 || late.is_empty() {
                    eprintln!(
                        "{name} round {round} {}: {missing} sleepers did not report within {LIMIT:?}",
                        kind.name()
                    );
                    continue;
                }
                late.sort_unstable();
                let (a, b) = (micros(quantile(&late, 0.50)), micros(quantile(&late, 0.99)));
                eprintln!(
                    "{name} round {round} {}: p50 {a:.1} µs, p99 {b:.1} µs late, busy spins/s {:.0}",
                    kind.name(),
                    spun.unwrap_or(0.0)
                );
                p50.values[kind.index()].push(a);
                p99.values[kind.index()].push(b);
                spins.values[kind.index()].extend(spun);
            }
        }
        rows.extend([p50, p99]);
        if busy {
            rows.push(spins);
        }
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".to_owned())
}

fn main() {
    // `cargo bench -- --list` runs nothing; without `--bench` (as under
    // `cargo test --benches`) one round at a tenth of the counts checks
    // that every workload runs, as criterion's test mode does.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let smoke = !std::env::args().any(|a| a == "--bench");
    let part = std::env::var("LOAD_BENCH_PART").unwrap_or_default();
    if !["", "spawn", "echo", "sleep"].contains(&part.as_str()) {
        eprintln!("LOAD_BENCH_PART={part:?}: expected spawn, echo or sleep (or unset for all)");
        std::process::exit(2);
    }
    let nofile = raise_nofile();
    let spin = match std::env::var("LOAD_BENCH_SPIN_ITERS") {
        Ok(_) => Spin {
            iters: env_usize("LOAD_BENCH_SPIN_ITERS", 1) as u64,
        },
        Err(_) => Spin::calibrate(SPIN),
    };
    let cfg = Config {
        rounds: if smoke {
            1
        } else {
            env_usize("LOAD_BENCH_ROUNDS", 5)
        },
        div: if smoke { 10 } else { 1 },
        scale: env_usize("LOAD_BENCH_SCALE", 1),
        clients: env_usize("LOAD_BENCH_CLIENTS", 2),
        spin,
    };
    let started = Instant::now();
    if smoke {
        println!(
            "smoke mode (no --bench argument): 1 round at a tenth of the counts; \
             the figures are no measurement (run benches/run-load.sh for those)"
        );
    }
    println!(
        "load bench: {} rounds (runtimes alternating, order rotated each round), scale {}, \
         spin {} iterations (~{SPIN:?}; LOAD_BENCH_SPIN_ITERS={} reproduces it), \
         {} echo client threads, descriptor limit {nofile}, cores {}, load average {}",
        cfg.rounds,
        cfg.scale,
        cfg.spin.iters,
        cfg.spin.iters,
        cfg.clients,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    let mut rows = Vec::new();
    if part.is_empty() || part == "spawn" {
        part_spawn(&cfg, &mut rows);
    }
    if part.is_empty() || part == "echo" {
        part_echo(&cfg, nofile, &mut rows);
    }
    if part.is_empty() || part == "sleep" {
        part_sleep(&cfg, &mut rows);
    }
    println!();
    print_table(&rows);
    println!();
    println!(
        "ratios: of the medians; for msgs/s, spins/s and conns/s above 1 means curio does more, for times below 1 that it is faster. \
         took {:.0} s, load average at the end {}",
        started.elapsed().as_secs_f64(),
        load_average()
    );
}
