#[curio::test]
async fn takes_input(n: u32) {
    assert!(n > 0);
}

fn main() {}
