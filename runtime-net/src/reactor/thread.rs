//! The reactor's poll: who turns it (the workers, or the reactor thread as
//! the fallback), the source table, and start/stop through
//! `Handle::driver`.
//!
//! # Who polls
//!
//! The reactor is an [`IoDriver`] installed on the runtime. Whichever
//! thread holds `poller` turns it:
//!
//! 1. A worker about to park blocks in the poll (`IoDriver::park`); the
//!    tasks an event wakes are queued on that worker, which runs them
//!    without a thread hop. Unparking it wakes the poll's `mio::Waker`.
//! 2. A busy worker polls without blocking every few ticks
//!    (`IoDriver::poll_now`), so readiness reaches a runtime whose workers
//!    never park.
//! 3. The reactor thread is the fallback: it checks every
//!    `FALLBACK_CHECK`, and when nobody turned the poll since its last look
//!    and nobody holds it (every worker is inside a long poll), it turns
//!    the poll itself for up to `FALLBACK_TURN`; the tasks it wakes go
//!    through the injector. When a worker has sat parked in the poll for
//!    `IDLE_CHECKS` looks in a row, the thread sleeps until a worker leaves
//!    the poll (`left_poll`), so an idle runtime has no periodic wake-ups.
//!
//! # Invariants
//!
//! 4. Nobody holds the source table lock while waking tasks: a turn maps
//!    its events to sources under the lock, and sets readiness and wakes
//!    after releasing it.
//! 5. The reactor thread's indefinite sleep and `left_poll` form Dekker's
//!    pattern (the sleeper writes `fallback_sleeping` then reads whether the
//!    poll is held; a worker releases the poll then reads the flag; a
//!    SeqCst fence on each side), so a worker leaving the poll never leaves
//!    the reactor thread asleep with nobody polling.
//! 6. A poll error other than `EINTR` is fatal: every source fails with an
//!    error, registration is refused, and the failure is logged. A waker
//!    that panics is caught and logged; the turn goes on.
//!
//! [`IoDriver`]: runtime_core::scheduler::IoDriver

use super::{event_bits, ScheduledIo, CLOSED, SHUTDOWN};
use parking_lot::{Condvar, Mutex};
use runtime_core::scheduler::IoDriver;
use runtime_core::Handle;
use std::io;
use std::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::Waker;
use std::thread::JoinHandle;
use std::time::Duration;

/// The token of the reactor's own `mio::Waker`.
const WAKE_TOKEN: mio::Token = mio::Token(usize::MAX);
/// Events fetched by one `poll` call at most.
const EVENTS_CAPACITY: usize = 1024;
/// How often the reactor thread looks whether anybody turns the poll.
const FALLBACK_CHECK: Duration = Duration::from_millis(1);
/// How long the reactor thread's own turn may block.
const FALLBACK_TURN: Duration = Duration::from_millis(10);
/// Looks in a row that find a worker parked in the poll before the reactor
/// thread sleeps until one leaves it.
const IDLE_CHECKS: u32 = 16;
/// What `Handle::driver` calls at shutdown: stops and joins the thread.
type StopFn = Box<dyn FnOnce() + Send>;

/// One slot of the source table.
struct Slot {
    /// Bumped each time the slot is freed, so a stale token misses.
    generation: u32,
    /// The source living in the slot, if any.
    io: Option<Arc<ScheduledIo>>,
}

/// Bits of a token that hold the slot index: three quarters of the word
/// (48 on 64-bit targets, 24 on 32-bit ones); the generation takes the rest.
const INDEX_BITS: u32 = usize::BITS / 4 * 3;
/// The index bits of a token.
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;
/// The highest slot index a token can name; one below the mask, so no
/// token is ever `WAKE_TOKEN` (all ones).
const MAX_INDEX: usize = INDEX_MASK - 1;

/// The token of slot `index` at `generation` (only the generation's low
/// `usize::BITS - INDEX_BITS` bits are kept; a stale token misses unless
/// the slot was reused that many times over).
fn encode_token(index: usize, generation: u32) -> mio::Token {
    debug_assert!(index <= MAX_INDEX);
    let generation = (generation as usize) & (usize::MAX >> INDEX_BITS);
    mio::Token(generation << INDEX_BITS | index)
}

/// The slot index a token names.
fn token_index(token: mio::Token) -> usize {
    token.0 & INDEX_MASK
}

/// Whether `token` carries the (truncated) `generation` of its slot.
fn token_generation_matches(token: mio::Token, generation: u32) -> bool {
    token.0 >> INDEX_BITS == (generation as usize) & (usize::MAX >> INDEX_BITS)
}

/// The sources registered with the reactor, indexed by token.
#[derive(Default)]
struct Sources {
    /// The slots; a token is `encode_token(index, generation)`.
    slots: Vec<Slot>,
    /// Indices of free slots.
    free: Vec<usize>,
    /// Set when the reactor stopped: no new source is accepted.
    closed: bool,
}

impl Sources {
    /// The source a token names, if it is still there.
    fn get(&self, token: mio::Token) -> Option<&Arc<ScheduledIo>> {
        self.slots
            .get(token_index(token))
            .filter(|s| token_generation_matches(token, s.generation))
            .and_then(|s| s.io.as_ref())
    }
}

/// The poll and the buffers of a turn; held by whoever turns the reactor.
struct Poller {
    /// The OS poll.
    poll: mio::Poll,
    /// The events of the current turn.
    events: mio::Events,
    /// The sources the events name, with their readiness bits.
    ready: Vec<(Arc<ScheduledIo>, usize)>,
    /// The wakers to call at the end of the turn.
    wake_list: Vec<Waker>,
}

/// The I/O driver of one runtime: the `mio::Registry` to register sources
/// with, the poll, the source table and the fallback thread.
pub(crate) struct Reactor {
    /// A clone of the poll's registry.
    registry: mio::Registry,
    /// Wakes whoever blocks in the poll.
    waker: mio::Waker,
    /// The poll; whoever holds it turns the reactor (rules 1-3).
    poller: Mutex<Poller>,
    /// The registered sources.
    sources: Mutex<Sources>,
    /// Readiness events delivered, published as the "reactor events"
    /// statistic of `Handle::stats`.
    events: Arc<AtomicU64>,
    /// Turns of the poll by anyone, published as "reactor turns".
    turns: Arc<AtomicU64>,
    /// Turns made by the reactor thread, published as "reactor fallback
    /// turns".
    fallback_turns: Arc<AtomicU64>,
    /// Set by `stop`; the thread exits at its next look.
    stopping: AtomicBool,
    /// Set when the poll failed for good (rule 6).
    failed: AtomicBool,
    /// Set while the reactor thread sleeps until a worker leaves the poll
    /// (rule 5).
    fallback_sleeping: AtomicBool,
    /// The lock of the reactor thread's sleep.
    fallback: Mutex<()>,
    /// Where the reactor thread sleeps.
    fallback_cv: Condvar,
    /// The reactor thread, joined by `stop`.
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Reactor {
    /// The reactor of the current runtime, started on first use.
    ///
    /// # Errors
    ///
    /// Outside a curio runtime, when the runtime is shutting down, or when
    /// the poll or its thread cannot be created.
    pub(crate) fn current() -> io::Result<Arc<Reactor>> {
        let handle = Handle::try_current().ok_or_else(|| {
            io::Error::other("curio::net needs a curio runtime: call it from a curio task")
        })?;
        handle.driver(Reactor::start)
    }

    /// Creates the poll, installs it as the workers' I/O driver and starts
    /// the reactor thread.
    fn start(handle: &Handle) -> io::Result<(Arc<Reactor>, StopFn)> {
        let poll = mio::Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = mio::Waker::new(poll.registry(), WAKE_TOKEN)?;
        let reactor = Arc::new(Reactor {
            registry,
            waker,
            poller: Mutex::new(Poller {
                poll,
                events: mio::Events::with_capacity(EVENTS_CAPACITY),
                ready: Vec::with_capacity(EVENTS_CAPACITY),
                wake_list: Vec::with_capacity(EVENTS_CAPACITY),
            }),
            sources: Mutex::new(Sources::default()),
            events: Arc::new(AtomicU64::new(0)),
            turns: Arc::new(AtomicU64::new(0)),
            fallback_turns: Arc::new(AtomicU64::new(0)),
            stopping: AtomicBool::new(false),
            failed: AtomicBool::new(false),
            fallback_sleeping: AtomicBool::new(false),
            fallback: Mutex::new(()),
            fallback_cv: Condvar::new(),
            thread: Mutex::new(None),
        });
        let r = reactor.clone();
        let thread = std::thread::Builder::new()
            .name("curio-reactor".into())
            .spawn(move || r.fallback_loop())?;
        *reactor.thread.lock() = Some(thread);
        handle.publish_stat("reactor events", reactor.events.clone());
        handle.publish_stat("reactor turns", reactor.turns.clone());
        handle.publish_stat("reactor fallback turns", reactor.fallback_turns.clone());
        handle.set_io_driver(reactor.clone());
        let r = reactor.clone();
        Ok((reactor, Box::new(move || r.stop())))
    }

    /// Stops the reactor thread, joins it, and fails every source still
    /// registered (their waiters wake with an error).
    fn stop(&self) {
        // ORDERING: Release; pairs with the Acquire loads in `fallback_loop`.
        self.stopping.store(true, Ordering::Release);
        {
            let _sleep = self.fallback.lock();
            self.fallback_cv.notify_all();
        }
        // If the wake fails the poll is already gone (rule 6).
        let _ = self.waker.wake();
        if let Some(thread) = self.thread.lock().take() {
            let _ = thread.join();
        }
        self.fail_sources();
    }

    /// Refuses new sources and fails every registered one.
    fn fail_sources(&self) {
        let live: Vec<Arc<ScheduledIo>> = {
            let mut sources = self.sources.lock();
            sources.closed = true;
            sources.slots.iter().filter_map(|s| s.io.clone()).collect()
        };
        for io in live {
            io.close_with(SHUTDOWN);
        }
    }

    /// Whether the reactor thread should exit.
    fn is_stopping(&self) -> bool {
        // ORDERING: Acquire; pairs with the Release store in `stop`.
        self.stopping.load(Ordering::Acquire)
    }

    /// The reactor thread: the fallback poller (rule 3).
    fn fallback_loop(&self) {
        // ORDERING: Relaxed; `turns` is a counter compared with itself.
        let mut last = self.turns.load(Ordering::Relaxed);
        let mut idle_checks = 0;
        while !self.is_stopping() {
            if idle_checks >= IDLE_CHECKS {
                self.sleep_until_poll_left();
                idle_checks = 0;
            } else {
                let mut sleep = self.fallback.lock();
                if !self.is_stopping() {
                    self.fallback_cv.wait_for(&mut sleep, FALLBACK_CHECK);
                }
            }
            if self.is_stopping() {
                return;
            }
            let now = self.turns.load(Ordering::Relaxed);
            if now != last {
                // Workers turn the poll.
                last = now;
                idle_checks = 0;
                continue;
            }
            match self.poller.try_lock() {
                Some(mut poller) => {
                    if self.failed.load(Ordering::Acquire) {
                        return;
                    }
                    self.turn(&mut poller, Some(FALLBACK_TURN));
                    // ORDERING: Relaxed; a statistics counter.
                    self.fallback_turns.fetch_add(1, Ordering::Relaxed);
                    last = self.turns.load(Ordering::Relaxed);
                    idle_checks = 0;
                }
                // A worker is parked in the poll.
                None => idle_checks += 1,
            }
        }
    }

    /// Sleeps until a worker leaves the poll it was parked in (or stop).
    fn sleep_until_poll_left(&self) {
        let mut sleep = self.fallback.lock();
        // ORDERING: SeqCst store and fence; Dekker with `left_poll` (rule 5).
        self.fallback_sleeping.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if self.poller.is_locked() && !self.is_stopping() {
            self.fallback_cv.wait(&mut sleep);
        }
        // ORDERING: Relaxed; only this thread sets it, and a stale `true`
        // costs `left_poll` one needless notify.
        self.fallback_sleeping.store(false, Ordering::Relaxed);
    }

    /// A worker left the poll it was parked in: wake the reactor thread if
    /// it sleeps until then (rule 5).
    fn left_poll(&self) {
        // ORDERING: SeqCst fence and load; Dekker with
        // `sleep_until_poll_left` (rule 5): the poll was released before.
        fence(Ordering::SeqCst);
        if self.fallback_sleeping.load(Ordering::SeqCst) {
            let _sleep = self.fallback.lock();
            self.fallback_cv.notify_one();
        }
    }

    /// One turn of the poll: waits up to `timeout` for events, sets the
    /// readiness of their sources and wakes the tasks waiting on them.
    fn turn(&self, poller: &mut Poller, timeout: Option<Duration>) {
        let Poller {
            poll,
            events,
            ready,
            wake_list,
        } = poller;
        if let Err(e) = poll.poll(events, timeout) {
            if e.kind() != io::ErrorKind::Interrupted {
                self.fail(&e);
            }
            return;
        }
        {
            // Rule 4: only the lookup under the table lock.
            let sources = self.sources.lock();
            for event in events.iter() {
                if event.token() == WAKE_TOKEN {
                    continue;
                }
                if let Some(io) = sources.get(event.token()) {
                    ready.push((io.clone(), event_bits(event)));
                }
            }
        }
        let delivered = ready.len() as u64;
        for (io, bits) in ready.drain(..) {
            io.set_readiness(bits);
            io.take_wakers(bits, wake_list);
        }
        // ORDERING: Relaxed; statistics counters (and `turns`, compared
        // only with itself by the reactor thread).
        self.events.fetch_add(delivered, Ordering::Relaxed);
        self.turns.fetch_add(1, Ordering::Relaxed);
        for waker in wake_list.drain(..) {
            wake_caught(waker);
        }
    }

    /// The poll failed for good (rule 6).
    fn fail(&self, error: &io::Error) {
        if !self.failed.swap(true, Ordering::AcqRel) {
            log::error!(
                target: "curio::net",
                "the reactor's poll failed ({error}): every socket of this runtime now fails"
            );
            self.fail_sources();
        }
    }

    /// Registers `io` edge-triggered for both directions and gives its token
    /// and readiness state.
    pub(super) fn add(
        &self,
        io: &mut impl mio::event::Source,
    ) -> io::Result<(mio::Token, Arc<ScheduledIo>)> {
        let shared = Arc::new(ScheduledIo::new());
        let token = {
            let mut sources = self.sources.lock();
            if sources.closed {
                return Err(io::Error::other("the curio runtime's reactor has stopped"));
            }
            let index = match sources.free.pop() {
                Some(index) => index,
                None => {
                    sources.slots.push(Slot {
                        generation: 0,
                        io: None,
                    });
                    sources.slots.len() - 1
                }
            };
            if index > MAX_INDEX {
                return Err(io::Error::other("too many sockets registered"));
            }
            let slot = &mut sources.slots[index];
            slot.io = Some(shared.clone());
            encode_token(index, slot.generation)
        };
        let interest = mio::Interest::READABLE | mio::Interest::WRITABLE;
        if let Err(e) = self.registry.register(io, token, interest) {
            self.free(token);
            return Err(e);
        }
        Ok((token, shared))
    }

    /// Deregisters `io` and frees its slot.
    pub(super) fn remove(&self, token: mio::Token, io: &mut impl mio::event::Source) {
        // Closing the fd would remove it from epoll too; deregistering
        // first keeps a reused fd number from meeting old events.
        let _ = self.registry.deregister(io);
        self.free(token);
    }

    /// Frees the slot of `token`, failing its remaining waiters.
    fn free(&self, token: mio::Token) {
        let io = {
            let mut sources = self.sources.lock();
            let index = token_index(token);
            let io = sources.slots.get_mut(index).and_then(|slot| {
                slot.generation = slot.generation.wrapping_add(1);
                slot.io.take()
            });
            if io.is_some() {
                sources.free.push(index);
            }
            io
        };
        if let Some(io) = io {
            io.close_with(CLOSED);
        }
    }
}

/// Wakes `waker`, catching a panic of its `wake` (rule 6).
fn wake_caught(waker: Waker) {
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| waker.wake())).is_err() {
        log::error!(target: "curio::net", "a waker panicked while the reactor woke it");
    }
}

impl IoDriver for Reactor {
    fn poll_now(&self) -> bool {
        let Some(mut poller) = self.poller.try_lock() else {
            return false;
        };
        if self.failed.load(Ordering::Acquire) {
            return false;
        }
        self.turn(&mut poller, Some(Duration::ZERO));
        true
    }

    fn park(&self, still_parked: &dyn Fn() -> bool) -> bool {
        let Some(mut poller) = self.poller.try_lock() else {
            return false;
        };
        if self.failed.load(Ordering::Acquire) {
            return false;
        }
        // park.rs rule 3: an unpark that came before this holds NOTIFIED.
        let timeout = if still_parked() {
            None
        } else {
            Some(Duration::ZERO)
        };
        self.turn(&mut poller, timeout);
        drop(poller);
        self.left_poll();
        true
    }

    fn unpark(&self) {
        // A failed wake means the poll is gone (rule 6); the parked worker
        // then wakes from its failed turn.
        let _ = self.waker.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token names its slot and generation on any word width, and never
    /// collides with the reactor's own wake token.
    #[test]
    fn token_round_trips_on_any_width() {
        let gen_bits = usize::BITS - INDEX_BITS;
        for index in [0, 1, 0xffff, MAX_INDEX] {
            for generation in [0, 1, (1u32 << gen_bits.min(31)) - 1, u32::MAX] {
                let token = encode_token(index, generation);
                assert_ne!(token, WAKE_TOKEN);
                assert_eq!(token_index(token), index);
                assert!(token_generation_matches(token, generation));
                assert!(!token_generation_matches(token, generation.wrapping_add(1)));
            }
        }
        // Even a 32-bit target indexes 16 million sources.
        const { assert!(MAX_INDEX >= (1 << 24) - 2) };
    }
}
