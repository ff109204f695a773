//! HTTP/1.1 "Hello, world" served by hyper 1.x on curio, through
//! `curio::hyper` (feature `hyper`): no glue code here.
//!
//! Each connection runs hyper's HTTP/1 connection driver in its own task,
//! with curio's timer (so a client that sends its request head slower than
//! [`HEADER_READ_TIMEOUT`] is cut off) and a graceful shutdown: when the
//! server stops, a connection finishes the request it is answering and
//! closes.
//!
//! `cargo run --release --example http_hello -- 8080` serves on
//! 127.0.0.1:8080 until Ctrl-C (try `curl http://127.0.0.1:8080/`). Without
//! a port it runs a self-test: it serves on a free loopback port, sends
//! requests over a few keep-alive connections from a plain std client,
//! checks every response, stops the server gracefully and exits.

use bytes::Bytes;
use curio::hyper::{Io, Timer};
use curio::net::{TcpListener, TcpStream};
use curio::sync::Event;
use futures::future::{select, Either};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use std::convert::Infallible;
use std::io::{self, BufRead, BufReader, Write as _};
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

/// The body every request gets.
pub const BODY: &[u8] = b"Hello, world!\n";

/// How long a client may take to send a request head.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// The service: "Hello, world!" for any request.
async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(BODY))))
}

/// Serves one connection until the client closes it or `stop` is set; on
/// `stop`, the request in progress is answered first (graceful shutdown).
pub async fn serve_connection(stream: TcpStream, stop: Arc<Event>) -> hyper::Result<()> {
    let _ = stream.set_nodelay(true);
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1
        .timer(Timer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let mut conn = pin!(http1.serve_connection(Io::new(stream), hyper::service::service_fn(hello)));
    match select(conn.as_mut(), pin!(stop.wait())).await {
        Either::Left((done, _)) => done,
        Either::Right(((), _)) => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    }
}

/// Accepts connections until `stop` is set, serving each in its own task;
/// then waits for the connections to finish their requests and close.
pub async fn serve(listener: TcpListener, stop: Arc<Event>) -> io::Result<()> {
    // The live connections' tasks (finished ones are dropped at each
    // accept, so a long-running server does not accumulate them).
    let mut connections: Vec<curio::Task<()>> = Vec::new();
    loop {
        let accepted = match select(pin!(listener.accept()), pin!(stop.wait())).await {
            Either::Left((accepted, _)) => accepted?,
            Either::Right(_) => break,
        };
        let (stream, _) = accepted;
        let stop = stop.clone();
        connections.retain(|c| !c.is_finished());
        connections.push(curio::spawn(async move {
            if let Err(e) = serve_connection(stream, stop).await {
                eprintln!("http_hello: connection error: {e}");
            }
        }));
    }
    for connection in connections {
        // A connection task that panicked has already been reported.
        let _ = connection.await;
    }
    Ok(())
}

/// Sends `requests` GET requests over one keep-alive connection and checks
/// each response (status line, `content-length`, body).
fn client(addr: SocketAddr, requests: usize) -> io::Result<()> {
    let mut out = std::net::TcpStream::connect(addr)?;
    out.set_nodelay(true)?;
    out.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut back = BufReader::new(out.try_clone()?);
    let bad = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
    for _ in 0..requests {
        out.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")?;
        let mut status = String::new();
        back.read_line(&mut status)?;
        if status != "HTTP/1.1 200 OK\r\n" {
            return Err(bad(format!("status line {status:?}")));
        }
        let mut length = None;
        loop {
            let mut line = String::new();
            if back.read_line(&mut line)? == 0 {
                return Err(bad("the response ended in its headers".into()));
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse::<usize>().ok();
                }
            }
        }
        let length = length.ok_or_else(|| bad("no content-length".into()))?;
        let mut body = vec![0; length];
        io::Read::read_exact(&mut back, &mut body)?;
        if body != BODY {
            return Err(bad(format!("body {:?}", String::from_utf8_lossy(&body))));
        }
    }
    Ok(())
}

/// Serves on a free loopback port, sends `connections` × `requests`
/// requests from std threads (keep-alive, the connections left open),
/// checks every response, stops the server gracefully and gives the number
/// of good responses.
pub fn self_test(connections: usize, requests: usize) -> io::Result<usize> {
    curio::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(Event::new());
        let server = curio::spawn(serve(listener, stop.clone()));
        let checked = curio::run_in_thread(move || {
            let clients: Vec<_> = (0..connections)
                .map(|_| std::thread::spawn(move || client(addr, requests)))
                .collect();
            let mut ok = 0;
            for c in clients {
                c.join().expect("client thread")?;
                ok += requests;
            }
            io::Result::Ok(ok)
        })
        .await;
        // Graceful: the idle keep-alive connections close and `serve`
        // returns once every one has.
        stop.set();
        let stopped = curio::timeout_after(Duration::from_secs(10), server).await;
        match stopped {
            Ok(Ok(result)) => result?,
            Ok(Err(e)) => return Err(io::Error::other(format!("server task: {e}"))),
            Err(_) => return Err(io::Error::other("graceful shutdown took over 10 s")),
        }
        checked
    })
}

#[allow(dead_code)]
fn main() -> io::Result<()> {
    /// What `--help` prints.
    const USAGE: &str = "\
http_hello: HTTP/1.1 \"Hello, world\" served by hyper on curio, with a
header-read timeout and a graceful shutdown.

Usage: http_hello PORT   serve on 127.0.0.1:PORT until Ctrl-C
                         (try `curl http://127.0.0.1:PORT/`)
       http_hello        self-test: requests over 4 keep-alive connections
                         on a free loopback port, checked, then a graceful
                         shutdown
       http_hello -h | --help
";
    if matches!(std::env::args().nth(1).as_deref(), Some("-h" | "--help")) {
        print!("{USAGE}");
        return Ok(());
    }
    let Some(port) = std::env::args().nth(1) else {
        let ok = self_test(4, 250)?;
        println!(
            "self-test: {ok} requests answered \"Hello, world!\" over 4 keep-alive connections, \
             then a graceful shutdown"
        );
        return Ok(());
    };
    let port: u16 = port
        .parse()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("port {port}: {e}")))?;
    curio::run(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        println!(
            "Serving on http://{}/ (Ctrl-C stops)",
            listener.local_addr()?
        );
        let ctrl_c = curio::signal::SignalEvent::new(&[curio::signal::SIGINT])?;
        let stop = Arc::new(Event::new());
        let server = curio::spawn(serve(listener, stop.clone()));
        ctrl_c.wait().await?;
        println!("Interrupted, finishing the requests in progress");
        stop.set();
        server
            .await
            .map_err(|e| io::Error::other(format!("server task: {e}")))?
    })
}
