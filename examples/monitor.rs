//! curio's tutorial program (see `kid.rs`) with the monitor on, so you can
//! watch its tasks while it runs.
//!
//! ```text
//! cargo run --release --example monitor            # then, in another terminal:
//! cargo run --bin curio-monitor                    # or: nc 127.0.0.1 48802
//! curio > ps
//! ```
//!
//! Arguments: `[TIME_SCALE [MONITOR_ADDR]]`; the scale multiplies every
//! delay (default 1). Without an address the monitor listens where
//! `CURIO_MONITOR` says (empty or `1`: the default), else on the default
//! `127.0.0.1:48802`.

#[allow(dead_code)]
#[path = "kid.rs"]
mod kid;

/// Where the monitor listens when neither an argument nor `CURIO_MONITOR`
/// names an address.
const DEFAULT_ADDR: &str = "127.0.0.1:48802";

fn main() {
    /// What `--help` prints.
    const USAGE: &str = "\
monitor: curio's tutorial program (see the kid example) with the monitor
on, so you can watch its tasks while it runs: connect with
`cargo run --bin curio-monitor` or `nc HOST PORT` and type ps, where ID,
cancel ID or help.

Usage: monitor [TIME_SCALE [MONITOR_ADDR]]
       monitor -h | --help

TIME_SCALE multiplies every delay (a non-negative number, default 1).
MONITOR_ADDR is where the monitor listens; without it, CURIO_MONITOR
names the address (empty or 1: the default), else 127.0.0.1:48802.
";
    let mut args = std::env::args().skip(1);
    let first = args.next();
    if matches!(first.as_deref(), Some("-h" | "--help")) {
        print!("{USAGE}");
        return;
    }
    let scale = match first.map(|s| s.parse::<f64>()) {
        None => 1.0,
        Some(Ok(scale)) if scale >= 0.0 => scale,
        Some(_) => {
            eprintln!("usage: monitor [TIME_SCALE [MONITOR_ADDR]] (monitor --help says more)");
            std::process::exit(2);
        }
    };
    let mut builder = curio::Runtime::builder();
    // An address argument wins. Without one the builder reads
    // CURIO_MONITOR itself; only when that is unset does the example name
    // the default.
    let addr = match args.next() {
        Some(addr) => {
            builder.monitor(addr.as_str());
            addr
        }
        None => match std::env::var("CURIO_MONITOR") {
            Ok(env) => format!("CURIO_MONITOR={env:?}"),
            Err(_) => {
                builder.monitor(DEFAULT_ADDR);
                DEFAULT_ADDR.to_owned()
            }
        },
    };
    let rt = match builder.build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("monitor: cannot start the runtime with a monitor on {addr}: {e}");
            std::process::exit(1);
        }
    };
    let Some(bound) = rt.monitor_addr() else {
        eprintln!("monitor: the runtime started without its monitor (on {addr})");
        std::process::exit(1);
    };
    println!(
        "Monitor listening on {bound}: try `nc {} {}` and type ps",
        bound.ip(),
        bound.port()
    );
    kid::run_on(rt, scale);
}
