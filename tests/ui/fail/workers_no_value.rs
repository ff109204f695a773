#[curio::main(workers)]
async fn main() {}
