//! The I/O driver that worker threads turn themselves.
//!
//! An extension crate (curio's reactor in `runtime-net`) installs one
//! driver per runtime with [`Handle::set_io_driver`]. Workers then turn it:
//! a busy worker polls it without blocking every few ticks, so readiness
//! reaches a busy runtime without a thread hop, and a worker about to park
//! blocks in it, so the tasks an event wakes land in that worker's own
//! queue. The driver's own thread, if it has one, is the fallback for when
//! no worker turns it.
//!
//! [`Handle::set_io_driver`]: crate::Handle::set_io_driver

/// An I/O driver that idle and busy worker threads turn.
///
/// Wakers called while a worker turns the driver schedule their tasks onto
/// that worker. Only one thread can turn a driver at a time: the methods
/// return `false` at once when another thread is turning it.
///
/// # Examples
///
/// A driver with nothing to drive, for illustration: parking in it waits
/// until [`unpark`](IoDriver::unpark) is called.
///
/// ```
/// use curio::scheduler::IoDriver;
/// use std::sync::{Arc, Condvar, Mutex};
///
/// #[derive(Default)]
/// struct Doorbell {
///     rung: Mutex<bool>,
///     bell: Condvar,
/// }
///
/// impl IoDriver for Doorbell {
///     fn poll_now(&self) -> bool {
///         true
///     }
///     fn park(&self, still_parked: &dyn Fn() -> bool) -> bool {
///         let mut rung = self.rung.lock().unwrap();
///         while !*rung && still_parked() {
///             rung = self.bell.wait(rung).unwrap();
///         }
///         *rung = false;
///         true
///     }
///     fn unpark(&self) {
///         *self.rung.lock().unwrap() = true;
///         self.bell.notify_all();
///     }
/// }
///
/// let rt = curio::Runtime::builder().workers(1).build().unwrap();
/// rt.handle().set_io_driver(Arc::new(Doorbell::default()));
/// assert_eq!(rt.block_on(rt.spawn(async { 6 * 7 })).unwrap(), 42);
/// ```
pub trait IoDriver: Send + Sync + 'static {
    /// Polls for events without blocking and dispatches them, unless
    /// another thread is turning the driver. Returns whether it polled.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::scheduler::IoDriver;
    ///
    /// /// A driver with no events: a poll always succeeds and finds nothing.
    /// struct Idle;
    /// impl IoDriver for Idle {
    ///     fn poll_now(&self) -> bool {
    ///         true
    ///     }
    ///     fn park(&self, _still_parked: &dyn Fn() -> bool) -> bool {
    ///         false
    ///     }
    ///     fn unpark(&self) {}
    /// }
    /// assert!(Idle.poll_now());
    /// ```
    fn poll_now(&self) -> bool;

    /// Blocks until an event arrives or [`unpark`](IoDriver::unpark) is
    /// called, and dispatches the events, unless another thread is turning
    /// the driver (then it returns `false` at once).
    ///
    /// Once it holds the driver and before it blocks, it calls
    /// `still_parked`; when that returns `false` (an `unpark` already came)
    /// it must not block. An `unpark` that comes after that call must end
    /// the wait.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::scheduler::IoDriver;
    /// use std::sync::{Condvar, Mutex};
    ///
    /// #[derive(Default)]
    /// struct Doorbell {
    ///     rung: Mutex<bool>,
    ///     bell: Condvar,
    /// }
    /// impl IoDriver for Doorbell {
    ///     fn poll_now(&self) -> bool {
    ///         true
    ///     }
    ///     fn park(&self, still_parked: &dyn Fn() -> bool) -> bool {
    ///         let mut rung = self.rung.lock().unwrap();
    ///         while !*rung && still_parked() {
    ///             rung = self.bell.wait(rung).unwrap();
    ///         }
    ///         *rung = false;
    ///         true
    ///     }
    ///     fn unpark(&self) {
    ///         *self.rung.lock().unwrap() = true;
    ///         self.bell.notify_all();
    ///     }
    /// }
    /// let bell = Doorbell::default();
    /// bell.unpark(); // an unpark before the park makes it return at once
    /// assert!(bell.park(&|| true));
    /// ```
    fn park(&self, still_parked: &dyn Fn() -> bool) -> bool;

    /// Ends the wait of the thread blocked in [`park`](IoDriver::park), or
    /// makes the next one return at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::scheduler::IoDriver;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// /// Counts the unparks it is sent.
    /// #[derive(Default)]
    /// struct Count(AtomicUsize);
    /// impl IoDriver for Count {
    ///     fn poll_now(&self) -> bool {
    ///         true
    ///     }
    ///     fn park(&self, _still_parked: &dyn Fn() -> bool) -> bool {
    ///         false
    ///     }
    ///     fn unpark(&self) {
    ///         self.0.fetch_add(1, Ordering::Relaxed);
    ///     }
    /// }
    /// let driver = Count::default();
    /// driver.unpark();
    /// assert_eq!(driver.0.load(Ordering::Relaxed), 1);
    /// ```
    fn unpark(&self);
}
