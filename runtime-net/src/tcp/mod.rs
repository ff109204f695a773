//! TCP: [`TcpListener`], [`TcpStream`] and its owned halves, and
//! [`TcpSocket`] to set options before listening or connecting.

mod listener;
mod socket;
mod split;
mod stream;

pub use listener::{TcpListener, DEFAULT_BACKLOG};
pub use socket::TcpSocket;
pub use split::{ReadHalf, WriteHalf};
pub use stream::TcpStream;

use crate::lookup::{resolve, ToSocketAddrs};
use std::io;
use std::net::SocketAddr;

/// Resolves `addr` and tries `f` on each address in turn, returning the
/// first success or the last error (curio's `create_connection`).
///
/// Literal addresses are used at once; a host name is resolved on the
/// runtime's blocking pool (`lookup.rs`), never on the worker.
pub(crate) async fn each_addr<A, T, F, Fut>(addr: A, mut f: F) -> io::Result<T>
where
    A: ToSocketAddrs,
    F: FnMut(SocketAddr) -> Fut,
    Fut: std::future::Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in resolve(addr.to_addrs()).await? {
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
