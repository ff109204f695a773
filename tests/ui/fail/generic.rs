#[curio::main]
async fn main<T>() {}
