//! Name resolution off the workers: [`lookup_host`] and the
//! [`ToSocketAddrs`] trait that `connect`, `bind` and `send_to` take.
//!
//! A literal address (a `SocketAddr`, an `(IpAddr, u16)`, a string that
//! parses as one) is used as it is, on the calling task's thread. Anything
//! else is a host name: `getaddrinfo` can block for seconds, so it runs on
//! the runtime's blocking pool ([`run_in_thread`]) and the task waits
//! without holding a worker.

use runtime_core::{run_in_thread, Handle};
use std::any::Any;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

/// What an address argument stands for: addresses known at once, or a
/// host name to resolve.
#[doc(hidden)]
#[derive(Debug)]
pub enum Addrs {
    /// Literal addresses, used as they are.
    Ready(Vec<SocketAddr>),
    /// A `"host:port"` string to resolve.
    Lookup(String),
    /// A host name and a port to resolve.
    LookupPair(String, u16),
}

mod sealed {
    /// Keeps [`ToSocketAddrs`](super::ToSocketAddrs) closed to the types
    /// listed here.
    pub trait Sealed {}
}

/// Values that name one or more socket addresses, for curio's `connect`,
/// `bind`, `send_to` and [`lookup_host`]: the shapes of
/// `std::net::ToSocketAddrs` (as tokio's trait of the same name).
///
/// Literal addresses are used at once; host names are resolved on the
/// runtime's blocking pool, never on a worker.
///
/// # Examples
///
/// ```
/// use curio::net::TcpListener;
/// use std::net::{Ipv4Addr, SocketAddr};
/// curio::run(async {
///     let a = TcpListener::bind("127.0.0.1:0").await?;
///     let b = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
///     let c = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
///     let d = TcpListener::bind(("localhost", 0)).await?;
///     for l in [a, b, c, d] {
///         assert!(l.local_addr()?.ip().is_loopback());
///     }
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub trait ToSocketAddrs: sealed::Sealed {
    /// The addresses, or the name to resolve.
    #[doc(hidden)]
    fn to_addrs(&self) -> Addrs;
}

/// Implements the trait for types that are always literal addresses.
macro_rules! literal {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl ToSocketAddrs for $t {
            fn to_addrs(&self) -> Addrs {
                Addrs::Ready(vec![SocketAddr::from(*self)])
            }
        }
    )*};
}

literal!(
    SocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    (IpAddr, u16),
    (Ipv4Addr, u16),
    (Ipv6Addr, u16),
    ([u8; 4], u16),
    ([u16; 8], u16)
);

impl sealed::Sealed for str {}
impl ToSocketAddrs for str {
    fn to_addrs(&self) -> Addrs {
        match self.parse::<SocketAddr>() {
            Ok(addr) => Addrs::Ready(vec![addr]),
            Err(_) => Addrs::Lookup(self.to_owned()),
        }
    }
}

impl sealed::Sealed for String {}
impl ToSocketAddrs for String {
    fn to_addrs(&self) -> Addrs {
        self.as_str().to_addrs()
    }
}

impl sealed::Sealed for (&str, u16) {}
impl ToSocketAddrs for (&str, u16) {
    fn to_addrs(&self) -> Addrs {
        match self.0.parse::<IpAddr>() {
            Ok(ip) => Addrs::Ready(vec![SocketAddr::new(ip, self.1)]),
            Err(_) => Addrs::LookupPair(self.0.to_owned(), self.1),
        }
    }
}

impl sealed::Sealed for (String, u16) {}
impl ToSocketAddrs for (String, u16) {
    fn to_addrs(&self) -> Addrs {
        (self.0.as_str(), self.1).to_addrs()
    }
}

impl sealed::Sealed for [SocketAddr] {}
impl ToSocketAddrs for [SocketAddr] {
    fn to_addrs(&self) -> Addrs {
        Addrs::Ready(self.to_vec())
    }
}

impl sealed::Sealed for Vec<SocketAddr> {}
impl ToSocketAddrs for Vec<SocketAddr> {
    fn to_addrs(&self) -> Addrs {
        Addrs::Ready(self.clone())
    }
}

impl<T: ToSocketAddrs + ?Sized> sealed::Sealed for &T {}
impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {
    fn to_addrs(&self) -> Addrs {
        (**self).to_addrs()
    }
}

/// Resolves `host` to its socket addresses (tokio's `lookup_host`). A host
/// name is resolved by the system resolver on the runtime's blocking pool,
/// so the calling worker goes on running other tasks; a literal address is
/// given back at once, without a thread hop.
///
/// # Errors
///
/// The resolver's error (e.g. an unknown host), `InvalidInput` for a
/// string that is not `host:port`, and an error outside a curio runtime.
///
/// # Cancel safety
///
/// Cancelling stops the wait at once; a lookup already running finishes on
/// its pool thread and its result is dropped.
///
/// # Examples
///
/// ```
/// curio::run(async {
///     let addrs: Vec<_> = curio::net::lookup_host("localhost:80").await?.collect();
///     assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 80));
///     let literal: Vec<_> = curio::net::lookup_host("10.0.0.1:53").await?.collect();
///     assert_eq!(literal, ["10.0.0.1:53".parse().unwrap()]);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub async fn lookup_host(host: impl ToSocketAddrs) -> io::Result<impl Iterator<Item = SocketAddr>> {
    let addrs = host.to_addrs();
    Ok(resolve(addrs).await?.into_iter())
}

/// The addresses `addrs` stands for, resolving a name on the pool.
pub(crate) async fn resolve(addrs: Addrs) -> io::Result<Vec<SocketAddr>> {
    let lookup: Box<dyn FnOnce() -> io::Result<Vec<SocketAddr>> + Send> = match addrs {
        Addrs::Ready(addrs) => return Ok(addrs),
        Addrs::Lookup(s) => Box::new(move || {
            std::net::ToSocketAddrs::to_socket_addrs(s.as_str()).map(Iterator::collect)
        }),
        Addrs::LookupPair(host, port) => Box::new(move || {
            std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port)).map(Iterator::collect)
        }),
    };
    if Handle::try_current().is_none() {
        return Err(io::Error::other(
            "curio::net needs a curio runtime: call it from a curio task",
        ));
    }
    ShutdownIsError {
        inner: run_in_thread(lookup),
    }
    .await
}

/// Turns the panic `run_in_thread` raises when runtime shutdown cancels
/// the call into an error (a panic of the lookup itself is not possible:
/// the resolver returns errors).
struct ShutdownIsError<F> {
    /// The pool call.
    inner: F,
}

impl<F> Future for ShutdownIsError<F>
where
    F: Future<Output = io::Result<Vec<SocketAddr>>> + Unpin,
{
    type Output = io::Result<Vec<SocketAddr>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = Pin::new(&mut self.inner);
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(poll) => poll,
            Err(panic) => Poll::Ready(Err(io::Error::other(format!(
                "the name lookup did not finish: {}",
                panic_text(&*panic)
            )))),
        }
    }
}

/// The text of a panic payload.
fn panic_text(panic: &(dyn Any + Send)) -> &str {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s
    } else {
        "(non-string panic payload)"
    }
}
