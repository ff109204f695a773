//! The reactor: one thread per runtime that owns a `mio::Poll` and turns
//! readiness events into task wakeups.
//!
//! Sockets register once ([`PollEvented`]) edge-triggered for both
//! directions, and keep a readiness word ([`ScheduledIo`]) that the reactor
//! thread sets and the tasks clear when an operation would block. Workers
//! never block in epoll: they only read and clear the word, and park their
//! waker when it says "not ready".
//!
//! # State
//!
//! The readiness word of a source packs the readiness bits (`READABLE`,
//! `WRITABLE`, `READ_CLOSED`, `WRITE_CLOSED`, `ERROR`), two final bits
//! (`CLOSED`: the socket was closed by its owner; `SHUTDOWN`: the reactor
//! has stopped) and a 16-bit tick, bumped by every event the reactor
//! delivers for the source.
//!
//! # Invariants
//!
//! 1. The reactor sets readiness bits *before* it takes the waiter lock of
//!    the source to collect wakers; a task registers its waker under that
//!    lock and re-reads the word while still holding it. Either the task
//!    sees the bits, or the reactor sees the waker: no wakeup is lost.
//! 2. A task clears readiness only with the tick it observed when it read
//!    the bits ([`ScheduledIo::clear_readiness`]). If an event arrived in
//!    between, the tick differs and the clear is skipped, so an edge is
//!    never lost to a stale clear.
//! 3. `READ_CLOSED`, `WRITE_CLOSED`, `CLOSED` and `SHUTDOWN` are final:
//!    never cleared.
//! 4. Wakers are collected while the source table lock is held and woken
//!    after it is released, all the events of one `poll` call together.
//! 5. New sources start optimistic (readable and writable, tick 0), so the
//!    first operation is tried at once; if it would block, rule 2 makes the
//!    clear safe against the reactor's first event.
//!
//! # Several waiters
//!
//! Each direction keeps a slot per waiting operation rather than one: two
//! tasks reading the same `Arc`-shared socket both make progress (curio
//! raises `ResourceBusy` instead; a Rust user expects shared `&self`
//! operations to work like `&std::net::TcpStream`). An operation future
//! (`read().await`, `accept().await`, ...) owns its slot through a
//! [`Waiter`] and frees it when it completes or is dropped, so a wait that
//! was cancelled (a timed-out `recv` on a shared socket) leaves nothing
//! behind. Callers of the `poll_*` methods (`AsyncRead`, `poll_accept`)
//! have no future to own a slot: they share one per direction, and the
//! latest such caller is the one woken, as with tokio's `poll_read_ready`.
//! Every waker of a direction is taken on each event.

mod registration;
mod thread;

pub(crate) use registration::PollEvented;
pub(crate) use thread::Reactor;

use parking_lot::Mutex;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

/// The source can be read without blocking.
const READABLE: usize = 1 << 0;
/// The source can be written without blocking.
const WRITABLE: usize = 1 << 1;
/// The peer closed its write side (final, rule 3).
const READ_CLOSED: usize = 1 << 2;
/// The write side is closed (final, rule 3).
const WRITE_CLOSED: usize = 1 << 3;
/// An error is pending on the socket; the next operation reports it.
const ERROR: usize = 1 << 4;
/// The owner closed the socket; every operation fails (final, rule 3).
const CLOSED: usize = 1 << 5;
/// The reactor stopped; every operation fails (final, rule 3).
const SHUTDOWN: usize = 1 << 6;
/// The readiness bits that make a read worth trying.
const READ_MASK: usize = READABLE | READ_CLOSED | ERROR;
/// The readiness bits that make a write worth trying.
const WRITE_MASK: usize = WRITABLE | WRITE_CLOSED | ERROR;
/// Where the tick starts in the readiness word.
const TICK_SHIFT: u32 = 16;
/// The tick's bits once shifted down.
const TICK_MASK: usize = 0xffff;

/// Which way an operation moves data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Reading, receiving, accepting.
    Read,
    /// Writing, sending, connecting.
    Write,
}

impl Direction {
    /// The readiness bits that let an operation of this direction go on.
    fn mask(self) -> usize {
        match self {
            Direction::Read => READ_MASK,
            Direction::Write => WRITE_MASK,
        }
    }
}

/// What a task saw in the readiness word: the bits and the tick that go
/// with them (rule 2).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadyEvent {
    /// The tick at the time of the read.
    tick: usize,
    /// The readiness bits of the direction asked for.
    ready: usize,
}

/// The wakers parked on one source.
#[derive(Default)]
struct Waiters {
    /// Tasks waiting to read.
    reader: WaitList,
    /// Tasks waiting to write.
    writer: WaitList,
}

impl Waiters {
    /// The list of one direction.
    fn list(&mut self, dir: Direction) -> &mut WaitList {
        match dir {
            Direction::Read => &mut self.reader,
            Direction::Write => &mut self.writer,
        }
    }
}

/// The waiters of one direction.
///
/// The first operation's slot (key 0) is kept inline: a socket with one
/// reader and one writer, the common case, parks and frees its waiters
/// without allocating. Further operations get keys from 1 up, in `slots`.
#[derive(Default)]
struct WaitList {
    /// Whether an operation owns the inline slot (key 0).
    first_owned: bool,
    /// The inline slot's waker while its operation is parked.
    first: Option<Waker>,
    /// One slot per further waiting operation (key `i + 1` is `slots[i]`),
    /// owned by its [`Waiter`]; `None` while that operation has no waker
    /// parked (it was woken, or has not waited yet).
    slots: Vec<Option<Waker>>,
    /// Indices into `slots` that no operation owns.
    free: Vec<usize>,
    /// The waker of the latest `poll_*` caller.
    poller: Option<Waker>,
}

impl WaitList {
    /// A key for a new waiting operation: the inline slot if it is free.
    fn claim(&mut self) -> usize {
        if !self.first_owned {
            self.first_owned = true;
            return 0;
        }
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                self.slots.push(None);
                self.slots.len() - 1
            }
        };
        index + 1
    }

    /// Parks `waker` in `slot`.
    fn park(&mut self, slot: WaitSlot<'_>, waker: &Waker) {
        let entry = match slot {
            WaitSlot::Poller => &mut self.poller,
            WaitSlot::Key(key) => match *key.get_or_insert_with(|| self.claim()) {
                0 => &mut self.first,
                key => &mut self.slots[key - 1],
            },
        };
        if !entry.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *entry = Some(waker.clone());
        }
    }

    /// Frees the slot `key` (its operation ended).
    fn remove(&mut self, key: usize) {
        if key == 0 {
            self.first_owned = false;
            self.first = None;
            return;
        }
        let index = key - 1;
        self.slots[index] = None;
        self.free.push(index);
        if self.free.len() == self.slots.len() {
            // Only the inline slot may be in use: give the memory back.
            self.slots = Vec::new();
            self.free = Vec::new();
        }
    }

    /// Moves every parked waker into `out`.
    fn take_all(&mut self, out: &mut Vec<Waker>) {
        out.extend(self.poller.take());
        out.extend(self.first.take());
        out.extend(self.slots.iter_mut().filter_map(Option::take));
    }
}

/// Where a waiting task's waker is kept.
pub(crate) enum WaitSlot<'a> {
    /// The slot shared by callers of the `poll_*` methods.
    Poller,
    /// The slot of one operation, allocated on its first wait (`None`
    /// until then) and owned by its [`Waiter`].
    Key(&'a mut Option<usize>),
}

/// One waiting operation's slot in a source's waiter list; freed on drop.
pub(crate) struct Waiter<'a> {
    /// The source.
    io: &'a ScheduledIo,
    /// The direction it waits for.
    dir: Direction,
    /// Its slot, once it waited.
    pub(crate) key: Option<usize>,
}

impl<'a> Waiter<'a> {
    /// An operation on `io` in `dir` that has not waited yet.
    pub(crate) fn new(io: &'a ScheduledIo, dir: Direction) -> Waiter<'a> {
        Waiter { io, dir, key: None }
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        if let Some(index) = self.key {
            self.io.waiters.lock().list(self.dir).remove(index);
        }
    }
}

/// The shared state of one registered source: its readiness word and its
/// waiters.
pub(crate) struct ScheduledIo {
    /// Readiness bits, final bits and tick (see the module docs, "State").
    readiness: AtomicUsize,
    /// Wakers of tasks waiting for readiness, one list per direction.
    waiters: Mutex<Waiters>,
}

impl ScheduledIo {
    /// A source in the optimistic start state (rule 5).
    fn new() -> ScheduledIo {
        ScheduledIo {
            readiness: AtomicUsize::new(READABLE | WRITABLE),
            waiters: Mutex::new(Waiters::default()),
        }
    }

    /// Turns the final bits into the error every operation then returns.
    #[cold]
    fn final_error(word: usize) -> Option<io::Error> {
        if word & CLOSED != 0 {
            Some(io::Error::new(
                io::ErrorKind::NotConnected,
                "the socket was closed",
            ))
        } else if word & SHUTDOWN != 0 {
            Some(io::Error::other("the curio runtime's reactor has stopped"))
        } else {
            None
        }
    }

    /// Ready when the readiness word allows an operation in `dir`;
    /// otherwise parks the task's waker (rule 1).
    ///
    /// Inlined into the operations: the ready case is one load and a few
    /// bit tests; parking is out of line.
    #[inline]
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        slot: WaitSlot<'_>,
    ) -> Poll<io::Result<ReadyEvent>> {
        // ORDERING: Acquire; pairs with the AcqRel update in `set_readiness`,
        // so the data the event announces is visible to the operation.
        let word = self.readiness.load(Ordering::Acquire);
        if let Some(ready) = Self::check(word, dir) {
            return Poll::Ready(ready);
        }
        self.park(cx, dir, slot)
    }

    /// The not-ready case of [`poll_ready`](Self::poll_ready): parks the
    /// waker under the waiter lock and looks at the word again (rule 1).
    #[inline(never)]
    fn park(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        slot: WaitSlot<'_>,
    ) -> Poll<io::Result<ReadyEvent>> {
        let mut waiters = self.waiters.lock();
        waiters.list(dir).park(slot, cx.waker());
        // ORDERING: Acquire, under the waiter lock (rule 1): the reactor's
        // update either happened before this load or will find our waker.
        let word = self.readiness.load(Ordering::Acquire);
        match Self::check(word, dir) {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }

    /// Whether the readiness word holds readiness for `dir` now (tests
    /// check that a drained source waits for its next event).
    #[cfg(test)]
    pub(crate) fn is_ready(&self, dir: Direction) -> bool {
        self.readiness.load(Ordering::Acquire) & dir.mask() != 0
    }

    /// The outcome of a readiness word for `dir`, or `None` to wait.
    #[inline]
    fn check(word: usize, dir: Direction) -> Option<io::Result<ReadyEvent>> {
        if word & (CLOSED | SHUTDOWN) != 0 {
            if let Some(e) = Self::final_error(word) {
                return Some(Err(e));
            }
        }
        let ready = word & dir.mask();
        (ready != 0).then_some(Ok(ReadyEvent {
            tick: (word >> TICK_SHIFT) & TICK_MASK,
            ready,
        }))
    }

    /// Clears the readiness an operation found stale, unless an event came
    /// in since it was read (rule 2). Final bits stay (rule 3).
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        let clear = event.ready & !(READ_CLOSED | WRITE_CLOSED);
        let mut cur = self.readiness.load(Ordering::Acquire);
        loop {
            if (cur >> TICK_SHIFT) & TICK_MASK != event.tick {
                return;
            }
            // ORDERING: AcqRel on success; it orders with the reactor's
            // update through the tick comparison (rule 2).
            match self.readiness.compare_exchange_weak(
                cur,
                cur & !clear,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Adds readiness bits and bumps the tick; called by the reactor.
    fn set_readiness(&self, bits: usize) {
        let mut cur = self.readiness.load(Ordering::Acquire);
        loop {
            let tick = ((cur >> TICK_SHIFT) + 1) & TICK_MASK;
            let new = (cur & !(TICK_MASK << TICK_SHIFT)) | bits | (tick << TICK_SHIFT);
            // ORDERING: AcqRel; the Release half pairs with the Acquire
            // loads in `poll_ready` and `clear_readiness`.
            match self.readiness.compare_exchange_weak(
                cur,
                new,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Moves the wakers of the directions that `bits` make ready into
    /// `wake_list` (woken later, rule 4).
    fn take_wakers(&self, bits: usize, wake_list: &mut Vec<Waker>) {
        let mut waiters = self.waiters.lock();
        if bits & (READ_MASK | CLOSED | SHUTDOWN) != 0 {
            waiters.reader.take_all(wake_list);
        }
        if bits & (WRITE_MASK | CLOSED | SHUTDOWN) != 0 {
            waiters.writer.take_all(wake_list);
        }
    }

    /// Sets a final bit and wakes every waiter, who then gets an error.
    fn close_with(&self, bit: usize) {
        // ORDERING: AcqRel; pairs with the Acquire loads in `poll_ready`.
        self.readiness.fetch_or(bit, Ordering::AcqRel);
        let mut wake_list = Vec::new();
        self.take_wakers(bit, &mut wake_list);
        wake_list.into_iter().for_each(Waker::wake);
    }
}

/// Translates a mio event into readiness bits.
fn event_bits(event: &mio::event::Event) -> usize {
    let mut bits = 0;
    if event.is_readable() {
        bits |= READABLE;
    }
    if event.is_writable() {
        bits |= WRITABLE;
    }
    if event.is_read_closed() {
        bits |= READ_CLOSED;
    }
    if event.is_write_closed() {
        bits |= WRITE_CLOSED;
    }
    if event.is_error() {
        bits |= ERROR;
    }
    bits
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;
    use std::task::Wake;

    /// A waker that counts its wakes.
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn counting() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        (count.clone(), Waker::from(count))
    }

    fn wakes(count: &Count) -> usize {
        count.0.load(Ordering::Relaxed)
    }

    fn wake_all(list: &mut WaitList) -> usize {
        let mut out = Vec::new();
        list.take_all(&mut out);
        let n = out.len();
        out.into_iter().for_each(Waker::wake);
        n
    }

    /// Every operation that waits is woken once per event, whatever order
    /// the operations leave in, and a freed slot is reused.
    #[test]
    fn wait_list_wakes_each_waiter_and_reuses_slots() {
        let mut list = WaitList::default();
        let (a_count, a) = counting();
        let (b_count, b) = counting();
        let (c_count, c) = counting();
        let (mut ka, mut kb, mut kc) = (None, None, None);
        list.park(WaitSlot::Key(&mut ka), &a);
        list.park(WaitSlot::Key(&mut kb), &b);
        list.park(WaitSlot::Key(&mut kc), &c);
        let keys = [ka.unwrap(), kb.unwrap(), kc.unwrap()];
        assert!(keys[0] != keys[1] && keys[1] != keys[2] && keys[0] != keys[2]);
        assert_eq!(wake_all(&mut list), 3);
        assert_eq!(
            (wakes(&a_count), wakes(&b_count), wakes(&c_count)),
            (1, 1, 1)
        );
        // Woken operations wait again in the slots they own.
        list.park(WaitSlot::Key(&mut ka), &a);
        list.park(WaitSlot::Key(&mut kc), &c);
        assert_eq!([ka.unwrap(), kc.unwrap()], [keys[0], keys[2]]);
        // The first operation leaves; its slot goes to the next newcomer.
        list.remove(ka.take().unwrap());
        let (d_count, d) = counting();
        let mut kd = None;
        list.park(WaitSlot::Key(&mut kd), &d);
        assert_eq!(kd, Some(keys[0]));
        assert_eq!(wake_all(&mut list), 2);
        assert_eq!(
            (
                wakes(&a_count),
                wakes(&b_count),
                wakes(&c_count),
                wakes(&d_count)
            ),
            (1, 1, 2, 1)
        );
        for key in [kb, kc, kd] {
            list.remove(key.unwrap());
        }
        assert_eq!(wake_all(&mut list), 0);
    }

    /// A slot freed while its waker is parked takes the waker with it:
    /// a cancelled wait is not woken.
    #[test]
    fn wait_list_removed_waiter_is_not_woken() {
        let mut list = WaitList::default();
        let (a_count, a) = counting();
        let (b_count, b) = counting();
        let (mut ka, mut kb) = (None, None);
        list.park(WaitSlot::Key(&mut ka), &a);
        list.park(WaitSlot::Key(&mut kb), &b);
        list.remove(ka.unwrap());
        assert_eq!(wake_all(&mut list), 1);
        assert_eq!((wakes(&a_count), wakes(&b_count)), (0, 1));
        list.park(WaitSlot::Key(&mut kb), &b);
        list.remove(kb.unwrap());
        assert_eq!(wake_all(&mut list), 0);
        assert_eq!(wakes(&b_count), 1);
    }

    /// One operation that waits and leaves many times in a row, the
    /// common case of a socket with one reader, always gets the same slot.
    #[test]
    fn wait_list_single_waiter_keeps_its_slot() {
        let mut list = WaitList::default();
        let (count, w) = counting();
        let mut first = None;
        for _ in 0..100 {
            let mut key = None;
            list.park(WaitSlot::Key(&mut key), &w);
            assert_eq!(wake_all(&mut list), 1);
            list.park(WaitSlot::Key(&mut key), &w);
            list.remove(key.unwrap());
            assert_eq!(*first.get_or_insert(key), key);
        }
        assert_eq!(wakes(&count), 100);
        // The poller slot is separate, and only the latest poller is kept.
        let (p1_count, p1) = counting();
        let (p2_count, p2) = counting();
        list.park(WaitSlot::Poller, &p1);
        list.park(WaitSlot::Poller, &p2);
        assert_eq!(wake_all(&mut list), 1);
        assert_eq!((wakes(&p1_count), wakes(&p2_count)), (0, 1));
    }
}
