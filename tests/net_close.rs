//! Closing sockets releases what it promises: a closed listener stops
//! listening at once, and a dropped write half sends end of stream.

mod support;

use curio::net::{TcpListener, TcpStream};
use std::io::ErrorKind;
use std::time::Duration;
use support::{runtime, FLAVOURS};

#[test]
fn a_closed_listener_refuses_the_next_connect() {
    for workers in FLAVOURS {
        runtime(workers, "net-close").run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            listener.close();
            // Synchronous: no await between close and the refused connect.
            let err = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5))
                .expect_err("a closed listener accepted a connection");
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
            let err = TcpStream::connect(addr).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
            let err = listener.accept().await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotConnected);
        });
    }
}

#[test]
fn dropping_the_write_half_sends_end_of_stream() {
    for workers in FLAVOURS {
        runtime(workers, "net-close").run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (server, _) = listener.accept().await.unwrap();
            let (reader, writer) = server.into_split();
            writer.write_all(b"bye").await.unwrap();
            drop(writer);
            let mut got = Vec::new();
            let mut buf = [0; 16];
            let read_to_end = async {
                loop {
                    let n = client.read(&mut buf).await?;
                    if n == 0 {
                        return std::io::Result::Ok(());
                    }
                    got.extend_from_slice(&buf[..n]);
                }
            };
            curio::timeout_after(Duration::from_secs(5), read_to_end)
                .await
                .expect("no end of stream after the write half was dropped")
                .unwrap();
            assert_eq!(got, b"bye");
            // The read half still works: the connection is half-closed.
            client.write_all(b"still").await.unwrap();
            let mut buf = [0; 5];
            reader.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"still");
        });
    }
}

#[test]
fn a_closed_unix_listener_refuses_the_next_connect() {
    runtime(1, "net-close").run(async {
        let path = std::env::temp_dir().join(format!("curio-t-{}-close.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let listener = curio::net::UnixListener::bind(&path).await.unwrap();
        listener.close();
        let err = std::os::unix::net::UnixStream::connect(&path)
            .expect_err("a closed listener accepted a connection");
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
        let err = listener.accept().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotConnected);
        std::fs::remove_file(&path).unwrap();
    });
}
