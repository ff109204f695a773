//! curio's chat server: every line a client sends goes to every other
//! connected client, prefixed with the sender's address.
//!
//! `cargo run --release --example chat_server -- 25000` serves on port
//! 25000 until interrupted (connect with several `nc localhost 25000`).
//! Without a port it runs a self-test with three plain-thread clients and
//! exits.

use curio::net::{run_server, TcpListener, TcpStream};
use curio::sync::Queue;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// The outgoing queue of every connected client, by address.
type Clients = Arc<Mutex<HashMap<SocketAddr, Arc<Queue<Arc<[u8]>>>>>>;

/// Sends `msg` to every client but `from`.
async fn broadcast(clients: &Clients, from: SocketAddr, msg: Arc<[u8]>) {
    let queues: Vec<_> = clients
        .lock()
        .unwrap()
        .iter()
        .filter(|(addr, _)| **addr != from)
        .map(|(_, q)| q.clone())
        .collect();
    for q in queues {
        q.put(msg.clone()).await;
    }
}

/// Serves one client: a task writes its queue out while this one reads its
/// lines and broadcasts them.
async fn chat_handler(
    client: TcpStream,
    addr: SocketAddr,
    clients: Clients,
) -> std::io::Result<()> {
    println!("Connection from {addr}");
    let (reader, writer) = client.into_split();
    let queue = Arc::new(Queue::new(64));
    clients.lock().unwrap().insert(addr, queue.clone());
    let mut outgoing = curio::spawn(async move {
        loop {
            let msg: Arc<[u8]> = queue.get().await;
            if writer.write_all(&msg).await.is_err() {
                return;
            }
        }
    });
    let mut lines = curio::net::SocketStream::new(reader);
    let result = async {
        loop {
            let line = lines.readline().await?;
            if line.is_empty() {
                return Ok(());
            }
            let msg: Arc<[u8]> = [format!("{addr}: ").as_bytes(), &line].concat().into();
            broadcast(&clients, addr, msg).await;
        }
    }
    .await;
    clients.lock().unwrap().remove(&addr);
    outgoing.cancel().await;
    println!("{addr} left");
    result
}

/// Self-test: three clients; each sends a line and reads the other two.
fn drive(addr: SocketAddr, clients: Clients) -> std::io::Result<()> {
    let conns: Vec<std::net::TcpStream> = (0..3)
        .map(|_| std::net::TcpStream::connect(addr))
        .collect::<Result<_, _>>()?;
    // A line reaches the clients registered when it is sent: wait (boundedly)
    // until the server registered all three.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while clients.lock().unwrap().len() < 3 {
        if std::time::Instant::now() > deadline {
            return Err(std::io::Error::other("clients were not registered"));
        }
        std::thread::yield_now();
    }
    for c in &conns {
        c.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    }
    let mut readers: Vec<_> = conns
        .iter()
        .map(|c| c.try_clone().map(BufReader::new))
        .collect::<Result<_, _>>()?;
    for (i, mut c) in conns.iter().enumerate() {
        c.write_all(format!("hello from {i}\n").as_bytes())?;
    }
    for r in &mut readers {
        for _ in 0..2 {
            let mut line = String::new();
            r.read_line(&mut line)?;
            print!("received {line}");
        }
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    /// What `--help` prints.
    const USAGE: &str = "\
chat_server: curio's chat server. Every line a client sends goes to every
other connected client, prefixed with the sender's address.

Usage: chat_server PORT   serve on 0.0.0.0:PORT until interrupted
                          (connect with several `nc localhost PORT`)
       chat_server        self-test: serve on a free loopback port, chat
                          with three clients, check and exit
       chat_server -h | --help
";
    if matches!(std::env::args().nth(1).as_deref(), Some("-h" | "--help")) {
        print!("{USAGE}");
        return Ok(());
    }
    chat_server()
}

/// The example proper: `#[curio::main]` turns it into a plain function
/// that builds a runtime, runs the body on it and shuts the runtime down.
#[curio::main]
async fn chat_server() -> std::io::Result<()> {
    let port = std::env::args().nth(1);
    let addr = match &port {
        Some(p) => format!("0.0.0.0:{p}"),
        None => "127.0.0.1:0".to_owned(),
    };
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    println!("Chat server on {local}");
    let clients: Clients = Arc::default();
    let c = clients.clone();
    let mut server = curio::spawn(run_server(listener, move |s, a| {
        chat_handler(s, a, c.clone())
    }));
    if port.is_some() {
        return server.await.expect("server task");
    }
    curio::run_in_thread(move || drive(local, clients)).await?;
    println!("self-test: every client heard the other two");
    server.cancel().await;
    Ok(())
}
