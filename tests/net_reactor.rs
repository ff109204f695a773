//! The reactor under the workers: a waker that panics does not stop I/O,
//! waiting on idle sockets costs no cooperative budget, readiness reaches
//! workers that never park and workers stuck in long polls, and the
//! reactor's counters show who turned the poll.

mod support;

use curio::net::{TcpListener, TcpStream};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};
use support::{runtime, FLAVOURS};

/// A bound on anything a test waits for.
const LIMIT: Duration = Duration::from_secs(10);

/// A connected pair: (the accepted side, the connecting side).
async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connect = curio::spawn(async move { TcpStream::connect(addr).await.unwrap() });
    let (server, _) = listener.accept().await.unwrap();
    (server, connect.await.unwrap())
}

/// A waker that panics when woken.
struct PanickingWaker;

impl Wake for PanickingWaker {
    fn wake(self: Arc<Self>) {
        panic!("this waker panics on purpose");
    }
}

/// One round trip over a fresh connection, within `LIMIT`.
async fn round_trip() {
    let (a, b) = pair().await;
    b.write_all(b"ping").await.unwrap();
    let mut buf = [0; 4];
    a.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"ping");
}

/// A waker that panics while the reactor wakes it (here: a read future
/// polled with it once, then the peer writes) is caught; sockets keep
/// working afterwards, on every runtime flavour.
#[test]
fn panicking_waker_does_not_stop_io() {
    for workers in FLAVOURS {
        runtime(workers, "reactor-panic").run(async {
            let (a, b) = pair().await;
            let mut buf = [0; 8];
            {
                let waker = Waker::from(Arc::new(PanickingWaker));
                let mut cx = Context::from_waker(&waker);
                let mut read = std::pin::pin!(a.read(&mut buf));
                assert!(read.as_mut().poll(&mut cx).is_pending());
            }
            // The event for this write wakes the panicking waker.
            b.write_all(b"x").await.unwrap();
            curio::sleep(Duration::from_millis(20)).await;
            curio::timeout_after(LIMIT, round_trip())
                .await
                .expect("I/O still works after a waker panicked");
        });
    }
}

/// A future that polls `reads` idle reads on every poll and counts its
/// polls.
struct ManyIdleReads<'a> {
    /// One pending read per idle socket.
    reads: Vec<Pin<Box<dyn Future<Output = std::io::Result<usize>> + Send + 'a>>>,
    /// Polls so far.
    polls: &'a AtomicUsize,
}

impl Future for ManyIdleReads<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.fetch_add(1, SeqCst);
        for read in self.reads.iter_mut() {
            assert!(read.as_mut().poll(cx).is_pending(), "nothing was sent");
        }
        Poll::Pending
    }
}

/// A task that waits on more idle sockets in one poll than its
/// cooperative budget allows (200 > 128) is polled once and then sleeps:
/// waiting costs no budget, so it neither wakes itself nor spins a core.
#[test]
fn waiting_on_many_idle_sockets_does_not_spin() {
    runtime(2, "reactor-coop").run(async {
        let mut pairs = Vec::new();
        for _ in 0..200 {
            pairs.push(pair().await);
        }
        let polls = AtomicUsize::new(0);
        let mut bufs = vec![[0u8; 8]; pairs.len()];
        let reads = pairs
            .iter()
            .zip(bufs.iter_mut())
            .map(|((a, _), buf)| Box::pin(a.read(buf)) as Pin<Box<dyn Future<Output = _> + Send>>)
            .collect();
        let idle = ManyIdleReads {
            reads,
            polls: &polls,
        };
        assert!(curio::ignore_after(Duration::from_millis(200), idle)
            .await
            .is_none());
        let n = polls.load(SeqCst);
        assert!(
            n <= 3,
            "polled {n} times in 200 ms while every socket was idle"
        );
    });
}

/// Spins for `d` without yielding.
fn spin(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}

/// With every worker kept busy by tasks that yield between slices of CPU
/// work (so no worker ever parks), echo round trips still complete: the
/// busy workers turn the poll themselves.
#[test]
fn readiness_reaches_workers_that_never_park() {
    let rt = runtime(2, "reactor-busy");
    let stop = Arc::new(AtomicBool::new(false));
    for _ in 0..4 {
        let stop = stop.clone();
        drop(rt.spawn(async move {
            while !stop.load(SeqCst) {
                curio::yield_now().await;
                spin(Duration::from_micros(10));
            }
        }));
    }
    let turns_before = reactor_stat(&rt, "reactor turns");
    rt.block_on(async {
        curio::timeout_after(LIMIT, async {
            for _ in 0..50 {
                round_trip().await;
            }
        })
        .await
        .expect("round trips under load");
    });
    stop.store(true, SeqCst);
    assert!(reactor_stat(&rt, "reactor turns") > turns_before.max(1));
}

/// When every worker is stuck in a long poll, the reactor thread turns the
/// poll (the fallback): an event that arrives meanwhile is delivered, and
/// its task runs as soon as a worker is free.
#[test]
fn reactor_thread_turns_the_poll_when_workers_are_stuck() {
    let rt = runtime(1, "reactor-stuck");
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = rt.spawn(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        tx.send(listener.local_addr().unwrap()).unwrap();
        let (s, _) = listener.accept().await.unwrap();
        let mut buf = [0; 4];
        s.read_exact(&mut buf).await.unwrap();
        buf
    });
    let addr = rx.recv_timeout(LIMIT).unwrap();
    let mut client = std::net::TcpStream::connect(addr).unwrap();
    // Let the reader park on the accepted socket.
    std::thread::sleep(Duration::from_millis(50));
    let fallback_before = reactor_stat(&rt, "reactor fallback turns");
    let stuck = rt.spawn(async { spin(Duration::from_millis(300)) });
    std::thread::sleep(Duration::from_millis(20));
    std::io::Write::write_all(&mut client, b"pong").unwrap();
    let deadline = Instant::now() + LIMIT;
    while reactor_stat(&rt, "reactor fallback turns") == fallback_before {
        assert!(
            Instant::now() < deadline,
            "the reactor thread never turned the poll"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    rt.block_on(stuck).unwrap();
    assert_eq!(&rt.block_on(reader).unwrap(), b"pong");
}

/// The value of the reactor counter `name` in the runtime's statistics.
fn reactor_stat(rt: &curio::Runtime, name: &str) -> u64 {
    rt.handle()
        .stats()
        .drivers
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
        .unwrap_or(0)
}

/// A waker that counts nothing and does nothing: its `Arc`'s strong count
/// shows whether the reactor still holds it.
struct Idle;

impl Wake for Idle {
    fn wake(self: Arc<Self>) {}
}

/// Polls `fut` once with a fresh counted waker, drops it, and gives the
/// waker's `Arc` (strong count 1 once nothing else holds it).
fn poll_once_and_drop<F: Future>(fut: F) -> Arc<Idle> {
    let wake = Arc::new(Idle);
    let waker = Waker::from(wake.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    assert!(fut.as_mut().poll(&mut cx).is_pending());
    wake
}

/// A wait that is dropped (a timed-out `recv` on a shared socket, an
/// abandoned `read` or `accept`) leaves no waker behind in the socket's
/// waiter list: the reactor keeps no memory of tasks that stopped waiting.
#[test]
fn a_dropped_wait_leaves_no_waker_behind() {
    runtime(1, "reactor-waiters").run(async {
        let udp = curio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let (a, _b) = pair().await;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut buf = [0; 16];
        for _ in 0..100 {
            let w = poll_once_and_drop(udp.recv(&mut buf));
            assert_eq!(Arc::strong_count(&w), 1, "recv left its waker");
            let w = poll_once_and_drop(udp.recv_from(&mut buf));
            assert_eq!(Arc::strong_count(&w), 1, "recv_from left its waker");
            let w = poll_once_and_drop(a.read(&mut buf));
            assert_eq!(Arc::strong_count(&w), 1, "read left its waker");
            let w = poll_once_and_drop(listener.accept());
            assert_eq!(Arc::strong_count(&w), 1, "accept left its waker");
            let w = poll_once_and_drop(a.readable());
            assert_eq!(Arc::strong_count(&w), 1, "readable left its waker");
        }
        // Many tasks timing out on one shared socket: all of them end.
        let udp = Arc::new(udp);
        let mut tasks = Vec::new();
        for _ in 0..200 {
            let udp = udp.clone();
            tasks.push(curio::spawn(async move {
                let mut buf = [0; 16];
                curio::ignore_after(Duration::from_millis(5), udp.recv(&mut buf)).await
            }));
        }
        for t in tasks {
            assert!(t.await.unwrap().is_none());
        }
    });
}

/// Two tasks waiting on the same shared socket both make progress: each
/// keeps its own slot in the waiter list.
#[test]
fn two_tasks_accept_on_one_listener() {
    runtime(2, "reactor-two").run(async {
        let listener = Arc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
        let addr = listener.local_addr().unwrap();
        let acceptors: Vec<_> = (0..2)
            .map(|_| {
                let l = listener.clone();
                curio::spawn(async move { l.accept().await.map(drop) })
            })
            .collect();
        curio::sleep(Duration::from_millis(20)).await;
        let _c1 = TcpStream::connect(addr).await.unwrap();
        let _c2 = TcpStream::connect(addr).await.unwrap();
        for a in acceptors {
            curio::timeout_after(LIMIT, a)
                .await
                .expect("both acceptors get a connection")
                .unwrap()
                .unwrap();
        }
    });
}
