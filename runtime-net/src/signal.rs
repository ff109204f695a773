//! Unix signals as events, delivered through the reactor (curio's
//! `SignalEvent`, removed from curio in 1.0 and rebuilt here on
//! `signal-hook`'s self-pipe, which the reactor polls like any socket).
//!
//! # Examples
//!
//! ```
//! use curio::signal::{raise, SignalEvent, SIGUSR2};
//! curio::run(async {
//!     let hangup = SignalEvent::new(&[SIGUSR2])?;
//!     raise(SIGUSR2)?;
//!     hangup.wait().await?;
//!     std::io::Result::Ok(())
//! })
//! .unwrap();
//! ```

use crate::reactor::{Direction, PollEvented};
use parking_lot::Mutex;
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub use signal_hook::consts::signal::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};

/// An event set when one of a set of signals arrives.
///
/// Once set it stays set until [`clear`](Self::clear)ed, like curio's
/// `SignalEvent` (a `UniversalEvent` set on arrival): every task waiting in
/// [`wait`](Self::wait) wakes, and later waits return at once. Share it
/// through `Arc` to wait from several tasks.
///
/// Registering a signal replaces its default action for the whole process
/// (SIGINT no longer terminates it) while the event lives; once the last
/// curio user of a signal (a `SignalEvent` or a [`ctrl_c`] future) is
/// dropped, the signal's default action applies again (curio assumes the
/// action was the default before it first handled the signal; a handler
/// installed through `signal-hook` by other code keeps running). `SIGKILL`, `SIGSTOP` and the signals that report faults
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
    /// This event's share of the process-wide users of its signals;
    /// dropped before `io`, so a signal is never left with neither curio's
    /// handler nor the default action.
    _users: Users,
    /// The self-pipe of the signal handler, registered with the reactor.
    io: PollEvented<Source>,
    /// Whether a signal arrived since the last `clear`.
    set: AtomicBool,
}

/// How many curio users each signal has, process-wide, and the flag that
/// turns its default action back on when it has none.
///
/// `signal-hook` removes its actions when a `Signals` is dropped, but its
/// handler stays installed and, with no action left, swallows the signal
/// (Ctrl-C would no longer stop the process). So the first time curio
/// handles a signal it also registers `signal-hook`'s conditional default
/// action, which emulates the default while the signal's `idle` flag is
/// set: rule 1, `idle` is set exactly when the signal has no curio user.
static USERS: Mutex<Vec<SignalUsers>> = parking_lot::const_mutex(Vec::new());

/// The curio users of one signal.
struct SignalUsers {
    /// The signal.
    signal: i32,
    /// Live `SignalEvent`s (and `ctrl_c` futures) that handle it.
    count: usize,
    /// Set while `count` is zero: the default action runs (rule 1).
    idle: Arc<AtomicBool>,
}

/// One event's claim on its signals (rule 1); released on drop.
struct Users {
    /// The signals claimed, each once.
    signals: Vec<i32>,
}

impl Users {
    /// Counts a new user of each of `signals` and turns their default
    /// action off.
    fn acquire(signals: &[i32]) -> Users {
        let mut claimed: Vec<i32> = signals.to_vec();
        claimed.sort_unstable();
        claimed.dedup();
        let mut users = USERS.lock();
        for &signal in &claimed {
            let entry = match users.iter().position(|u| u.signal == signal) {
                Some(i) => &mut users[i],
                None => {
                    let idle = Arc::new(AtomicBool::new(false));
                    // A signal that signal-hook cannot emulate the default
                    // of (outside its table) stays swallowed after the last
                    // user, as before; every standard signal is known.
                    let _ = signal_hook::flag::register_conditional_default(signal, idle.clone());
                    users.push(SignalUsers {
                        signal,
                        count: 0,
                        idle,
                    });
                    users.last_mut().expect("just pushed")
                }
            };
            entry.count += 1;
            // ORDERING: SeqCst, as signal-hook's handler loads the flag
            // (SeqCst) on whatever thread the signal lands; the flag
            // publishes no other data. Under the USERS lock.
            entry.idle.store(false, Ordering::SeqCst);
        }
        Users { signals: claimed }
    }
}

impl Drop for Users {
    fn drop(&mut self) {
        let mut users = USERS.lock();
        for entry in users.iter_mut() {
            if self.signals.contains(&entry.signal) {
                entry.count -= 1;
                if entry.count == 0 {
                    // ORDERING: SeqCst; as in `acquire`.
                    entry.idle.store(true, Ordering::SeqCst);
                }
            }
        }
    }
}

/// `signal-hook`'s signal set behind a lock, so waiting tasks can drain it
/// through `&self` (also the SIGCHLD fallback of `process/child.rs`).
pub(crate) struct Source(pub(crate) Mutex<signal_hook_mio::v1_0::Signals>);

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
    /// # Examples
    ///
    /// ```
    /// use curio::signal::{SignalEvent, SIGUSR1};
    /// curio::run(async {
    ///     let event = SignalEvent::new(&[SIGUSR1])?;
    ///     assert!(!event.is_set());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
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
        let users = Users::acquire(signals);
        let signals = signal_hook_mio::v1_0::Signals::new(signals.iter().copied())?;
        Ok(SignalEvent {
            _users: users,
            io: PollEvented::new(Source(Mutex::new(signals)))?,
            set: AtomicBool::new(false),
        })
    }

    /// Waits until one of the signals has arrived since the last
    /// [`clear`](Self::clear) (at once if one has).
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::signal::{raise, SignalEvent, SIGUSR1};
    /// curio::run(async {
    ///     let event = SignalEvent::new(&[SIGUSR1])?;
    ///     raise(SIGUSR1)?;
    ///     event.wait().await?; // returns once the signal has arrived
    ///     assert!(event.is_set());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::signal::{raise, SignalEvent, SIGUSR2};
    /// curio::run(async {
    ///     let event = SignalEvent::new(&[SIGUSR2])?;
    ///     assert!(!event.is_set());
    ///     raise(SIGUSR2)?;
    ///     event.wait().await?;
    ///     assert!(event.is_set());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn is_set(&self) -> bool {
        // ORDERING: Acquire; pairs with the Release stores in `wait`.
        self.set.load(Ordering::Acquire)
    }

    /// Clears the event: the next [`wait`](Self::wait) waits for a new
    /// signal.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::signal::{raise, SignalEvent, SIGUSR1};
    /// curio::run(async {
    ///     let event = SignalEvent::new(&[SIGUSR1])?;
    ///     raise(SIGUSR1)?;
    ///     event.wait().await?;
    ///     event.clear();
    ///     assert!(!event.is_set());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
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

/// Waits for Ctrl-C (`SIGINT`), as tokio's `signal::ctrl_c`.
///
/// The handler is installed by the time the future is first polled, so a
/// `SIGINT` that arrives after that is seen; it is removed again when the
/// future completes or is dropped, and once no curio user of `SIGINT` is
/// left, Ctrl-C terminates the process again.
///
/// # Errors
///
/// An error outside a curio runtime, or once the runtime's reactor has
/// stopped.
///
/// # Cancel safety
///
/// Cancel-safe, but a `SIGINT` that arrives while no `ctrl_c` future or
/// [`SignalEvent`] for it exists is not seen by the next one.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// curio::run(async {
///     // A service runs until Ctrl-C; here nobody presses it.
///     let pressed = curio::ignore_after(Duration::from_millis(10), curio::signal::ctrl_c());
///     assert!(pressed.await.is_none());
/// });
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    SignalEvent::new(&[SIGINT])?.wait().await
}

/// Sends `signal` to the calling process (for tests and self-shutdown).
///
/// # Examples
///
/// ```
/// use curio::signal::{raise, SignalEvent, SIGTERM};
/// curio::run(async {
///     // With an event registered, SIGTERM is delivered to it instead of
///     // ending the process.
///     let term = SignalEvent::new(&[SIGTERM])?;
///     raise(SIGTERM)?;
///     term.wait().await?;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
///
/// # Errors
///
/// As `raise(3)`.
pub fn raise(signal: i32) -> io::Result<()> {
    signal_hook::low_level::raise(signal)
}
