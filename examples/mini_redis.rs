//! A Redis-protocol (RESP2) server on curio: GET, SET (with EX / PX
//! expiry), DEL, INCR, PING, ECHO, PUBLISH / SUBSCRIBE / UNSUBSCRIBE, QUIT,
//! and pipelining, so `redis-cli` and `redis-benchmark` can talk to it.
//!
//! Every client is one named task (`redis client 127.0.0.1:PORT` in the
//! monitor). A client that subscribes becomes a [`TaskGroup`] of two
//! tasks: one reads its commands, one writes its replies and messages from
//! a [`Queue`]; when either ends, the group cancels the other. Publishing
//! puts the message on each subscriber's queue (curio's `Queue`; a
//! broadcast channel would replace it); a subscriber whose queue is full
//! is disconnected rather than allowed to hold memory, as Redis does with
//! its output-buffer limit.
//!
//! Bad input never panics or hangs the server: a malformed request gets a
//! `-ERR Protocol error` reply and the connection is closed, as Redis does;
//! a bad command (unknown name, wrong arity, a non-integer for INCR) gets
//! an `-ERR` reply and the connection goes on.
//!
//! `cargo run --release --example mini_redis -- serve 127.0.0.1:6379 2`
//! serves on that address with 2 workers until Ctrl-C (try `redis-cli`).
//! Without arguments it runs a self-test: it serves on a free loopback
//! port, checks a few commands, pipelining, expiry and pub/sub from a
//! plain std client, and exits.
//!
//! [`TaskGroup`]: curio::TaskGroup
//! [`Queue`]: curio::sync::Queue

use bytes::Bytes;
use curio::net::{TcpListener, TcpStream};
use curio::sync::Queue;
use std::collections::{BTreeSet, HashMap};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The largest bulk string a request may carry (Redis allows 512 MiB).
pub const MAX_BULK: usize = 32 * 1024 * 1024;
/// The most arguments one request may have.
pub const MAX_ARGS: usize = 1024 * 1024;
/// The longest inline command or `*`/`$` header line.
pub const MAX_INLINE: usize = 64 * 1024;
/// How many replies and messages a subscriber may have waiting.
pub const SUBSCRIBER_QUEUE: usize = 4096;
/// How often expired keys nobody reads are swept.
const SWEEP_EVERY: Duration = Duration::from_millis(100);

/// A stored value.
struct Entry {
    /// The bytes.
    value: Bytes,
    /// When it expires, if it does.
    expires: Option<Instant>,
}

/// The keyspace and the expiry index.
#[derive(Default)]
struct Keys {
    /// Key → value.
    map: HashMap<Vec<u8>, Entry>,
    /// (deadline, key) of every key with an expiry.
    expiries: BTreeSet<(Instant, Vec<u8>)>,
}

impl Keys {
    /// The live entry of `key`, removing it if it has expired.
    fn live(&mut self, key: &[u8], now: Instant) -> Option<&mut Entry> {
        let expired = match self.map.get(key) {
            None => return None,
            Some(e) => e.expires.is_some_and(|at| at <= now),
        };
        if expired {
            self.remove(key);
            return None;
        }
        self.map.get_mut(key)
    }

    /// Removes `key` and its expiry; whether it was there.
    fn remove(&mut self, key: &[u8]) -> bool {
        match self.map.remove(key) {
            Some(e) => {
                if let Some(at) = e.expires {
                    self.expiries.remove(&(at, key.to_vec()));
                }
                true
            }
            None => false,
        }
    }

    /// Sets `key` to `value` (replacing any expiry by `expires`).
    fn set(&mut self, key: &[u8], value: Bytes, expires: Option<Instant>) {
        let old = self.map.insert(key.to_vec(), Entry { value, expires });
        if let Some(at) = old.and_then(|e| e.expires) {
            self.expiries.remove(&(at, key.to_vec()));
        }
        if let Some(at) = expires {
            self.expiries.insert((at, key.to_vec()));
        }
    }

    /// Removes every key whose deadline has passed.
    fn sweep(&mut self, now: Instant) {
        while let Some((at, _)) = self.expiries.first() {
            if *at > now {
                break;
            }
            if let Some((_, key)) = self.expiries.pop_first() {
                self.map.remove(&key);
            }
        }
    }
}

/// What a subscriber's writer task sends.
enum Out {
    /// Encoded replies or a message.
    Bytes(Bytes),
    /// Send what came before, then close the connection.
    Close,
}

/// One subscribed client, as publishers see it.
struct Subscriber {
    /// Its replies and messages, in order, already encoded.
    out: Queue<Out>,
    /// Set when a message did not fit: the client is disconnected.
    lagged: AtomicBool,
}

/// Channel → (subscriber id, subscriber).
type Channels = HashMap<Vec<u8>, Vec<(u64, Arc<Subscriber>)>>;

/// State shared by every connection.
#[derive(Default)]
struct Shared {
    /// The keyspace.
    keys: Mutex<Keys>,
    /// Channel → (subscriber id, subscriber).
    channels: Mutex<Channels>,
    /// The next subscriber id.
    next_id: AtomicU64,
}

/// RESP2 reply encoding.
mod reply {
    /// `+OK`-style simple string.
    pub fn simple(out: &mut Vec<u8>, s: &str) {
        out.push(b'+');
        out.extend_from_slice(s.as_bytes());
        out.extend_from_slice(b"\r\n");
    }

    /// `-ERR ...` error.
    pub fn error(out: &mut Vec<u8>, s: &str) {
        out.push(b'-');
        out.extend_from_slice(s.as_bytes());
        out.extend_from_slice(b"\r\n");
    }

    /// `:n` integer.
    pub fn int(out: &mut Vec<u8>, n: i64) {
        out.push(b':');
        out.extend_from_slice(n.to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
    }

    /// `$len\r\nbytes\r\n` bulk string.
    pub fn bulk(out: &mut Vec<u8>, b: &[u8]) {
        out.push(b'$');
        out.extend_from_slice(b.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(b);
        out.extend_from_slice(b"\r\n");
    }

    /// `$-1` null bulk string.
    pub fn nil(out: &mut Vec<u8>) {
        out.extend_from_slice(b"$-1\r\n");
    }

    /// `*n` array header.
    pub fn array(out: &mut Vec<u8>, n: usize) {
        out.push(b'*');
        out.extend_from_slice(n.to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}

/// Why a request could not be parsed; the connection is closed after the
/// reply.
#[derive(Debug, PartialEq)]
pub struct ProtocolError(pub &'static str);

/// Finds `\r\n` in `buf` at or after `from`; `Err` if none within
/// `MAX_INLINE` bytes.
fn line_end(buf: &[u8], from: usize, what: &'static str) -> Result<Option<usize>, ProtocolError> {
    let window = &buf[from.min(buf.len())..buf.len().min(from + MAX_INLINE)];
    match window.windows(2).position(|w| w == b"\r\n") {
        Some(i) => Ok(Some(from + i)),
        None if buf.len() - from.min(buf.len()) >= MAX_INLINE => Err(ProtocolError(what)),
        None => Ok(None),
    }
}

/// Parses a decimal `i64` from a header line.
fn header_number(digits: &[u8]) -> Option<i64> {
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Parses one request at the start of `buf` into `args` (ranges of `buf`).
/// `Ok(Some(n))`: a request of `n` bytes (`args` may be empty: an empty
/// line or `*0`); `Ok(None)`: more bytes needed.
pub fn parse_request(
    buf: &[u8],
    args: &mut Vec<(usize, usize)>,
) -> Result<Option<usize>, ProtocolError> {
    args.clear();
    if buf.is_empty() {
        return Ok(None);
    }
    if buf[0] != b'*' {
        // Inline command: words separated by spaces, up to `\r\n` (or
        // `\n`, as Redis accepts).
        let Some(nl) = buf.iter().take(MAX_INLINE).position(|&b| b == b'\n') else {
            return if buf.len() >= MAX_INLINE {
                Err(ProtocolError("ERR Protocol error: too big inline request"))
            } else {
                Ok(None)
            };
        };
        let line_len = if nl > 0 && buf[nl - 1] == b'\r' {
            nl - 1
        } else {
            nl
        };
        let mut i = 0;
        while i < line_len {
            if buf[i].is_ascii_whitespace() {
                i += 1;
                continue;
            }
            let start = i;
            while i < line_len && !buf[i].is_ascii_whitespace() {
                i += 1;
            }
            args.push((start, i));
        }
        return Ok(Some(nl + 1));
    }
    let Some(end) = line_end(buf, 1, "ERR Protocol error: invalid multibulk length")? else {
        return Ok(None);
    };
    let count = header_number(&buf[1..end]).ok_or(ProtocolError(
        "ERR Protocol error: invalid multibulk length",
    ))?;
    if count > MAX_ARGS as i64 {
        return Err(ProtocolError(
            "ERR Protocol error: invalid multibulk length",
        ));
    }
    let mut at = end + 2;
    for _ in 0..count.max(0) {
        if at >= buf.len() {
            return Ok(None);
        }
        if buf[at] != b'$' {
            return Err(ProtocolError("ERR Protocol error: expected '$'"));
        }
        let Some(end) = line_end(buf, at + 1, "ERR Protocol error: invalid bulk length")? else {
            return Ok(None);
        };
        let len = header_number(&buf[at + 1..end])
            .filter(|n| (0..=MAX_BULK as i64).contains(n))
            .ok_or(ProtocolError("ERR Protocol error: invalid bulk length"))?
            as usize;
        let start = end + 2;
        if buf.len() < start + len + 2 {
            return Ok(None);
        }
        if &buf[start + len..start + len + 2] != b"\r\n" {
            return Err(ProtocolError(
                "ERR Protocol error: bulk string not ended by CRLF",
            ));
        }
        args.push((start, start + len));
        at = start + len + 2;
    }
    Ok(Some(at))
}

/// What a command asks of the connection beyond its reply.
enum Effect {
    /// Nothing: go on.
    None,
    /// Subscribe to these channels (the connection replies).
    Subscribe(Vec<Vec<u8>>),
    /// Unsubscribe from these channels, or all of them when empty.
    Unsubscribe(Vec<Vec<u8>>),
    /// Reply, then close.
    Quit,
}

/// Parses a positive decimal integer argument.
fn positive(arg: &[u8]) -> Option<u64> {
    std::str::from_utf8(arg)
        .ok()?
        .parse::<u64>()
        .ok()
        .filter(|&n| n > 0)
}

/// Runs one command (not the pub/sub ones' bookkeeping) and appends its
/// reply to `out`.
fn execute(shared: &Shared, args: &[&[u8]], subscribed: bool, out: &mut Vec<u8>) -> Effect {
    let Some((name, rest)) = args.split_first() else {
        return Effect::None;
    };
    let name = name.to_ascii_uppercase();
    let arity = |out: &mut Vec<u8>| {
        reply::error(
            out,
            &format!(
                "ERR wrong number of arguments for '{}' command",
                String::from_utf8_lossy(&name).to_lowercase()
            ),
        );
        Effect::None
    };
    if subscribed && !matches!(&name[..], b"SUBSCRIBE" | b"UNSUBSCRIBE" | b"PING" | b"QUIT") {
        reply::error(
            out,
            &format!(
                "ERR Can't execute '{}': only (P)SUBSCRIBE / (P)UNSUBSCRIBE / PING / QUIT are \
                 allowed in this context",
                String::from_utf8_lossy(&name).to_lowercase()
            ),
        );
        return Effect::None;
    }
    match &name[..] {
        b"PING" => match rest {
            [] if subscribed => {
                reply::array(out, 2);
                reply::bulk(out, b"pong");
                reply::bulk(out, b"");
            }
            [] => reply::simple(out, "PONG"),
            [msg] => reply::bulk(out, msg),
            _ => return arity(out),
        },
        b"ECHO" => match rest {
            [msg] => reply::bulk(out, msg),
            _ => return arity(out),
        },
        b"GET" => match rest {
            [key] => {
                let mut keys = shared.keys.lock().unwrap();
                match keys.live(key, Instant::now()) {
                    Some(e) => reply::bulk(out, &e.value),
                    None => reply::nil(out),
                }
            }
            _ => return arity(out),
        },
        b"SET" => {
            let [key, value, options @ ..] = rest else {
                return arity(out);
            };
            let mut expires = None;
            let mut options = options.iter();
            while let Some(option) = options.next() {
                let unit = match &option.to_ascii_uppercase()[..] {
                    b"EX" => 1000,
                    b"PX" => 1,
                    _ => {
                        reply::error(out, "ERR syntax error");
                        return Effect::None;
                    }
                };
                let Some(n) = options.next() else {
                    reply::error(out, "ERR syntax error");
                    return Effect::None;
                };
                let Some(ms) = positive(n).and_then(|n| n.checked_mul(unit)) else {
                    reply::error(out, "ERR invalid expire time in 'set' command");
                    return Effect::None;
                };
                expires = Instant::now().checked_add(Duration::from_millis(ms));
                if expires.is_none() {
                    reply::error(out, "ERR invalid expire time in 'set' command");
                    return Effect::None;
                }
            }
            shared
                .keys
                .lock()
                .unwrap()
                .set(key, Bytes::copy_from_slice(value), expires);
            reply::simple(out, "OK");
        }
        b"DEL" => {
            if rest.is_empty() {
                return arity(out);
            }
            let mut keys = shared.keys.lock().unwrap();
            let now = Instant::now();
            let mut n = 0;
            for key in rest {
                if keys.live(key, now).is_some() && keys.remove(key) {
                    n += 1;
                }
            }
            reply::int(out, n);
        }
        b"INCR" => match rest {
            [key] => {
                let mut keys = shared.keys.lock().unwrap();
                let now = Instant::now();
                let (current, expires) = match keys.live(key, now) {
                    None => (0, None),
                    Some(e) => match std::str::from_utf8(&e.value)
                        .ok()
                        .and_then(|s| s.parse::<i64>().ok())
                    {
                        Some(n) => (n, e.expires),
                        None => {
                            reply::error(out, "ERR value is not an integer or out of range");
                            return Effect::None;
                        }
                    },
                };
                let Some(next) = current.checked_add(1) else {
                    reply::error(out, "ERR increment or decrement would overflow");
                    return Effect::None;
                };
                // INCR keeps the key's expiry, as Redis does.
                keys.set(key, Bytes::from(next.to_string()), expires);
                reply::int(out, next);
            }
            _ => return arity(out),
        },
        b"PUBLISH" => match rest {
            [channel, message] => reply::int(out, publish(shared, channel, message)),
            _ => return arity(out),
        },
        b"SUBSCRIBE" => {
            if rest.is_empty() {
                return arity(out);
            }
            return Effect::Subscribe(rest.iter().map(|c| c.to_vec()).collect());
        }
        b"UNSUBSCRIBE" => return Effect::Unsubscribe(rest.iter().map(|c| c.to_vec()).collect()),
        b"QUIT" => {
            reply::simple(out, "OK");
            return Effect::Quit;
        }
        // What redis-benchmark and redis-cli ask before they start.
        b"CONFIG" | b"COMMAND" => reply::array(out, 0),
        _ => {
            let mut msg = format!(
                "ERR unknown command '{}', with args beginning with:",
                String::from_utf8_lossy(&name)
                    .chars()
                    .take(64)
                    .collect::<String>()
            );
            for arg in rest.iter().take(4) {
                msg.push_str(&format!(
                    " '{}'",
                    String::from_utf8_lossy(arg)
                        .chars()
                        .take(64)
                        .collect::<String>()
                ));
            }
            reply::error(out, &msg.replace(['\r', '\n'], " "));
        }
    }
    Effect::None
}

/// Puts `message` on the queue of every subscriber of `channel`; gives how
/// many got it. A subscriber whose queue is full is marked lagged (its
/// connection closes) and does not count.
fn publish(shared: &Shared, channel: &[u8], message: &[u8]) -> i64 {
    let mut encoded = Vec::with_capacity(32 + channel.len() + message.len());
    reply::array(&mut encoded, 3);
    reply::bulk(&mut encoded, b"message");
    reply::bulk(&mut encoded, channel);
    reply::bulk(&mut encoded, message);
    let encoded = Bytes::from(encoded);
    let channels = shared.channels.lock().unwrap();
    let mut delivered = 0;
    for (_, subscriber) in channels.get(channel).into_iter().flatten() {
        // ORDERING: Relaxed; the flag publishes no other memory. Its
        // partner is the writer task's load, which only needs to see it
        // eventually (it drains a full queue first).
        if subscriber.lagged.load(Ordering::Relaxed) {
            continue;
        }
        match subscriber.out.try_put(Out::Bytes(encoded.clone())) {
            Ok(()) => delivered += 1,
            // Its writer is busy with a full queue: it sees the flag after
            // its next `get` and closes the connection.
            // ORDERING: Relaxed, as the load above: pairs with the writer
            // task's load of `lagged`.
            Err(_) => subscriber.lagged.store(true, Ordering::Relaxed),
        }
    }
    delivered
}

/// A client connection's read buffer: `buf[start..end]` is unparsed.
struct ReadBuf {
    /// The bytes (initialised once; grown when a request needs it).
    buf: Vec<u8>,
    /// Where the unparsed bytes start.
    start: usize,
    /// Where they end.
    end: usize,
}

impl ReadBuf {
    /// An empty 16 KiB buffer.
    fn new() -> ReadBuf {
        ReadBuf {
            buf: vec![0; 16 * 1024],
            start: 0,
            end: 0,
        }
    }

    /// Reads more from `stream`; `Ok(false)` at the end of the stream.
    async fn fill(&mut self, stream: &TcpStream) -> io::Result<bool> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else {
                // One request larger than the buffer: the parser's limits
                // bound it (MAX_BULK per argument).
                let bigger = (self.buf.len() * 2).min(2 * MAX_BULK + MAX_INLINE);
                if bigger == self.buf.len() {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "request too big",
                    ));
                }
                self.buf.resize(bigger, 0);
            }
        }
        let n = stream.read(&mut self.buf[self.end..]).await?;
        self.end += n;
        Ok(n > 0)
    }
}

/// Parses and runs every complete request in `input`, appending replies to
/// `out`; stops at a pub/sub command or QUIT (giving its effect), or on a
/// protocol error (replied to; `Err`).
fn run_requests(
    shared: &Shared,
    input: &mut ReadBuf,
    subscribed: bool,
    out: &mut Vec<u8>,
) -> Result<Effect, ProtocolError> {
    let mut ranges = Vec::new();
    loop {
        let pending = &input.buf[input.start..input.end];
        let used = match parse_request(pending, &mut ranges) {
            Ok(Some(used)) => used,
            Ok(None) => return Ok(Effect::None),
            Err(e) => {
                reply::error(out, e.0);
                return Err(e);
            }
        };
        let args: Vec<&[u8]> = ranges.iter().map(|&(a, b)| &pending[a..b]).collect();
        let effect = execute(shared, &args, subscribed, out);
        input.start += used;
        if !matches!(effect, Effect::None) {
            return Ok(effect);
        }
    }
}

/// Serves one client until it closes, QUITs or sends a malformed request.
async fn serve_client(shared: Arc<Shared>, stream: TcpStream) -> io::Result<()> {
    let _ = stream.set_nodelay(true);
    let stream = Arc::new(stream);
    let mut input = ReadBuf::new();
    let mut out = Vec::with_capacity(16 * 1024);
    loop {
        if !input.fill(&stream).await? {
            return Ok(());
        }
        out.clear();
        // Every complete request of this read, replies in one write.
        loop {
            match run_requests(&shared, &mut input, false, &mut out) {
                Ok(Effect::None) => break,
                Ok(Effect::Unsubscribe(channels)) => {
                    unsubscribe_replies(&mut out, &channels, &mut Vec::new())
                }
                Ok(Effect::Subscribe(channels)) => {
                    stream.write_all(&out).await?;
                    return serve_subscriber(shared, stream, input, channels).await;
                }
                Ok(Effect::Quit) | Err(_) => {
                    stream.write_all(&out).await?;
                    return Ok(());
                }
            }
        }
        stream.write_all(&out).await?;
    }
}

/// Appends the replies to UNSUBSCRIBE `channels` (all of `current` when
/// empty) and removes them from `current`.
fn unsubscribe_replies(out: &mut Vec<u8>, channels: &[Vec<u8>], current: &mut Vec<Vec<u8>>) {
    let which: Vec<Vec<u8>> = if channels.is_empty() {
        current.clone()
    } else {
        channels.to_vec()
    };
    if which.is_empty() {
        reply::array(out, 3);
        reply::bulk(out, b"unsubscribe");
        reply::nil(out);
        reply::int(out, 0);
    }
    for channel in which {
        current.retain(|c| *c != channel);
        reply::array(out, 3);
        reply::bulk(out, b"unsubscribe");
        reply::bulk(out, &channel);
        reply::int(out, current.len() as i64);
    }
}

/// Removes subscriber `id` from `channels` in the channel table.
fn leave(shared: &Shared, id: u64, channels: &[Vec<u8>]) {
    let mut table = shared.channels.lock().unwrap();
    for channel in channels {
        if let Some(subs) = table.get_mut(channel) {
            subs.retain(|(sid, _)| *sid != id);
            if subs.is_empty() {
                table.remove(channel);
            }
        }
    }
}

/// Serves a client from its first SUBSCRIBE on: a group of a reader task
/// (commands) and a writer task (its queue: replies and messages, in
/// order). When either ends, the group cancels the other.
async fn serve_subscriber(
    shared: Arc<Shared>,
    stream: Arc<TcpStream>,
    input: ReadBuf,
    first: Vec<Vec<u8>>,
) -> io::Result<()> {
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let me = Arc::new(Subscriber {
        out: Queue::new(SUBSCRIBER_QUEUE),
        lagged: AtomicBool::new(false),
    });
    // The channels this client is subscribed to.
    let current = Arc::new(Mutex::new(Vec::<Vec<u8>>::new()));
    let group = curio::TaskGroup::<io::Result<()>>::with_wait(curio::Wait::Any);

    let (w_stream, w_me) = (stream.clone(), me.clone());
    group.spawn(async move {
        let mut batch = Vec::new();
        loop {
            let mut close = false;
            batch.clear();
            let mut next = Some(w_me.out.get().await);
            while let Some(item) = next {
                match item {
                    Out::Bytes(b) => batch.extend_from_slice(&b),
                    Out::Close => close = true,
                }
                next = if batch.len() < 64 * 1024 && !close {
                    w_me.out.try_get()
                } else {
                    None
                };
            }
            // ORDERING: Relaxed; pairs with the store in `publish`, and
            // only stops this connection (no memory is published with it).
            if w_me.lagged.load(Ordering::Relaxed) {
                return Err(io::Error::other("subscriber too slow: disconnected"));
            }
            w_stream.write_all(&batch).await?;
            if close {
                return Ok(());
            }
        }
    });

    let (r_shared, r_me, r_current) = (shared.clone(), me.clone(), current.clone());
    group.spawn(async move {
        let mut input = input;
        let mut out = Vec::new();
        let mut pending = Some(Effect::Subscribe(first));
        loop {
            // The requests already buffered, pub/sub effects applied.
            loop {
                let effect = match pending.take() {
                    Some(effect) => Ok(effect),
                    None => {
                        let subscribed = !r_current.lock().unwrap().is_empty();
                        run_requests(&r_shared, &mut input, subscribed, &mut out)
                    }
                };
                match effect {
                    Ok(Effect::None) => break,
                    Ok(Effect::Subscribe(channels)) => {
                        let mut current = r_current.lock().unwrap();
                        let mut table = r_shared.channels.lock().unwrap();
                        for channel in channels {
                            if !current.contains(&channel) {
                                table
                                    .entry(channel.clone())
                                    .or_default()
                                    .push((id, r_me.clone()));
                                current.push(channel.clone());
                            }
                            reply::array(&mut out, 3);
                            reply::bulk(&mut out, b"subscribe");
                            reply::bulk(&mut out, &channel);
                            reply::int(&mut out, current.len() as i64);
                        }
                    }
                    Ok(Effect::Unsubscribe(channels)) => {
                        let mut current = r_current.lock().unwrap();
                        let before = current.clone();
                        unsubscribe_replies(&mut out, &channels, &mut current);
                        let left: Vec<_> = before
                            .into_iter()
                            .filter(|c| !current.contains(c))
                            .collect();
                        leave(&r_shared, id, &left);
                    }
                    Ok(Effect::Quit) | Err(_) => {
                        // The writer sends the last replies and ends the
                        // group; this task waits to be cancelled.
                        r_me.out.put(Out::Bytes(Bytes::from(out))).await;
                        r_me.out.put(Out::Close).await;
                        std::future::pending::<()>().await;
                        return Ok(());
                    }
                }
            }
            if !out.is_empty() {
                let replies = Bytes::from(std::mem::take(&mut out));
                r_me.out.put(Out::Bytes(replies)).await;
            }
            if !input.fill(&stream).await? {
                return Ok(());
            }
        }
    });

    let results = group.join().await;
    // Leave every channel, whichever task ended the connection.
    let channels = std::mem::take(&mut *current.lock().unwrap());
    leave(&shared, id, &channels);
    for result in results {
        if let Ok(Err(e)) = result {
            return Err(e);
        }
    }
    Ok(())
}

/// Accepts clients forever, each served by its own named task, and sweeps
/// expired keys.
pub async fn serve(listener: TcpListener) -> io::Result<()> {
    let shared = Arc::new(Shared::default());
    let sweeper = shared.clone();
    let _sweeper = curio::task::Builder::new()
        .name("redis expiry sweeper")
        .spawn(async move {
            loop {
                curio::sleep(SWEEP_EVERY).await;
                sweeper.keys.lock().unwrap().sweep(Instant::now());
            }
        });
    loop {
        let (stream, peer) = listener.accept().await?;
        let shared = shared.clone();
        drop(
            curio::task::Builder::new()
                .name(format!("redis client {peer}"))
                .spawn(async move {
                    if let Err(e) = serve_client(shared, stream).await {
                        if !matches!(
                            e.kind(),
                            io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
                        ) {
                            eprintln!("mini_redis: {peer}: {e}");
                        }
                    }
                }),
        );
    }
}

/// A server running on its own runtime thread, for tests and the
/// self-test; stopped on drop.
pub struct Server {
    /// Where it listens.
    addr: SocketAddr,
    /// Set to stop it.
    stop: Arc<curio::UniversalEvent>,
    /// The runtime's thread.
    thread: Option<std::thread::JoinHandle<io::Result<()>>>,
}

impl Server {
    /// Starts a server on a free loopback port with `workers` workers.
    pub fn start(workers: usize) -> io::Result<Server> {
        let stop = Arc::new(curio::UniversalEvent::new());
        let (tx, rx) = std::sync::mpsc::channel();
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let runtime = curio::Runtime::builder().workers(workers).build()?;
            runtime.run(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await?;
                let _ = tx.send(listener.local_addr());
                let mut server = curio::spawn(serve(listener));
                stopped.wait().await;
                server.cancel().await;
                Ok(())
            })
        });
        let addr = rx
            .recv()
            .map_err(|_| io::Error::other("the server thread ended before listening"))??;
        Ok(Server {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.set();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A minimal RESP2 client over a std socket, for tests and the self-test.
pub struct Client {
    /// Requests go here.
    out: std::net::TcpStream,
    /// Replies come from here.
    back: BufReader<std::net::TcpStream>,
}

/// A RESP2 reply.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// `+...`
    Simple(String),
    /// `-...`
    Error(String),
    /// `:n`
    Int(i64),
    /// `$...` (`None`: `$-1`).
    Bulk(Option<Vec<u8>>),
    /// `*...`
    Array(Vec<Reply>),
}

impl Reply {
    /// A bulk reply of `s`.
    pub fn bulk(s: &str) -> Reply {
        Reply::Bulk(Some(s.as_bytes().to_vec()))
    }
}

impl Client {
    /// Connects, with a 10 s read timeout (a hang fails instead).
    pub fn connect(addr: SocketAddr) -> io::Result<Client> {
        let out = std::net::TcpStream::connect(addr)?;
        out.set_nodelay(true)?;
        out.set_read_timeout(Some(Duration::from_secs(10)))?;
        Ok(Client {
            back: BufReader::new(out.try_clone()?),
            out,
        })
    }

    /// Encodes `args` as a RESP array of bulk strings.
    pub fn encode(args: &[&[u8]]) -> Vec<u8> {
        let mut v = Vec::new();
        reply::array(&mut v, args.len());
        for a in args {
            reply::bulk(&mut v, a);
        }
        v
    }

    /// Sends raw bytes.
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)
    }

    /// Sends one command and reads its reply.
    pub fn call(&mut self, args: &[&str]) -> io::Result<Reply> {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.send_raw(&Client::encode(&args))?;
        self.read_reply()
    }

    /// Reads one reply.
    pub fn read_reply(&mut self) -> io::Result<Reply> {
        let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
        let mut line = String::new();
        if self.back.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let line = line.strip_suffix("\r\n").ok_or_else(|| bad("no CRLF"))?;
        let (kind, rest) = line.split_at(1);
        let number = || rest.parse::<i64>().map_err(|_| bad("bad number"));
        Ok(match kind {
            "+" => Reply::Simple(rest.to_owned()),
            "-" => Reply::Error(rest.to_owned()),
            ":" => Reply::Int(number()?),
            "$" => match number()? {
                -1 => Reply::Bulk(None),
                n => {
                    let mut body = vec![0; n as usize + 2];
                    self.back.read_exact(&mut body)?;
                    body.truncate(n as usize);
                    Reply::Bulk(Some(body))
                }
            },
            "*" => {
                let n = number()?;
                let mut items = Vec::new();
                for _ in 0..n.max(0) {
                    items.push(self.read_reply()?);
                }
                Reply::Array(items)
            }
            _ => return Err(bad("unknown reply type")),
        })
    }
}

/// Checks commands, pipelining, expiry and pub/sub against `addr`; gives
/// how many checks passed (all of them, or an error).
pub fn self_check(addr: SocketAddr) -> io::Result<usize> {
    let mut checks = 0;
    let mut expect = |got: Reply, want: Reply| {
        if got != want {
            return Err(io::Error::other(format!("got {got:?}, want {want:?}")));
        }
        checks += 1;
        Ok(())
    };
    let mut c = Client::connect(addr)?;
    expect(c.call(&["PING"])?, Reply::Simple("PONG".into()))?;
    expect(c.call(&["SET", "k", "v"])?, Reply::Simple("OK".into()))?;
    expect(c.call(&["GET", "k"])?, Reply::bulk("v"))?;
    expect(c.call(&["INCR", "n"])?, Reply::Int(1))?;
    expect(c.call(&["DEL", "k", "n", "none"])?, Reply::Int(2))?;
    // Pipelining: 100 requests in one write.
    let mut batch = Vec::new();
    for i in 0..100 {
        batch.extend(Client::encode(&[b"INCR", b"p"]));
        let _ = i;
    }
    c.send_raw(&batch)?;
    for i in 1..=100 {
        expect(c.read_reply()?, Reply::Int(i))?;
    }
    // Expiry: gone within a deadline.
    expect(
        c.call(&["SET", "e", "x", "PX", "20"])?,
        Reply::Simple("OK".into()),
    )?;
    let deadline = Instant::now() + Duration::from_secs(5);
    while c.call(&["GET", "e"])? != Reply::Bulk(None) {
        if Instant::now() > deadline {
            return Err(io::Error::other("a PX 20 key still there after 5 s"));
        }
        std::thread::yield_now();
    }
    // Pub/sub.
    let mut sub = Client::connect(addr)?;
    let confirm = Reply::Array(vec![
        Reply::bulk("subscribe"),
        Reply::bulk("news"),
        Reply::Int(1),
    ]);
    expect(sub.call(&["SUBSCRIBE", "news"])?, confirm)?;
    expect(c.call(&["PUBLISH", "news", "hello"])?, Reply::Int(1))?;
    let message = Reply::Array(vec![
        Reply::bulk("message"),
        Reply::bulk("news"),
        Reply::bulk("hello"),
    ]);
    expect(sub.read_reply()?, message)?;
    Ok(checks)
}

#[allow(dead_code)]
fn main() -> io::Result<()> {
    /// What `--help` prints.
    const USAGE: &str = "\
mini_redis: a Redis server on curio (strings, expiry, pipelining, pub/sub,
the RESP protocol), usable with redis-cli and redis-benchmark.

Usage: mini_redis serve [ADDR [WORKERS]]   serve on ADDR (default
                                           127.0.0.1:6379) with WORKERS
                                           worker threads until Ctrl-C
       mini_redis                          self-test: start a server on a free
                                           loopback port, run the checks, exit
       mini_redis -h | --help
";
    if matches!(std::env::args().nth(1).as_deref(), Some("-h" | "--help")) {
        print!("{USAGE}");
        return Ok(());
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None => {
            let server = Server::start(2)?;
            let checks = self_check(server.addr())?;
            drop(server);
            println!("self-test: {checks} checks passed (commands, pipelining, expiry, pub/sub)");
            Ok(())
        }
        Some("serve") => {
            let addr = args.get(1).map(String::as_str).unwrap_or("127.0.0.1:6379");
            let workers: usize = match args.get(2) {
                Some(w) => w.parse().map_err(|e| {
                    io::Error::new(io::ErrorKind::InvalidInput, format!("workers {w}: {e}"))
                })?,
                None => std::thread::available_parallelism().map_or(2, |n| n.get()),
            };
            let runtime = curio::Runtime::builder().workers(workers).build()?;
            let addr = addr.to_owned();
            runtime.run(async move {
                let listener = TcpListener::bind(addr.as_str()).await?;
                println!(
                    "mini_redis on {} with {workers} workers (Ctrl-C stops)",
                    listener.local_addr()?
                );
                let ctrl_c = curio::signal::SignalEvent::new(&[curio::signal::SIGINT])?;
                let mut server = curio::spawn(serve(listener));
                ctrl_c.wait().await?;
                server.cancel().await;
                Ok(())
            })
        }
        Some(other) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("usage: mini_redis [serve ADDR [WORKERS]] (got {other:?})"),
        )),
    }
}
