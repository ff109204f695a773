//! The paused clock: sleeps, timeouts and intervals follow a virtual clock
//! that jumps to the next deadline when no task can run, so an hour of
//! sleeping takes no real time.

mod support;

use std::time::{Duration, Instant};
use support::FLAVOURS;

/// A runtime whose clock starts paused.
fn paused(workers: usize) -> curio::Runtime {
    curio::Runtime::builder()
        .workers(workers)
        .start_paused(true)
        .build()
        .unwrap()
}

#[test]
fn an_hour_of_sleeps_takes_no_real_time() {
    for workers in FLAVOURS {
        let real = Instant::now();
        let virt = paused(workers).run(async {
            let t0 = curio::clock();
            for _ in 0..60 {
                curio::sleep(Duration::from_secs(60)).await;
            }
            curio::clock() - t0
        });
        assert!(virt >= Duration::from_secs(3600), "{virt:?}");
        assert!(virt < Duration::from_secs(3600 + 60), "{virt:?}");
        assert!(
            real.elapsed() < Duration::from_secs(5),
            "workers = {workers}"
        );
    }
}
