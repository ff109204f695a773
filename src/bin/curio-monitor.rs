//! `curio-monitor`: an interactive client for a curio program's monitor.
//!
//! ```text
//! cargo run --bin curio-monitor -- 127.0.0.1:48802
//! cargo run --bin curio-monitor -- 127.0.0.1:48802 --top
//! ```
//!
//! It relays your lines to the monitor and prints its answers, until either
//! side closes. Plain `nc 127.0.0.1 48802` works too.
//!
//! With `--top` it shows the monitor's `top` view instead (each worker's
//! busy fraction, then `ps -l`: the tasks, busiest first), clearing the
//! screen and refreshing it every second until you type `q` (and Enter),
//! press Ctrl-C, or stdin ends. `--count N` stops after N refreshes.

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

/// The usage line.
const USAGE: &str = "usage: curio-monitor [ADDR] [--top [--count N]]";

/// What the command line asks for.
struct Args {
    /// The monitor's address.
    addr: String,
    /// Whether to run the `top` view.
    top: bool,
    /// With `--top`, how many refreshes to show before exiting.
    count: Option<u64>,
}

/// Parses the command line.
fn parse_args(args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        addr: "127.0.0.1:48802".to_owned(),
        top: false,
        count: None,
    };
    let mut addr_seen = false;
    let mut args = args;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--top" => parsed.top = true,
            "--count" => {
                let n = args.next().ok_or("--count needs a number")?;
                match n.parse::<u64>() {
                    Ok(n) if n > 0 => parsed.count = Some(n),
                    _ => return Err(format!("--count needs a positive number, not {n:?}")),
                }
            }
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag:?}")),
            addr if !addr_seen => {
                parsed.addr = addr.to_owned();
                addr_seen = true;
            }
            extra => return Err(format!("unexpected argument {extra:?}")),
        }
    }
    if parsed.count.is_some() && !parsed.top {
        return Err("--count goes with --top".to_owned());
    }
    Ok(parsed)
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("curio-monitor: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let addr = &args.addr;
    let conn = match TcpStream::connect(addr) {
        Ok(conn) => conn,
        Err(e) => {
            eprintln!("curio-monitor: cannot connect to {addr}: {e}");
            eprintln!("(start the program with CURIO_MONITOR={addr}, or Builder::monitor)");
            return ExitCode::FAILURE;
        }
    };
    let result = if args.top {
        top(conn, args.count)
    } else {
        relay(conn)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("curio-monitor: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The interactive session: stdin to the monitor, its answers to stdout.
fn relay(conn: TcpStream) -> io::Result<()> {
    let mut reader = conn.try_clone()?;
    // Print everything the monitor says, as it arrives.
    let printer = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        let mut stdout = io::stdout();
        loop {
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    let _ = stdout.write_all(&buf[..n]);
                    let _ = stdout.flush();
                }
            }
        }
    });
    let mut writer = conn;
    for line in io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if writer.write_all(format!("{line}\n").as_bytes()).is_err() {
            break;
        }
        if matches!(line.trim(), "quit" | "q" | "exit") {
            break;
        }
    }
    let _ = writer.shutdown(std::net::Shutdown::Write);
    let _ = printer.join();
    Ok(())
}

/// The monitor's prompt, which ends each answer.
const PROMPT: &[u8] = b"curio > ";

/// Reads up to and without the next prompt.
fn until_prompt(reader: &mut impl Read) -> io::Result<String> {
    let mut text = Vec::new();
    let mut buf = [0u8; 1];
    while !text.ends_with(PROMPT) {
        if reader.read(&mut buf)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the monitor closed the connection",
            ));
        }
        text.push(buf[0]);
    }
    text.truncate(text.len() - PROMPT.len());
    Ok(String::from_utf8_lossy(&text).into_owned())
}

/// The `--top` view: asks for `top` every second and reprints the screen,
/// until `q`, the end of stdin, or `count` refreshes.
fn top(conn: TcpStream, count: Option<u64>) -> io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut writer = conn.try_clone()?;
    let mut reader = io::BufReader::new(conn);
    until_prompt(&mut reader)?;
    // A line `q` (or `quit`), or the end of stdin, stops the view.
    let (quit_tx, quit_rx) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        for line in io::stdin().lock().lines() {
            match line {
                Ok(l) if matches!(l.trim(), "q" | "quit" | "exit") => break,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        let _ = quit_tx.send(());
    });
    let mut stdout = io::stdout();
    let mut shown = 0u64;
    loop {
        writer.write_all(b"top\n")?;
        let screen = until_prompt(&mut reader)?;
        // Clear the screen and home the cursor (ANSI), then the view.
        write!(stdout, "\x1b[2J\x1b[H{screen}")?;
        writeln!(
            stdout,
            "(refreshes every second; q and Enter, or Ctrl-C, to quit)"
        )?;
        stdout.flush()?;
        shown += 1;
        if count.is_some_and(|n| shown >= n) {
            break;
        }
        match quit_rx.recv_timeout(Duration::from_secs(1)) {
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let _ = writer.write_all(b"quit\n");
    Ok(())
}
