//! 10,000 concurrent connections: a curio echo server in this process holds
//! them all open while every one of them round-trips a message. The clients
//! run in a child process (this test binary re-executed in client mode), so
//! each side has its own descriptor table.
//!
//! Both processes raise their soft `RLIMIT_NOFILE` to the hard limit; the
//! test is skipped, saying so, when the hard limit is too low.

use curio::net::{TcpListener, TcpStream};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// Concurrent connections.
const CONNS: usize = 10_000;
/// The descriptor limit below which the test is skipped (the connections,
/// plus the runtime's and the harness's own).
const NEEDED_FDS: libc::rlim_t = 10_500;
/// The whole test fails after this.
const LIMIT: Duration = Duration::from_secs(60);
/// Source addresses the client spreads its connections over
/// (127.0.0.2 up), so no single address runs short of ephemeral ports.
const SOURCES: u8 = 10;
/// The environment variable that selects client mode; its value is the
/// server's address.
const CLIENT_ENV: &str = "CURIO_NET_C10K_CLIENT";

/// Raises the soft descriptor limit to the hard one; gives the new soft
/// limit.
fn raise_nofile_limit() -> libc::rlim_t {
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
        // SAFETY: `raised` is a valid `rlimit`; raising the soft limit up
        // to the hard one needs no privilege.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            lim.rlim_cur = lim.rlim_max;
        }
    }
    lim.rlim_cur
}

/// The message connection `i` sends: its index, so a crossed echo shows.
fn message(i: usize) -> [u8; 8] {
    (i as u64).to_le_bytes()
}

/// Client mode: opens `CONNS` connections, reports, waits for "go" on
/// stdin, writes a message on every connection, then reads every echo,
/// reports, waits for "close" and exits (closing them all).
#[test]
fn c10k_client() {
    let Some(addr) = std::env::var_os(CLIENT_ENV) else {
        return;
    };
    let addr: SocketAddr = addr.to_str().unwrap().parse().unwrap();
    raise_nofile_limit();
    let mut conns = Vec::with_capacity(CONNS);
    for i in 0..CONNS {
        let source = Ipv4Addr::new(127, 0, 0, 2 + (i % SOURCES as usize) as u8);
        let socket =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        socket
            .bind(&SocketAddrV4::new(source, 0).into())
            .unwrap_or_else(|e| panic!("bind {source} (connection {i}): {e}"));
        socket
            .connect_timeout(&addr.into(), Duration::from_secs(20))
            .unwrap_or_else(|e| panic!("connect {i}: {e}"));
        let s: std::net::TcpStream = socket.into();
        s.set_nodelay(true).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        conns.push(s);
    }
    println!("opened {}", conns.len());
    let mut stdin = std::io::stdin().lock();
    let mut line = String::new();
    stdin.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "go");
    for (i, s) in conns.iter_mut().enumerate() {
        s.write_all(&message(i)).unwrap();
    }
    for (i, s) in conns.iter_mut().enumerate() {
        let mut back = [0u8; 8];
        s.read_exact(&mut back)
            .unwrap_or_else(|e| panic!("echo {i}: {e}"));
        assert_eq!(back, message(i), "connection {i} got another's echo");
    }
    println!("echoed {}", conns.len());
    line.clear();
    stdin.read_line(&mut line).unwrap();
    drop(conns);
}

/// Echoes until end of stream, counting itself in `live` meanwhile.
async fn echo(s: TcpStream, live: Arc<AtomicUsize>, echoed: Arc<AtomicUsize>) {
    live.fetch_add(1, SeqCst);
    let mut buf = [0u8; 64];
    while let Ok(n) = s.read(&mut buf).await {
        if n == 0 || s.write_all(&buf[..n]).await.is_err() {
            break;
        }
        echoed.fetch_add(1, SeqCst);
    }
    live.fetch_sub(1, SeqCst);
}

/// Waits for `cond`, failing the test at `deadline`.
fn wait_for(deadline: Instant, what: &str, mut cond: impl FnMut() -> bool) {
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn ten_thousand_connections_open_at_once_all_echo() {
    if std::env::var_os(CLIENT_ENV).is_some() {
        return;
    }
    let limit = raise_nofile_limit();
    if limit < NEEDED_FDS {
        eprintln!(
            "SKIPPED: RLIMIT_NOFILE is {limit}, {NEEDED_FDS} are needed for {CONNS} connections"
        );
        return;
    }
    let start = Instant::now();
    let deadline = start + LIMIT;
    let rt = curio::Runtime::builder()
        .workers(2)
        .thread_name("net-c10k")
        .build()
        .unwrap();
    let listener = rt
        .block_on(TcpListener::bind_with("127.0.0.1:0", 4096))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let live = Arc::new(AtomicUsize::new(0));
    let echoed = Arc::new(AtomicUsize::new(0));
    let (l, e) = (live.clone(), echoed.clone());
    let _server = rt.spawn(async move {
        loop {
            match listener.accept().await {
                Ok((s, _)) => drop(curio::spawn(echo(s, l.clone(), e.clone()))),
                Err(err) => panic!("accept failed: {err}"),
            }
        }
    });

    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args(["c10k_client", "--exact", "--nocapture", "--test-threads=1"])
        .env(CLIENT_ENV, addr.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // The harness may print "test c10k_client ... " before our lines.
    let mut expect = |what: &str| loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.contains(what) => break,
            Ok(_) => {}
            Err(_) => {
                let _ = child.kill();
                panic!("the client did not report {what:?} in time");
            }
        }
    };

    expect(&format!("opened {CONNS}"));
    let opened = start.elapsed();
    wait_for(deadline, "the server to hold every connection", || {
        live.load(SeqCst) == CONNS
    });
    writeln!(stdin, "go").unwrap();
    expect(&format!("echoed {CONNS}"));
    let round = start.elapsed() - opened;
    // The server counts an echo after its write returns, which may be just
    // after the client read it.
    wait_for(deadline, "the server to count every echo", || {
        echoed.load(SeqCst) == CONNS
    });
    // Still all open while every one has echoed.
    assert_eq!(live.load(SeqCst), CONNS);
    writeln!(stdin, "close").unwrap();
    wait_for(deadline, "the server to see every client leave", || {
        live.load(SeqCst) == 0
    });
    let status = child.wait().unwrap();
    assert!(status.success(), "client failed: {status}");
    eprintln!(
        "{CONNS} connections: opened in {opened:.2?}, all echoed in {round:.2?}, total {:.2?}",
        start.elapsed()
    );
}
