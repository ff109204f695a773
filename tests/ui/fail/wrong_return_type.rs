#[curio::main]
async fn main() -> Result<(), String> {
    let code = 5;
    Err(code)
}
