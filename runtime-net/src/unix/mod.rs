//! Unix domain sockets: [`UnixListener`], [`UnixStream`], [`UnixDatagram`],
//! with the shapes of their TCP and UDP counterparts.

mod datagram;
mod listener;
mod stream;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use stream::UnixStream;
