//! hyper 1.x on curio through `curio::hyper`: HTTP/1.1 keep-alive and
//! pipelining (plain std clients), HTTP/2 with hyper's own client on
//! curio, the header-read timeout against a slowloris client, a request
//! body streamed in chunks, and graceful shutdown.

#[path = "../examples/http_hello.rs"]
#[allow(dead_code)]
mod http_hello;

use bytes::Bytes;
use curio::hyper::{Executor, Io, Timer};
use curio::net::{TcpListener, TcpStream};
use futures::StreamExt;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};
use std::convert::Infallible;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A bound on every wait of these tests: a hang fails instead.
const LIMIT: Duration = Duration::from_secs(20);

/// Answers with the request's path as the body.
async fn echo_path(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from(
        req.uri().path().to_owned(),
    ))))
}

/// Accepts connections forever, serving each with hyper's HTTP/1 driver
/// (curio's timer, the given header-read timeout) and `echo_path`.
async fn serve_http1(listener: TcpListener, header_timeout: Duration) -> io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        curio::spawn(async move {
            let mut http1 = hyper::server::conn::http1::Builder::new();
            http1
                .timer(Timer::new())
                .header_read_timeout(header_timeout);
            let _ = http1
                .serve_connection(Io::new(stream), hyper::service::service_fn(echo_path))
                .await;
        });
    }
}

/// Reads one HTTP/1.1 response (status 200, `content-length` framing) and
/// gives its body.
fn read_response(back: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut status = String::new();
    back.read_line(&mut status)?;
    assert_eq!(status, "HTTP/1.1 200 OK\r\n");
    let mut length = None;
    loop {
        let mut line = String::new();
        assert!(back.read_line(&mut line)? > 0, "response ended in its head");
        if line == "\r\n" {
            break;
        }
        let (name, value) = line.split_once(':').expect("header line");
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.trim().parse::<usize>().expect("length"));
        }
    }
    let mut body = vec![0; length.expect("content-length")];
    back.read_exact(&mut body)?;
    Ok(body)
}

#[test]
fn hyper_serves_hello_world_over_keep_alive_connections() {
    let answered = http_hello::self_test(4, 100).expect("self-test");
    assert_eq!(answered, 400);
}

#[test]
fn http1_pipelined_requests_are_answered_in_order() {
    curio::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mut server = curio::spawn(serve_http1(listener, Duration::from_secs(5)));
        let checked = curio::run_in_thread(move || {
            let mut out = std::net::TcpStream::connect(addr)?;
            out.set_read_timeout(Some(LIMIT))?;
            let mut back = BufReader::new(out.try_clone()?);
            // Three rounds of 50 requests, each round in one write.
            for round in 0..3 {
                let mut batch = Vec::new();
                for i in 0..50 {
                    write!(batch, "GET /r{round}/{i} HTTP/1.1\r\nHost: x\r\n\r\n")?;
                }
                out.write_all(&batch)?;
                for i in 0..50 {
                    let body = read_response(&mut back)?;
                    assert_eq!(body, format!("/r{round}/{i}").as_bytes());
                }
            }
            io::Result::Ok(())
        })
        .await;
        server.cancel().await;
        checked
    })
    .unwrap();
}

#[test]
fn http2_with_hypers_client_on_curio() {
    curio::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = curio::spawn(async move {
            let (stream, _) = listener.accept().await?;
            hyper::server::conn::http2::Builder::new(Executor::new())
                .timer(Timer::new())
                .serve_connection(Io::new(stream), hyper::service::service_fn(echo_path))
                .await
                .map_err(io::Error::other)
        });

        let stream = TcpStream::connect(addr).await?;
        let (sender, conn) = hyper::client::conn::http2::Builder::new(Executor::new())
            .timer(Timer::new())
            .handshake::<_, Full<Bytes>>(Io::new(stream))
            .await
            .map_err(io::Error::other)?;
        let driver = curio::spawn(conn);
        // 32 requests in flight at once on one connection (32 streams).
        let mut requests = Vec::new();
        for i in 0..32 {
            let mut sender = sender.clone();
            requests.push(curio::spawn(async move {
                let request = Request::get(format!("http://x/stream/{i}"))
                    .body(Full::default())
                    .expect("request");
                let response = sender.send_request(request).await?;
                assert_eq!(response.version(), hyper::Version::HTTP_2);
                let body = response.into_body().collect().await?.to_bytes();
                assert_eq!(body, format!("/stream/{i}").as_bytes());
                Ok::<_, hyper::Error>(())
            }));
        }
        for r in requests {
            curio::timeout_after(LIMIT, r)
                .await
                .expect("an HTTP/2 request took too long")
                .expect("request task")
                .map_err(io::Error::other)?;
        }
        // Dropping the last sender ends the client connection, and with
        // it the server's.
        drop(sender);
        curio::timeout_after(LIMIT, driver)
            .await
            .expect("client connection did not end")
            .expect("driver task")
            .map_err(io::Error::other)?;
        curio::timeout_after(LIMIT, server)
            .await
            .expect("server connection did not end")
            .expect("server task")
    })
    .unwrap();
}

#[test]
fn a_head_trickling_in_slower_than_the_header_read_timeout_is_cut_off() {
    let timeout = Duration::from_millis(300);
    curio::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mut server = curio::spawn(serve_http1(listener, timeout));
        let outcome = curio::run_in_thread(move || {
            let mut out = std::net::TcpStream::connect(addr)?;
            let start = Instant::now();
            out.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")?;
            out.set_read_timeout(Some(Duration::from_millis(50)))?;
            // One header byte every ~50 ms (the read timeout paces it),
            // never finishing the head, until the server hangs up or
            // LIMIT passes.
            let mut byte = [0u8; 1];
            while start.elapsed() < LIMIT {
                if out.write_all(b"x").is_err() {
                    return Ok(start.elapsed());
                }
                match out.read(&mut byte) {
                    // The server's goodbye: the end of the stream, maybe
                    // after a `408 Request Timeout`.
                    Ok(0) => return Ok(start.elapsed()),
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
                    Err(_) => return Ok(start.elapsed()),
                }
            }
            Err(io::Error::other("the slow client was never cut off"))
        })
        .await;
        server.cancel().await;
        let after = outcome?;
        assert!(
            after >= timeout,
            "cut off after {after:?}, before the timeout"
        );
        assert!(
            after < timeout * 10,
            "cut off only after {after:?} (timeout {timeout:?})"
        );
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn a_request_body_streamed_in_chunks_reaches_the_service_chunk_by_chunk() {
    curio::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        // What the service has received so far, chunk by chunk.
        let seen = Arc::new(curio::Queue::<Bytes>::new(0));
        let service_seen = seen.clone();
        let mut server = curio::spawn(async move {
            let (stream, _) = listener.accept().await?;
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let seen = service_seen.clone();
                async move {
                    let mut body = req.into_body();
                    let mut total = 0;
                    while let Some(frame) = body.frame().await {
                        if let Ok(data) = frame?.into_data() {
                            total += data.len();
                            seen.put(data).await;
                        }
                    }
                    Ok::<_, hyper::Error>(Response::new(Full::new(Bytes::from(format!(
                        "{total} bytes"
                    )))))
                }
            });
            hyper::server::conn::http1::Builder::new()
                .timer(Timer::new())
                .serve_connection(Io::new(stream), service)
                .await
                .map_err(io::Error::other)
        });

        let stream = TcpStream::connect(addr).await?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(Io::new(stream))
            .await
            .map_err(io::Error::other)?;
        curio::spawn(conn);
        let (mut tx, rx) = futures::channel::mpsc::channel::<Bytes>(1);
        let body = StreamBody::new(rx.map(|b| Ok::<_, Infallible>(Frame::data(b))));
        let request = Request::post("/upload")
            .header("host", "x")
            .body(body)
            .expect("request");
        let response = curio::spawn(async move { sender.send_request(request).await });
        let mut sent = 0;
        for i in 0..20usize {
            let chunk = Bytes::from(vec![b'a' + i as u8; 1000 + i]);
            sent += chunk.len();
            futures::SinkExt::send(&mut tx, chunk.clone())
                .await
                .expect("body channel");
            // The service holds chunk i before chunk i + 1 is even sent:
            // the body is streamed, not collected first.
            let got = curio::timeout_after(LIMIT, seen.get())
                .await
                .expect("the chunk did not reach the service");
            assert_eq!(got, chunk, "chunk {i}");
        }
        drop(tx);
        let response = curio::timeout_after(LIMIT, response)
            .await
            .expect("no response")
            .expect("client task")
            .map_err(io::Error::other)?;
        assert!(response.headers().get("content-length").is_some());
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(io::Error::other)?;
        assert_eq!(body.to_bytes(), format!("{sent} bytes").as_bytes());
        server.cancel().await;
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn graceful_shutdown_closes_an_idle_keep_alive_connection_and_the_server_returns() {
    curio::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(curio::Event::new());
        let server = curio::spawn(http_hello::serve(listener, stop.clone()));
        let mut client = curio::run_in_thread(move || {
            let mut out = std::net::TcpStream::connect(addr)?;
            out.set_read_timeout(Some(LIMIT))?;
            out.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")?;
            let mut back = BufReader::new(out);
            assert_eq!(read_response(&mut back)?, http_hello::BODY);
            io::Result::Ok(back)
        })
        .await?;
        // The connection is open and idle; stopping closes it.
        stop.set();
        curio::timeout_after(LIMIT, server)
            .await
            .expect("the server did not stop")
            .expect("server task")?;
        let rest = curio::run_in_thread(move || {
            let mut rest = Vec::new();
            client.read_to_end(&mut rest).map(|_| rest)
        })
        .await?;
        assert!(rest.is_empty(), "unexpected bytes {rest:?}");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn io_over_a_unix_stream_serves_http1() {
    curio::run(async {
        let (server_side, client_side) = curio::net::UnixStream::pair()?;
        let server = curio::spawn(async move {
            hyper::server::conn::http1::Builder::new()
                .timer(Timer::new())
                .serve_connection(Io::new(server_side), hyper::service::service_fn(echo_path))
                .await
                .map_err(io::Error::other)
        });
        let (mut sender, conn) = hyper::client::conn::http1::handshake(Io::new(client_side))
            .await
            .map_err(io::Error::other)?;
        curio::spawn(conn);
        for i in 0..10 {
            let request = Request::get(format!("/unix/{i}"))
                .header("host", "x")
                .body(Full::<Bytes>::default())
                .expect("request");
            // The connection task may not have run yet.
            sender.ready().await.map_err(io::Error::other)?;
            let response = sender
                .send_request(request)
                .await
                .map_err(io::Error::other)?;
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(io::Error::other)?;
            assert_eq!(body.to_bytes(), format!("/unix/{i}").as_bytes());
        }
        drop(sender);
        curio::timeout_after(LIMIT, server)
            .await
            .expect("server connection did not end")
            .expect("server task")
    })
    .unwrap();
}

#[test]
fn io_over_another_futures_io_stream_serves_http1() {
    // `SocketStream` is not one of curio's sockets to `Io`: this takes the
    // zeroed-buffer read path and the stream's own writes.
    curio::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = curio::spawn(async move {
            let (stream, _) = listener.accept().await?;
            hyper::server::conn::http1::Builder::new()
                .timer(Timer::new())
                .serve_connection(
                    Io::new(stream.into_stream()),
                    hyper::service::service_fn(echo_path),
                )
                .await
                .map_err(io::Error::other)
        });
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(Io::new(TcpStream::connect(addr).await?))
                .await
                .map_err(io::Error::other)?;
        curio::spawn(conn);
        // A long path: the request head spans several reads of the
        // zeroed path's 16 KiB at most.
        let long = "a".repeat(40 * 1024);
        for path in ["/x".to_owned(), format!("/{long}")] {
            let request = Request::get(path.as_str())
                .header("host", "x")
                .body(Full::<Bytes>::default())
                .expect("request");
            // The connection task may not have run yet.
            sender.ready().await.map_err(io::Error::other)?;
            let response = sender
                .send_request(request)
                .await
                .map_err(io::Error::other)?;
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(io::Error::other)?;
            assert_eq!(body.to_bytes(), path.as_bytes());
        }
        drop(sender);
        curio::timeout_after(LIMIT, server)
            .await
            .expect("server connection did not end")
            .expect("server task")
    })
    .unwrap();
}

/// A stream that claims to have read more than it was given.
struct Liar;

impl futures::io::AsyncRead for Liar {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> std::task::Poll<io::Result<usize>> {
        buf.fill(b'!');
        std::task::Poll::Ready(Ok(usize::MAX))
    }
}

impl futures::io::AsyncWrite for Liar {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<io::Result<usize>> {
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_close(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[test]
fn a_stream_that_overstates_a_read_fills_only_what_it_was_given() {
    use hyper::rt::{Read as _, ReadBuf};
    let mut io = Io::new(Liar);
    let mut raw = [std::mem::MaybeUninit::<u8>::uninit(); 100];
    let mut buf = ReadBuf::uninit(&mut raw);
    let waker = futures::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    let polled = std::pin::Pin::new(&mut io).poll_read(&mut cx, buf.unfilled());
    assert!(matches!(polled, std::task::Poll::Ready(Ok(()))));
    assert_eq!(buf.filled(), &[b'!'; 100][..]);
}

#[test]
fn the_adapters_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Executor>();
    send_sync::<Timer>();
    send_sync::<Io<TcpStream>>();
    send_sync::<Io<curio::net::UnixStream>>();
}
