//! `curio-monitor`: an interactive client for a curio program's monitor.
//!
//! ```text
//! cargo run --bin curio-monitor -- 127.0.0.1:48802
//! ```
//!
//! It relays your lines to the monitor and prints its answers, until either
//! side closes. Plain `nc 127.0.0.1 48802` works too.

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;

fn main() -> ExitCode {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:48802".to_owned());
    let conn = match TcpStream::connect(&addr) {
        Ok(conn) => conn,
        Err(e) => {
            eprintln!("curio-monitor: cannot connect to {addr}: {e}");
            eprintln!("(start the program with CURIO_MONITOR={addr}, or Builder::monitor)");
            return ExitCode::FAILURE;
        }
    };
    let mut reader = match conn.try_clone() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("curio-monitor: {e}");
            return ExitCode::FAILURE;
        }
    };
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
    ExitCode::SUCCESS
}
