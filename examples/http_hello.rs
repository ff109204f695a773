//! HTTP/1.1 "Hello, world" served by hyper 1.x on curio.
//!
//! hyper is runtime-agnostic: it needs an executor to spawn on and a
//! socket that implements its own `rt::Read`/`rt::Write` traits. Both
//! adapters live in this file ([`CurioExecutor`], [`HyperIo`]); curio itself
//! has no hyper dependency.
//!
//! `cargo run --release --example http_hello -- 8080` serves on
//! 127.0.0.1:8080 until Ctrl-C (try `curl http://127.0.0.1:8080/`). Without
//! a port it runs a self-test: it serves on a free loopback port, sends
//! requests over a few keep-alive connections from a plain std client,
//! checks every response and exits.

use bytes::Bytes;
use curio::net::{TcpListener, TcpStream};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper::{Request, Response};
use std::convert::Infallible;
use std::future::Future;
use std::io::{self, BufRead, BufReader, Write as _};
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The body every request gets.
pub const BODY: &[u8] = b"Hello, world!\n";

/// hyper's executor on curio: every future becomes a detached curio task.
#[derive(Clone, Copy, Debug, Default)]
pub struct CurioExecutor;

impl<F> hyper::rt::Executor<F> for CurioExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, fut: F) {
        // Dropping a curio task handle detaches the task.
        drop(curio::spawn(fut));
    }
}

/// A curio TCP stream seen through hyper's I/O traits.
#[derive(Debug)]
pub struct HyperIo(pub TcpStream);

/// Bytes read per `poll_read` at most (through a stack buffer, so no
/// unsafe access to hyper's uninitialised buffer is needed).
const READ_CHUNK: usize = 8192;

impl Read for HyperIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let mut chunk = [0u8; READ_CHUNK];
        let want = buf.remaining().min(READ_CHUNK);
        match self.0.poll_read(cx, &mut chunk[..want]) {
            Poll::Ready(Ok(n)) => {
                buf.put_slice(&chunk[..n]);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Write for HyperIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Writes go straight to the socket: nothing is buffered here.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match futures::io::AsyncWrite::poll_close(Pin::new(&mut self.get_mut().0), cx) {
            // The peer reset the connection first (a load generator closing
            // with a request in flight): there is nothing left to shut down.
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::NotConnected => Poll::Ready(Ok(())),
            other => other,
        }
    }
}

/// The service: "Hello, world!" for any request.
async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(BODY))))
}

/// Accepts connections forever, serving each with hyper's HTTP/1.1
/// connection driver in its own task.
pub async fn serve(listener: TcpListener) -> io::Result<()> {
    let executor = CurioExecutor;
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let conn = hyper::server::conn::http1::Builder::new()
            .serve_connection(HyperIo(stream), hyper::service::service_fn(hello));
        hyper::rt::Executor::execute(&executor, async move {
            if let Err(e) = conn.await {
                eprintln!("http_hello: connection error: {e}");
            }
        });
    }
}

/// Sends `requests` GET requests over one keep-alive connection and checks
/// each response (status line, `content-length`, body).
fn client(addr: SocketAddr, requests: usize) -> io::Result<()> {
    let mut out = std::net::TcpStream::connect(addr)?;
    out.set_nodelay(true)?;
    out.set_read_timeout(Some(std::time::Duration::from_secs(20)))?;
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
/// requests from std threads (keep-alive), checks every response, stops
/// the server and gives the number of good responses.
pub fn self_test(connections: usize, requests: usize) -> io::Result<usize> {
    curio::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mut server = curio::spawn(serve(listener));
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
        server.cancel().await;
        checked
    })
}

#[allow(dead_code)]
fn main() -> io::Result<()> {
    let Some(port) = std::env::args().nth(1) else {
        let ok = self_test(4, 250)?;
        println!(
            "self-test: {ok} requests answered \"Hello, world!\" over 4 keep-alive connections"
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
        let mut server = curio::spawn(serve(listener));
        ctrl_c.wait().await?;
        println!("Interrupted, stopping");
        server.cancel().await;
        Ok(())
    })
}
