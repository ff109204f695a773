#[curio::test]
fn sync_test() {}

fn main() {}
