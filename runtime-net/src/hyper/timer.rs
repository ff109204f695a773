//! `Timer`: hyper's `rt::Timer` on curio's timer wheel.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// hyper's timer on curio: hyper's sleeps are curio [`Sleep`]s
/// (`runtime_core` time wheel, 1 ms ticks).
///
/// With it, hyper's HTTP/1 server enforces its header-read timeout (30 s
/// unless `header_read_timeout` says otherwise): a client that sends its
/// request head slower than that is disconnected. HTTP/2 keep-alive pings
/// and client-side timeouts need it too. hyper resets a pending sleep in
/// place ([`Sleep::reset`]) instead of allocating a new one.
///
/// # Examples
///
/// ```
/// use hyper::rt::Timer as _;
/// use std::time::Duration;
///
/// curio::run(async {
///     let start = curio::clock();
///     curio::hyper::Timer::new().sleep(Duration::from_millis(5)).await;
///     assert!(curio::clock() - start >= Duration::from_millis(5));
/// });
/// ```
///
/// # Panics
///
/// Polling one of its sleeps outside a curio runtime panics.
///
/// [`Sleep`]: runtime_core::Sleep
/// [`Sleep::reset`]: runtime_core::Sleep::reset
#[derive(Clone, Copy, Debug, Default)]
pub struct Timer {
    /// Private, so that later fields are not breaking.
    _private: (),
}

impl Timer {
    /// A timer for hyper's builders (`.timer(Timer::new())`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let mut http1 = hyper::server::conn::http1::Builder::new();
    /// http1
    ///     .timer(curio::hyper::Timer::new())
    ///     .header_read_timeout(Duration::from_secs(5));
    /// ```
    pub fn new() -> Timer {
        Timer { _private: () }
    }
}

impl hyper::rt::Timer for Timer {
    #[track_caller]
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HyperSleep {
            inner: runtime_core::sleep(duration),
        })
    }

    #[track_caller]
    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HyperSleep {
            inner: runtime_core::sleep_until(deadline),
        })
    }

    fn now(&self) -> Instant {
        runtime_core::clock()
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<HyperSleep>() {
            // curio's own sleep moves its wheel entry: no allocation.
            Some(mut ours) => ours.inner.reset(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

/// A curio sleep seen as hyper's `rt::Sleep` (the orphan rule needs the
/// wrapper).
struct HyperSleep {
    /// The curio sleep.
    inner: runtime_core::Sleep,
}

impl Future for HyperSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.inner).poll(cx)
    }
}

impl hyper::rt::Sleep for HyperSleep {}
