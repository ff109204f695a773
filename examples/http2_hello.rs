//! HTTP/2 (prior knowledge, `h2c`) "Hello, world" served by hyper 1.x on
//! curio, and hyper's own HTTP/2 client on curio, through `curio::hyper`.
//!
//! HTTP/2 needs both of curio's hyper adapters beyond I/O: the
//! [`Executor`] (every stream is a task) and the [`Timer`] (keep-alive
//! pings).
//!
//! `cargo run --release --example http2_hello -- 8080` serves on
//! 127.0.0.1:8080 until Ctrl-C (try `curl --http2-prior-knowledge
//! http://127.0.0.1:8080/`). Without a port it runs a self-test: it serves
//! on a free loopback port, sends 200 concurrent requests over one HTTP/2
//! connection from hyper's client, checks every response and exits.

use bytes::Bytes;
use curio::hyper::{Executor, Io, Timer};
use curio::net::{TcpListener, TcpStream};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use std::convert::Infallible;
use std::io;
use std::time::Duration;

/// The body every request gets.
const BODY: &[u8] = b"Hello, HTTP/2!\n";

/// The service: "Hello, HTTP/2!" for any request.
async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(BODY))))
}

/// Accepts connections forever, each served by hyper's HTTP/2 driver in
/// its own task.
async fn serve(listener: TcpListener) -> io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        curio::spawn(async move {
            let served = hyper::server::conn::http2::Builder::new(Executor::new())
                .timer(Timer::new())
                .keep_alive_interval(Duration::from_secs(20))
                .serve_connection(Io::new(stream), hyper::service::service_fn(hello))
                .await;
            if let Err(e) = served {
                eprintln!("http2_hello: connection error: {e}");
            }
        });
    }
}

/// Sends `requests` requests at once over one HTTP/2 connection and gives
/// how many got the right answer.
async fn self_test(requests: usize) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let mut server = curio::spawn(serve(listener));

    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http2::Builder::new(Executor::new())
        .timer(Timer::new())
        .handshake::<_, Full<Bytes>>(Io::new(stream))
        .await?;
    curio::spawn(conn);
    let in_flight: Vec<_> = (0..requests)
        .map(|i| {
            let mut sender = sender.clone();
            curio::spawn(async move {
                let request = Request::get(format!("http://{addr}/{i}")).body(Full::default())?;
                let response = sender.send_request(request).await?;
                let version = response.version();
                let body = response.into_body().collect().await?.to_bytes();
                let good = version == hyper::Version::HTTP_2 && body == BODY;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(good)
            })
        })
        .collect();
    let mut good = 0;
    for request in in_flight {
        if curio::timeout_after(Duration::from_secs(20), request).await??? {
            good += 1;
        }
    }
    server.cancel().await;
    Ok(good)
}

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    /// What `--help` prints.
    const USAGE: &str = "\
http2_hello: HTTP/2 (prior knowledge, h2c) \"Hello, world\" served by hyper
on curio, with hyper's HTTP/2 client on curio for the self-test.

Usage: http2_hello PORT   serve on 127.0.0.1:PORT until Ctrl-C (try
                          `curl --http2-prior-knowledge http://127.0.0.1:PORT/`)
       http2_hello        self-test: 200 concurrent requests over one
                          HTTP/2 connection on a free loopback port, checked
       http2_hello -h | --help
";
    if matches!(std::env::args().nth(1).as_deref(), Some("-h" | "--help")) {
        print!("{USAGE}");
        return Ok(());
    }
    let Some(port) = std::env::args().nth(1) else {
        let requests = 200;
        let good = curio::run(self_test(requests))?;
        println!("self-test: {good} of {requests} concurrent HTTP/2 requests answered");
        return if good == requests {
            Ok(())
        } else {
            Err("some HTTP/2 requests were not answered right".into())
        };
    };
    let port: u16 = port.parse()?;
    curio::run(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        println!(
            "Serving HTTP/2 (h2c) on {} (Ctrl-C stops)",
            listener.local_addr()?
        );
        let ctrl_c = curio::signal::SignalEvent::new(&[curio::signal::SIGINT])?;
        let mut server = curio::spawn(serve(listener));
        ctrl_c.wait().await?;
        server.cancel().await;
        Ok(())
    })
}
