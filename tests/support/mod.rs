//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The worker counts every runtime test runs with.
pub const FLAVOURS: [usize; 2] = [1, 4];

/// A runtime with `workers` workers and threads named `name`.
pub fn runtime(workers: usize, name: &str) -> curio::Runtime {
    curio::Runtime::builder()
        .workers(workers)
        .thread_name(name)
        .build()
        .expect("runtime starts")
}

/// Polls `cond` until it holds, failing the test after `limit`.
pub fn wait_until(limit: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The names of this process's threads that start with `prefix` (Linux
/// truncates thread names to 15 bytes).
pub fn threads_named(prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc/self/task") {
        for entry in dir.flatten() {
            if let Ok(name) = std::fs::read_to_string(entry.path().join("comm")) {
                let name = name.trim_end().to_owned();
                if name.starts_with(prefix) {
                    out.push(name);
                }
            }
        }
    }
    out
}

/// Counts how many times values holding it were dropped.
#[derive(Clone, Default)]
pub struct DropCount(Arc<AtomicUsize>);

impl DropCount {
    /// A guard that bumps the count when dropped.
    pub fn guard(&self) -> DropGuard {
        DropGuard(self.0.clone())
    }

    /// Drops so far.
    pub fn get(&self) -> usize {
        self.0.load(SeqCst)
    }
}

/// Bumps its `DropCount` when dropped.
pub struct DropGuard(Arc<AtomicUsize>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}
