//! Servers: `tcp_server` with many std clients, handlers that fail or
//! panic, cancellation reaching the clients, `unix_server`, and accepting
//! through file-descriptor exhaustion (in a child process with a low
//! `RLIMIT_NOFILE`).

mod support;

use curio::net::{run_server, tcp_server, unix_server, TcpListener, TcpStream, UnixStream};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

/// A generous bound on any blocking std-side operation.
const LIMIT: Duration = Duration::from_secs(20);

/// A port that was free a moment ago.
fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// Connects from a std thread, retrying while the server starts (bounded).
fn std_connect(addr: SocketAddr) -> std::net::TcpStream {
    let deadline = std::time::Instant::now() + LIMIT;
    loop {
        match std::net::TcpStream::connect(addr) {
            Ok(s) => {
                s.set_read_timeout(Some(LIMIT)).unwrap();
                return s;
            }
            Err(e) if std::time::Instant::now() < deadline => {
                let _ = e;
                std::thread::yield_now();
            }
            Err(e) => panic!("cannot connect to {addr}: {e}"),
        }
    }
}

/// Echoes lines until end of stream.
async fn echo(client: TcpStream, _: SocketAddr) -> std::io::Result<()> {
    let mut s = client.into_stream();
    loop {
        let line = s.readline().await?;
        if line.is_empty() {
            return Ok(());
        }
        s.write(&line).await?;
    }
}

#[test]
fn tcp_server_serves_many_clients_and_survives_failing_handlers() {
    for workers in support::FLAVOURS {
        let rt = support::runtime(workers, "net-srv");
        let addr = free_addr();
        let server = rt.spawn(tcp_server(addr, echo));
        let clients: Vec<_> = (0..16)
            .map(|i| {
                std::thread::spawn(move || {
                    let mut s = std_connect(addr);
                    let mut r = BufReader::new(s.try_clone().unwrap());
                    for round in 0..20 {
                        let msg = format!("{i}:{round}\n");
                        s.write_all(msg.as_bytes()).unwrap();
                        let mut back = String::new();
                        r.read_line(&mut back).unwrap();
                        assert_eq!(back, msg);
                    }
                })
            })
            .collect();
        for c in clients {
            c.join().unwrap();
        }
        assert!(!server.is_finished());
        drop(server);

        // Handlers returning `()`, panicking, or failing don't stop it.
        let addr = free_addr();
        let _server = rt.spawn(tcp_server(
            addr,
            |c: TcpStream, peer: SocketAddr| async move {
                let mut b = [0; 1];
                c.read_exact(&mut b).await.unwrap();
                match b[0] {
                    b'p' => panic!("handler panics for {peer}"),
                    b'e' => {
                        let _ = Err::<(), _>(std::io::Error::other("handler error"));
                    }
                    _ => c.write_all(b"ok").await.unwrap(),
                }
            },
        ));
        for first in [b'p', b'e', b'x'] {
            let mut s = std_connect(addr);
            s.write_all(&[first]).unwrap();
            let mut got = Vec::new();
            s.read_to_end(&mut got).unwrap();
            assert_eq!(got, if first == b'x' { &b"ok"[..] } else { b"" });
        }
        drop(rt);
    }
}

#[test]
fn cancelling_the_server_cancels_its_clients() {
    curio::run(async {
        let addr = free_addr();
        let mut server = curio::spawn(tcp_server(addr, |c: TcpStream, _| async move {
            // Blocks until cancelled.
            c.read(&mut [0; 1]).await.map(|_| ())
        }));
        let client = curio::run_in_thread(move || std_connect(addr)).await;
        // The client is served once its handler waits; the greeting-free
        // protocol means we observe it only through the cancel below.
        curio::yield_now().await;
        server.cancel().await;
        let got = curio::run_in_thread(move || {
            let mut c = client;
            let mut buf = [0; 1];
            c.read(&mut buf)
        })
        .await;
        // The client's socket was closed by the cancelled handler: end of
        // stream (or a reset), never a timeout.
        match got {
            Ok(n) => assert_eq!(n, 0),
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset),
        }
    });
}

#[test]
fn unix_server_serves() {
    let path = std::env::temp_dir().join(format!("curio-us-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let p = path.clone();
    curio::run(async move {
        let mut server = curio::spawn(unix_server(p.clone(), |c: UnixStream, _| async move {
            c.write_all(b"hello unix\n").await
        }));
        let mut client = None;
        for _ in 0..10_000 {
            match UnixStream::connect(&p).await {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(_) => curio::yield_now().await,
            }
        }
        let client = client.expect("server listens");
        assert_eq!(
            client.as_stream().readline().await.unwrap(),
            b"hello unix\n"
        );
        server.cancel().await;
    });
    let _ = std::fs::remove_file(path);
}

/// The environment variable that makes `emfile_child` run.
const CHILD_ENV: &str = "CURIO_NET_EMFILE_CHILD";

/// Runs in a child process whose descriptor limit is 64: serves on a port
/// it prints, fills its descriptor table, and frees it when told to on
/// stdin.
#[test]
fn emfile_child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    // The server reports its back-off through `log`: print it on stderr,
    // where the parent looks for it.
    log::set_logger(&StderrLogger).unwrap();
    log::set_max_level(log::LevelFilter::Warn);
    let rt = support::runtime(2, "net-emfile");
    // Bind before serving, so no descriptor is opened or freed later.
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let _server = rt.spawn(run_server(listener, |c: TcpStream, _| async move {
        c.write_all(b"served\n").await
    }));
    let mut hog = Vec::new();
    while let Ok(f) = std::fs::File::open("/dev/null") {
        hog.push(f);
        assert!(hog.len() < 10_000, "the descriptor limit was not lowered");
    }
    println!("port {}", addr.port());
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
    drop(hog);
    std::io::stdin().read_line(&mut line).unwrap();
    drop(rt);
}

#[test]
fn accept_backs_off_under_fd_exhaustion_and_keeps_serving() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 64 && exec \"$0\" emfile_child --exact --nocapture --test-threads=1")
        .arg(&exe)
        .env(CHILD_ENV, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let port = loop {
        let mut line = String::new();
        assert_ne!(out.read_line(&mut line).unwrap(), 0, "child exited early");
        // The harness may have printed "test emfile_child ... " first.
        if let Some(i) = line.find("port ") {
            break line[i + 5..].trim().parse::<u16>().unwrap();
        }
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    // The kernel completes these connections; the child cannot accept
    // them while its descriptor table is full.
    let mut clients: Vec<_> = (0..3).map(|_| std_connect(addr)).collect();
    clients[0]
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = [0; 7];
    let starved = clients[0].read(&mut buf);
    assert!(
        starved.is_err(),
        "served while out of descriptors: {starved:?}"
    );
    clients[0].set_read_timeout(Some(LIMIT)).unwrap();
    writeln!(stdin, "free").unwrap();
    for c in &mut clients {
        c.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"served\n");
    }
    writeln!(stdin, "done").unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "child failed: {stderr}");
    assert!(stderr.contains("backing off"), "no EMFILE seen: {stderr}");
}

/// A `log` logger that prints every record on stderr.
struct StderrLogger;

impl log::Log for StderrLogger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        eprintln!("{}: {}", record.target(), record.args());
    }

    fn flush(&self) {}
}
