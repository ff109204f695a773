//! `SocketStream`: curio's buffered stream API, the line limit and cancel
//! safety of its reads under `Task::cancel`.

mod support;

use curio::net::{SocketStream, TcpListener, TcpStream};
use std::io::ErrorKind;
use std::sync::{Arc, Mutex};

/// A connected pair: (client, server).
async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

#[test]
fn stream_methods_follow_curio() {
    curio::run(async {
        let (client, server) = pair().await;
        let mut out = client.into_stream();
        assert_eq!(out.write(b"alpha\nbeta\n").await.unwrap(), 11);
        out.writelines(["gamma\n", "12345", "tail"]).await.unwrap();
        out.flush().await.unwrap();
        drop(out);
        let mut s = server.into_stream();
        assert_eq!(s.readline().await.unwrap(), b"alpha\n");
        assert_eq!(s.read(2).await.unwrap(), b"be");
        let lines = s.readlines().await.unwrap();
        assert_eq!(lines, [&b"ta\n"[..], b"gamma\n", b"12345tail"]);
        let rest = s.read_all().await.unwrap();
        assert!(rest.is_empty(), "{rest:?}");
        assert_eq!(s.readline().await.unwrap(), b"");
        assert_eq!(s.read(10).await.unwrap(), b"");
    });
}

#[test]
fn readlines_and_read_exactly_at_end_of_stream() {
    curio::run(async {
        let (client, server) = pair().await;
        client.write_all(b"one\ntwo\nno newline").await.unwrap();
        drop(client);
        let mut s = server.into_stream();
        let lines = s.readlines().await.unwrap();
        assert_eq!(
            lines,
            vec![b"one\n".to_vec(), b"two\n".to_vec(), b"no newline".to_vec()]
        );

        let (client, server) = pair().await;
        client.write_all(b"abc").await.unwrap();
        drop(client);
        let mut s = server.into_stream();
        let err = s.read_exactly(5).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
        assert_eq!(s.buffered(), b"abc");
        assert_eq!(s.read_exactly(3).await.unwrap(), b"abc");
    });
}

#[test]
fn an_oversized_line_is_invalid_data_with_bounded_memory() {
    curio::run(async {
        let (client, server) = pair().await;
        let writer = curio::spawn(async move {
            // 1 MiB without a newline: the reader must stop at its limit.
            let chunk = vec![b'x'; 64 * 1024];
            for _ in 0..16 {
                if client.write_all(&chunk).await.is_err() {
                    break;
                }
            }
            client
        });
        let mut s = server.into_stream();
        assert_eq!(s.max_line(), curio::net::DEFAULT_MAX_LINE);
        let err = s.readline().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert!(s.buffered().len() <= curio::net::DEFAULT_MAX_LINE + 16 * 1024);
        drop(s);
        drop(writer.await.unwrap());

        let (client, server) = pair().await;
        client.write_all(b"short\nmuch too long\n").await.unwrap();
        let mut s = server.into_stream();
        s.set_max_line(8);
        assert_eq!(s.readline().await.unwrap(), b"short\n");
        assert_eq!(
            s.readline().await.unwrap_err().kind(),
            ErrorKind::InvalidData
        );
    });
}

/// Holds a stream inside a task and puts it back when the task's future is
/// dropped (e.g. by cancellation).
struct PutBack {
    /// The stream while the task uses it.
    stream: Option<SocketStream<TcpStream>>,
    /// Where it goes back.
    slot: Arc<Mutex<Option<SocketStream<TcpStream>>>>,
}

impl Drop for PutBack {
    fn drop(&mut self) {
        *self.slot.lock().unwrap() = self.stream.take();
    }
}

#[test]
fn bytes_read_before_a_cancelled_readline_stay_buffered() {
    let rt = support::runtime(1, "net-cancel");
    rt.run(async {
        let (client, server) = pair().await;
        let slot = Arc::new(Mutex::new(Some(server.into_stream())));
        client.write_all(b"hel").await.unwrap();
        for op in ["readline", "read_exactly"] {
            let s = slot.clone();
            let mut task = curio::spawn(async move {
                let mut guard = PutBack {
                    stream: s.lock().unwrap().take(),
                    slot: s.clone(),
                };
                let stream = guard.stream.as_mut().unwrap();
                match op {
                    "readline" => stream.readline().await,
                    _ => stream.read_exactly(6).await,
                }
            });
            // One worker: the task runs (reads "hel", then waits) before
            // this task resumes.
            curio::yield_now().await;
            assert!(task.cancel().await);
            assert!(task.await.unwrap_err().is_cancelled());
            let stream = slot.lock().unwrap();
            assert_eq!(stream.as_ref().unwrap().buffered(), b"hel", "{op}");
        }
        client.write_all(b"lo\n").await.unwrap();
        let mut stream = slot.lock().unwrap().take().unwrap();
        assert_eq!(stream.readline().await.unwrap(), b"hello\n");
    });
}

#[test]
fn as_stream_borrows_and_works_on_unix_streams() {
    curio::run(async {
        let (client, server) = pair().await;
        client.write_all(b"x\ny\n").await.unwrap();
        {
            let mut s = server.as_stream();
            assert_eq!(s.readline().await.unwrap(), b"x\n");
            assert_eq!(s.readline().await.unwrap(), b"y\n");
        }
        // The socket is still usable after the borrowed stream is gone.
        server.write_all(b"ok").await.unwrap();

        let (a, b) = curio::net::UnixStream::pair().unwrap();
        let mut sa = a.into_stream();
        sa.writelines([b"1\n", b"2\n"]).await.unwrap();
        drop(sa);
        assert_eq!(b.as_stream().readlines().await.unwrap().len(), 2);
    });
}

#[test]
fn an_overlong_line_is_reported_once_and_the_next_line_follows() {
    curio::run(async {
        let (client, server) = pair().await;
        let writer = curio::spawn(async move {
            client.write_all(b"short\n").await?;
            client.write_all(&[b'x'; 20]).await?;
            client.write_all(b"\nnext\n").await?;
            // An over-long line that arrives in pieces, its '\n' last.
            for _ in 0..5 {
                client.write_all(&[b'y'; 7]).await?;
                curio::yield_now().await;
            }
            client.write_all(b"\nlast\n").await?;
            // Over the limit with no '\n' before the end of the stream.
            client.write_all(&[b'z'; 12]).await
        });
        let mut s = server.into_stream();
        s.set_max_line(8);
        assert_eq!(s.readline().await.unwrap(), b"short\n");
        let err = s.readline().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(s.readline().await.unwrap(), b"next\n");
        let err = s.readline().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(s.readline().await.unwrap(), b"last\n");
        writer.await.unwrap().unwrap();
        let err = s.readline().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(s.readline().await.unwrap(), b"");
        assert_eq!(s.readline().await.unwrap(), b"");
    });
}

#[test]
fn read_all_stops_with_invalid_data_past_its_limit() {
    curio::run(async {
        let (client, server) = pair().await;
        client.write_all(&[b'a'; 100]).await.unwrap();
        drop(client);
        let mut s = server.into_stream();
        assert_eq!(s.read_all_limit(), curio::net::DEFAULT_MAX_READ_ALL);
        s.set_read_all_limit(40);
        let err = s.read_all().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        // Nothing is lost: what was read stays buffered (bounded), the rest
        // is still in the socket.
        let buffered = s.buffered().len();
        assert!((41..=100).contains(&buffered), "{buffered}");
        s.set_read_all_limit(1000);
        assert_eq!(s.read_all().await.unwrap(), vec![b'a'; 100]);
    });
}
