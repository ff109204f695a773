//! The FIFO waiter list shared by every primitive.
//!
//! A `WaitList` lives inside a primitive's mutex next to the primitive's
//! own state. It is a slab of slots threaded by a doubly linked list of
//! indices, so pushing, popping the front and removing any waiter are O(1)
//! and no slot moves while a future refers to it by its [`Key`].
//!
//! # State
//!
//! A slot is `Vacant`, `Queued` (linked, the future is waiting) or
//! `Notified` (unlinked, the primitive has handed the future its wake-up and,
//! depending on the primitive, a value such as an item).
//!
//! # Invariants
//!
//! 1. Only the future that pushed a slot frees it ([`WaitList::take_notified`]
//!    or [`WaitList::remove`]); the notifier only moves it from `Queued` to
//!    `Notified`. A key therefore never names another future's slot. The one
//!    exception, `WaitList::drain_free`, is for broadcasts whose futures
//!    learn by other means (a generation) that their key is gone.
//! 2. The linked list holds exactly the `Queued` slots, oldest first.
//! 3. A `Notified` slot's value belongs to its future. If the future is
//!    dropped instead of taking it, `remove` returns it to the primitive,
//!    which passes it on (cancel safety).
//! 4. Wakers are returned to the caller and woken after the primitive's mutex
//!    is released, never under it.

#![deny(unsafe_code)]

use std::task::Waker;

/// Names one slot of a `WaitList`; held by the waiting future.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key(usize);

/// Sentinel for "no slot" in the links.
const NIL: usize = usize::MAX;

/// What a slot currently holds.
#[derive(Debug)]
enum SlotState {
    /// Free; `next` links the free list.
    Vacant,
    /// Linked in the FIFO; the future waits.
    Queued,
    /// Unlinked; the future has been handed its wake-up (rule 3).
    Notified,
}

/// One waiter.
#[derive(Debug)]
struct Slot<T> {
    /// The slot's state.
    state: SlotState,
    /// The waker to call on notification; `None` once taken for waking.
    waker: Option<Waker>,
    /// A value travelling with the waiter: a put's item while `Queued`, a
    /// get's item once `Notified`, or nothing.
    value: Option<T>,
    /// How many units the waiter asks for (weighted semaphores), else 1.
    want: usize,
    /// Previous queued slot (towards the front), or `NIL`.
    prev: usize,
    /// Next queued slot (towards the back), or the next free slot, or `NIL`.
    next: usize,
}

/// How a waiter left the list when its future was dropped.
#[derive(Debug)]
pub(crate) enum Removed<T> {
    /// It was still queued; the value it carried (if any) comes back.
    Queued(Option<T>),
    /// It had been notified; what it was handed (if any) comes back and the
    /// wake-up must be passed on (rule 3).
    Notified(Option<T>),
}

/// A FIFO list of waiters; see the module docs.
#[derive(Debug)]
pub(crate) struct WaitList<T> {
    /// Slot storage; indices are [`Key`]s.
    slots: Vec<Slot<T>>,
    /// Head of the free list, or `NIL`.
    free: usize,
    /// Oldest queued slot, or `NIL`.
    head: usize,
    /// Newest queued slot, or `NIL`.
    tail: usize,
    /// Number of queued slots.
    len: usize,
}

impl<T> Default for WaitList<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> WaitList<T> {
    /// Creates an empty list without allocating.
    pub(crate) const fn new() -> Self {
        Self {
            slots: Vec::new(),
            free: NIL,
            head: NIL,
            tail: NIL,
            len: 0,
        }
    }

    /// Number of queued (not yet notified) waiters.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether no waiter is queued.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Units wanted by the oldest queued waiter.
    #[inline]
    pub(crate) fn front_want(&self) -> Option<usize> {
        self.slots.get(self.head).map(|s| s.want)
    }

    /// Queues a waiter at the back and returns its key.
    pub(crate) fn push_back(&mut self, waker: Waker, value: Option<T>, want: usize) -> Key {
        let slot = Slot {
            state: SlotState::Queued,
            waker: Some(waker),
            value,
            want,
            prev: self.tail,
            next: NIL,
        };
        let idx = if self.free != NIL {
            let idx = self.free;
            self.free = self.slots[idx].next;
            self.slots[idx] = slot;
            idx
        } else {
            self.slots.push(slot);
            self.slots.len() - 1
        };
        if self.tail != NIL {
            self.slots[self.tail].next = idx;
        } else {
            self.head = idx;
        }
        self.tail = idx;
        self.len += 1;
        Key(idx)
    }

    /// Unlinks queued slot `idx` from the FIFO.
    fn unlink(&mut self, idx: usize) {
        let (prev, next) = (self.slots[idx].prev, self.slots[idx].next);
        if prev != NIL {
            self.slots[prev].next = next;
        } else {
            self.head = next;
        }
        if next != NIL {
            self.slots[next].prev = prev;
        } else {
            self.tail = prev;
        }
        self.len -= 1;
    }

    /// Returns slot `idx` to the free list.
    fn release(&mut self, idx: usize) {
        let slot = &mut self.slots[idx];
        slot.state = SlotState::Vacant;
        slot.waker = None;
        slot.value = None;
        slot.next = self.free;
        self.free = idx;
    }

    /// Notifies the oldest queued waiter, swapping `value` into its slot.
    ///
    /// Returns its waker (to wake after unlocking) and the value it carried,
    /// or gives `value` back in `Err` if no waiter is queued.
    pub(crate) fn notify_front(&mut self, value: Option<T>) -> Result<Notified<T>, Option<T>> {
        if self.head == NIL {
            return Err(value);
        }
        let idx = self.head;
        self.unlink(idx);
        let slot = &mut self.slots[idx];
        slot.state = SlotState::Notified;
        let carried = std::mem::replace(&mut slot.value, value);
        Ok(Notified {
            waker: slot.waker.take(),
            carried,
        })
    }

    /// Wakes every queued waiter and frees its slot at once.
    ///
    /// An exception to rule 1, for broadcast primitives only: the caller must
    /// make each drained future forget its key (`Event` does so with a
    /// generation counter bumped in the same critical section).
    pub(crate) fn drain_free(&mut self, wake: &mut WakeList) {
        let mut idx = self.head;
        while idx != NIL {
            let next = self.slots[idx].next;
            wake.push(self.slots[idx].waker.take());
            self.release(idx);
            idx = next;
        }
        self.head = NIL;
        self.tail = NIL;
        self.len = 0;
    }

    /// Called by the waiter's future when polled: if notified, frees the slot
    /// and returns what it was handed; else refreshes the stored waker.
    pub(crate) fn take_notified(&mut self, key: Key, waker: &Waker) -> Option<Option<T>> {
        let slot = self.slots.get_mut(key.0)?;
        match slot.state {
            SlotState::Notified => {
                let value = slot.value.take();
                self.release(key.0);
                Some(value)
            }
            SlotState::Queued => {
                match &mut slot.waker {
                    Some(w) if w.will_wake(waker) => {}
                    other => *other = Some(waker.clone()),
                }
                None
            }
            // Unreachable by rule 1; treated as "still waiting" rather than panicking.
            SlotState::Vacant => None,
        }
    }

    /// Called when the waiter's future is dropped: frees its slot and says
    /// whether it was still queued or already notified (rule 3).
    pub(crate) fn remove(&mut self, key: Key) -> Removed<T> {
        let Some(slot) = self.slots.get_mut(key.0) else {
            return Removed::Queued(None);
        };
        match slot.state {
            SlotState::Queued => {
                let value = slot.value.take();
                self.unlink(key.0);
                self.release(key.0);
                Removed::Queued(value)
            }
            SlotState::Notified => {
                let value = slot.value.take();
                self.release(key.0);
                Removed::Notified(value)
            }
            SlotState::Vacant => Removed::Queued(None),
        }
    }
}

/// The result of [`WaitList::notify_front`].
#[derive(Debug)]
pub(crate) struct Notified<T> {
    /// The notified waiter's waker, to wake after the mutex is released.
    pub(crate) waker: Option<Waker>,
    /// The value the waiter had carried in (a put's item), if any.
    pub(crate) carried: Option<T>,
}

/// Wakers collected under a mutex, woken after it is released (rule 4).
#[derive(Debug, Default)]
pub(crate) struct WakeList {
    /// The wakers, in FIFO order.
    wakers: Vec<Waker>,
}

impl WakeList {
    /// Creates an empty list without allocating.
    pub(crate) const fn new() -> Self {
        Self { wakers: Vec::new() }
    }

    /// Makes room for `n` more wakers in one allocation.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.wakers.reserve(n);
    }

    /// Adds a waker, if there is one.
    #[inline]
    pub(crate) fn push(&mut self, waker: Option<Waker>) {
        if let Some(w) = waker {
            self.wakers.push(w);
        }
    }

    /// Wakes every collected waker in order.
    pub(crate) fn wake_all(self) {
        for w in self.wakers {
            w.wake();
        }
    }
}

#[cfg(test)]
mod tests;
