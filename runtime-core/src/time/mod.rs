//! Time: sleeping, timeouts and intervals, driven by a timing wheel.
//!
//! Timers live in a hierarchical timing wheel (`wheel.rs`, `level.rs`):
//! O(1) to arm and to cancel, 1 ms ticks. One timer thread per runtime
//! (`driver.rs`), started on first use, sleeps until the next deadline and
//! wakes the due tasks in batches; the runtime stops and joins it at
//! shutdown. It needs no I/O reactor. Futures own their wheel slot through a
//! `TimerEntry` (`entry.rs`); dropping one removes its timer at once.
//!
//! Timeouts (`timeout.rs`) are cancellation scoped to one future; how they
//! nest and how they interact with `disable_cancellation` is described in
//! `cancel.rs`.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! curio::run(async {
//!     let start = curio::clock();
//!     curio::sleep(Duration::from_millis(10)).await;
//!     assert!(curio::clock() - start >= Duration::from_millis(10));
//!     let slow = curio::timeout_after(Duration::from_millis(10), curio::sleep(Duration::from_secs(60)));
//!     assert!(slow.await.is_err());
//! });
//! ```

#![deny(unsafe_code)]

mod clock;
mod driver;
mod entry;
mod interval;
mod level;
mod sleep;
mod timeout;
mod wheel;

#[cfg(all(test, curio_loom))]
mod loom_tests;
#[cfg(test)]
mod tests;

pub(crate) use clock::Clock;
pub use clock::{advance, pause, resume};
pub(crate) use driver::Driver;
pub use interval::{interval, Interval};
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{
    ignore_after, ignore_at, timeout_after, timeout_at, IgnoreAfter, IgnoreAt, TaskTimeout,
    TimeoutAfter, TimeoutAt,
};

use std::time::{Duration, Instant};

/// The runtime's clock: the current monotonic instant (curio's `clock`).
/// It is `Instant::now()` unless the runtime's clock was paused
/// ([`pause`], [`Builder::start_paused`]): then it is virtual.
///
/// [`Builder::start_paused`]: crate::Builder::start_paused
///
/// Deadlines of [`sleep_until`], [`timeout_at`] and [`ignore_at`] are
/// instants of this clock.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// curio::run(async {
///     let t0 = curio::clock();
///     curio::sleep(Duration::from_millis(2)).await;
///     assert!(curio::clock() - t0 >= Duration::from_millis(2));
/// });
/// ```
pub fn clock() -> Instant {
    clock::now()
}

/// `now + duration`, saturating at a far-future instant (about 30 years).
fn deadline_after(duration: Duration) -> Instant {
    let now = clock::now();
    now.checked_add(duration)
        .unwrap_or_else(|| now + Duration::from_secs(30 * 365 * 24 * 3600))
}
