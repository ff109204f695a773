//! A TCP echo service that shuts down gracefully on Ctrl-C or SIGTERM: it
//! stops accepting at once (new connections are refused) and lets the
//! connections it has finish within a grace period; those still open when
//! it ends are cancelled.
//!
//! `cargo run --release --example graceful -- serve 127.0.0.1:25000` serves
//! until Ctrl-C. Without arguments it runs a self-test: a client connects
//! and echoes a line, the program sends itself SIGTERM, new connections are
//! refused while the client's connection still echoes a second line, and
//! the service returns once that client has left.

use curio::net::{TcpListener, TcpStream};
use curio::signal::{SignalEvent, SIGINT, SIGTERM};
use futures::future::{select, Either};
use std::io::{self, BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// How long the connections open at the signal may take to finish.
const GRACE: Duration = Duration::from_secs(5);

/// Echoes one client, line by line, until it leaves.
async fn echo(client: TcpStream) -> io::Result<()> {
    let mut s = client.as_stream();
    loop {
        let line = s.readline().await?;
        if line.is_empty() {
            return Ok(());
        }
        s.write(&line).await?;
    }
}

/// Serves `listener` until SIGINT or SIGTERM, then stops accepting and
/// gives the open connections `grace` to finish. Returns how many
/// connections it served.
async fn serve(listener: TcpListener, grace: Duration) -> io::Result<usize> {
    let signals = SignalEvent::new(&[SIGINT, SIGTERM])?;
    let clients = curio::TaskGroup::new();
    let mut served = 0;
    loop {
        let accept = std::pin::pin!(listener.accept());
        let signal = std::pin::pin!(signals.wait());
        match select(accept, signal).await {
            Either::Left((accepted, _)) => {
                let (stream, _) = accepted?;
                clients.spawn(echo(stream));
                served += 1;
            }
            Either::Right((signal, _)) => {
                signal?;
                break;
            }
        }
    }
    listener.close();
    println!("signal: no longer accepting; {served} connection(s) may finish");
    match curio::timeout_after(grace, clients.join()).await {
        Ok(_) => println!("every connection finished"),
        Err(_) => println!("grace period over: the remaining connections were cancelled"),
    }
    Ok(served)
}

/// The self-test's client, on a plain thread: echoes a line, waits for the
/// signal, sees new connections refused, echoes a second line, leaves.
fn client(addr: SocketAddr, signalled: std::sync::mpsc::Receiver<()>) -> io::Result<()> {
    let limit = Some(Duration::from_secs(10));
    let stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(limit)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    (&stream).write_all(b"before\n")?;
    reader.read_line(&mut line)?;
    assert_eq!(line, "before\n");
    signalled
        .recv_timeout(Duration::from_secs(10))
        .map_err(io::Error::other)?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match std::net::TcpStream::connect(addr) {
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => break,
            _ if Instant::now() > deadline => {
                return Err(io::Error::other("new connections were still accepted"))
            }
            _ => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    line.clear();
    (&stream).write_all(b"after\n")?;
    reader.read_line(&mut line)?;
    assert_eq!(line, "after\n", "the open connection still echoes");
    Ok(())
}

/// The self-test (see the module docs).
async fn self_test() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = curio::spawn(serve(listener, GRACE));
    let (tell, signalled) = std::sync::mpsc::channel();
    let client = std::thread::spawn(move || client(addr, signalled));
    // Wait until the client has its first echo, then signal.
    let deadline = Instant::now() + Duration::from_secs(10);
    while curio::Handle::current().tasks().len() < 3 {
        if Instant::now() > deadline {
            return Err(io::Error::other("the client never connected"));
        }
        curio::sleep(Duration::from_millis(5)).await;
    }
    curio::signal::raise(SIGTERM)?;
    tell.send(()).map_err(io::Error::other)?;
    let served = server.await.map_err(io::Error::other)??;
    client
        .join()
        .map_err(|_| io::Error::other("the client panicked"))??;
    println!("self-test: {served} connection(s) served, finished gracefully");
    Ok(())
}

fn main() -> io::Result<()> {
    /// What `--help` prints.
    const USAGE: &str = "\
graceful: an echo service that shuts down gracefully on Ctrl-C or SIGTERM:
it stops accepting and lets open connections finish within 5 s. Without
arguments it runs a self-test and exits.

Usage: graceful [serve ADDR] [-h | --help]
";
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["-h" | "--help", ..] => {
            print!("{USAGE}");
            Ok(())
        }
        [] => curio::run(self_test()),
        ["serve", addr] => curio::run(async move {
            let listener = TcpListener::bind(addr).await?;
            println!("serving on {}; Ctrl-C to stop", listener.local_addr()?);
            serve(listener, GRACE).await.map(drop)
        }),
        _ => {
            eprint!("{USAGE}");
            std::process::exit(2);
        }
    }
}
