//! Every example answers `--help` and `-h`: it prints what it does and how
//! to use it, exits 0 within seconds and starts nothing (no server, no
//! child, no tutorial run).
//!
//! Cargo has no `CARGO_BIN_EXE_*` for examples, so the binaries are found
//! next to this test's: `target/<profile>/examples/<name>`. `cargo test`
//! builds them; an example whose binary is missing, or older than its
//! source, is skipped with a message saying so (rebuild with
//! `cargo build --examples`).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long an example may take to answer `--help`.
const DEADLINE: Duration = Duration::from_secs(20);

/// The names of the examples, from the `examples/*.rs` files.
fn example_names() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|entry| {
            let path = entry.expect("a directory entry").path();
            (path.extension()? == "rs").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    names.sort();
    names
}

/// `target/<profile>/examples`, from this test binary's own path
/// (`target/<profile>/deps/examples_help-<hash>`).
fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.parent()
        .and_then(Path::parent)
        .expect("the test binary sits in target/<profile>/deps")
        .join("examples")
}

/// Runs `program arg` with no input, waiting at most `DEADLINE`: its exit
/// status and stdout, or why it failed.
fn run_with_deadline(program: &Path, arg: &str) -> Result<(ExitStatus, String, String), String> {
    let mut child = Command::new(program)
        .arg(arg)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // An inherited CURIO_MONITOR must not make `monitor --help` differ.
        .env_remove("CURIO_MONITOR")
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() < DEADLINE => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("still running after {DEADLINE:?}"));
            }
            Err(e) => return Err(format!("cannot wait for it: {e}")),
        }
    };
    let mut out = String::new();
    let mut err = String::new();
    if let Some(mut s) = child.stdout.take() {
        s.read_to_string(&mut out)
            .map_err(|e| format!("stdout: {e}"))?;
    }
    if let Some(mut s) = child.stderr.take() {
        s.read_to_string(&mut err)
            .map_err(|e| format!("stderr: {e}"))?;
    }
    Ok((status, out, err))
}

#[test]
fn every_example_answers_help() {
    let names = example_names();
    assert!(!names.is_empty(), "no examples found");
    let dir = examples_dir();
    let source_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut checked = 0;
    let mut failures = Vec::new();
    for name in &names {
        let binary = dir.join(name);
        let built = std::fs::metadata(&binary).and_then(|m| m.modified());
        let source =
            std::fs::metadata(source_dir.join(format!("{name}.rs"))).and_then(|m| m.modified());
        match (built, source) {
            (Err(_), _) => {
                println!(
                    "SKIP {name}: {} is not built (cargo build --examples)",
                    binary.display()
                );
                continue;
            }
            (Ok(built), Ok(source)) if built < source => {
                println!(
                    "SKIP {name}: {} is older than examples/{name}.rs (cargo build --examples)",
                    binary.display()
                );
                continue;
            }
            _ => {}
        }
        for arg in ["--help", "-h"] {
            match run_with_deadline(&binary, arg) {
                Err(why) => failures.push(format!("{name} {arg}: {why}")),
                Ok((status, out, err)) => {
                    if !status.success() {
                        failures.push(format!("{name} {arg}: exited with {status}; stderr: {err}"));
                    } else if !out.starts_with(&format!("{name}: ")) {
                        failures.push(format!(
                            "{name} {arg}: the help does not start with \"{name}: \" (what it does): {out:?}"
                        ));
                    } else if !out.contains(&format!("Usage: {name}")) {
                        failures.push(format!(
                            "{name} {arg}: the help has no \"Usage: {name}\" line: {out:?}"
                        ));
                    } else if !err.is_empty() {
                        failures.push(format!("{name} {arg}: wrote to stderr: {err:?}"));
                    }
                }
            }
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "examples failing --help:\n{}",
        failures.join("\n")
    );
    if checked < names.len() {
        println!(
            "SKIP: {checked} of {} examples checked; build the rest in {} with `cargo build --examples`",
            names.len(),
            dir.display()
        );
    }
}

#[test]
fn monitor_example_listens_where_curio_monitor_says() {
    let binary = examples_dir().join("monitor");
    if !binary.exists() {
        println!(
            "SKIP: {} is not built (cargo build --examples)",
            binary.display()
        );
        return;
    }
    // A port nobody listens on now; the example binds it again at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port();
    let mut child = Command::new(&binary)
        .arg("0.01")
        .env("CURIO_MONITOR", format!("127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the monitor example");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the monitor example") {
            break status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the monitor example still runs after {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut out = String::new();
    let mut err = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(
        status.success(),
        "monitor exited with {status}; stderr: {err}"
    );
    let first = out.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        format!("Monitor listening on 127.0.0.1:{port}: try `nc 127.0.0.1 {port}` and type ps"),
        "stdout: {out}"
    );
}
