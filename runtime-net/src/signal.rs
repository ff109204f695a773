//! Unix signals as events, delivered through the reactor (curio's
//! `SignalEvent`, removed from curio in 1.0 and rebuilt here on
//! `signal-hook`'s self-pipe, which the reactor polls like any socket).

use crate::reactor::{Direction, PollEvented};
use parking_lot::Mutex;
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

pub use signal_hook::consts::signal::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};

/// An event set when one of a set of signals arrives.
///
/// Once set it stays set until [`clear`](Self::clear)ed, like curio's
/// `SignalEvent` (a `UniversalEvent` set on arrival): every task waiting in
/// [`wait`](Self::wait) wakes, and later waits return at once. Share it
/// through `Arc` to wait from several tasks.
///
/// Registering a signal replaces its default action for the whole process
/// (SIGINT no longer terminates it), and the replacement stays after the
/// event is dropped. `SIGKILL`, `SIGSTOP` and the signals that report faults
/// (`SIGSEGV`, `SIGILL`, `SIGFPE`, `SIGBUS`) are refused.
///
/// # Examples
///
/// ```
/// use curio::signal::{SignalEvent, SIGUSR1};
/// curio::run(async {
///     let event = SignalEvent::new(&[SIGUSR1])?;
///     assert!(!event.is_set());
///     curio::signal::raise(SIGUSR1)?;
///     event.wait().await?;
///     assert!(event.is_set());
///     event.clear();
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct SignalEvent {
    /// The self-pipe of the signal handler, registered with the reactor.
    io: PollEvented<Source>,
    /// Whether a signal arrived since the last `clear`.
    set: AtomicBool,
}

/// `signal-hook`'s signal set behind a lock, so waiting tasks can drain it
/// through `&self`.
struct Source(Mutex<signal_hook_mio::v1_0::Signals>);

impl mio::event::Source for Source {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        self.0.get_mut().register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        self.0.get_mut().reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        self.0.get_mut().deregister(registry)
    }
}

impl SignalEvent {
    /// An event for `signals`, registered with the current runtime's
    /// reactor.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a forbidden signal, and an error outside a curio
    /// runtime.
    pub fn new(signals: &[i32]) -> io::Result<SignalEvent> {
        for &s in signals {
            if signal_hook::consts::FORBIDDEN.contains(&s) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("signal {s} cannot be handled"),
                ));
            }
        }
        let signals = signal_hook_mio::v1_0::Signals::new(signals.iter().copied())?;
        Ok(SignalEvent {
            io: PollEvented::new(Source(Mutex::new(signals)))?,
            set: AtomicBool::new(false),
        })
    }

    /// Waits until one of the signals has arrived since the last
    /// [`clear`](Self::clear) (at once if one has).
    ///
    /// # Errors
    ///
    /// An error once the runtime's reactor has stopped.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a signal that arrives is recorded in the event whether
    /// or not a waiter sees it.
    pub async fn wait(&self) -> io::Result<()> {
        if self.is_set() {
            return Ok(());
        }
        self.io
            .io(Direction::Read, |source| {
                // Drain and test under the lock: a waiter that finds the
                // pipe empty because another drained it sees its flag.
                let mut signals = source.0.lock();
                if signals.pending().count() > 0 {
                    // ORDERING: Release; pairs with the Acquire in `is_set`.
                    self.set.store(true, Ordering::Release);
                }
                if self.is_set() {
                    Ok(())
                } else {
                    Err(io::ErrorKind::WouldBlock.into())
                }
            })
            .await
    }

    /// Whether a signal arrived since the last [`clear`](Self::clear) and
    /// a waiter has seen it.
    pub fn is_set(&self) -> bool {
        // ORDERING: Acquire; pairs with the Release stores in `wait`.
        self.set.load(Ordering::Acquire)
    }

    /// Clears the event: the next [`wait`](Self::wait) waits for a new
    /// signal.
    pub fn clear(&self) {
        // ORDERING: Release; a plain flag, ordered with `wait`'s store.
        self.set.store(false, Ordering::Release);
    }
}

impl fmt::Debug for SignalEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignalEvent")
            .field("set", &self.is_set())
            .finish()
    }
}

/// Sends `signal` to the calling process (for tests and self-shutdown).
///
/// # Errors
///
/// As `raise(3)`.
pub fn raise(signal: i32) -> io::Result<()> {
    signal_hook::low_level::raise(signal)
}
