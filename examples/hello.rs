//! Spawns a few tasks that pass a number along a chain, then prints it.
//!
//! Run with `cargo run --release --example hello`.

use std::time::Instant;

#[curio::main]
async fn main() {
    let start = Instant::now();
    let mut total = 0u64;
    let mut kids = Vec::new();
    for i in 0..1_000u64 {
        kids.push(curio::spawn(async move {
            curio::yield_now().await;
            i * 2
        }));
    }
    for kid in kids {
        total += kid.await.expect("kid task failed");
    }
    println!(
        "1000 tasks on {} workers summed to {total} in {:?}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        start.elapsed()
    );
}
