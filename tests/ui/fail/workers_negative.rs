#[curio::test(workers = -1)]
async fn negative() {}

fn main() {}
