//! The HTTP/1 benchmark server on curio: hyper's HTTP/1 connection driver
//! through `curio::hyper`, the service of `common/hello.rs`.
//!
//! `hyper_curio PORT WORKERS` serves on 127.0.0.1:PORT until killed.

#[path = "common/hello.rs"]
mod hello;

use curio::hyper::{Io, Timer};

fn main() -> std::io::Result<()> {
    let (port, workers) = hello::args();
    let runtime = curio::Runtime::builder().workers(workers).build()?;
    runtime.run(async move {
        let listener = curio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        println!("hyper on curio: 127.0.0.1:{port}, {workers} workers");
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            curio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(Timer::new())
                    .serve_connection(Io::new(stream), hyper::service::service_fn(hello::hello))
                    .await;
            });
        }
    })
}
