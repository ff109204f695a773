//! Puts a pipe on curio's reactor with `AsyncFd`: the read end of a child
//! process's stdout. The child writes a line every 20 ms; a curio task
//! waits for readability and reads with non-blocking calls until the end
//! of the stream. Exits by itself.
//!
//! Run: `cargo run --example async_fd`

use curio::net::AsyncFd;
use std::fs::File;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::process::{Command, Stdio};

fn main() -> std::io::Result<()> {
    /// What `--help` prints.
    const USAGE: &str = "\
async_fd: puts the read end of a child process's stdout (a pipe) on curio's
reactor with AsyncFd and reads the child's lines as they arrive, with
non-blocking reads. The child writes five lines, 20 ms apart; the example
exits when it has ended.

Usage: async_fd [-h | --help]
";
    if matches!(std::env::args().nth(1).as_deref(), Some("-h" | "--help")) {
        print!("{USAGE}");
        return Ok(());
    }
    curio::run(async {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg("for i in 1 2 3 4 5; do echo \"message $i through the pipe\"; sleep 0.02; done")
            .stdout(Stdio::piped())
            .spawn()?;
        // As a `File`, whose `&File` reads through a shared reference.
        let stdout = File::from(OwnedFd::from(child.stdout.take().expect("stdout is piped")));
        // AsyncFd needs a non-blocking descriptor; socket2 sets O_NONBLOCK
        // on any descriptor, a pipe included.
        socket2::SockRef::from(&stdout).set_nonblocking(true)?;
        let pipe = AsyncFd::new(stdout)?;

        let mut received = Vec::new();
        let mut buf = [0; 256];
        loop {
            let mut guard = pipe.readable().await?;
            match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
                Ok(result) => {
                    let n = result?;
                    if n == 0 {
                        break; // the child closed its stdout
                    }
                    received.extend_from_slice(&buf[..n]);
                }
                // Stale readiness: it was cleared, wait for the next edge.
                Err(_would_block) => continue,
            }
        }
        // The child has exited or is about to: its stdout is closed.
        let status = curio::run_in_thread(move || child.wait()).await?;
        print!("{}", String::from_utf8_lossy(&received));
        let lines = received.iter().filter(|&&b| b == b'\n').count();
        assert!(status.success() && lines == 5, "{status} {lines}");
        println!("async_fd: {lines} messages read through the reactor");
        Ok(())
    })
}
