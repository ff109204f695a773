//! Files on the blocking pool: `curio::fs`'s free functions, `File`
//! (read, write, seek, cancelled reads, deferred write errors), `read_dir`
//! as a stream, and curio's `aopen` use through `SocketStream`.

mod support;

use curio::fs::{self, File, OpenOptions};
use curio::net::SocketStream;
use futures::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt, FutureExt, StreamExt};
use std::io::{ErrorKind, SeekFrom};
use std::path::PathBuf;
use std::time::Duration;
use support::{runtime, FLAVOURS};

/// A fresh directory for one test, removed by `cleanup`.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("curio-fs-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Removes a test's directory.
fn cleanup(dir: &PathBuf) {
    std::fs::remove_dir_all(dir).expect("remove scratch dir");
}

/// Bytes that differ at every offset of a short period.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

#[test]
fn free_functions_round_trip() {
    let dir = scratch("free");
    let d = dir.clone();
    curio::run(async move {
        fs::create_dir_all(d.join("a/b")).await?;
        fs::write(d.join("a/b/f"), "hello").await?;
        assert_eq!(fs::read(d.join("a/b/f")).await?, b"hello");
        assert_eq!(fs::read_to_string(d.join("a/b/f")).await?, "hello");
        assert_eq!(fs::metadata(d.join("a/b/f")).await?.len(), 5);
        assert!(fs::metadata(d.join("a")).await?.is_dir());
        fs::rename(d.join("a/b/f"), d.join("g")).await?;
        assert_eq!(
            fs::read(d.join("a/b/f")).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(fs::copy(d.join("g"), d.join("h")).await?, 5);
        fs::symlink("h", d.join("link")).await?;
        assert_eq!(fs::read_link(d.join("link")).await?, PathBuf::from("h"));
        assert_eq!(
            fs::canonicalize(d.join("link")).await?,
            fs::canonicalize(d.join("h")).await?
        );
        assert!(fs::symlink_metadata(d.join("link"))
            .await?
            .file_type()
            .is_symlink());
        fs::remove_file(d.join("g")).await?;
        assert!(!fs::try_exists(d.join("g")).await?);
        assert_eq!(
            fs::remove_file(d.join("g")).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        fs::create_dir(d.join("empty")).await?;
        fs::remove_dir(d.join("empty")).await?;
        assert!(fs::remove_dir(d.join("a")).await.is_err(), "not empty");
        fs::remove_dir_all(d.join("a")).await?;
        assert!(!fs::try_exists(d.join("a")).await?);
        // Not UTF-8.
        fs::write(d.join("bin"), [0xff, 0xfe]).await?;
        assert_eq!(
            fs::read_to_string(d.join("bin")).await.unwrap_err().kind(),
            ErrorKind::InvalidData
        );
        std::io::Result::Ok(())
    })
    .unwrap();
    cleanup(&dir);
}

#[test]
fn outside_a_runtime_is_an_error_not_a_panic() {
    let err = futures::executor::block_on(fs::read("/dev/null")).unwrap_err();
    assert!(err.to_string().contains("curio runtime"), "{err}");
    let err = futures::executor::block_on(File::open("/dev/null")).unwrap_err();
    assert!(err.to_string().contains("curio runtime"), "{err}");
    // A file made outside reports the same from each operation.
    let mut file = File::from_std(std::fs::File::open("/dev/null").unwrap());
    let mut buf = [0; 4];
    let err = futures::executor::block_on(file.read(&mut buf)).unwrap_err();
    assert!(err.to_string().contains("curio runtime"), "{err}");
}

#[test]
fn a_large_file_round_trips_in_both_flavours() {
    // Larger than one pool call (2 MiB), in odd-sized writes and reads.
    let data = pattern(5 * 1024 * 1024 + 123);
    for workers in FLAVOURS {
        let dir = scratch(&format!("large{workers}"));
        let (d, data) = (dir.clone(), data.clone());
        runtime(workers, "fs-large")
            .run(async move {
                let mut file = File::create(d.join("big")).await?;
                for chunk in data.chunks(100_003) {
                    file.write_all(chunk).await?;
                }
                file.sync_all().await?;
                assert_eq!(file.metadata().await?.len(), data.len() as u64);

                let mut file = File::open(d.join("big")).await?;
                let mut back = Vec::new();
                let mut buf = vec![0; 70_001];
                loop {
                    let n = file.read(&mut buf).await?;
                    if n == 0 {
                        break;
                    }
                    back.extend_from_slice(&buf[..n]);
                }
                assert!(back == data, "the data came back changed");
                // And at once, into a buffer bigger than one pool call.
                let mut file = File::open(d.join("big")).await?;
                let mut all = Vec::new();
                file.read_to_end(&mut all).await?;
                assert!(all == data, "read_to_end changed the data");
                std::io::Result::Ok(())
            })
            .unwrap();
        cleanup(&dir);
    }
}

#[test]
fn seeks_from_start_current_and_end() {
    let dir = scratch("seek");
    let d = dir.clone();
    curio::run(async move {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(d.join("f"))
            .await?;
        file.write_all(b"0123456789").await?;
        assert_eq!(file.seek(SeekFrom::Start(2)).await?, 2);
        let mut two = [0; 2];
        file.read_exact(&mut two).await?;
        assert_eq!(&two, b"23");
        assert_eq!(file.seek(SeekFrom::Current(3)).await?, 7);
        file.read_exact(&mut two).await?;
        assert_eq!(&two, b"78");
        assert_eq!(file.seek(SeekFrom::End(-1)).await?, 9);
        file.read_exact(&mut two[..1]).await?;
        assert_eq!(two[0], b'9');
        assert_eq!(file.read(&mut two).await?, 0, "end of file");
        let err = file.seek(SeekFrom::Current(-100)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        std::io::Result::Ok(())
    })
    .unwrap();
    cleanup(&dir);
}

#[test]
fn a_cancelled_read_loses_no_data_and_keeps_the_position() {
    let dir = scratch("cancel");
    let d = dir.clone();
    // One pool thread, so a blocker holds the read back until it is
    // cancelled.
    let rt = curio::Runtime::builder()
        .workers(2)
        .max_blocking_threads(1)
        .build()
        .unwrap();
    rt.run(async move {
        let data = pattern(1000);
        fs::write(d.join("f"), &data).await?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(d.join("f"))
            .await?;
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        let blocker = curio::run_in_thread(move || blocked.recv());
        // Start a read of everything and drop it before it completes; the
        // pool call runs later and its bytes stay buffered in the file.
        let mut big = vec![0; 4096];
        assert!(
            file.read(&mut big).now_or_never().is_none(),
            "the pool is busy"
        );
        release.send(()).unwrap();
        blocker.await.unwrap();
        let mut ten = [0; 10];
        file.read_exact(&mut ten).await?;
        assert_eq!(&ten[..], &data[..10]);
        // The position is where this reader stands, not where the OS read
        // ahead to.
        assert_eq!(file.stream_position().await?, 10);
        // A write goes there too.
        file.write_all(b"XY").await?;
        file.flush().await?;
        let mut rest = Vec::new();
        file.read_to_end(&mut rest).await?;
        assert_eq!(&rest[..], &data[12..]);
        let mut expect = data.clone();
        expect[10..12].copy_from_slice(b"XY");
        assert!(fs::read(d.join("f")).await? == expect);
        std::io::Result::Ok(())
    })
    .unwrap();
    cleanup(&dir);
}

#[test]
fn a_failed_background_write_is_reported_by_flush() {
    let dir = scratch("werr");
    let d = dir.clone();
    curio::run(async move {
        fs::write(d.join("ro"), "x").await?;
        // Open for reading only: the OS refuses the write (EBADF).
        let mut file = File::open(d.join("ro")).await?;
        assert_eq!(file.write(b"data").await?, 4, "accepted into the buffer");
        let err = file.flush().await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EBADF), "{err}");
        // Reported once; the file stays usable.
        file.flush().await?;
        let mut s = String::new();
        file.read_to_string(&mut s).await?;
        assert_eq!(s, "x");
        // sync_all reports it too.
        file.write_all(b"more").await?;
        assert!(file.sync_all().await.is_err());
        std::io::Result::Ok(())
    })
    .unwrap();
    cleanup(&dir);
}

#[test]
fn a_dropped_file_finishes_its_write() {
    let dir = scratch("dropw");
    let d = dir.clone();
    curio::run(async move {
        let mut file = File::create(d.join("f")).await?;
        file.write_all(b"written after the drop").await?;
        drop(file);
        // The pool call runs on; wait for it with a deadline.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::fs::read(d.join("f"))? != b"written after the drop" {
            assert!(
                std::time::Instant::now() < deadline,
                "the write never landed"
            );
            curio::sleep(Duration::from_millis(1)).await;
        }
        std::io::Result::Ok(())
    })
    .unwrap();
    cleanup(&dir);
}

#[test]
fn open_options_append_create_new_and_set_len() {
    let dir = scratch("oo");
    let d = dir.clone();
    curio::run(async move {
        let path = d.join("log");
        for line in ["a\n", "b\n"] {
            let mut f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .await?;
            f.write_all(line.as_bytes()).await?;
            f.close().await?;
        }
        assert_eq!(fs::read_to_string(&path).await?, "a\nb\n");
        let err = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
        let err = OpenOptions::new().open(&path).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "no access mode");
        let mut f = OpenOptions::new().write(true).open(&path).await?;
        f.set_len(1).await?;
        f.sync_data().await?;
        assert_eq!(fs::read_to_string(&path).await?, "a");
        let std = f.into_std().await?;
        assert_eq!(std.metadata()?.len(), 1);
        std::io::Result::Ok(())
    })
    .unwrap();
    cleanup(&dir);
}

#[test]
fn read_dir_streams_every_entry() {
    let dir = scratch("readdir");
    let d = dir.clone();
    curio::run(async move {
        // More entries than one batch from the pool.
        for i in 0..75 {
            fs::write(d.join(format!("f{i:02}")), "").await?;
        }
        fs::create_dir(d.join("sub")).await?;
        let mut names = Vec::new();
        let mut entries = fs::read_dir(&d).await?;
        while let Some(entry) = entries.next().await {
            let entry = entry?;
            assert_eq!(entry.path(), d.join(entry.file_name()));
            let is_dir = entry.file_type().await?.is_dir();
            assert_eq!(is_dir, entry.file_name() == "sub");
            assert_eq!(entry.metadata().await?.is_dir(), is_dir);
            names.push(entry.file_name().into_string().unwrap());
        }
        assert!(entries.next().await.is_none(), "stays ended");
        names.sort();
        let mut expect: Vec<String> = (0..75).map(|i| format!("f{i:02}")).collect();
        expect.push("sub".into());
        assert_eq!(names, expect);

        let mut entries = fs::read_dir(d.join("sub")).await?;
        assert!(entries.next_entry().await?.is_none());
        let err = fs::read_dir(d.join("missing")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        std::io::Result::Ok(())
    })
    .unwrap();
    cleanup(&dir);
}

#[test]
fn socket_stream_reads_a_file_by_lines() {
    let dir = scratch("lines");
    let d = dir.clone();
    curio::run(async move {
        let mut text = String::new();
        for i in 0..1000 {
            text.push_str(&format!("line {i}\n"));
        }
        text.push_str("no newline at the end");
        fs::write(d.join("f"), &text).await?;
        let mut stream = SocketStream::new(File::open(d.join("f")).await?);
        assert_eq!(stream.readline().await?, b"line 0\n");
        let lines = stream.readlines().await?;
        assert_eq!(lines.len(), 1000);
        assert_eq!(lines[998], b"line 999\n");
        assert_eq!(lines[999], b"no newline at the end");
        assert!(stream.readline().await?.is_empty());

        // A line longer than the bound is an error, not a huge buffer.
        fs::write(d.join("long"), vec![b'x'; 10_000]).await?;
        let mut stream = SocketStream::new(File::open(d.join("long")).await?);
        stream.set_max_line(100);
        assert_eq!(
            stream.readline().await.unwrap_err().kind(),
            ErrorKind::InvalidData
        );
        std::io::Result::Ok(())
    })
    .unwrap();
    cleanup(&dir);
}

#[test]
fn many_tasks_write_their_own_files() {
    let dir = scratch("many");
    let d = dir.clone();
    runtime(4, "fs-many")
        .run(async move {
            let mut tasks = Vec::new();
            for i in 0..200 {
                let path = d.join(format!("{i}"));
                tasks.push(curio::spawn(async move {
                    fs::write(&path, format!("{i}")).await?;
                    fs::read_to_string(&path).await
                }));
            }
            for (i, task) in tasks.into_iter().enumerate() {
                assert_eq!(task.await.unwrap()?, i.to_string());
            }
            std::io::Result::Ok(())
        })
        .unwrap();
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 200);
    cleanup(&dir);
}

#[test]
fn the_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<File>();
    send_sync::<OpenOptions>();
    send_sync::<fs::ReadDir>();
    send_sync::<fs::DirEntry>();
}
