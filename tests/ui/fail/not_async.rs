#[curio::main]
fn main() {}
