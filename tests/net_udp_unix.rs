//! UDP and Unix sockets: datagram round trips, connected sockets, Unix
//! stream listeners, broken pipes.

mod support;

use curio::net::{UdpSocket, UnixDatagram, UnixListener, UnixStream};
use std::path::PathBuf;

/// A fresh socket path in the temp directory.
fn temp_path(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("curio-t-{}-{name}.sock", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

#[test]
fn udp_round_trip_and_connected_sockets() {
    for workers in support::FLAVOURS {
        support::runtime(workers, "net-udp").run(async {
            let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let saddr = server.local_addr().unwrap();
            let echo = curio::spawn(async move {
                let mut buf = [0; 64];
                for _ in 0..10 {
                    let (n, from) = server.recv_from(&mut buf).await.unwrap();
                    server.send_to(&buf[..n], from).await.unwrap();
                }
            });
            client.connect(saddr).await.unwrap();
            assert_eq!(client.peer_addr().unwrap(), saddr);
            for i in 0..10u8 {
                client.send(&[i; 3]).await.unwrap();
                let mut buf = [0; 8];
                let n = client.recv(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], &[i; 3]);
            }
            echo.await.unwrap();
        });
    }
}

#[test]
fn udp_close_wakes_a_blocked_receiver() {
    curio::run(async {
        let sock = std::sync::Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let s = sock.clone();
        let rx = curio::spawn(async move { s.recv_from(&mut [0; 8]).await.map(|_| ()) });
        curio::yield_now().await;
        sock.close();
        assert!(rx.await.unwrap().is_err());
    });
}

#[test]
fn unix_listener_echo_and_broken_pipe() {
    let path = temp_path("echo");
    let p = path.clone();
    curio::run(async move {
        let listener = UnixListener::bind(&p).await.unwrap();
        let server = curio::spawn(async move {
            let (s, _) = listener.accept().await.unwrap();
            let mut buf = [0; 32];
            let n = s.read(&mut buf).await.unwrap();
            s.write_all(&buf[..n]).await.unwrap();
        });
        let c = UnixStream::connect(&p).await.unwrap();
        c.write_all(b"over unix").await.unwrap();
        let mut back = [0; 9];
        c.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"over unix");
        server.await.unwrap();
        // The server side is gone: writes fail with an error, not SIGPIPE.
        let mut err = None;
        for _ in 0..100 {
            if let Err(e) = c.write(&[0; 4096]).await {
                err = Some(e);
                break;
            }
        }
        assert_eq!(
            err.expect("write fails").kind(),
            std::io::ErrorKind::BrokenPipe
        );
        assert!(UnixStream::connect(p.with_extension("missing"))
            .await
            .is_err());
    });
    let _ = std::fs::remove_file(path);
}

#[test]
fn unix_datagrams_by_path_and_pair() {
    let (pa, pb) = (temp_path("dga"), temp_path("dgb"));
    let (a_path, b_path) = (pa.clone(), pb.clone());
    curio::run(async move {
        let a = UnixDatagram::bind(&a_path).await.unwrap();
        let b = UnixDatagram::bind(&b_path).await.unwrap();
        a.send_to(b"to b", &b_path).await.unwrap();
        let mut buf = [0; 16];
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"to b");
        assert_eq!(from.as_pathname(), Some(a_path.as_path()));
        b.connect(&a_path).await.unwrap();
        b.send(b"back").await.unwrap();
        assert_eq!(a.recv(&mut buf).await.unwrap(), 4);

        let (x, y) = UnixDatagram::pair().unwrap();
        x.send(b"p").await.unwrap();
        assert_eq!(y.recv(&mut buf).await.unwrap(), 1);
        let u = UnixDatagram::unbound().unwrap();
        // `b` is connected to `a` and refuses others; `a` is not.
        u.send_to(b"anon", &a_path).await.unwrap();
        assert_eq!(a.recv_from(&mut buf).await.unwrap().0, 4);
    });
    let _ = std::fs::remove_file(pa);
    let _ = std::fs::remove_file(pb);
}

#[test]
fn unix_connect_to_a_full_backlog_waits_until_accepted() {
    use socket2::{Domain, SockAddr, Socket, Type};
    support::runtime(1, "net-backlog").run(async {
        let path = temp_path("backlog");
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None).unwrap();
        socket.bind(&SockAddr::unix(&path).unwrap()).unwrap();
        socket.listen(1).unwrap();
        let listener = UnixListener::from_std(socket.into()).unwrap();
        // Fill the backlog with connects that do not wait.
        let mut queued = Vec::new();
        for _ in 0..1000 {
            let s = Socket::new(Domain::UNIX, Type::STREAM, None).unwrap();
            s.set_nonblocking(true).unwrap();
            match s.connect(&SockAddr::unix(&path).unwrap()) {
                Ok(()) => queued.push(s),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
        assert!(!queued.is_empty() && queued.len() < 1000);
        let p = path.clone();
        let connect = curio::spawn(async move { UnixStream::connect(&p).await });
        // One worker: the connect runs into the full backlog first.
        curio::yield_now().await;
        curio::yield_now().await;
        assert!(
            !connect.is_finished(),
            "connect did not wait on the full backlog"
        );
        let _first = listener.accept().await.unwrap();
        let client = curio::timeout_after(std::time::Duration::from_secs(5), connect)
            .await
            .expect("connect completes once the backlog has room")
            .unwrap()
            .unwrap();
        assert!(client.peer_addr().is_ok());
        std::fs::remove_file(&path).unwrap();
    });
}
