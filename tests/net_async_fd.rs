//! `AsyncFd` over a pipe: readiness guards, `try_io`, clearing, and
//! getting the value back.

mod support;

use curio::net::AsyncFd;
use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::time::Duration;
use support::{runtime, FLAVOURS};

/// A non-blocking pipe: (reader, writer), as files.
fn pipe() -> (File, File) {
    let mut fds = [0; 2];
    // SAFETY: `fds` is a writable array of two descriptors, as pipe2(2)
    // requires.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2: {}", std::io::Error::last_os_error());
    // SAFETY: pipe2 succeeded, so both descriptors are open and owned by
    // nothing else; each `OwnedFd` takes sole ownership of one.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    (File::from(r), File::from(w))
}

#[test]
fn async_fd_over_a_pipe() {
    for workers in FLAVOURS {
        runtime(workers, "net-asyncfd").run(async {
            let (r, w) = pipe();
            let reader = AsyncFd::new(r).unwrap();
            let writer = AsyncFd::new(w).unwrap();
            // Nothing there yet: the first try clears the start readiness,
            // and the next wait really waits.
            let mut guard = reader.readable().await.unwrap();
            let mut buf = [0; 64];
            assert!(guard.try_io(|fd| fd.get_ref().read(&mut buf)).is_err());
            let idle = curio::ignore_after(Duration::from_millis(20), reader.readable()).await;
            assert!(idle.is_none(), "readable() returned on an empty pipe");

            let producer = curio::spawn(async move {
                for i in 0..10u8 {
                    loop {
                        let mut guard = writer.writable().await.unwrap();
                        match guard.try_io(|fd| fd.get_ref().write(&[i; 100])) {
                            Ok(n) => {
                                assert_eq!(n.unwrap(), 100);
                                break;
                            }
                            Err(_would_block) => continue,
                        }
                    }
                    curio::yield_now().await;
                }
                writer.into_inner()
            });
            let mut got = Vec::new();
            while got.len() < 1000 {
                let mut guard = reader.readable().await.unwrap();
                match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
                    Ok(n) => got.extend_from_slice(&buf[..n.unwrap()]),
                    Err(_would_block) => continue,
                }
            }
            let expected: Vec<u8> = (0..10u8).flat_map(|i| [i; 100]).collect();
            assert_eq!(got, expected);
            // The writer comes back still open; closing it ends the pipe.
            let w = producer.await.unwrap();
            drop(w);
            let eof = loop {
                let mut guard = reader.readable().await.unwrap();
                if let Ok(n) = guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
                    break n.unwrap();
                }
            };
            assert_eq!(eof, 0);
        });
    }
}

#[test]
fn clear_ready_makes_the_next_wait_wait() {
    runtime(1, "net-asyncfd").run(async {
        let (r, mut w) = pipe();
        let reader = AsyncFd::new(r).unwrap();
        let mut guard = reader.readable().await.unwrap();
        let err = reader.get_ref().read(&mut [0; 8]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock);
        guard.clear_ready();
        let idle = curio::ignore_after(Duration::from_millis(20), reader.readable()).await;
        assert!(idle.is_none());
        w.write_all(b"x").unwrap();
        let guard = curio::timeout_after(Duration::from_secs(5), reader.readable())
            .await
            .expect("an event arrives after the write")
            .unwrap();
        drop(guard);
        let mut b = [0; 1];
        assert_eq!(reader.get_ref().read(&mut b).unwrap(), 1);
    });
}

#[test]
fn a_regular_file_is_refused() {
    runtime(1, "net-asyncfd").run(async {
        let file = std::fs::File::open("/proc/self/exe").unwrap();
        let err = AsyncFd::new(file).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EPERM), "{err}");
    });
}

#[test]
fn the_new_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<AsyncFd<File>>();
    send_sync::<curio::net::AsyncFdReadyGuard<'static, File>>();
    send_sync::<curio::net::TcpSocket>();
    send_sync::<curio::net::TryIoError>();
}
