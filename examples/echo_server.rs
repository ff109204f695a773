//! curio's echo server: every client gets back what it sends.
//!
//! `cargo run --release --example echo_server -- 25000` serves on port
//! 25000 until interrupted (try `nc localhost 25000`). Without a port it
//! runs a self-test: it serves on a free loopback port, drives it with a
//! few plain-thread clients, prints what happened and exits.

use curio::net::{run_server, TcpListener, TcpStream};
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;

/// Serves one client: echo until end of stream.
async fn echo_client(client: TcpStream, addr: SocketAddr) -> std::io::Result<()> {
    println!("Connection from {addr}");
    let mut s = client.as_stream();
    loop {
        let data = s.read(1000).await?;
        if data.is_empty() {
            break;
        }
        s.write(&data).await?;
    }
    println!("Connection closed");
    Ok(())
}

/// Runs `clients` plain-thread clients against `addr`, `lines` lines each,
/// and checks every echo.
fn drive(addr: SocketAddr, clients: usize, lines: usize) -> std::io::Result<usize> {
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            std::thread::spawn(move || -> std::io::Result<usize> {
                let mut out = std::net::TcpStream::connect(addr)?;
                let mut back = BufReader::new(out.try_clone()?);
                for n in 0..lines {
                    let line = format!("client {i} line {n}\n");
                    out.write_all(line.as_bytes())?;
                    let mut echo = String::new();
                    back.read_line(&mut echo)?;
                    if echo != line {
                        return Err(std::io::Error::other(format!("bad echo {echo:?}")));
                    }
                }
                Ok(lines)
            })
        })
        .collect();
    let mut total = 0;
    for t in threads {
        total += t.join().expect("client thread")?;
    }
    Ok(total)
}

fn main() -> std::io::Result<()> {
    /// What `--help` prints.
    const USAGE: &str = "\
echo_server: curio's echo server. Every client gets back what it sends.

Usage: echo_server PORT   serve on 0.0.0.0:PORT until interrupted
                          (try `nc localhost PORT`)
       echo_server        self-test: serve on a free loopback port, echo
                          lines to 8 clients, print the count and exit
       echo_server -h | --help
";
    if matches!(std::env::args().nth(1).as_deref(), Some("-h" | "--help")) {
        print!("{USAGE}");
        return Ok(());
    }
    echo_server()
}

/// The example proper: `#[curio::main]` turns it into a plain function
/// that builds a runtime, runs the body on it and shuts the runtime down.
#[curio::main]
async fn echo_server() -> std::io::Result<()> {
    let port = std::env::args().nth(1);
    let addr = match &port {
        Some(p) => format!("0.0.0.0:{p}"),
        None => "127.0.0.1:0".to_owned(),
    };
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    println!("Echo server on {local}");
    let mut server = curio::spawn(run_server(listener, echo_client));
    if port.is_some() {
        return server.await.expect("server task");
    }
    let echoed = curio::run_in_thread(move || drive(local, 8, 100)).await?;
    println!("self-test: {echoed} lines echoed to 8 clients");
    server.cancel().await;
    Ok(())
}
