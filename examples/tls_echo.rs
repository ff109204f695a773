//! A TLS echo server and client on curio: `futures-rustls` (rustls with
//! the `ring` provider) over curio's `TcpStream`, which is a `futures_io`
//! stream, with a self-signed certificate made at run time (`rcgen`).
//!
//! `cargo run --release --example tls_echo -- 8443` serves on
//! 127.0.0.1:8443 until Ctrl-C (try `openssl s_client -connect
//! 127.0.0.1:8443`; the certificate is for `localhost` and made afresh, so
//! clients must not verify it). Without a port it runs a self-test: it
//! serves on a free loopback port, echoes messages from 1 byte to 256 KiB
//! over a few TLS connections, checks every echo and exits.

use curio::net::{TcpListener, TcpStream};
use futures::{AsyncReadExt, AsyncWriteExt};
use futures_rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use futures_rustls::rustls::{self, ClientConfig, RootCertStore, ServerConfig};
use futures_rustls::{TlsAcceptor, TlsConnector};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

/// The name the certificate is for.
pub const SERVER_NAME: &str = "localhost";

/// A fresh self-signed certificate for [`SERVER_NAME`], the server's
/// configuration with it, and a client configuration that trusts it (and
/// nothing else).
pub fn configs() -> io::Result<(Arc<ServerConfig>, Arc<ClientConfig>)> {
    let other = |e: &dyn std::fmt::Display| io::Error::other(e.to_string());
    let made =
        rcgen::generate_simple_self_signed(vec![SERVER_NAME.to_owned()]).map_err(|e| other(&e))?;
    let cert: CertificateDer<'static> = made.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(made.key_pair.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());

    let server = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| other(&e))?
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .map_err(|e| other(&e))?;

    let mut roots = RootCertStore::empty();
    roots.add(cert).map_err(|e| other(&e))?;
    let client = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| other(&e))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok((Arc::new(server), Arc::new(client)))
}

/// Echoes everything one TLS client sends until it closes.
async fn echo(stream: TcpStream, acceptor: TlsAcceptor) -> io::Result<()> {
    let mut tls = acceptor.accept(stream).await?;
    let mut buf = vec![0; 16 * 1024];
    loop {
        let n = tls.read(&mut buf).await?;
        if n == 0 {
            return tls.close().await;
        }
        tls.write_all(&buf[..n]).await?;
        tls.flush().await?;
    }
}

/// Accepts TLS clients forever, each echoed by its own task.
pub async fn serve(listener: TcpListener, config: Arc<ServerConfig>) -> io::Result<()> {
    let acceptor = TlsAcceptor::from(config);
    loop {
        let (stream, peer) = listener.accept().await?;
        let acceptor = acceptor.clone();
        curio::spawn(async move {
            if let Err(e) = echo(stream, acceptor).await {
                eprintln!("tls_echo: {peer}: {e}");
            }
        });
    }
}

/// Connects over TLS (verifying the server against `config`'s roots),
/// sends each message and reads its echo back; gives the echoes.
pub async fn round_trips(
    addr: SocketAddr,
    config: Arc<ClientConfig>,
    messages: &[Vec<u8>],
) -> io::Result<Vec<Vec<u8>>> {
    let name = ServerName::try_from(SERVER_NAME)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let mut tls = TlsConnector::from(config).connect(name, stream).await?;
    let mut echoes = Vec::new();
    for message in messages {
        // Write and read at once: a large message fills both ways'
        // buffers before the echo could be read otherwise.
        let mut echo = vec![0; message.len()];
        let (reader, mut writer) = (&mut tls).split();
        let mut reader = reader;
        let (sent, got) = futures::join!(
            async {
                writer.write_all(message).await?;
                writer.flush().await
            },
            reader.read_exact(&mut echo),
        );
        sent?;
        got?;
        echoes.push(echo);
    }
    tls.close().await?;
    Ok(echoes)
}

/// Messages of 1 byte to 256 KiB, each byte pattern distinct.
pub fn messages() -> Vec<Vec<u8>> {
    [1usize, 100, 4096, 16 * 1024 + 1, 256 * 1024]
        .iter()
        .enumerate()
        .map(|(i, &len)| (0..len).map(|j| (j * 31 + i) as u8).collect())
        .collect()
}

/// Serves on a free loopback port and checks the echoes of
/// `connections` TLS clients; gives how many bytes came back right.
pub fn self_test(connections: usize) -> io::Result<usize> {
    let (server_config, client_config) = configs()?;
    curio::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mut server = curio::spawn(serve(listener, server_config));
        let clients: Vec<_> = (0..connections)
            .map(|_| {
                let config = client_config.clone();
                curio::spawn(async move {
                    let sent = messages();
                    let echoes = round_trips(addr, config, &sent).await?;
                    if echoes != sent {
                        return Err(io::Error::other("an echo differs from its message"));
                    }
                    Ok(sent.iter().map(Vec::len).sum::<usize>())
                })
            })
            .collect();
        let mut bytes = 0;
        for client in clients {
            bytes += client
                .await
                .map_err(|e| io::Error::other(e.to_string()))??;
        }
        server.cancel().await;
        Ok(bytes)
    })
}

#[allow(dead_code)]
fn main() -> io::Result<()> {
    /// What `--help` prints.
    const USAGE: &str = "\
tls_echo: a TLS echo server and client on curio (futures-rustls over
curio's TcpStream), with a self-signed certificate for localhost made at
run time.

Usage: tls_echo PORT   serve on 127.0.0.1:PORT until Ctrl-C (try `openssl
                       s_client -connect 127.0.0.1:PORT`; do not verify)
       tls_echo        self-test: echo 1 B to 256 KiB messages over 3 TLS
                       connections on a free loopback port, checked
       tls_echo -h | --help
";
    if matches!(std::env::args().nth(1).as_deref(), Some("-h" | "--help")) {
        print!("{USAGE}");
        return Ok(());
    }
    let Some(port) = std::env::args().nth(1) else {
        let bytes = self_test(3)?;
        println!("self-test: {bytes} bytes echoed over 3 TLS connections");
        return Ok(());
    };
    let port: u16 = port
        .parse()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("port {port}: {e}")))?;
    let (server_config, _) = configs()?;
    curio::run(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        println!(
            "TLS echo on {} for {SERVER_NAME} (self-signed; Ctrl-C stops)",
            listener.local_addr()?
        );
        let ctrl_c = curio::signal::SignalEvent::new(&[curio::signal::SIGINT])?;
        let mut server = curio::spawn(serve(listener, server_config));
        ctrl_c.wait().await?;
        server.cancel().await;
        Ok(())
    })
}
