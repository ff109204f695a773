//! The hyper service both HTTP benchmark servers run, byte for byte: 200
//! with "Hello, world!\n" for any request.

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use std::convert::Infallible;

/// The body every request gets.
pub const BODY: &[u8] = b"Hello, world!\n";

/// The service.
pub async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(BODY))))
}

/// `PORT WORKERS` from the command line.
pub fn args() -> (u16, usize) {
    let mut args = std::env::args().skip(1);
    let port = args.next().and_then(|p| p.parse().ok()).unwrap_or(8080);
    let workers = args.next().and_then(|w| w.parse().ok()).unwrap_or(2);
    (port, workers)
}
