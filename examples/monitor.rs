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
//! delay (default 1), the address defaults to `127.0.0.1:48802`.

#[allow(dead_code)]
#[path = "kid.rs"]
mod kid;

fn main() {
    let mut args = std::env::args().skip(1);
    let scale = match args.next().map(|s| s.parse::<f64>()) {
        None => 1.0,
        Some(Ok(scale)) if scale >= 0.0 => scale,
        Some(_) => {
            eprintln!("usage: monitor [TIME_SCALE [MONITOR_ADDR]]");
            std::process::exit(2);
        }
    };
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:48802".to_owned());
    let rt = match curio::Runtime::builder().monitor(addr.as_str()).build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("monitor: cannot start the runtime with a monitor on {addr}: {e}");
            std::process::exit(1);
        }
    };
    let bound = rt.monitor_addr().expect("the monitor is on");
    println!("Monitor listening on {bound}: try `nc {bound}` and type ps");
    kid::run_on(rt, scale);
}
