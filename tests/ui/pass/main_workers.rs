#[curio::main(workers = 4)]
async fn main() {
    assert_eq!(async { 1 }.await, 1);
}
