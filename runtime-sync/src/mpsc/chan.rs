//! The state shared by every handle of one mpsc channel: a lock-free item
//! queue, one atomic word for capacity and closing, the receiver's waker,
//! and the FIFO list of senders waiting for room.
//!
//! # State
//!
//! `state` packs `used << 2 | WAITING | CLOSED`: `used` counts the messages
//! that hold a unit of capacity (reserved by a sender and not yet popped by
//! the receiver, so queued or about to be), `WAITING` says that senders are
//! queued in `waiters`, `CLOSED` that the receiver closed the channel.
//! An unbounded channel has a capacity no count can reach, so it never sets
//! `WAITING` and its senders never wait.
//!
//! # Invariants
//!
//! 1. Every pushed item first reserved one unit of `used`; the receiver
//!    gives the unit back only after it popped an item. So `used == 0`
//!    means no item is queued and none is on its way.
//! 2. `WAITING` is set exactly while `waiters` is non-empty, and it only
//!    changes with the `waiters` mutex held. While it is set `used == cap`,
//!    and the fast path of a sender fails: a newcomer queues behind the
//!    waiting senders (FIFO).
//! 3. A unit given back while `WAITING` is set is handed to the oldest
//!    waiting sender (its slot is notified with `Some(())`), so `used`
//!    stays the same. A sender dropped after that passes the unit on.
//! 4. `CLOSED` is never cleared. Once it is set, no reservation succeeds;
//!    `close` then notifies every waiting sender with `None` ("closed").
//! 5. The receiver parks with the two-step protocol of `poll_recv`: store
//!    the waker, then swap `rx_parked` to true, then look again. A sender
//!    pushes, then swaps `rx_parked` to false and wakes the stored waker if
//!    it was true. Both are read-modify-writes of one location, so one of
//!    them sees the other: either the sender sees the flag (and wakes), or
//!    the receiver's second look sees the item (see `wake_rx`).
//! 6. No waker is woken and no item dropped while a mutex is held.
//! 7. After `close`, the receiver ends once `used` is 0. `used` falls
//!    without a pop only when a sender handed a unit is dropped before it
//!    pushed; that sender then wakes the receiver (`cancel_waiter`).

#![deny(unsafe_code)]

use std::task::{Context, Poll, Waker};

use crossbeam_utils::CachePadded;

use crate::loom::atomic::{AtomicBool, AtomicUsize, Ordering};
use crate::loom::Mutex;
use crate::waiters::{Key, Removed, WaitList, WakeList};

/// Set in `state` once the receiver closed the channel (rule 4).
const CLOSED: usize = 1;
/// Set in `state` while senders are queued in `waiters` (rule 2).
const WAITING: usize = 2;
/// One unit of `used` in `state`.
const ONE: usize = 4;
/// The capacity of an unbounded channel: more than memory can hold.
pub(super) const UNBOUNDED: usize = usize::MAX >> 2;

/// The item queue: crossbeam's lock-free segmented queue, or under loom a
/// mutex'd `VecDeque` of the same shape (crossbeam is not loom-aware).
#[cfg(not(all(test, curio_loom)))]
struct Items<T>(crossbeam_queue::SegQueue<T>);

#[cfg(not(all(test, curio_loom)))]
impl<T> Items<T> {
    /// An empty queue.
    fn new() -> Self {
        Self(crossbeam_queue::SegQueue::new())
    }
    /// Appends an item.
    #[inline]
    fn push(&self, item: T) {
        self.0.push(item);
    }
    /// Removes the oldest item.
    #[inline]
    fn pop(&self) -> Option<T> {
        self.0.pop()
    }
}

/// The item queue under loom: a mutex'd `VecDeque`.
#[cfg(all(test, curio_loom))]
struct Items<T>(Mutex<std::collections::VecDeque<T>>);

#[cfg(all(test, curio_loom))]
impl<T> Items<T> {
    /// An empty queue.
    fn new() -> Self {
        Self(Mutex::new(std::collections::VecDeque::new()))
    }
    /// Appends an item.
    fn push(&self, item: T) {
        self.0.lock().push_back(item);
    }
    /// Removes the oldest item.
    fn pop(&self) -> Option<T> {
        self.0.lock().pop_front()
    }
}

/// What a sender's fast path found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub(super) enum Reserve {
    /// A unit of capacity is now the caller's: push the item.
    Reserved,
    /// No room, or senders already wait: the caller must queue or give up.
    Full,
    /// The receiver closed the channel.
    Closed,
}

/// What a waiting sender learned when polled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub(super) enum Waited {
    /// Still queued.
    Pending,
    /// Handed a unit of capacity (rule 3): push the item.
    Reserved,
    /// Woken by `close` (rule 4).
    Closed,
}

/// The shared state; see the module docs.
pub(super) struct Chan<T> {
    /// The items, oldest first.
    items: Items<T>,
    /// Capacity: at most this many units of `used`.
    cap: usize,
    /// `used << 2 | WAITING | CLOSED` (module docs).
    state: CachePadded<AtomicUsize>,
    /// Live `Sender` handles.
    senders: CachePadded<AtomicUsize>,
    /// Whether the receiver stored a waker and waits (rule 5).
    rx_parked: CachePadded<AtomicBool>,
    /// The receiver's waker, set before `rx_parked`.
    rx_waker: Mutex<Option<Waker>>,
    /// Senders waiting for room, oldest first; notified with `Some(())`
    /// (room) or `None` (closed).
    waiters: Mutex<WaitList<()>>,
}

impl<T> Chan<T> {
    /// A channel of capacity `cap` ([`UNBOUNDED`] for none) with one sender.
    pub(super) fn new(cap: usize) -> Self {
        Self {
            items: Items::new(),
            cap: cap.clamp(1, UNBOUNDED),
            state: CachePadded::new(AtomicUsize::new(0)),
            senders: CachePadded::new(AtomicUsize::new(1)),
            rx_parked: CachePadded::new(AtomicBool::new(false)),
            rx_waker: Mutex::new(None),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// The capacity (`UNBOUNDED` for an unbounded channel).
    pub(super) fn cap(&self) -> usize {
        self.cap
    }

    /// Whether the receiver closed the channel.
    pub(super) fn is_closed(&self) -> bool {
        // ORDERING: Acquire; pairs with the AcqRel fetch_or in `close`.
        self.state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Counts one more sender handle.
    pub(super) fn add_sender(&self) {
        // A plain counter: a clone is made from a live handle, so the count
        // cannot be zero here and nothing is published.
        self.senders.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one sender handle less; the last one wakes the receiver.
    pub(super) fn drop_sender(&self) {
        // ORDERING: AcqRel; the Release half publishes this sender's pushes
        // to the receiver's Acquire load in `poll_recv` (rule 1), the
        // Acquire half orders the other senders' pushes before our wake.
        if self.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.wake_rx();
        }
    }

    /// The fast path of a send: reserves a unit of capacity without a lock.
    #[inline]
    pub(super) fn try_reserve(&self) -> Reserve {
        // ORDERING: Relaxed; only the first guess of the CAS below, which
        // orders what it must.
        let mut cur = self.state.load(Ordering::Relaxed);
        loop {
            if cur & CLOSED != 0 {
                return Reserve::Closed;
            }
            if cur & WAITING != 0 || cur >> 2 >= self.cap {
                return Reserve::Full;
            }
            // ORDERING: AcqRel on success; pairs with `release` and `close`,
            // whose changes this CAS must see to count correctly. Relaxed
            // on failure: the loop retries with the fresh value.
            match self.state.compare_exchange_weak(
                cur,
                cur + ONE,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Reserve::Reserved,
                Err(actual) => cur = actual,
            }
        }
    }

    /// The slow path of a send: under the `waiters` lock, reserves a unit if
    /// no one waits and there is room, else queues the sender (rule 2).
    ///
    /// `Ok(None)`: reserved. `Ok(Some(key))`: queued. `Err(())`: closed.
    pub(super) fn reserve_or_wait(&self, waker: &Waker) -> Result<Option<Key>, ()> {
        let mut list = self.waiters.lock();
        // ORDERING: Acquire; pairs with the AcqRel updates of `release`.
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            if cur & CLOSED != 0 {
                return Err(());
            }
            let (next, queue) = if list.is_empty() && cur >> 2 < self.cap {
                (cur + ONE, false)
            } else {
                (cur | WAITING, true)
            };
            // ORDERING: AcqRel; a single RMW word with `release`'s CAS, so
            // a unit given back lock-free either comes before this (we take
            // it) or fails its CAS on WAITING and comes to the lock (rule 3).
            match self
                .state
                .compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) if queue => return Ok(Some(list.push_back(waker.clone(), None, 1))),
                Ok(_) => return Ok(None),
                Err(actual) => cur = actual,
            }
        }
    }

    /// Polls a queued sender: has it been handed room, or closed?
    pub(super) fn poll_waiter(&self, key: Key, waker: &Waker) -> Waited {
        match self.waiters.lock().take_notified(key, waker) {
            None => Waited::Pending,
            Some(Some(())) => Waited::Reserved,
            Some(None) => Waited::Closed,
        }
    }

    /// A queued sender's future was dropped: leave the list and pass on any
    /// unit it had been handed (rule 3).
    pub(super) fn cancel_waiter(&self, key: Key) {
        let mut wake = WakeList::new();
        let mut gave_back = false;
        {
            let mut list = self.waiters.lock();
            match list.remove(key) {
                Removed::Queued(_) => {
                    if list.is_empty() {
                        // ORDERING: Release under the lock; rule 2 keeps the
                        // bit in step with the list, read by `try_reserve`.
                        self.state.fetch_and(!WAITING, Ordering::Release);
                    }
                }
                Removed::Notified(Some(())) => {
                    self.release_locked(&mut list, &mut wake);
                    gave_back = true;
                }
                Removed::Notified(None) => {}
            }
        }
        wake.wake_all();
        if gave_back && self.is_closed() {
            // A closed receiver waits for `used` to reach 0 (rule 1), and
            // this unit was never going to be popped: tell it (rule 7).
            self.wake_rx();
        }
    }

    /// Gives back the unit of a popped item (rule 1), or hands it to the
    /// oldest waiting sender (rule 3).
    #[inline]
    fn release(&self) {
        // ORDERING: Relaxed; only the first guess of the CAS below.
        let mut cur = self.state.load(Ordering::Relaxed);
        loop {
            if cur & WAITING != 0 {
                let mut wake = WakeList::new();
                self.release_locked(&mut self.waiters.lock(), &mut wake);
                wake.wake_all();
                return;
            }
            // ORDERING: AcqRel; pairs with the CAS in `reserve_or_wait`: one
            // of the two fails and retries, so no unit is lost (rule 3).
            match self.state.compare_exchange_weak(
                cur,
                cur - ONE,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }

    /// [`release`](Self::release) with the `waiters` lock held.
    fn release_locked(&self, list: &mut WaitList<()>, wake: &mut WakeList) {
        if let Ok(n) = list.notify_front(Some(())) {
            // Rule 3: the unit moves to the waiter; `used` is unchanged.
            wake.push(n.waker);
            if list.is_empty() {
                // ORDERING: Release under the lock (rule 2); read by `try_reserve`.
                self.state.fetch_and(!WAITING, Ordering::Release);
            }
        } else {
            // No waiter (so WAITING is clear, rule 2): a plain give-back.
            // ORDERING: AcqRel, as in `release`.
            self.state.fetch_sub(ONE, Ordering::AcqRel);
        }
    }

    /// Pushes a reserved item and wakes the receiver if it waits.
    #[inline]
    pub(super) fn push(&self, item: T) {
        self.items.push(item);
        self.wake_rx();
    }

    /// Wakes the receiver if it is parked (rule 5).
    #[inline]
    fn wake_rx(&self) {
        // ORDERING: AcqRel; pairs with the swap in `poll_recv`. Release
        // publishes the push (or the sender count) before it, Acquire makes
        // the waker stored before that swap visible.
        if self.rx_parked.swap(false, Ordering::AcqRel) {
            let waker = self.rx_waker.lock().take();
            if let Some(w) = waker {
                w.wake();
            }
        }
    }

    /// Pops an item and gives back its unit.
    #[inline]
    pub(super) fn pop(&self) -> Option<T> {
        let item = self.items.pop()?;
        if self.cap != UNBOUNDED {
            self.release();
        } else {
            // ORDERING: AcqRel; pairs with the CAS in `try_reserve` (an
            // unbounded channel never sets WAITING, so no hand-off).
            self.state.fetch_sub(ONE, Ordering::AcqRel);
        }
        Some(item)
    }

    /// After an empty pop: `Some(item)` if one came in the meantime, or
    /// `None` inside `Some` if the channel is finished (every sender gone,
    /// or closed with nothing in flight); `None` if items may still come.
    fn finished(&self) -> Option<Option<T>> {
        // ORDERING: Acquire; pairs with the AcqRel fetch_sub in `drop_sender`,
        // so every push of every sender is visible to the pop below.
        if self.senders.load(Ordering::Acquire) == 0 {
            return Some(self.pop());
        }
        // ORDERING: Acquire; pairs with `close` and the reservations.
        let s = self.state.load(Ordering::Acquire);
        if s & CLOSED != 0 && s >> 2 == 0 {
            // Rule 1: nothing queued, nothing in flight, and rule 4: no more.
            return Some(None);
        }
        None
    }

    /// Receives without waiting: `Ok(item)`, `Err(true)` when finished,
    /// `Err(false)` when empty.
    pub(super) fn try_recv(&self) -> Result<T, bool> {
        if let Some(item) = self.pop() {
            return Ok(item);
        }
        match self.finished() {
            Some(Some(item)) => Ok(item),
            Some(None) => Err(true),
            None => Err(false),
        }
    }

    /// Receives, parking the receiver if nothing is there (rule 5).
    pub(super) fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        if let Some(item) = self.pop() {
            return Poll::Ready(Some(item));
        }
        if let Some(done) = self.finished() {
            return Poll::Ready(done);
        }
        {
            let mut slot = self.rx_waker.lock();
            match &mut *slot {
                Some(w) if w.will_wake(cx.waker()) => {}
                other => *other = Some(cx.waker().clone()),
            }
        }
        // ORDERING: AcqRel; pairs with the swap in `wake_rx` (rule 5).
        self.rx_parked.swap(true, Ordering::AcqRel);
        if let Some(item) = self.pop() {
            // ORDERING: AcqRel, as above: an RMW, so it keeps rule 5's chain.
            self.rx_parked.swap(false, Ordering::AcqRel);
            return Poll::Ready(Some(item));
        }
        if let Some(done) = self.finished() {
            return Poll::Ready(done);
        }
        Poll::Pending
    }

    /// Closes the channel from the receiver's side (rule 4).
    pub(super) fn close(&self) {
        // ORDERING: AcqRel; pairs with the Acquire loads in the senders'
        // reservations and `is_closed`.
        if self.state.fetch_or(CLOSED, Ordering::AcqRel) & CLOSED != 0 {
            return;
        }
        let mut wake = WakeList::new();
        {
            let mut list = self.waiters.lock();
            wake.reserve(list.len());
            while let Ok(n) = list.notify_front(None) {
                wake.push(n.waker);
            }
            // ORDERING: Release under the lock (rule 2).
            self.state.fetch_and(!WAITING, Ordering::Release);
        }
        wake.wake_all();
    }
}
