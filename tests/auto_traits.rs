//! The auto traits of the public types, checked at compile time.

fn send<T: Send>() {}
fn sync<T: Sync>() {}
fn unpin<T: Unpin>() {}

#[test]
fn public_types_have_the_expected_auto_traits() {
    send::<curio::Task<u8>>();
    sync::<curio::Task<u8>>();
    unpin::<curio::Task<u8>>();
    // A task's handle is Send and Sync whenever its output is Send.
    send::<curio::Task<std::cell::Cell<u8>>>();
    sync::<curio::Task<std::cell::Cell<u8>>>();
    send::<curio::Handle>();
    sync::<curio::Handle>();
    send::<curio::Runtime>();
    sync::<curio::Runtime>();
    send::<curio::TaskError>();
    sync::<curio::TaskError>();
    send::<curio::TaskId>();
    send::<curio::RunInThread<u8>>();
    unpin::<curio::RunInThread<u8>>();
    send::<curio::YieldNow>();
    let _: Box<dyn std::error::Error + Send + Sync> = Box::new(curio::run(async {
        curio::spawn(async { panic!("x") }).await.unwrap_err()
    }));
}
