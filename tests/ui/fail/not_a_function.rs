#[curio::main]
struct Main;

fn main() {}
