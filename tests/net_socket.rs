//! What a service needs from its sockets: options through `TcpSocket`,
//! `SO_REUSEPORT` listeners, `peek`, `readable` + `try_read`, the
//! standard-library round trips and `AsFd` on every socket type.

mod support;

use curio::net::{
    TcpListener, TcpSocket, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream,
};
use std::io::ErrorKind;
use std::os::fd::{AsFd, AsRawFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::{runtime, FLAVOURS};

/// A connected pair: (client, server).
async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

/// A listener on `addr` with `SO_REUSEPORT`.
fn reuseport_listener(addr: std::net::SocketAddr) -> TcpListener {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_reuseport(true).unwrap();
    assert!(socket.reuseport().unwrap());
    socket.bind(addr).unwrap();
    socket.listen(64).unwrap()
}

#[test]
fn two_listeners_share_a_port_through_reuseport() {
    for workers in FLAVOURS {
        runtime(workers, "net-reuseport").run(async {
            let a = reuseport_listener("127.0.0.1:0".parse().unwrap());
            let addr = a.local_addr().unwrap();
            let b = reuseport_listener(addr);
            assert_eq!(b.local_addr().unwrap(), addr);
            // Without the option the port is taken.
            let plain = TcpSocket::new_v4().unwrap();
            assert_eq!(plain.bind(addr).unwrap_err().kind(), ErrorKind::AddrInUse);

            const CLIENTS: usize = 32;
            let accepted = Arc::new(AtomicUsize::new(0));
            let mut acceptors = Vec::new();
            for listener in [a, b] {
                let accepted = accepted.clone();
                acceptors.push(curio::spawn(async move {
                    let mut mine = Vec::new();
                    while accepted.load(Ordering::SeqCst) < CLIENTS {
                        let Ok(Ok((s, _))) =
                            curio::timeout_after(Duration::from_millis(50), listener.accept())
                                .await
                        else {
                            continue;
                        };
                        accepted.fetch_add(1, Ordering::SeqCst);
                        mine.push(s);
                    }
                    mine.len()
                }));
            }
            let mut clients = Vec::new();
            for _ in 0..CLIENTS {
                clients.push(TcpStream::connect(addr).await.unwrap());
            }
            let mut total = 0;
            for a in acceptors {
                total += curio::timeout_after(Duration::from_secs(10), a)
                    .await
                    .expect("every connection is accepted by one of the two")
                    .unwrap();
            }
            assert_eq!(total, CLIENTS);
        });
    }
}

#[test]
fn tcp_socket_options_and_connect() {
    runtime(1, "net-tcpsocket").run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        assert!(socket.reuseaddr().unwrap());
        socket.set_keepalive(true).unwrap();
        assert!(socket.keepalive().unwrap());
        socket.set_nodelay(true).unwrap();
        assert!(socket.nodelay().unwrap());
        socket.set_send_buffer_size(64 * 1024).unwrap();
        assert!(socket.send_buffer_size().unwrap() >= 64 * 1024);
        socket.set_recv_buffer_size(64 * 1024).unwrap();
        assert!(socket.recv_buffer_size().unwrap() >= 64 * 1024);
        let stream = socket
            .connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        assert!(stream.nodelay().unwrap());
        let (server, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, stream.local_addr().unwrap());
        stream.write_all(b"ok").await.unwrap();
        let mut buf = [0; 2];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ok");
        // A refused connect is an error, not a hang.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let err = TcpSocket::new_v4()
            .unwrap()
            .connect(port)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    });
}

#[test]
fn peek_does_not_consume() {
    for workers in FLAVOURS {
        runtime(workers, "net-peek").run(async {
            let (client, server) = pair().await;
            client.write_all(b"hello").await.unwrap();
            let mut buf = [0; 5];
            let mut n = 0;
            while n < 5 {
                n = server.peek(&mut buf).await.unwrap();
            }
            assert_eq!(&buf, b"hello");
            let mut again = [0; 5];
            server.read_exact(&mut again).await.unwrap();
            assert_eq!(&again, b"hello");
        });
    }
}

#[test]
fn try_read_would_block_then_data_after_readable() {
    for workers in FLAVOURS {
        runtime(workers, "net-tryread").run(async {
            let (client, server) = pair().await;
            let mut buf = [0; 16];
            let err = server.try_read(&mut buf).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock);
            // Still nothing: readable() waits (bounded here). It may once
            // report a stale readiness (an event for the other direction
            // came in while try_read cleared it: "may be readable"); then
            // try_read says WouldBlock again and the next readable() waits.
            let mut waited = false;
            for _ in 0..3 {
                let idle = curio::ignore_after(Duration::from_millis(20), server.readable()).await;
                if idle.is_none() {
                    waited = true;
                    break;
                }
                let err = server.try_read(&mut buf).unwrap_err();
                assert_eq!(err.kind(), ErrorKind::WouldBlock);
            }
            assert!(waited, "readable() kept returning with nothing to read");
            let writer = curio::spawn(async move {
                client.writable().await.unwrap();
                let n = client.try_write(b"data").unwrap();
                assert_eq!(n, 4);
                client
            });
            let got = loop {
                server.readable().await.unwrap();
                match server.try_read(&mut buf) {
                    Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                    other => break other.unwrap(),
                }
            };
            assert_eq!(&buf[..got], b"data");
            drop(writer.await.unwrap());
        });
    }
}

#[test]
fn linger_ttl_and_nodelay() {
    runtime(1, "net-opts").run(async {
        let (client, _server) = pair().await;
        client.set_linger(Some(Duration::from_secs(2))).unwrap();
        assert_eq!(client.linger().unwrap(), Some(Duration::from_secs(2)));
        client.set_linger(None).unwrap();
        assert_eq!(client.linger().unwrap(), None);
        client.set_ttl(17).unwrap();
        assert_eq!(client.ttl().unwrap(), 17);
        client.set_nodelay(true).unwrap();
        assert!(client.nodelay().unwrap());
    });
}

/// Whether `fd` is the socket bound to `addr` (by asking the kernel).
fn sock_name(fd: std::os::fd::BorrowedFd<'_>) -> socket2::SockAddr {
    socket2::SockRef::from(&fd).local_addr().unwrap()
}

#[test]
fn into_std_round_trips_and_as_fd_on_every_socket() {
    runtime(1, "net-std").run(async {
        // TCP listener and stream.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        assert_eq!(sock_name(listener.as_fd()).as_socket(), Some(addr));
        assert!(listener.as_raw_fd() >= 0);
        let listener = TcpListener::from_std(listener.into_std().unwrap()).unwrap();
        let client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let std_client = client.into_std().unwrap();
        // Still non-blocking: nothing to read is WouldBlock, not a hang.
        let err = std::io::Read::read(&mut &std_client, &mut [0; 4]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock);
        let client = TcpStream::from_std(std_client).unwrap();
        client.write_all(b"tcp").await.unwrap();
        let mut buf = [0; 3];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"tcp");
        assert_eq!(sock_name(server.as_fd()).as_socket(), Some(addr));

        // UDP.
        let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let uaddr = udp.local_addr().unwrap();
        assert_eq!(sock_name(udp.as_fd()).as_socket(), Some(uaddr));
        let udp = UdpSocket::from_std(udp.into_std().unwrap()).unwrap();
        udp.send_to(b"u", uaddr).await.unwrap();
        let (n, from) = udp.recv_from(&mut buf).await.unwrap();
        assert_eq!((n, from), (1, uaddr));

        // Unix stream, listener, datagram.
        let path = std::env::temp_dir().join(format!("curio-t-{}-std.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let ul = UnixListener::bind(&path).await.unwrap();
        assert!(ul.as_raw_fd() >= 0);
        let ul = UnixListener::from_std(ul.into_std().unwrap()).unwrap();
        let uc = UnixStream::connect(&path).await.unwrap();
        let (us, _) = ul.accept().await.unwrap();
        let uc = UnixStream::from_std(uc.into_std().unwrap()).unwrap();
        uc.write_all(b"unx").await.unwrap();
        us.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"unx");
        assert_eq!(sock_name(us.as_fd()).as_pathname(), Some(path.as_path()));
        std::fs::remove_file(&path).unwrap();
        let (da, db) = UnixDatagram::pair().unwrap();
        assert!(da.as_fd().as_raw_fd() >= 0);
        let da = UnixDatagram::from_std(da.into_std().unwrap()).unwrap();
        da.send(b"d").await.unwrap();
        assert_eq!(db.recv(&mut buf).await.unwrap(), 1);
    });
}

#[test]
fn udp_peek_readable_try_recv_and_options() {
    for workers in FLAVOURS {
        runtime(workers, "net-udp2").run(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let mut buf = [0; 16];
            let err = b.try_recv_from(&mut buf).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock);
            a.send_to(b"one", b.local_addr().unwrap()).await.unwrap();
            let (n, from) = b.peek_from(&mut buf).await.unwrap();
            assert_eq!((&buf[..n], from), (&b"one"[..], a.local_addr().unwrap()));
            let got = loop {
                b.readable().await.unwrap();
                match b.try_recv_from(&mut buf) {
                    Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                    other => break other.unwrap(),
                }
            };
            assert_eq!(&buf[..got.0], b"one", "peek left the datagram");
            b.set_broadcast(true).unwrap();
            assert!(b.broadcast().unwrap());
            b.set_broadcast(false).unwrap();
            assert!(!b.broadcast().unwrap());
            let group = std::net::Ipv4Addr::new(239, 255, 77, 1);
            let m = UdpSocket::bind("0.0.0.0:0").await.unwrap();
            match m.join_multicast_v4(group, std::net::Ipv4Addr::UNSPECIFIED) {
                Ok(()) => m
                    .leave_multicast_v4(group, std::net::Ipv4Addr::UNSPECIFIED)
                    .unwrap(),
                Err(e) => println!("SKIP multicast join: no multicast route here ({e})"),
            }
        });
    }
}
