//! `#[curio::test]` runs the body of an async test, with and without
//! arguments.

use std::sync::atomic::{AtomicUsize, Ordering};

async fn double(n: u32) -> u32 {
    n * 2
}

#[curio::test]
async fn macros_test_runs_body() {
    assert_eq!(double(21).await, 42);
}

#[curio::test(workers = 1)]
async fn macros_test_workers_returns_result() -> Result<(), String> {
    static RAN: AtomicUsize = AtomicUsize::new(0);
    RAN.fetch_add(1, Ordering::Relaxed);
    let value = async { RAN.load(Ordering::Relaxed) }.await;
    if value == 1 {
        Ok(())
    } else {
        Err(format!("body ran {value} times"))
    }
}

#[curio::test]
#[should_panic(expected = "the body ran")]
async fn macros_test_should_panic() {
    double(1).await;
    panic!("the body ran");
}

#[curio::test(crate = "curio")]
#[ignore = "checks only that #[ignore] is kept"]
async fn macros_test_ignored() {
    panic!("an ignored test must not run");
}

/// Inner attributes of the body apply to the generated function.
#[curio::test]
async fn macros_test_inner_attributes() {
    #![allow(unused_mut)]
    let mut n = double(2).await;
    assert_eq!(n, 4);
}

#[test]
fn macros_main_is_a_plain_function() {
    #[curio::main(workers = 2)]
    async fn main() -> u32 {
        double(4).await
    }
    assert_eq!(main(), 8);
}
