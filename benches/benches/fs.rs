//! Files on the blocking pool: reading a 100 MB file in 64 KiB chunks, and 10,000 small-file writes (one task after another, and 100 tasks at once), `curio::fs` against `tokio::fs`.
//!
//! Both runtimes run 2 workers with their default blocking pools (512
//! threads each). Each round runs curio then tokio, alternating which goes
//! first, and the table gives the median of `FS_BENCH_ROUNDS` rounds
//! (default 7). The files live in a fresh directory under the system temp
//! dir, removed at the end; the 100 MB file is read once before timing so
//! both read it from the page cache. Not a criterion benchmark: one
//! iteration is long, and the rounds must alternate between runtimes.
//! `FS_BENCH_SCALE` (default 1) multiplies the work; `FS_BENCH_DIR` puts
//! the files elsewhere (e.g. `/dev/shm`, a tmpfs, to take the disk's
//! journal out of the small-file numbers).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Worker threads of both runtimes.
const WORKERS: usize = 2;
/// The read chunk.
const CHUNK: usize = 64 * 1024;
/// Bytes per small file.
const SMALL: usize = 100;
/// Tasks in the concurrent small-file workload.
const TASKS: usize = 100;

/// Reads `path` to its end in `CHUNK`-sized reads with curio; gives bytes.
async fn curio_read(path: PathBuf) -> u64 {
    use futures::AsyncReadExt;
    let mut file = curio::fs::File::open(&path).await.unwrap();
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0;
    loop {
        let n = file.read(&mut buf).await.unwrap();
        if n == 0 {
            return total;
        }
        total += n as u64;
    }
}

/// Reads `path` to its end in `CHUNK`-sized reads with tokio; gives bytes.
async fn tokio_read(path: PathBuf) -> u64 {
    use tokio::io::AsyncReadExt;
    let mut file = tokio::fs::File::open(&path).await.unwrap();
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0;
    loop {
        let n = file.read(&mut buf).await.unwrap();
        if n == 0 {
            return total;
        }
        total += n as u64;
    }
}

/// Writes files `first..first + count` of `dir` one after another.
async fn curio_writes(dir: PathBuf, first: usize, count: usize) {
    let data = [7u8; SMALL];
    for i in first..first + count {
        curio::fs::write(dir.join(i.to_string()), data)
            .await
            .unwrap();
    }
}

/// Writes files `first..first + count` of `dir` one after another.
async fn tokio_writes(dir: PathBuf, first: usize, count: usize) {
    let data = [7u8; SMALL];
    for i in first..first + count {
        tokio::fs::write(dir.join(i.to_string()), data)
            .await
            .unwrap();
    }
}

/// The median of `samples`.
fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// An empty directory `name` under `root`.
fn fresh_dir(root: &Path, name: &str) -> PathBuf {
    let dir = root.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Times one workload on each runtime, alternating, and prints a row.
fn compare(
    what: &str,
    rounds: usize,
    unit: (&str, f64),
    mut curio_run: impl FnMut() -> Duration,
    mut tokio_run: impl FnMut() -> Duration,
) {
    let (mut c, mut t) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        if round % 2 == 0 {
            c.push(curio_run());
            t.push(tokio_run());
        } else {
            t.push(tokio_run());
            c.push(curio_run());
        }
    }
    let (c, t) = (median(c), median(t));
    let (label, amount) = unit;
    println!(
        "| {what} | {:.1} ms | {:.0} {label} | {:.1} ms | {:.0} {label} | {:.2} |",
        c.as_secs_f64() * 1e3,
        amount / c.as_secs_f64(),
        t.as_secs_f64() * 1e3,
        amount / t.as_secs_f64(),
        c.as_secs_f64() / t.as_secs_f64(),
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let scale: usize = std::env::var("FS_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let rounds: usize = std::env::var("FS_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let curio_rt = curio::Runtime::builder().workers(WORKERS).build().unwrap();
    let tokio_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .unwrap();
    let base = std::env::var_os("FS_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let root = base.join(format!("curio-fs-bench-{}", std::process::id()));
    println!("files under {}", base.display());
    std::fs::create_dir_all(&root).unwrap();

    // The big file, written with std and read once into the page cache.
    let big = root.join("big");
    let size = 100 * 1024 * 1024 * scale;
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&big).unwrap();
        let block: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
        for _ in 0..size / block.len() {
            f.write_all(&block).unwrap();
        }
    }
    assert_eq!(std::fs::read(&big).unwrap().len(), size);

    println!("| workload | curio | curio rate | tokio | tokio rate | curio/tokio time |");
    println!("|---|---|---|---|---|---|");
    let mb = size as f64 / (1024.0 * 1024.0);
    compare(
        &format!("read {mb:.0} MB in 64 KiB chunks"),
        rounds,
        ("MB/s", mb),
        || {
            let path = big.clone();
            let start = Instant::now();
            assert_eq!(curio_rt.block_on(curio_read(path)), size as u64);
            start.elapsed()
        },
        || {
            let path = big.clone();
            let start = Instant::now();
            assert_eq!(tokio_rt.block_on(tokio_read(path)), size as u64);
            start.elapsed()
        },
    );
    std::fs::remove_file(&big).unwrap();

    let files = 10_000 * scale;
    compare(
        &format!("{files} small-file writes, one task"),
        rounds,
        ("files/s", files as f64),
        || {
            let dir = fresh_dir(&root, "small-curio");
            let start = Instant::now();
            curio_rt.block_on(curio_writes(dir.clone(), 0, files));
            let took = start.elapsed();
            std::fs::remove_dir_all(&dir).unwrap();
            took
        },
        || {
            let dir = fresh_dir(&root, "small-tokio");
            let start = Instant::now();
            tokio_rt.block_on(tokio_writes(dir.clone(), 0, files));
            let took = start.elapsed();
            std::fs::remove_dir_all(&dir).unwrap();
            took
        },
    );
    compare(
        &format!("{files} small-file writes, {TASKS} tasks"),
        rounds,
        ("files/s", files as f64),
        || {
            let dir = fresh_dir(&root, "many-curio");
            let start = Instant::now();
            let d = dir.clone();
            curio_rt.block_on(async move {
                let dir = d;
                let per = files / TASKS;
                let tasks: Vec<_> = (0..TASKS)
                    .map(|t| curio::spawn(curio_writes(dir.clone(), t * per, per)))
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
            });
            let took = start.elapsed();
            std::fs::remove_dir_all(&dir).unwrap();
            took
        },
        || {
            let dir = fresh_dir(&root, "many-tokio");
            let start = Instant::now();
            let d = dir.clone();
            tokio_rt.block_on(async move {
                let dir = d;
                let per = files / TASKS;
                let tasks: Vec<_> = (0..TASKS)
                    .map(|t| tokio::spawn(tokio_writes(dir.clone(), t * per, per)))
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
            });
            let took = start.elapsed();
            std::fs::remove_dir_all(&dir).unwrap();
            took
        },
    );
    std::fs::remove_dir_all(&root).unwrap();
}
