use std::error::Error;

async fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
    s.parse()
}

#[curio::main(workers = 2)]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let n = parse("42").await?;
    if n != 42 {
        return Err("wrong number".into());
    }
    Ok(())
}
