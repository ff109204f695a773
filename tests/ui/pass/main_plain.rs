use std::sync::atomic::{AtomicBool, Ordering};

static RAN: AtomicBool = AtomicBool::new(false);

#[curio::main]
async fn main() {
    let value = async { 40 + 2 }.await;
    assert_eq!(value, 42);
    RAN.store(true, Ordering::Relaxed);
    assert!(RAN.load(Ordering::Relaxed));
}
