#[curio::main(workers = "x")]
async fn main() {}
