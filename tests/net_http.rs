//! hyper 1.x serving HTTP/1.1 on curio: the `http_hello` example's
//! self-test (its executor and I/O adapters, keep-alive requests from a
//! plain std client).

#[path = "../examples/http_hello.rs"]
#[allow(dead_code)]
mod http_hello;

#[test]
fn hyper_serves_hello_world_over_keep_alive_connections() {
    let answered = http_hello::self_test(4, 100).expect("self-test");
    assert_eq!(answered, 400);
}
