//! curio's tutorial program: a kid who plays with friends until the parent
//! runs out of patience, and who saves their work when cancelled.
//!
//! Run with `cargo run --example kid [-- TIME_SCALE]`: the scale multiplies
//! every delay (`0.01` runs it a hundred times faster).

use curio::{check_cancellation, disable_cancellation, sleep, timeout_after, Event, TaskGroup};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The lines printed so far (kept so a test can check them).
type Lines = Arc<Mutex<Vec<String>>>;

/// Prints a line and records it.
fn say(lines: &Lines, line: impl Into<String>) {
    let line = line.into();
    println!("{line}");
    lines.lock().unwrap().push(line);
}

/// Prints its name's farewell when its task is cancelled.
struct GoingHome {
    /// The friend.
    name: &'static str,
    /// Where to print.
    lines: Lines,
}

impl Drop for GoingHome {
    fn drop(&mut self) {
        say(&self.lines, format!("{} going home", self.name));
    }
}

/// A friend plays until sent home.
async fn friend(name: &'static str, lines: Lines) {
    say(&lines, format!("Hi, my name is {name}"));
    let _home = GoingHome {
        name,
        lines: lines.clone(),
    };
    sleep(Duration::from_secs(1000)).await;
}

/// The kid waits for permission, plays with three friends, and on
/// cancellation sends them home and saves their work before leaving.
async fn kid(start: Arc<Event>, scale: f64, lines: Lines) {
    say(&lines, "Can I play?");
    start.wait().await;
    disable_cancellation(async {
        let mut friends = TaskGroup::new();
        for name in ["Max", "Lillian", "Thomas"] {
            friends.spawn(friend(name, lines.clone()));
        }
        say(&lines, "Building the Millenium Falcon in Minecraft");
        while !check_cancellation() {
            sleep(Duration::from_secs_f64(0.05 * scale)).await;
        }
        friends.cancel_remaining().await;
        say(&lines, "Fine. Saving my work.");
        sleep(Duration::from_secs_f64(scale)).await;
    })
    .await;
    // The cancellation is delivered at this suspension.
    sleep(Duration::from_secs(1000)).await;
}

/// Counts down from `n`, one step per (scaled) second.
async fn countdown(n: u32, scale: f64, lines: Lines) {
    for i in (1..=n).rev() {
        say(&lines, format!("T-minus {i}"));
        sleep(Duration::from_secs_f64(scale)).await;
    }
}

/// The parent lets the kid play, counts down, waits a while, then cancels.
async fn parent(scale: f64, lines: Lines) {
    let start = Arc::new(Event::new());
    let mut kid_task =
        curio::task::Builder::new()
            .name("kid")
            .spawn(kid(start.clone(), scale, lines.clone()));
    sleep(Duration::from_secs_f64(5.0 * scale)).await;
    say(&lines, "Yes, go play");
    start.set();
    countdown(10, scale, lines.clone()).await;
    say(&lines, "We're leaving!");
    let waited = timeout_after(Duration::from_secs_f64(10.0 * scale), &mut kid_task).await;
    if waited.is_err() {
        say(&lines, "I warned you!");
        kid_task.cancel().await;
    }
    say(&lines, "Leaving!");
}

/// A parent that lets the kid play and then simply returns, leaving the
/// kid to the runtime's shutdown: shutdown cancels it as `cancel` does, so
/// the kid still saves its work.
async fn parent_leaves_early(scale: f64, lines: Lines) {
    let start = Arc::new(Event::new());
    drop(
        curio::task::Builder::new()
            .name("kid")
            .spawn(kid(start.clone(), scale, lines.clone())),
    );
    start.set();
    sleep(Duration::from_secs_f64(scale)).await;
    say(&lines, "We're leaving!");
}

/// [`parent_leaves_early`] on a runtime of its own; returns the lines
/// printed by the time the runtime has shut down.
pub fn run_parent_leaves_early(scale: f64) -> Vec<String> {
    let lines = Lines::default();
    curio::run(parent_leaves_early(scale, lines.clone()));
    let out = lines.lock().unwrap().clone();
    out
}

/// Runs the program with every delay multiplied by `scale`; returns the
/// lines it printed.
pub fn run(scale: f64) -> Vec<String> {
    run_on(curio::Runtime::new().expect("the runtime starts"), scale)
}

/// [`run`] on a given runtime (the `monitor` example turns its monitor on).
pub fn run_on(rt: curio::Runtime, scale: f64) -> Vec<String> {
    let lines = Lines::default();
    rt.run(parent(scale, lines.clone()));
    let out = lines.lock().unwrap().clone();
    out
}

fn main() {
    /// What `--help` prints.
    const USAGE: &str = "\
kid: curio's tutorial program. A kid plays with friends until the parent
runs out of patience, and saves their work when cancelled. Exits when the
story is over (about a minute at the default scale).

Usage: kid [TIME_SCALE]   TIME_SCALE multiplies every delay: a non-negative
                          number, default 1 (0.01 runs a hundred times faster)
       kid -h | --help
";
    if matches!(std::env::args().nth(1).as_deref(), Some("-h" | "--help")) {
        print!("{USAGE}");
        return;
    }
    let scale = match std::env::args().nth(1).map(|s| s.parse::<f64>()) {
        None => 1.0,
        Some(Ok(scale)) if scale >= 0.0 => scale,
        Some(_) => {
            eprintln!("usage: kid [TIME_SCALE], a non-negative number (default 1)");
            std::process::exit(2);
        }
    };
    run(scale);
}
