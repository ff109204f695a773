//! hyper 1.x on curio: the executor, timer and I/O adapters hyper's server
//! and client connections need, as hyper-util's `TokioExecutor`,
//! `TokioTimer` and `TokioIo` are for tokio.
//!
//! Users reach this module as `curio::hyper` (feature `hyper`).
//!
//! - [`Executor`]: `hyper::rt::Executor`, each future a curio task (the
//!   HTTP/2 connection's stream tasks, a client connection's driver).
//! - [`Timer`]: `hyper::rt::Timer` on curio's timer wheel, so hyper's
//!   header-read timeout, HTTP/2 keep-alive pings and client timeouts work.
//! - [`Io`]: any curio socket, or any other `futures_io` stream (a TLS
//!   stream), as `hyper::rt::Read` + `hyper::rt::Write`. curio's
//!   [`TcpStream`](crate::TcpStream) and [`UnixStream`](crate::UnixStream)
//!   receive straight into hyper's uninitialised read buffer and write
//!   vectored (`sendmsg`).
//!
//! The only `unsafe` code of this crate lives in the `uninit` submodule:
//! handing hyper's uninitialised buffer to `recv(2)`.
//!
//! # Examples
//!
//! An HTTP/1.1 server and hyper's own client, both on curio:
//!
//! ```
//! use curio::hyper::{Io, Timer};
//! use curio::net::{TcpListener, TcpStream};
//! use http_body_util::{BodyExt, Full};
//! use hyper::body::{Bytes, Incoming};
//! use hyper::{Request, Response};
//!
//! async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
//!     Ok(Response::new(Full::new(Bytes::from_static(b"hi"))))
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! curio::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     let server = curio::spawn(async move {
//!         let (stream, _) = listener.accept().await?;
//!         hyper::server::conn::http1::Builder::new()
//!             .timer(Timer::new())
//!             .serve_connection(Io::new(stream), hyper::service::service_fn(hello))
//!             .await
//!             .map_err(std::io::Error::other)
//!     });
//!
//!     let stream = TcpStream::connect(addr).await?;
//!     let (mut sender, conn) = hyper::client::conn::http1::handshake(Io::new(stream)).await?;
//!     curio::spawn(conn);
//!     let request = Request::get("/").header("host", "x").body(Full::<Bytes>::default())?;
//!     let response = sender.send_request(request).await?;
//!     assert_eq!(response.into_body().collect().await?.to_bytes(), "hi");
//!     drop(sender);
//!     server.await??;
//!     Ok(())
//! })
//! # }
//! ```

mod executor;
mod io;
mod timer;
#[allow(unsafe_code)]
mod uninit;

pub use executor::Executor;
pub use io::Io;
pub use timer::Timer;
