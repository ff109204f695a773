//! The reactor thread: the source table, the poll loop, and start/stop
//! through `Handle::driver`.

use super::{event_bits, ScheduledIo, CLOSED, SHUTDOWN};
use parking_lot::Mutex;
use runtime_core::Handle;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::Waker;
use std::thread::JoinHandle;

/// The token of the reactor's own `mio::Waker`.
const WAKE_TOKEN: mio::Token = mio::Token(usize::MAX);
/// Events fetched by one `poll` call at most.
const EVENTS_CAPACITY: usize = 1024;

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

/// The I/O driver of one runtime: the `mio::Registry` to register sources
/// with, the source table and the handle of the reactor thread.
pub(crate) struct Reactor {
    /// A clone of the poll's registry.
    registry: mio::Registry,
    /// Wakes the reactor thread out of `poll` at shutdown.
    waker: mio::Waker,
    /// The registered sources.
    sources: Mutex<Sources>,
    /// Readiness events delivered, published as the "reactor events"
    /// statistic of `Handle::stats`.
    events: Arc<AtomicU64>,
    /// Set by `stop`; the thread exits at its next wakeup.
    stopping: AtomicBool,
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

    /// Creates the poll and starts the reactor thread.
    fn start(handle: &Handle) -> io::Result<(Arc<Reactor>, StopFn)> {
        let poll = mio::Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = mio::Waker::new(poll.registry(), WAKE_TOKEN)?;
        let reactor = Arc::new(Reactor {
            registry,
            waker,
            sources: Mutex::new(Sources::default()),
            events: Arc::new(AtomicU64::new(0)),
            stopping: AtomicBool::new(false),
            thread: Mutex::new(None),
        });
        let r = reactor.clone();
        let thread = std::thread::Builder::new()
            .name("curio-reactor".into())
            .spawn(move || r.run(poll))?;
        *reactor.thread.lock() = Some(thread);
        handle.publish_stat("reactor events", reactor.events.clone());
        let r = reactor.clone();
        Ok((reactor, Box::new(move || r.stop())))
    }

    /// Stops the reactor thread, joins it, and fails every source still
    /// registered (their waiters wake with an error).
    fn stop(&self) {
        // ORDERING: Release; pairs with the Acquire load in `run`.
        self.stopping.store(true, Ordering::Release);
        // If the wake fails the thread is already gone (poll error).
        let _ = self.waker.wake();
        if let Some(thread) = self.thread.lock().take() {
            let _ = thread.join();
        }
        let live: Vec<Arc<ScheduledIo>> = {
            let mut sources = self.sources.lock();
            sources.closed = true;
            sources.slots.iter().filter_map(|s| s.io.clone()).collect()
        };
        for io in live {
            io.close_with(SHUTDOWN);
        }
    }

    /// The poll loop of the reactor thread.
    fn run(&self, mut poll: mio::Poll) {
        let mut events = mio::Events::with_capacity(EVENTS_CAPACITY);
        let mut wake_list: Vec<Waker> = Vec::with_capacity(EVENTS_CAPACITY);
        loop {
            if let Err(e) = poll.poll(&mut events, None) {
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                eprintln!("curio::net: the reactor stops, poll failed: {e}");
                return;
            }
            // ORDERING: Acquire; pairs with the Release store in `stop`.
            if self.stopping.load(Ordering::Acquire) {
                return;
            }
            let mut delivered = 0;
            {
                // Rule 4: collect under the lock, wake after it.
                let sources = self.sources.lock();
                for event in events.iter() {
                    if event.token() == WAKE_TOKEN {
                        continue;
                    }
                    if let Some(io) = sources.get(event.token()) {
                        let bits = event_bits(event);
                        io.set_readiness(bits);
                        io.take_wakers(bits, &mut wake_list);
                        delivered += 1;
                    }
                }
            }
            // ORDERING: Relaxed; a statistics counter.
            self.events.fetch_add(delivered, Ordering::Relaxed);
            wake_list.drain(..).for_each(Waker::wake);
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
