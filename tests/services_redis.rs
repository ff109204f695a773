//! The `mini_redis` example as a Redis server: driven by a small Rust
//! client over std sockets (commands, pipelining, expiry, pub/sub, bad
//! input) and by the real `redis-cli` (Debian package `redis-tools`,
//! installed here when missing; the test says SKIP when it cannot be).

#[path = "../examples/mini_redis.rs"]
#[allow(dead_code)]
mod mini_redis;

use mini_redis::{Client, Reply, Server};
use std::io::{self, Read, Write};
use std::process::Command;
use std::time::{Duration, Instant};

/// `+OK`.
fn ok() -> Reply {
    Reply::Simple("OK".into())
}

/// Whether the reply is an error starting with `prefix`.
fn is_error(reply: &Reply, prefix: &str) -> bool {
    matches!(reply, Reply::Error(e) if e.starts_with(prefix))
}

#[test]
fn redis_commands_answer_like_redis() {
    let server = Server::start(2).expect("server");
    let mut c = Client::connect(server.addr()).expect("connect");
    assert_eq!(c.call(&["PING"]).unwrap(), Reply::Simple("PONG".into()));
    assert_eq!(c.call(&["PING", "hi"]).unwrap(), Reply::bulk("hi"));
    assert_eq!(
        c.call(&["ECHO", "a b\r\nc"]).unwrap(),
        Reply::bulk("a b\r\nc")
    );
    assert_eq!(c.call(&["GET", "k"]).unwrap(), Reply::Bulk(None));
    assert_eq!(c.call(&["SET", "k", "v1"]).unwrap(), ok());
    assert_eq!(c.call(&["set", "k", "v2"]).unwrap(), ok());
    assert_eq!(c.call(&["GET", "k"]).unwrap(), Reply::bulk("v2"));
    assert_eq!(c.call(&["INCR", "n"]).unwrap(), Reply::Int(1));
    assert_eq!(c.call(&["INCR", "n"]).unwrap(), Reply::Int(2));
    assert_eq!(c.call(&["SET", "m", "-10"]).unwrap(), ok());
    assert_eq!(c.call(&["INCR", "m"]).unwrap(), Reply::Int(-9));
    assert_eq!(
        c.call(&["DEL", "k", "n", "m", "absent"]).unwrap(),
        Reply::Int(3)
    );
    assert_eq!(c.call(&["GET", "k"]).unwrap(), Reply::Bulk(None));
    // Binary-safe values.
    let value: Vec<u8> = (0..=255u8).collect();
    c.send_raw(&Client::encode(&[b"SET", b"bin", &value]))
        .unwrap();
    assert_eq!(c.read_reply().unwrap(), ok());
    c.send_raw(&Client::encode(&[b"GET", b"bin"])).unwrap();
    assert_eq!(c.read_reply().unwrap(), Reply::Bulk(Some(value)));
    // Inline commands, as typed into telnet.
    c.send_raw(b"PING\r\nECHO inline\r\n").unwrap();
    assert_eq!(c.read_reply().unwrap(), Reply::Simple("PONG".into()));
    assert_eq!(c.read_reply().unwrap(), Reply::bulk("inline"));
}

#[test]
fn redis_pipelined_requests_are_answered_in_order() {
    let server = Server::start(2).expect("server");
    let mut c = Client::connect(server.addr()).expect("connect");
    // 2000 requests in one write, replies in order.
    let mut batch = Vec::new();
    for i in 0..1000 {
        let key = format!("key{i}");
        let value = format!("value{i}");
        batch.extend(Client::encode(&[b"SET", key.as_bytes(), value.as_bytes()]));
        batch.extend(Client::encode(&[b"GET", key.as_bytes()]));
    }
    c.send_raw(&batch).unwrap();
    for i in 0..1000 {
        assert_eq!(c.read_reply().unwrap(), ok());
        assert_eq!(c.read_reply().unwrap(), Reply::bulk(&format!("value{i}")));
    }
    // A request split across writes byte by byte is still one request.
    for b in Client::encode(&[b"ECHO", b"split"]) {
        c.send_raw(&[b]).unwrap();
    }
    assert_eq!(c.read_reply().unwrap(), Reply::bulk("split"));
}

#[test]
fn redis_keys_expire_after_ex_and_px() {
    let server = Server::start(2).expect("server");
    let mut c = Client::connect(server.addr()).expect("connect");
    assert_eq!(c.call(&["SET", "long", "x", "EX", "3600"]).unwrap(), ok());
    // Taken before the request: the server's 50 ms count from when it
    // handled the SET, which is later.
    let set_at = Instant::now();
    assert_eq!(c.call(&["SET", "short", "x", "PX", "50"]).unwrap(), ok());
    let deadline = set_at + Duration::from_secs(10);
    loop {
        match c.call(&["GET", "short"]).unwrap() {
            Reply::Bulk(None) => break,
            Reply::Bulk(Some(_)) => {
                assert!(
                    Instant::now() < deadline,
                    "PX 50 key still there after 10 s"
                )
            }
            other => panic!("GET: {other:?}"),
        }
        std::thread::yield_now();
    }
    assert!(
        set_at.elapsed() >= Duration::from_millis(50),
        "expired early"
    );
    assert_eq!(c.call(&["GET", "long"]).unwrap(), Reply::bulk("x"));
    // SET without EX clears the expiry.
    assert_eq!(c.call(&["SET", "kept", "x", "PX", "50"]).unwrap(), ok());
    assert_eq!(c.call(&["SET", "kept", "y"]).unwrap(), ok());
    let wait_until = Instant::now() + Duration::from_millis(200);
    while Instant::now() < wait_until {
        assert_eq!(c.call(&["GET", "kept"]).unwrap(), Reply::bulk("y"));
    }
    // Bad expiries.
    assert!(is_error(
        &c.call(&["SET", "k", "v", "EX", "0"]).unwrap(),
        "ERR invalid expire"
    ));
    assert!(is_error(
        &c.call(&["SET", "k", "v", "PX", "-5"]).unwrap(),
        "ERR invalid expire"
    ));
    assert!(is_error(
        &c.call(&["SET", "k", "v", "EX", "soon"]).unwrap(),
        "ERR invalid expire"
    ));
    assert!(is_error(
        &c.call(&["SET", "k", "v", "EX"]).unwrap(),
        "ERR syntax error"
    ));
    assert!(is_error(
        &c.call(&["SET", "k", "v", "NOPE", "1"]).unwrap(),
        "ERR syntax error"
    ));
    assert!(is_error(
        &c.call(&["SET", "k", "v", "EX", "99999999999999999999"])
            .unwrap(),
        "ERR invalid expire"
    ));
}

#[test]
fn redis_publish_reaches_every_subscriber_in_order() {
    let server = Server::start(2).expect("server");
    let mut publisher = Client::connect(server.addr()).expect("connect");
    let mut subs: Vec<Client> = (0..3)
        .map(|_| Client::connect(server.addr()).expect("connect"))
        .collect();
    for (i, s) in subs.iter_mut().enumerate() {
        let reply = s.call(&["SUBSCRIBE", "news", &format!("own{i}")]).unwrap();
        // The second confirmation follows the first.
        let second = s.read_reply().unwrap();
        assert_eq!(
            reply,
            Reply::Array(vec![
                Reply::bulk("subscribe"),
                Reply::bulk("news"),
                Reply::Int(1)
            ])
        );
        assert_eq!(
            second,
            Reply::Array(vec![
                Reply::bulk("subscribe"),
                Reply::bulk(&format!("own{i}")),
                Reply::Int(2)
            ])
        );
    }
    for n in 0..50 {
        let reply = publisher
            .call(&["PUBLISH", "news", &format!("m{n}")])
            .unwrap();
        assert_eq!(reply, Reply::Int(3));
    }
    assert_eq!(
        publisher.call(&["PUBLISH", "own1", "just you"]).unwrap(),
        Reply::Int(1)
    );
    assert_eq!(
        publisher.call(&["PUBLISH", "nobody", "x"]).unwrap(),
        Reply::Int(0)
    );
    for s in subs.iter_mut() {
        for n in 0..50 {
            let message = Reply::Array(vec![
                Reply::bulk("message"),
                Reply::bulk("news"),
                Reply::bulk(&format!("m{n}")),
            ]);
            assert_eq!(s.read_reply().unwrap(), message);
        }
    }
    let own = subs[1].read_reply().unwrap();
    assert_eq!(
        own,
        Reply::Array(vec![
            Reply::bulk("message"),
            Reply::bulk("own1"),
            Reply::bulk("just you")
        ])
    );
    // Subscribed: only pub/sub commands and PING.
    assert!(is_error(
        &subs[0].call(&["GET", "k"]).unwrap(),
        "ERR Can't execute 'get'"
    ));
    let pong = subs[0].call(&["PING"]).unwrap();
    assert_eq!(
        pong,
        Reply::Array(vec![Reply::bulk("pong"), Reply::bulk("")])
    );
    // Unsubscribing from everything makes it an ordinary client again.
    let first = subs[0].call(&["UNSUBSCRIBE"]).unwrap();
    let second = subs[0].read_reply().unwrap();
    assert_eq!(
        first,
        Reply::Array(vec![
            Reply::bulk("unsubscribe"),
            Reply::bulk("news"),
            Reply::Int(1)
        ])
    );
    assert_eq!(
        second,
        Reply::Array(vec![
            Reply::bulk("unsubscribe"),
            Reply::bulk("own0"),
            Reply::Int(0)
        ])
    );
    assert_eq!(subs[0].call(&["SET", "k", "v"]).unwrap(), ok());
    // A closed subscriber is dropped from its channels.
    drop(subs.pop());
    let deadline = Instant::now() + Duration::from_secs(10);
    while publisher.call(&["PUBLISH", "news", "after"]).unwrap() != Reply::Int(1) {
        assert!(Instant::now() < deadline, "closed subscriber still counted");
        std::thread::yield_now();
    }
}

/// Sends `bytes` on a fresh connection and gives everything the server
/// sends back before it closes the connection.
fn exchange(server: &Server, bytes: &[u8]) -> Vec<u8> {
    let mut s = std::net::TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(bytes).unwrap();
    let mut back = Vec::new();
    match s.read_to_end(&mut back) {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("no close after {bytes:?}: {e}"),
    }
    back
}

#[test]
fn redis_bad_input_gets_errors_never_a_panic_or_hang() {
    let server = Server::start(2).expect("server");
    let mut c = Client::connect(server.addr()).expect("connect");
    // Command errors: a reply, and the connection goes on.
    assert!(is_error(
        &c.call(&["NOSUCH", "a"]).unwrap(),
        "ERR unknown command"
    ));
    assert!(is_error(
        &c.call(&["GET"]).unwrap(),
        "ERR wrong number of arguments"
    ));
    assert!(is_error(
        &c.call(&["GET", "a", "b"]).unwrap(),
        "ERR wrong number"
    ));
    assert!(is_error(
        &c.call(&["SET", "k"]).unwrap(),
        "ERR wrong number"
    ));
    assert!(is_error(&c.call(&["DEL"]).unwrap(), "ERR wrong number"));
    assert!(is_error(&c.call(&["ECHO"]).unwrap(), "ERR wrong number"));
    assert!(is_error(
        &c.call(&["PUBLISH", "c"]).unwrap(),
        "ERR wrong number"
    ));
    assert!(is_error(
        &c.call(&["SUBSCRIBE"]).unwrap(),
        "ERR wrong number"
    ));
    assert_eq!(c.call(&["SET", "s", "text"]).unwrap(), ok());
    assert!(is_error(
        &c.call(&["INCR", "s"]).unwrap(),
        "ERR value is not an integer"
    ));
    assert_eq!(
        c.call(&["SET", "max", &i64::MAX.to_string()]).unwrap(),
        ok()
    );
    assert!(is_error(
        &c.call(&["INCR", "max"]).unwrap(),
        "ERR increment or decrement would overflow"
    ));
    assert_eq!(c.call(&["PING"]).unwrap(), Reply::Simple("PONG".into()));

    // Protocol errors: an error reply, then the server closes.
    for bad in [
        &b"*abc\r\n"[..],
        b"*1\r\n:5\r\n",
        b"*1\r\n$-7\r\n",
        b"*1\r\n$99999999999\r\n",
        b"*2\r\n$3\r\nGETxx",
        b"*99999999999\r\n",
    ] {
        let back = exchange(&server, bad);
        assert!(
            back.starts_with(b"-ERR Protocol error"),
            "{bad:?} -> {:?}",
            String::from_utf8_lossy(&back)
        );
    }
    // A header line that never ends, and an endless inline command.
    let back = exchange(&server, &[b'*'; 70 * 1024]);
    assert!(back.starts_with(b"-ERR Protocol error"));
    let back = exchange(&server, &[b'A'; 70 * 1024]);
    assert!(back.starts_with(b"-ERR Protocol error: too big inline request"));
    // QUIT answers and closes.
    assert_eq!(exchange(&server, &Client::encode(&[b"QUIT"])), b"+OK\r\n");
    // A client that hangs up mid-request leaves the server serving.
    {
        let mut s = std::net::TcpStream::connect(server.addr()).unwrap();
        s.write_all(b"*3\r\n$3\r\nSET\r\n$1\r\nk").unwrap();
    }
    // Still serving, on the old connection and new ones.
    assert_eq!(c.call(&["PING"]).unwrap(), Reply::Simple("PONG".into()));
    let mut fresh = Client::connect(server.addr()).expect("connect");
    assert_eq!(fresh.call(&["GET", "s"]).unwrap(), Reply::bulk("text"));
}

/// `redis-cli`, installing `redis-tools` with apt-get when it is missing;
/// `None` (after printing why) when it cannot be had.
fn redis_cli() -> Option<&'static str> {
    let present = || {
        Command::new("redis-cli")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if present() {
        return Some("redis-cli");
    }
    eprintln!("redis-cli missing: installing redis-tools with apt-get");
    let installed = Command::new("apt-get")
        .arg("update")
        .status()
        .is_ok_and(|s| s.success())
        && Command::new("apt-get")
            .args(["install", "-y", "redis-tools"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success());
    if installed && present() {
        Some("redis-cli")
    } else {
        None
    }
}

#[test]
fn redis_cli_talks_to_mini_redis() {
    let Some(cli) = redis_cli() else {
        eprintln!(
            "SKIP redis_cli_talks_to_mini_redis: redis-cli (Debian package redis-tools) \
             is not installed and apt-get could not install it"
        );
        return;
    };
    let server = Server::start(2).expect("server");
    let port = server.addr().port().to_string();
    let run = |args: &[&str]| -> String {
        let out = Command::new(cli)
            .args(["-h", "127.0.0.1", "-p", &port])
            .args(args)
            .output()
            .expect("redis-cli runs");
        assert!(out.status.success(), "redis-cli {args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
    };
    assert_eq!(run(&["PING"]), "PONG");
    assert_eq!(run(&["SET", "greeting", "hello world"]), "OK");
    assert_eq!(run(&["GET", "greeting"]), "hello world");
    assert_eq!(run(&["INCR", "visits"]), "1");
    assert_eq!(run(&["INCR", "visits"]), "2");
    assert_eq!(run(&["ECHO", "curio"]), "curio");
    assert_eq!(run(&["SET", "t", "1", "EX", "100"]), "OK");
    assert_eq!(run(&["DEL", "greeting", "t"]), "2");
    assert_eq!(run(&["GET", "greeting"]), "");
    assert!(run(&["INCRBY", "x", "1"]).starts_with("ERR unknown command"));
    assert_eq!(run(&["PUBLISH", "ch", "nobody"]), "0");

    // --pipe: 1000 SETs sent as one raw RESP stream; redis-cli checks
    // every reply and reports how many it got.
    let mut input = Vec::new();
    for i in 0..1000 {
        let (k, v) = (format!("pk{i}"), format!("pv{i}"));
        input.extend(Client::encode(&[b"SET", k.as_bytes(), v.as_bytes()]));
    }
    let mut child = Command::new(cli)
        .args(["-h", "127.0.0.1", "-p", &port, "--pipe"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("redis-cli --pipe");
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "redis-cli --pipe: {report}");
    assert!(report.contains("errors: 0, replies: 1000"), "{report}");
    assert_eq!(run(&["GET", "pk999"]), "pv999");

    // A subscriber through redis-cli receives a publish (under `timeout`,
    // so a missing message fails the test instead of hanging it).
    let mut sub = Command::new("timeout")
        .args([
            "15",
            cli,
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "SUBSCRIBE",
            "cli-news",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("redis-cli SUBSCRIBE");
    let deadline = Instant::now() + Duration::from_secs(10);
    while run(&["PUBLISH", "cli-news", "from curio"]) != "1" {
        assert!(Instant::now() < deadline, "redis-cli never subscribed");
        std::thread::yield_now();
    }
    let mut stdout = sub.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut chunk = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("from curio") {
        assert!(Instant::now() < deadline, "message not shown: {seen:?}");
        let n = stdout.read(&mut chunk).unwrap();
        assert!(
            n > 0,
            "redis-cli ended: {:?}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&chunk[..n]);
    }
    // Stopping the server closes the connection, which ends redis-cli.
    drop(server);
    let _ = sub.wait();
}
