//! TCP through the reactor: echo with many std-thread clients, half-close,
//! peer reset, writes to a closed peer, close waking blocked tasks, and
//! shutdown failing leftover sockets.

mod support;

use curio::net::{TcpListener, TcpStream};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::sync::mpsc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use support::{runtime, FLAVOURS};

/// A generous bound on any blocking std-side operation.
const LIMIT: Duration = Duration::from_secs(20);

/// A std client with read/write timeouts, so a bug fails instead of hangs.
fn std_client(addr: SocketAddr) -> std::net::TcpStream {
    let s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(LIMIT)).unwrap();
    s.set_write_timeout(Some(LIMIT)).unwrap();
    s
}

/// Echoes one connection until end of stream.
async fn echo(stream: TcpStream) -> std::io::Result<()> {
    let mut buf = vec![0; 4096];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        stream.write_all(&buf[..n]).await?;
    }
}

#[test]
fn echo_many_std_clients() {
    const CLIENTS: usize = 32;
    const ROUNDS: usize = 50;
    for workers in FLAVOURS {
        let rt = runtime(workers, "net-echo");
        let (tx, rx) = mpsc::channel();
        let server = rt.spawn(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            for _ in 0..CLIENTS {
                let (stream, _) = listener.accept().await.unwrap();
                curio::spawn(async move { echo(stream).await.unwrap() });
            }
        });
        let addr = rx.recv_timeout(LIMIT).unwrap();
        let clients: Vec<_> = (0..CLIENTS)
            .map(|i| {
                std::thread::spawn(move || {
                    let mut s = std_client(addr);
                    for round in 0..ROUNDS {
                        let msg = format!("client {i} round {round}\n");
                        s.write_all(msg.as_bytes()).unwrap();
                        let mut back = vec![0; msg.len()];
                        s.read_exact(&mut back).unwrap();
                        assert_eq!(back, msg.as_bytes());
                    }
                })
            })
            .collect();
        for c in clients {
            c.join().unwrap();
        }
        rt.block_on(server).unwrap();
    }
}

#[test]
fn half_close_lets_the_other_direction_work() {
    curio::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        client.write_all(b"request").await.unwrap();
        client.shutdown(Shutdown::Write).await.unwrap();
        let mut got = Vec::new();
        let mut buf = [0; 3];
        loop {
            let n = server.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"request");
        server.write_all(b"reply").await.unwrap();
        drop(server);
        let mut reply = [0; 5];
        client.read_exact(&mut reply).await.unwrap();
        assert_eq!(&reply, b"reply");
        assert_eq!(client.read(&mut buf).await.unwrap(), 0);
    });
}

#[test]
fn peer_reset_during_a_read_is_an_error() {
    for workers in FLAVOURS {
        let rt = runtime(workers, "net-reset");
        rt.run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let (tx, rx) = mpsc::channel::<()>();
            let peer = std::thread::spawn(move || {
                let s = std_client(addr);
                // Wait until the server task is reading, then reset.
                rx.recv_timeout(LIMIT).unwrap();
                socket2::SockRef::from(&s)
                    .set_linger(Some(Duration::ZERO))
                    .unwrap();
                drop(s);
            });
            let (server, _) = listener.accept().await.unwrap();
            let reader = curio::spawn(async move {
                let mut buf = [0; 16];
                server.read(&mut buf).await
            });
            curio::yield_now().await;
            tx.send(()).unwrap();
            let err = reader.await.unwrap().unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}");
            curio::run_in_thread(move || peer.join().unwrap()).await;
        });
    }
}

#[test]
fn writing_to_a_closed_peer_is_an_error_not_a_signal() {
    curio::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        drop(server);
        let chunk = vec![7u8; 64 * 1024];
        let mut failed = None;
        for _ in 0..1000 {
            if let Err(e) = client.write(&chunk).await {
                failed = Some(e);
                break;
            }
        }
        let err = failed.expect("writes to a closed peer fail");
        assert!(
            matches!(
                err.kind(),
                std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
            ),
            "{err}"
        );
    });
}

#[test]
fn close_wakes_every_blocked_task_with_an_error() {
    curio::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let _client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let server = Arc::new(listener.accept().await.unwrap().0);
        let readers: Vec<_> = (0..3)
            .map(|_| {
                let s = server.clone();
                curio::spawn(async move { s.read(&mut [0; 8]).await })
            })
            .collect();
        // Every reader waits on the socket before it is closed.
        let handle = curio::Handle::current();
        while handle
            .tasks()
            .iter()
            .filter(|t| t.state == curio::introspect::TaskState::ReadWait)
            .count()
            < 3
        {
            curio::sleep(std::time::Duration::from_millis(1)).await;
        }
        server.close();
        for r in readers {
            let err = r.await.unwrap().unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::NotConnected);
        }
        assert!(server.write(b"x").await.is_err());
    });
}

#[test]
fn several_waiters_on_one_direction_all_progress() {
    curio::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let server = Arc::new(listener.accept().await.unwrap().0);
        let readers: Vec<_> = (0..4)
            .map(|_| {
                let s = server.clone();
                curio::spawn(async move {
                    let mut b = [0; 1];
                    s.read_exact(&mut b).await.map(|_| b[0])
                })
            })
            .collect();
        curio::yield_now().await;
        client.write_all(b"abcd").await.unwrap();
        let mut got: Vec<u8> = Vec::new();
        for r in readers {
            got.push(r.await.unwrap().unwrap());
        }
        got.sort();
        assert_eq!(got, b"abcd");
    });
}

#[test]
fn connect_to_a_closed_port_is_refused() {
    curio::run(async {
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    });
}

#[test]
fn split_halves_work_from_two_tasks() {
    curio::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        client.set_nodelay(true).unwrap();
        assert!(client.nodelay().unwrap());
        let (server, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        let (r, w) = server.into_split();
        let pump = curio::spawn(async move {
            let mut buf = [0; 64];
            loop {
                let n = r.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                w.write_all(&buf[..n]).await.unwrap();
            }
            w.shutdown().await.unwrap();
        });
        for i in 0..100u32 {
            client.write_all(&i.to_le_bytes()).await.unwrap();
            let mut b = [0; 4];
            client.read_exact(&mut b).await.unwrap();
            assert_eq!(u32::from_le_bytes(b), i);
        }
        client.shutdown(Shutdown::Write).await.unwrap();
        pump.await.unwrap();
        assert_eq!(client.read(&mut [0; 4]).await.unwrap(), 0);
    });
}

#[test]
fn futures_io_traits_are_implemented() {
    use futures::{AsyncReadExt, AsyncWriteExt};
    curio::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        client.write_all(b"trait").await.unwrap();
        AsyncWriteExt::close(&mut client).await.unwrap();
        let mut got = String::new();
        server.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "trait");
    });
}

#[test]
fn sockets_left_at_shutdown_fail_instead_of_hanging() {
    let rt = runtime(2, "net-sd");
    let listener = rt.run(async { TcpListener::bind("127.0.0.1:0").await.unwrap() });
    // `run` shut the runtime down: the reactor is stopped and joined.
    let mut cx = Context::from_waker(Waker::noop());
    match listener.poll_accept(&mut cx) {
        Poll::Ready(Err(e)) => assert!(e.to_string().contains("stopped"), "{e}"),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn use_outside_a_runtime_is_an_error() {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let err = TcpListener::from_std(std_listener).unwrap_err();
    assert!(err.to_string().contains("runtime"), "{err}");
}
