//! Accepting when the process is out of file descriptors: the error is
//! reported, a naive retry loop does not spin, and accepting resumes once
//! descriptors are free again. Alone in its file: it lowers the process's
//! descriptor limit.

mod support;

use curio::net::TcpListener;
use std::time::{Duration, Instant};
use support::runtime;

/// The soft and hard `RLIMIT_NOFILE` of this process.
fn nofile_limits() -> (String, String) {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    let fields: Vec<&str> = line.split_whitespace().collect();
    (fields[3].to_owned(), fields[4].to_owned())
}

/// Sets this process's `RLIMIT_NOFILE` through `prlimit(1)`.
fn set_nofile(soft: &str, hard: &str) -> bool {
    std::process::Command::new("prlimit")
        .arg(format!("--pid={}", std::process::id()))
        .arg(format!("--nofile={soft}:{hard}"))
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[test]
fn accept_out_of_descriptors_backs_off_and_recovers() {
    runtime(1, "net-emfile").run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let _client = std::net::TcpStream::connect(addr).unwrap();
        let (soft, hard) = nofile_limits();
        let open = std::fs::read_dir("/proc/self/fd").unwrap().count();
        if !set_nofile(&(open + 8).to_string(), &hard) {
            println!("SKIP: prlimit(1) could not lower the descriptor limit");
            return;
        }
        // Use up what is left.
        let mut hog = Vec::new();
        while let Ok(f) = std::fs::File::open("/dev/null") {
            hog.push(f);
        }
        // A naive loop that retries at once on every error.
        let deadline = Instant::now() + Duration::from_millis(300);
        let mut errors = 0;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match curio::timeout_after(left, listener.accept()).await {
                Ok(Err(e)) => {
                    assert_eq!(e.raw_os_error(), Some(libc::EMFILE), "{e}");
                    errors += 1;
                }
                Ok(Ok(_)) => panic!("accepted with no descriptor left"),
                Err(_) => break,
            }
        }
        drop(hog);
        assert!(set_nofile(&soft, &hard), "limit restored");
        assert!(errors >= 1, "the error was reported");
        assert!(
            errors < 30,
            "the retry loop spun: {errors} errors in 300 ms"
        );
        let accepted = curio::timeout_after(Duration::from_secs(5), listener.accept()).await;
        accepted
            .expect("accept resumes once descriptors are free")
            .unwrap();
    });
}
