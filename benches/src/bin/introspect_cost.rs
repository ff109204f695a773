//! Drives `spawn_many` (10 × 10,000 spawned tasks), `yield_many`
//! (10 × 4 tasks × 1,000 yields) or `timer_many` (10 × 10,000 tasks that
//! each sleep 1 ms once) on a curio runtime with `INTROSPECT_WORKERS`
//! workers (default 2), for counting instructions with callgrind: built
//! normally and with `--cfg curio_no_introspect`, it measures what the
//! monitor's always-on bookkeeping costs; built at two commits, what a
//! runtime change costs. See BENCHMARKS.md, "Monitor". With
//! `INTROSPECT_MONITOR` set (to anything), the runtime has a monitor on
//! `127.0.0.1:0`, which turns profiling on: what profiling costs.
//!
//! Usage: `[INTROSPECT_WORKERS=n] [INTROSPECT_MONITOR=1] introspect_cost spawn|yield|timer`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    if which != "spawn" && which != "yield" && which != "timer" {
        eprintln!("usage: [INTROSPECT_WORKERS=n] introspect_cost spawn|yield|timer");
        std::process::exit(2);
    }
    let workers = match std::env::var("INTROSPECT_WORKERS") {
        Ok(s) => match s.parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => {
                eprintln!("INTROSPECT_WORKERS must be a positive integer, got {s:?}");
                std::process::exit(2);
            }
        },
        Err(_) => 2,
    };
    let mut builder = curio::Runtime::builder();
    builder.workers(workers);
    if std::env::var_os("INTROSPECT_MONITOR").is_some() {
        builder.monitor("127.0.0.1:0");
    }
    let rt = builder.build().expect("curio runtime");
    for _ in 0..10 {
        match which.as_str() {
            "spawn" => rt.block_on(async {
                let n = Arc::new(AtomicUsize::new(0));
                let tasks: Vec<_> = (0..10_000)
                    .map(|_| {
                        let n = n.clone();
                        curio::spawn(async move {
                            n.fetch_add(1, Ordering::Relaxed);
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            }),
            "yield" => rt.block_on(async {
                let tasks: Vec<_> = (0..4)
                    .map(|_| {
                        curio::spawn(async {
                            for _ in 0..1_000 {
                                curio::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            }),
            _ => rt.block_on(async {
                let tasks: Vec<_> = (0..10_000)
                    .map(|_| {
                        curio::spawn(async {
                            curio::sleep(Duration::from_millis(1)).await;
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            }),
        }
    }
}
