//! Files and processes together: runs `ls -l /` as a child, streams its
//! output line by line off the reactor into a file written through
//! `curio::fs`, then reads the file back with curio's `readline` (curio's
//! `aopen`) and prints it numbered.
//!
//! Run with `cargo run --example cat_lines [-- COMMAND ARGS...]`; it exits
//! when the command has ended and its output is printed.

use curio::fs::File;
use curio::net::SocketStream;
use curio::process::{Command, Stdio};
use futures::AsyncWriteExt;

fn main() -> std::io::Result<()> {
    /// What `--help` prints.
    const USAGE: &str = "\
cat_lines: runs COMMAND as a child process, streams its output line by line
into a temporary file written through curio::fs, then reads the file back
with readline and prints it numbered. Exits when the command has ended.

Usage: cat_lines [COMMAND [ARGS...]]   (default: ls -l /)
       cat_lines -h | --help
";
    if matches!(std::env::args().nth(1).as_deref(), Some("-h" | "--help")) {
        print!("{USAGE}");
        return Ok(());
    }
    cat_lines()
}

/// The example proper: `#[curio::main]` turns it into a plain function
/// that builds a runtime, runs the body on it and shuts the runtime down.
#[curio::main]
async fn cat_lines() -> std::io::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        args = vec!["ls".into(), "-l".into(), "/".into()];
    }
    let (program, rest) = (args[0].clone(), args[1..].to_vec());
    let path = std::env::temp_dir().join(format!("curio-cat-lines-{}", std::process::id()));

    let mut child = Command::new(&program)
        .args(&rest)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut lines = SocketStream::new(child.stdout.take().expect("stdout is piped"));
    let mut file = File::create(&path).await?;
    let mut count = 0;
    loop {
        let line = lines.readline().await?;
        if line.is_empty() {
            break;
        }
        file.write_all(&line).await?;
        count += 1;
    }
    file.sync_all().await?;
    let status = child.wait().await?;
    println!("{program} wrote {count} lines and exited with {status}");

    let mut file = SocketStream::new(File::open(&path).await?);
    let mut n = 0;
    loop {
        let line = file.readline().await?;
        if line.is_empty() {
            break;
        }
        n += 1;
        print!("{n:4}  {}", String::from_utf8_lossy(&line));
    }
    curio::fs::remove_file(&path).await?;
    Ok(())
}
