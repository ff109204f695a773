//! `#[curio::test]` expands to items that compile outside `cfg(test)` too.

#[curio::test]
async fn plain() {}

#[curio::test(workers = 1, crate = "::curio")]
#[should_panic]
async fn panics() {
    panic!("boom");
}

#[curio::test]
#[ignore]
async fn fallible() -> Result<(), String> {
    Ok(())
}

fn main() {}
