//! The monitor: curio's `ps` / `where` / `cancel` on a live runtime, served
//! as a line-based text protocol over TCP from threads of its own, so it
//! answers even when every worker is stuck in a task.
//!
//! One thread accepts; each client gets a thread (at most
//! [`MAX_CLIENTS`] at once). Input lines are capped at [`MAX_LINE`] bytes.
//! Shutdown sets a flag, wakes the acceptor with a connection to itself,
//! and joins every monitor thread (clients notice within
//! [`POLL_INTERVAL`]).

use crate::introspect::TaskInfo;
use crate::runtime::Handle;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The address the monitor binds when none is named.
pub const DEFAULT_ADDR: &str = "127.0.0.1:48802";

/// Most clients served at once.
const MAX_CLIENTS: usize = 16;

/// Longest accepted input line, in bytes.
const MAX_LINE: usize = 1024;

/// How often a client thread checks for shutdown while idle.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// A running monitor.
pub(crate) struct Monitor {
    /// The bound address.
    addr: SocketAddr,
    /// Set at shutdown.
    stop: Arc<AtomicBool>,
    /// The acceptor thread.
    acceptor: Option<JoinHandle<()>>,
    /// Client threads, joined at shutdown.
    clients: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Monitor {
    /// Binds `addr` and starts serving `handle`'s runtime.
    pub(crate) fn start(
        addr: SocketAddr,
        handle: Handle,
        thread_name: &str,
    ) -> io::Result<Monitor> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (s, c) = (stop.clone(), clients.clone());
        let name = format!("{thread_name}-monitor");
        let acceptor = std::thread::Builder::new()
            .name(name.clone())
            .spawn(move || accept_loop(listener, handle, s, c, name))?;
        Ok(Monitor {
            addr,
            stop,
            acceptor: Some(acceptor),
            clients,
        })
    }

    /// The address it listens on.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving and joins every monitor thread.
    pub(crate) fn stop(&mut self) {
        self.stop.store(true, SeqCst);
        // Wake the acceptor out of `accept`.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.acceptor.take() {
            let _ = t.join();
        }
        let clients = std::mem::take(&mut *self.clients.lock().unwrap_or_else(|e| e.into_inner()));
        for c in clients {
            let _ = c.join();
        }
    }
}

/// Accepts clients until shutdown.
fn accept_loop(
    listener: TcpListener,
    handle: Handle,
    stop: Arc<AtomicBool>,
    clients: Arc<Mutex<Vec<JoinHandle<()>>>>,
    thread_name: String,
) {
    let active = Arc::new(AtomicUsize::new(0));
    for conn in listener.incoming() {
        if stop.load(SeqCst) {
            return;
        }
        let Ok(mut conn) = conn else { continue };
        if active.load(SeqCst) >= MAX_CLIENTS {
            let _ = conn.write_all(b"Too many monitor clients; try again later\n");
            continue;
        }
        active.fetch_add(1, SeqCst);
        let (h, s, a) = (handle.clone(), stop.clone(), active.clone());
        let spawned = std::thread::Builder::new()
            .name(thread_name.clone())
            .spawn(move || {
                let _ = serve(conn, &h, &s);
                a.fetch_sub(1, SeqCst);
            });
        let mut clients = clients.lock().unwrap_or_else(|e| e.into_inner());
        crate::blocking::reap(&mut clients);
        match spawned {
            Ok(t) => clients.push(t),
            Err(_) => {
                active.fetch_sub(1, SeqCst);
            }
        }
    }
}

/// What a line asks the session to do next.
enum Next {
    /// Keep reading lines.
    Continue,
    /// Close the connection.
    Quit,
}

/// Serves one client.
fn serve(conn: TcpStream, handle: &Handle, stop: &AtomicBool) -> io::Result<()> {
    conn.set_read_timeout(Some(POLL_INTERVAL))?;
    let mut out = conn.try_clone()?;
    let mut lines = Lines {
        reader: BufReader::new(conn),
        line: Vec::new(),
        overflow: false,
    };
    writeln!(
        out,
        "Curio Monitor: {} tasks running\nType help for commands",
        handle.tasks().len()
    )?;
    session(&mut lines, &mut out, handle, stop)
}

/// The command loop of one client: a prompt, then one answer per line,
/// until the client quits or leaves, or the monitor stops.
fn session<R: BufRead>(
    lines: &mut Lines<R>,
    out: &mut impl Write,
    handle: &Handle,
    stop: &AtomicBool,
) -> io::Result<()> {
    loop {
        out.write_all(b"curio > ")?;
        out.flush()?;
        let line = loop {
            if stop.load(SeqCst) {
                return Ok(());
            }
            match lines.next() {
                Ok(LineRead::Eof) => return Ok(()),
                Ok(LineRead::Line(line)) => break Some(line),
                Ok(LineRead::TooLong) => break None,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => return Err(e),
            }
        };
        let Some(line) = line else {
            writeln!(out, "Line too long (the limit is {MAX_LINE} bytes)")?;
            continue;
        };
        match execute(line.trim(), handle, out)? {
            Next::Continue => {}
            Next::Quit => return Ok(()),
        }
    }
}

/// Splits a client's input into lines of at most `MAX_LINE` bytes.
struct Lines<R> {
    /// The connection.
    reader: R,
    /// The line read so far.
    line: Vec<u8>,
    /// Set while skipping the rest of an over-long line.
    overflow: bool,
}

/// The result of reading a line.
enum LineRead {
    /// A whole line, without its newline.
    Line(String),
    /// A line over the cap, skipped.
    TooLong,
    /// The peer closed the connection.
    Eof,
}

impl<R: BufRead> Lines<R> {
    /// Reads the next line; a read time-out surfaces as an error of kind
    /// `WouldBlock` or `TimedOut`, after which reading can resume.
    fn next(&mut self) -> io::Result<LineRead> {
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                return Ok(LineRead::Eof);
            }
            let end = buf.iter().position(|&b| b == b'\n');
            let chunk = &buf[..end.unwrap_or(buf.len())];
            if !self.overflow {
                if self.line.len() + chunk.len() > MAX_LINE {
                    self.overflow = true;
                    self.line.clear();
                } else {
                    self.line.extend_from_slice(chunk);
                }
            }
            let used = end.map_or(buf.len(), |i| i + 1);
            self.reader.consume(used);
            if end.is_some() {
                if std::mem::take(&mut self.overflow) {
                    return Ok(LineRead::TooLong);
                }
                let text = String::from_utf8_lossy(&self.line).into_owned();
                self.line.clear();
                return Ok(LineRead::Line(text));
            }
        }
    }
}

/// Runs one command line.
fn execute(line: &str, handle: &Handle, out: &mut impl Write) -> io::Result<Next> {
    let mut words = line.split_whitespace();
    let Some(cmd) = words.next() else {
        return Ok(Next::Continue);
    };
    let arg = words.next();
    match cmd {
        "ps" => match arg {
            None => ps(handle, out)?,
            Some("-l") if words.next().is_none() => profile::ps_long(handle, out)?,
            Some(_) => writeln!(out, "Unknown command '{}'. Type help.", truncate(line))?,
        },
        "top" => profile::top(handle, out)?,
        "where" | "w" => match parse_id(arg) {
            Some(id) => where_(handle, id, out)?,
            None => writeln!(out, "Bad argument: usage is 'where taskid'")?,
        },
        "cancel" => match parse_id(arg) {
            Some(id) => {
                let found = handle.tasks().into_iter().find(|t| t.id.as_u64() == id);
                match found {
                    Some(t) if handle.cancel_task(t.id) => writeln!(out, "Cancelling task {id}")?,
                    _ => writeln!(out, "No task {id}")?,
                }
            }
            None => writeln!(out, "Bad argument: usage is 'cancel taskid'")?,
        },
        "stats" => stats(handle, out)?,
        "longblock" => longblocks(handle, out)?,
        "help" | "h" => out.write_all(HELP.as_bytes())?,
        "quit" | "q" | "exit" => {
            writeln!(out, "Leaving")?;
            return Ok(Next::Quit);
        }
        other => writeln!(out, "Unknown command '{}'. Type help.", truncate(other))?,
    }
    Ok(Next::Continue)
}

/// The text of `help`.
const HELP: &str = "Commands:
    ps               : Show task table
    ps -l            : Task table with busy time, longest poll and scheduling
                       delay (mean, max; wake to poll) in ms, busiest first
    where taskid     : Show where a task was spawned and where it waits
    cancel taskid    : Cancel an indicated task
    stats            : Show scheduler statistics, with each worker's busy
                       fraction and scheduling-delay histogram
    top              : Workers' busy fractions, then ps -l
    longblock        : Show the latest polls that blocked a worker too long
    help             : This help
    quit             : Leave the monitor
";

/// At most 40 characters of `s`, for echoing bad input.
fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

/// A task id argument.
fn parse_id(arg: Option<&str>) -> Option<u64> {
    arg?.parse().ok()
}

/// Seconds from `now` until `deadline`, as curio prints them.
fn remaining(deadline: Option<Instant>, now: Instant) -> String {
    match deadline {
        Some(d) => format!("{:.3}", d.saturating_duration_since(now).as_secs_f64()),
        None => "None".to_owned(),
    }
}

/// The label of a task: its name, or its spawn location.
fn label(t: &TaskInfo) -> String {
    match &t.name {
        Some(n) => n.clone(),
        None => format!("{}:{}", t.spawned_at.file(), t.spawned_at.line()),
    }
}

/// `ps`: curio's task table.
fn ps(handle: &Handle, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "Task   State        Cycles     Timeout Sleep   Task")?;
    writeln!(
        out,
        "------ ------------ ---------- ------- ------- ------------------------------"
    )?;
    // The runtime's clock, virtual while paused (`time::pause`).
    let now = handle.shared().clock.now();
    for t in handle.tasks() {
        writeln!(
            out,
            "{:<6} {:<12} {:<10} {:<7} {:<7} {}",
            t.id,
            t.state.name(),
            t.polls,
            remaining(t.timeout, now),
            remaining(t.sleep, now),
            label(&t)
        )?;
    }
    Ok(())
}

/// `where N`.
fn where_(handle: &Handle, id: u64, out: &mut impl Write) -> io::Result<()> {
    let Some(t) = handle.tasks().into_iter().find(|t| t.id.as_u64() == id) else {
        return writeln!(out, "No task {id}");
    };
    let name = t.name.as_deref().unwrap_or("-");
    writeln!(out, "Task {} ({}) {}", t.id, name, t.state)?;
    writeln!(out, "  spawned at {}", t.spawned_at)?;
    match t.waiting_at {
        Some(at) => writeln!(out, "  waiting ({}) at {}", t.state, at),
        None => writeln!(out, "  the await's location is not recorded"),
    }
}

/// `stats`: per-worker counters and global depths.
fn stats(handle: &Handle, out: &mut impl Write) -> io::Result<()> {
    let s = handle.stats();
    writeln!(
        out,
        "{:<8} {:>12} {:>10} {:>10} {:>8}",
        "Worker", "Polls", "Steals", "Parks", "Queue"
    )?;
    for (i, w) in s.workers.iter().enumerate() {
        writeln!(
            out,
            "{:<8} {:>12} {:>10} {:>10} {:>8}",
            i, w.polls, w.steals, w.parks, w.queue_depth
        )?;
    }
    writeln!(out, "injector depth    {}", s.injector_depth)?;
    writeln!(out, "live tasks        {}", s.live_tasks)?;
    writeln!(out, "blocking threads  {}", s.blocking_threads)?;
    writeln!(out, "long blocks       {}", s.long_blocks)?;
    for (name, value) in &s.drivers {
        writeln!(out, "{name:<17} {value}")?;
    }
    profile::stats(handle, &s.workers, out)
}

/// `longblock`: the latest long blocks.
fn longblocks(handle: &Handle, out: &mut impl Write) -> io::Result<()> {
    let list = handle.long_blocks();
    if list.is_empty() {
        return writeln!(out, "No long blocks recorded");
    }
    for b in list {
        writeln!(out, "{b}")?;
    }
    Ok(())
}

/// Resolves a monitor address: the named one, or [`DEFAULT_ADDR`].
pub(crate) fn resolve(addr: &str) -> io::Result<SocketAddr> {
    use std::net::ToSocketAddrs;
    let addr = if addr.is_empty() { DEFAULT_ADDR } else { addr };
    addr.to_socket_addrs()?.next().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("monitor address {addr:?} resolves to nothing"),
        )
    })
}

mod profile;
#[cfg(all(test, not(curio_loom)))]
mod tests;
