//! The HTTP/1 benchmark server's tokio peer: the same hyper service and
//! HTTP/1 settings, through hyper-util's `TokioIo` and `TokioTimer`.
//!
//! `hyper_tokio PORT WORKERS` serves on 127.0.0.1:PORT until killed.

#[path = "common/hello.rs"]
mod hello;

use hyper_util::rt::{TokioIo, TokioTimer};

fn main() -> std::io::Result<()> {
    let (port, workers) = hello::args();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        println!("hyper on tokio: 127.0.0.1:{port}, {workers} workers");
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .serve_connection(
                        TokioIo::new(stream),
                        hyper::service::service_fn(hello::hello),
                    )
                    .await;
            });
        }
    })
}
