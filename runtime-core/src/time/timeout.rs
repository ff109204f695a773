//! Timeouts: `timeout_after`, `timeout_at`, `ignore_after`, `ignore_at`.
//!
//! A timeout scope wraps a future, arms a timer that wakes the task at the
//! deadline when the future suspends, and on each poll checks whether its
//! deadline was reached *before* polling the inner future. It learns that
//! from the timer driver's published tick (driver.rs, invariant 3), which
//! never runs ahead of the clock and reaches the deadline before the timer
//! wakes the task; the clock is read only once the scope has expired, to
//! weigh the enclosing scopes. Because an enclosing scope is always polled
//! before the ones it encloses, the outermost expired scope fires first and
//! drops the inner ones with its future. The rules that involve shields,
//! cancel requests and enclosing scopes are numbered in `cancel.rs`.

use super::entry::TimerEntry;
use crate::cancel::DeadlineScope;
use pin_project_lite::pin_project;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// The error of a timeout scope whose own deadline expired (curio's
/// `TaskTimeout`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// curio::run(async {
///     let err = curio::timeout_after(Duration::from_millis(1), std::future::pending::<()>())
///         .await
///         .unwrap_err();
///     assert_eq!(err.to_string(), "task timeout");
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TaskTimeout;

impl fmt::Display for TaskTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task timeout")
    }
}

impl std::error::Error for TaskTimeout {}

/// A timeout becomes an I/O error of kind `TimedOut`, so a timed socket
/// operation reads as one `?`-chain in a function returning `io::Result`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// async fn read_some(sock: &curio::net::UdpSocket) -> std::io::Result<usize> {
///     let mut buf = [0; 64];
///     let n = curio::timeout_after(Duration::from_millis(10), sock.recv(&mut buf)).await??;
///     Ok(n)
/// }
///
/// curio::run(async {
///     let sock = curio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
///     let err = read_some(&sock).await.unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
/// });
/// ```
impl From<TaskTimeout> for std::io::Error {
    fn from(timeout: TaskTimeout) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, timeout)
    }
}

/// Runs `future` for at most `duration` (curio's `timeout_after`).
///
/// On expiry the future is dropped at its current await (destructors run)
/// and the result is `Err(TaskTimeout)`. Nested timeouts follow curio:
///
/// - when several nested deadlines have passed by the time the task runs,
///   the outermost wins: it returns `Err(TaskTimeout)`, and the inner
///   scopes are dropped with its future;
/// - an inner timeout that fires while the outer deadlines are ahead
///   returns `Err(TaskTimeout)` to its own caller only; an outer
///   `timeout_after` passes that along as `Ok(Err(TaskTimeout))`;
/// - a longer inner timeout never extends a shorter outer one;
/// - inside [`disable_cancellation`](crate::disable_cancellation) an
///   enclosing timeout is deferred to the first suspension after the shield
///   ends (if the scope is still running then);
/// - a cancel request disarms the timeouts around the point where it is
///   delivered.
///
/// A future that completes after its deadline without suspending in
/// between returns `Ok`: late completion is not an error. That includes a
/// scope whose deadline had already passed when it was first polled: the
/// future runs to its first suspension, and the timeout is delivered there.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// curio::run(async {
///     let slow = curio::sleep(Duration::from_secs(10));
///     assert!(curio::timeout_after(Duration::from_millis(5), slow).await.is_err());
///
///     let quick = async { 7 };
///     assert_eq!(curio::timeout_after(Duration::from_secs(1), quick).await, Ok(7));
/// });
/// ```
///
/// # Panics
///
/// Polling it outside a curio task panics.
pub fn timeout_after<F: Future>(duration: Duration, future: F) -> TimeoutAfter<F> {
    timeout_at(super::deadline_after(duration), future)
}

/// Runs `future` until the instant `deadline` at most; see
/// [`timeout_after`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// curio::run(async {
///     let deadline = curio::clock() + Duration::from_millis(5);
///     let r = curio::timeout_at(deadline, std::future::pending::<()>()).await;
///     assert!(matches!(r, Err(curio::TaskTimeout)));
/// });
/// ```
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> TimeoutAfter<F> {
    TimeoutAfter {
        future: Some(future),
        entry: TimerEntry::new(deadline),
    }
}

/// Like [`timeout_after`], but an expiry of this scope's own deadline gives
/// `None` instead of an error (curio's `ignore_after`). An enclosing
/// timeout is not swallowed: it drops this scope with everything inside.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// curio::run(async {
///     let r = curio::ignore_after(Duration::from_millis(5), curio::sleep(Duration::from_secs(10))).await;
///     assert_eq!(r, None);
///     assert_eq!(curio::ignore_after(Duration::from_secs(1), async { 3 }).await, Some(3));
/// });
/// ```
pub fn ignore_after<F: Future>(duration: Duration, future: F) -> IgnoreAfter<F> {
    ignore_at(super::deadline_after(duration), future)
}

/// Like [`timeout_at`], giving `None` on this scope's own expiry; see
/// [`ignore_after`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// curio::run(async {
///     let deadline = curio::clock() + Duration::from_millis(2);
///     assert_eq!(curio::ignore_at(deadline, std::future::pending::<u8>()).await, None);
/// });
/// ```
pub fn ignore_at<F: Future>(deadline: Instant, future: F) -> IgnoreAfter<F> {
    IgnoreAfter {
        inner: timeout_at(deadline, future),
    }
}

pin_project! {
    /// The future of [`timeout_after`] and [`timeout_at`].
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::time::TimeoutAfter;
    /// use std::future::Ready;
    /// use std::time::Duration;
    /// curio::run(async {
    ///     let scope: TimeoutAfter<Ready<u8>> =
    ///         curio::timeout_after(Duration::from_secs(1), std::future::ready(1));
    ///     assert_eq!(scope.await, Ok(1));
    /// });
    /// ```
    #[must_use = "futures do nothing unless awaited"]
    pub struct TimeoutAfter<F> {
        // The future, until it completes or the scope fires.
        #[pin]
        future: Option<F>,
        // The deadline's timer.
        entry: TimerEntry,
    }
}

/// The future of [`timeout_at`] (the same type as [`TimeoutAfter`]).
///
/// # Examples
///
/// ```
/// use curio::time::TimeoutAt;
/// use std::future::Pending;
/// use std::time::Duration;
/// curio::run(async {
///     let deadline = curio::clock() + Duration::from_millis(5);
///     let scope: TimeoutAt<Pending<()>> = curio::timeout_at(deadline, std::future::pending());
///     assert!(scope.await.is_err());
/// });
/// ```
pub type TimeoutAt<F> = TimeoutAfter<F>;

impl<F> TimeoutAfter<F> {
    /// The instant this scope expires at.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// curio::run(async {
    ///     let t = curio::timeout_after(Duration::from_secs(1), async {});
    ///     assert!(t.deadline() > curio::clock());
    ///     t.await.unwrap();
    /// });
    /// ```
    pub fn deadline(&self) -> Instant {
        self.entry.deadline()
    }
}

impl<F: Future> Future for TimeoutAfter<F> {
    type Output = Result<F::Output, TaskTimeout>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let mut scope = DeadlineScope::enter();
        let deadline = this.entry.deadline();
        // Own deadline first: an enclosing scope that expired has already
        // fired before polling us (rule 4 of cancel.rs). Expiry is judged
        // by the timer's published tick, which never runs ahead of the
        // clock and reaches the deadline before the timer wakes the task;
        // the clock is read only once the scope has expired, to weigh the
        // enclosing scopes.
        let expired = this.entry.fired();
        if expired && scope.may_fire(super::clock()) {
            this.future.set(None);
            this.entry.disarm();
            return Poll::Ready(Err(TaskTimeout));
        }
        let res = {
            let _frame = scope.push(deadline);
            let fut = this
                .future
                .as_mut()
                .as_pin_mut()
                .expect("TimeoutAfter polled after it completed");
            fut.poll(cx)
        };
        match res {
            Poll::Ready(value) => {
                this.future.set(None);
                this.entry.disarm();
                Poll::Ready(Ok(value))
            }
            // About to suspend with the deadline ahead, as far as we know:
            // arm the timer (only now, so a future that completes without
            // suspending never touches the wheel), which wakes the task at
            // the deadline.
            Poll::Pending if !expired && this.entry.register(cx).is_pending() => {
                crate::introspect::report_timeout(deadline);
                Poll::Pending
            }
            Poll::Pending => {
                // Expired (before the poll but deferred, or found due when
                // arming): the inner poll may have closed the shield;
                // deliver at this suspension. (A deadline that passes
                // during the poll needs no check here: the armed timer
                // wakes the task, and the next poll's first check,
                // outermost scope first, delivers it.)
                scope.refresh();
                if scope.may_fire(super::clock()) {
                    this.future.set(None);
                    this.entry.disarm();
                    return Poll::Ready(Err(TaskTimeout));
                }
                Poll::Pending
            }
        }
    }
}

impl<F> fmt::Debug for TimeoutAfter<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimeoutAfter")
            .field("deadline", &self.entry.deadline())
            .field("done", &self.future.is_none())
            .finish()
    }
}

pin_project! {
    /// The future of [`ignore_after`] and [`ignore_at`].
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::time::IgnoreAfter;
    /// use std::future::Pending;
    /// use std::time::Duration;
    /// curio::run(async {
    ///     let scope: IgnoreAfter<Pending<()>> =
    ///         curio::ignore_after(Duration::from_millis(5), std::future::pending());
    ///     assert_eq!(scope.await, None);
    /// });
    /// ```
    #[must_use = "futures do nothing unless awaited"]
    pub struct IgnoreAfter<F> {
        // The timeout scope whose own expiry is swallowed.
        #[pin]
        inner: TimeoutAfter<F>,
    }
}

/// The future of [`ignore_at`] (the same type as [`IgnoreAfter`]).
///
/// # Examples
///
/// ```
/// use curio::time::IgnoreAt;
/// use std::future::Ready;
/// use std::time::Duration;
/// curio::run(async {
///     let deadline = curio::clock() + Duration::from_secs(1);
///     let scope: IgnoreAt<Ready<&str>> = curio::ignore_at(deadline, std::future::ready("in time"));
///     assert_eq!(scope.await, Some("in time"));
/// });
/// ```
pub type IgnoreAt<F> = IgnoreAfter<F>;

impl<F: Future> Future for IgnoreAfter<F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        self.project().inner.poll(cx).map(Result::ok)
    }
}

impl<F> fmt::Debug for IgnoreAfter<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IgnoreAfter")
            .field("deadline", &self.inner.deadline())
            .finish()
    }
}
