//! Drives `spawn_many` (10 × 10,000 spawned tasks) or `yield_many`
//! (10 × 4 tasks × 1,000 yields) on a 2-worker curio runtime, for counting
//! instructions with callgrind: built normally and with
//! `--cfg curio_no_introspect`, it measures what the monitor's always-on
//! bookkeeping costs. See BENCHMARKS.md, "Monitor".
//!
//! Usage: `introspect_cost spawn|yield`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    if which != "spawn" && which != "yield" {
        eprintln!("usage: introspect_cost spawn|yield");
        std::process::exit(2);
    }
    let rt = curio::Runtime::builder()
        .workers(2)
        .build()
        .expect("curio runtime");
    for _ in 0..10 {
        if which == "spawn" {
            rt.block_on(async {
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
            });
        } else {
            rt.block_on(async {
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
            });
        }
    }
}
