//! Name resolution runs on the blocking pool, never on a worker; literal
//! addresses never leave the calling thread.

use curio::net::{lookup_host, TcpListener, TcpStream, UdpSocket};
use std::sync::mpsc;
use std::time::Duration;

/// A runtime whose blocking pool has a single thread.
fn one_pool_thread() -> curio::Runtime {
    curio::Runtime::builder()
        .workers(1)
        .max_blocking_threads(1)
        .thread_name("net-lookup")
        .build()
        .unwrap()
}

#[test]
fn host_names_wait_for_the_pool_and_literals_do_not() {
    one_pool_thread().run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        // Occupy the only pool thread until `release` is sent.
        let (release, held) = mpsc::channel::<()>();
        let busy = curio::spawn(curio::run_in_thread(move || held.recv().ok()));
        curio::yield_now().await;
        // Literal addresses work while the pool is busy.
        let literal = ("127.0.0.1", port);
        let c = curio::timeout_after(Duration::from_secs(5), TcpStream::connect(literal))
            .await
            .expect("a literal address does not wait for the pool");
        drop(c.unwrap());
        let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let target = udp.local_addr().unwrap();
        curio::timeout_after(Duration::from_secs(5), udp.send_to(b"x", target))
            .await
            .expect("send_to a literal does not wait for the pool")
            .unwrap();
        // A host name queues behind the busy pool thread: it is not
        // resolved on this worker.
        let by_name = curio::spawn(async move {
            TcpStream::connect(("localhost", port))
                .await
                .map(|s| s.peer_addr().unwrap())
        });
        let looked_up = curio::spawn(async move {
            lookup_host(format!("localhost:{port}"))
                .await
                .map(|a| a.collect::<Vec<_>>())
        });
        for _ in 0..20 {
            curio::yield_now().await;
        }
        assert!(!by_name.is_finished(), "connect resolved on the worker");
        assert!(
            !looked_up.is_finished(),
            "lookup_host resolved on the worker"
        );
        release.send(()).unwrap();
        busy.await.unwrap();
        let peer = by_name.await.unwrap().unwrap();
        assert_eq!(peer.port(), port);
        let addrs = looked_up.await.unwrap().unwrap();
        assert!(addrs
            .iter()
            .any(|a| a.ip().is_loopback() && a.port() == port));
    });
}

#[test]
fn lookup_errors_are_io_errors() {
    curio::run(async {
        let err = lookup_host("no port here").await.err().unwrap();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
        let literal: Vec<_> = lookup_host("[::1]:8080").await.unwrap().collect();
        assert_eq!(literal, ["[::1]:8080".parse().unwrap()]);
    });
}
