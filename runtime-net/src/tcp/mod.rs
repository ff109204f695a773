//! TCP: [`TcpListener`], [`TcpStream`] and its owned halves.

mod listener;
mod split;
mod stream;

pub use listener::{TcpListener, DEFAULT_BACKLOG};
pub use split::{ReadHalf, WriteHalf};
pub use stream::TcpStream;

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

/// Resolves `addr` and tries `f` on each address in turn, returning the
/// first success or the last error (curio's `create_connection`).
///
/// Literal addresses never block; a host name is resolved by the system
/// resolver on the calling thread.
pub(crate) async fn each_addr<A, T, F, Fut>(addr: A, mut f: F) -> io::Result<T>
where
    A: ToSocketAddrs,
    F: FnMut(SocketAddr) -> Fut,
    Fut: std::future::Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in addr.to_socket_addrs()? {
        match f(addr).await {
            Ok(v) => return Ok(v),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the address resolved to nothing",
        )
    }))
}
