//! Puts a pipe on curio's reactor with `AsyncFd`: a plain thread writes
//! into the pipe, a curio task waits for readability and reads with
//! non-blocking calls until the end of the stream. Exits by itself.
//!
//! Run: `cargo run --example async_fd`

use curio::net::AsyncFd;
use std::io::{Read, Write};
use std::time::Duration;

fn main() -> std::io::Result<()> {
    curio::run(async {
        let (reader, mut writer) = std::io::pipe()?;
        // AsyncFd needs a non-blocking descriptor; socket2 sets O_NONBLOCK
        // on any descriptor, a pipe included.
        socket2::SockRef::from(&reader).set_nonblocking(true)?;
        let reader = AsyncFd::new(reader)?;

        // The writer is a plain blocking thread, as a C library's callback
        // thread or a child process would be.
        let producer = std::thread::spawn(move || -> std::io::Result<()> {
            for i in 1..=5 {
                writeln!(writer, "message {i} through the pipe")?;
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(()) // dropping the writer ends the stream
        });

        let mut received = Vec::new();
        let mut buf = [0; 256];
        loop {
            let mut guard = reader.readable().await?;
            match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
                Ok(result) => {
                    let n = result?;
                    if n == 0 {
                        break;
                    }
                    received.extend_from_slice(&buf[..n]);
                }
                // Stale readiness: it was cleared, wait for the next edge.
                Err(_would_block) => continue,
            }
        }
        producer.join().expect("the producer thread")?;
        print!("{}", String::from_utf8_lossy(&received));
        let lines = received.iter().filter(|&&b| b == b'\n').count();
        assert_eq!(lines, 5);
        println!("async_fd: {lines} messages read through the reactor");
        Ok(())
    })
}
