//! `sleep` and `sleep_until`: wait until an instant.

use super::entry::TimerEntry;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Waits until `duration` has elapsed (curio's `sleep`).
///
/// The task wakes no earlier than the deadline, normally within about a
/// millisecond after it (timers have 1 ms ticks). `sleep(Duration::ZERO)`
/// completes at once; use [`yield_now`](crate::yield_now) to let other tasks
/// run. Like every suspension, a sleep is where a pending cancellation is
/// delivered.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// curio::run(async {
///     let start = Instant::now();
///     curio::sleep(Duration::from_millis(20)).await;
///     assert!(start.elapsed() >= Duration::from_millis(20));
/// });
/// ```
///
/// # Panics
///
/// Awaiting it outside a curio runtime panics.
///
/// # Cancel safety
///
/// Dropping the future removes its timer at once (O(1)).
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(super::deadline_after(duration))
}

/// Waits until `deadline` (a [`clock`](super::clock) instant).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// curio::run(async {
///     let deadline = curio::clock() + Duration::from_millis(10);
///     curio::sleep_until(deadline).await;
///     assert!(curio::clock() >= deadline);
/// });
/// ```
///
/// # Panics
///
/// Awaiting it outside a curio runtime panics.
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        entry: TimerEntry::new(deadline),
        location: std::panic::Location::caller(),
    }
}

/// The future of [`sleep`] and [`sleep_until`].
///
/// # Examples
///
/// ```
/// use curio::Sleep;
/// use std::time::Duration;
/// curio::run(async {
///     let nap: Sleep = curio::sleep(Duration::from_millis(1));
///     assert!(nap.deadline() <= curio::clock() + Duration::from_millis(1));
///     nap.await;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    /// The timer.
    entry: TimerEntry,
    /// Where the sleep was created, for the monitor's `where`.
    location: &'static std::panic::Location<'static>,
}

impl Sleep {
    /// The instant this sleep ends at.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// curio::run(async {
    ///     let s = curio::sleep(Duration::from_millis(1));
    ///     assert!(s.deadline() > curio::clock() - Duration::from_secs(1));
    ///     s.await;
    /// });
    /// ```
    pub fn deadline(&self) -> Instant {
        self.entry.deadline()
    }

    /// Whether the deadline has passed.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let mut s = curio::sleep(std::time::Duration::ZERO);
    ///     assert!(s.is_elapsed());
    ///     s.await;
    /// });
    /// ```
    pub fn is_elapsed(&mut self) -> bool {
        self.entry.is_elapsed()
    }

    /// Moves the deadline (the sleep waits again if it had ended).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// curio::run(async {
    ///     let mut s = curio::sleep(Duration::from_secs(3600));
    ///     s.reset(curio::clock() + Duration::from_millis(1));
    ///     s.await;
    /// });
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.entry.reset(deadline);
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let res = self.entry.poll_elapsed(cx);
        if res.is_pending() {
            crate::introspect::report_sleep(self.entry.deadline(), self.location);
        }
        res
    }
}

impl std::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.entry.deadline())
            .finish()
    }
}
