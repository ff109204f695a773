//! Spawns a few tasks that pass a number along a chain, then prints it.
//!
//! Run with `cargo run --release --example hello`.

use std::time::Instant;

fn main() {
    /// What `--help` prints.
    const USAGE: &str = "\
hello: spawns 1000 tasks on a curio runtime, each yielding once and
returning a number, joins them, prints the sum and how long it took, and
exits.

Usage: hello [-h | --help]
";
    if matches!(std::env::args().nth(1).as_deref(), Some("-h" | "--help")) {
        print!("{USAGE}");
        return;
    }
    hello();
}

/// The example proper: `#[curio::main]` turns it into a plain function
/// that builds a runtime, runs the body on it and shuts the runtime down.
#[curio::main]
async fn hello() {
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
