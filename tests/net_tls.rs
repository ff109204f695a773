//! TLS on curio: `futures-rustls` over curio's `TcpStream`, through the
//! `tls_echo` example (self-signed certificate made at run time).

#[path = "../examples/tls_echo.rs"]
#[allow(dead_code)]
mod tls_echo;

use curio::net::TcpListener;
use futures_rustls::rustls::ClientConfig;
use std::io;
use std::sync::Arc;
use std::time::Duration;

#[test]
fn tls_echo_round_trip() {
    let (server_config, client_config) = tls_echo::configs().expect("configs");
    curio::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mut server = curio::spawn(tls_echo::serve(listener, server_config));
        let sent = tls_echo::messages();
        let echoes = curio::timeout_after(
            Duration::from_secs(20),
            tls_echo::round_trips(addr, client_config, &sent),
        )
        .await
        .expect("the TLS round trips took over 20 s")?;
        assert_eq!(echoes.len(), sent.len());
        for (echo, message) in echoes.iter().zip(&sent) {
            assert!(
                echo == message,
                "echo of a {}-byte message differs",
                message.len()
            );
        }
        server.cancel().await;
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn tls_echo_self_test_over_several_connections() {
    let bytes = tls_echo::self_test(3).expect("self-test");
    let per_connection: usize = tls_echo::messages().iter().map(Vec::len).sum();
    assert_eq!(bytes, 3 * per_connection);
}

#[test]
fn a_client_that_does_not_trust_the_certificate_fails_the_handshake() {
    let (server_config, _) = tls_echo::configs().expect("configs");
    // Trusts a different self-signed certificate.
    let (_, stranger) = tls_echo::configs().expect("configs");
    let stranger: Arc<ClientConfig> = stranger;
    curio::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mut server = curio::spawn(tls_echo::serve(listener, server_config));
        let attempt = curio::timeout_after(
            Duration::from_secs(20),
            tls_echo::round_trips(addr, stranger, &[b"secret".to_vec()]),
        )
        .await
        .expect("a failed handshake hung");
        let err = attempt.expect_err("an untrusted certificate was accepted");
        assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
        server.cancel().await;
        io::Result::Ok(())
    })
    .unwrap();
}
