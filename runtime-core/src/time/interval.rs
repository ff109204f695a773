//! `interval`: a timer that ticks at a fixed period.

use super::entry::TimerEntry;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// A timer that ticks every `period`, the first tick at once.
///
/// Ticks keep to the schedule `start + n * period`; when the task falls
/// behind by more than a period, missed ticks are skipped (the next tick is
/// scheduled a period after the late one), so a slow consumer never sees a
/// burst.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// curio::run(async {
///     let mut ticks = curio::time::interval(Duration::from_millis(5));
///     let first = ticks.tick().await;
///     let second = ticks.tick().await;
///     assert!(second >= first + Duration::from_millis(5));
/// });
/// ```
///
/// # Panics
///
/// Panics if `period` is zero; awaiting a tick outside a curio runtime
/// panics.
pub fn interval(period: Duration) -> Interval {
    assert!(
        !period.is_zero(),
        "curio::time::interval: the period must be non-zero"
    );
    Interval {
        entry: TimerEntry::new(super::clock()),
        period,
    }
}

/// The timer of [`interval`]; also a [`Stream`](futures_core::Stream) of
/// tick instants.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// curio::run(async {
///     let mut every = curio::time::interval(Duration::from_millis(5));
///     let first = every.tick().await;
///     let second = every.tick().await;
///     assert!(second - first >= Duration::from_millis(4));
///     assert_eq!(every.period(), Duration::from_millis(5));
/// });
/// ```
pub struct Interval {
    /// The timer of the next tick.
    entry: TimerEntry,
    /// Time between ticks.
    period: Duration,
}

impl Interval {
    /// Waits for the next tick and returns its scheduled instant.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let mut i = curio::time::interval(std::time::Duration::from_millis(1));
    ///     i.tick().await;
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a tick is consumed only when this returns.
    pub async fn tick(&mut self) -> Instant {
        std::future::poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let mut i = curio::time::interval(std::time::Duration::from_millis(1));
    ///     std::future::poll_fn(|cx| i.poll_tick(cx)).await;
    /// });
    /// ```
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if self.entry.poll_elapsed(cx).is_pending() {
            return Poll::Pending;
        }
        let scheduled = self.entry.deadline();
        let mut next = scheduled + self.period;
        let now = super::clock();
        if next <= now {
            next = now + self.period;
        }
        self.entry.reset(next);
        Poll::Ready(scheduled)
    }

    /// The period.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let i = curio::time::interval(std::time::Duration::from_millis(3));
    ///     assert_eq!(i.period().as_millis(), 3);
    /// });
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }
}

impl futures_core::Stream for Interval {
    type Item = Instant;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }
}

impl std::fmt::Debug for Interval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interval")
            .field("period", &self.period)
            .field("next", &self.entry.deadline())
            .finish()
    }
}
