#[curio::main(workers = 0, threads = 2)]
fn main() {}
