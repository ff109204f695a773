//! The hierarchical timing wheel: where timers wait, in slots of 1 ms.
//!
//! Six [`Level`]s of 64 slots (1 ms, 64 ms, 4 s, 4.4 min, 4.7 h, 12.4 days
//! per slot). Entries live in a slab and each slot is a doubly linked list
//! threaded through it, so inserting and removing a timer are O(1) and
//! allocation-free once the slab has grown. Advancing visits only occupied
//! slots (found through each level's bitmap); an entry of a higher level is
//! re-placed on a lower one when its slot is reached, so each entry moves at
//! most once per level.
//!
//! This type is plain data: the driver (`driver.rs`) keeps it behind a
//! mutex. Ticks are milliseconds since the driver's start.
//!
//! # Invariants
//!
//! 1. An armed entry due at tick `t > elapsed` sits in slot
//!    `slot_for(clamp(t))` of level `level_for(elapsed_at_insert, clamp(t))`,
//!    which starts strictly after `elapsed`.
//! 2. `advance(now)` visits slot starts in increasing order and never moves
//!    `elapsed` past an occupied slot's start without emptying that slot, so
//!    invariant 1 keeps holding.
//! 3. A fired entry's waker is handed out once; its slab slot stays reserved
//!    for its owner until the owner calls [`Wheel::remove`].

use super::level::{self, Level, LEVELS, NIL};
use std::task::Waker;

/// A reserved timer slot: index and generation (so a stale key is never
/// mistaken for a reused slot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Key {
    /// The index in the slab.
    index: u32,
    /// The slot's generation when it was reserved.
    generation: u32,
}

/// Where an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// Reserved by its owner but in no list (not armed yet).
    Idle,
    /// In the list of `slot` on `level`.
    Armed {
        /// The level.
        level: u8,
        /// The slot on that level.
        slot: u8,
    },
    /// Its deadline was reached and its waker handed out.
    Fired,
    /// On the free list.
    Free,
}

/// One timer in the slab.
struct Node {
    /// The tick it is due at.
    when: u64,
    /// Where it is.
    place: Place,
    /// Bumped each time the slot is freed.
    generation: u32,
    /// The previous entry of its slot's list, or the next free slot.
    prev: u32,
    /// The next entry of its slot's list.
    next: u32,
    /// Woken when the entry fires.
    waker: Option<Waker>,
}

/// The timing wheel.
pub(crate) struct Wheel {
    /// The tick up to which every due entry has fired.
    elapsed: u64,
    /// The levels, finest first.
    levels: [Level; LEVELS],
    /// Every entry, armed or not.
    slab: Vec<Node>,
    /// The first free slab slot, or [`NIL`].
    free: u32,
    /// How many entries are armed.
    armed: usize,
}

impl Wheel {
    /// An empty wheel at tick 0.
    pub(crate) fn new() -> Wheel {
        Wheel {
            elapsed: 0,
            levels: std::array::from_fn(|l| Level::new(l as u32)),
            slab: Vec::new(),
            free: NIL,
            armed: 0,
        }
    }

    /// The tick up to which entries have fired.
    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// How many entries are armed.
    pub(crate) fn armed(&self) -> usize {
        self.armed
    }

    /// Reserves a slab slot for a new timer (not armed yet).
    pub(crate) fn reserve(&mut self) -> Key {
        let index = if self.free != NIL {
            let index = self.free;
            let node = &mut self.slab[index as usize];
            self.free = node.prev;
            node.place = Place::Idle;
            index
        } else {
            let index = u32::try_from(self.slab.len()).expect("more than 2^32 timers");
            self.slab.push(Node {
                when: 0,
                place: Place::Idle,
                generation: 0,
                prev: NIL,
                next: NIL,
                waker: None,
            });
            index
        };
        Key {
            index,
            generation: self.slab[index as usize].generation,
        }
    }

    /// The node of a live key.
    fn node(&mut self, key: Key) -> &mut Node {
        let node = &mut self.slab[key.index as usize];
        debug_assert_eq!(node.generation, key.generation, "stale timer key");
        debug_assert_ne!(node.place, Place::Free, "timer key used after remove");
        node
    }

    /// Arms (or re-arms) `key` to fire at tick `when`, waking `waker`.
    /// Returns false, leaving the entry fired, if `when` is not after
    /// `elapsed` (the caller treats it as due now).
    pub(crate) fn arm(&mut self, key: Key, when: u64, waker: Waker) -> bool {
        self.unlink(key);
        let elapsed = self.elapsed;
        let node = self.node(key);
        node.when = when;
        if when <= elapsed {
            node.place = Place::Fired;
            node.waker = None;
            return false;
        }
        node.waker = Some(waker);
        self.link(key.index, when);
        true
    }

    /// Whether `key` has fired.
    pub(crate) fn is_fired(&mut self, key: Key) -> bool {
        self.node(key).place == Place::Fired
    }

    /// Replaces the waker of an armed entry unless it would wake the same
    /// task.
    pub(crate) fn update_waker(&mut self, key: Key, waker: &Waker) {
        let node = self.node(key);
        match &node.waker {
            Some(w) if w.will_wake(waker) => {}
            _ => node.waker = Some(waker.clone()),
        }
    }

    /// Disarms `key` if armed and frees its slot: O(1).
    pub(crate) fn remove(&mut self, key: Key) {
        self.unlink(key);
        let free = self.free;
        let node = self.node(key);
        node.waker = None;
        node.place = Place::Free;
        node.generation = node.generation.wrapping_add(1);
        node.prev = free;
        self.free = key.index;
    }

    /// Puts entry `index`, due at `when > elapsed`, in its slot (rule 1).
    fn link(&mut self, index: u32, when: u64) {
        let placed = level::clamp(self.elapsed, when);
        let l = level::level_for(self.elapsed, placed);
        let slot = self.levels[l].slot_for(placed);
        let head = self.levels[l].head(slot);
        if head != NIL {
            self.slab[head as usize].prev = index;
        }
        let node = &mut self.slab[index as usize];
        node.prev = NIL;
        node.next = head;
        node.place = Place::Armed {
            level: l as u8,
            slot: slot as u8,
        };
        self.levels[l].set_head(slot, index);
        self.armed += 1;
    }

    /// Takes `key` out of its slot's list if it is armed.
    fn unlink(&mut self, key: Key) {
        let node = self.node(key);
        let Place::Armed { level, slot } = node.place else {
            return;
        };
        let (prev, next) = (node.prev, node.next);
        node.place = Place::Idle;
        if prev == NIL {
            self.levels[level as usize].set_head(slot as usize, next);
        } else {
            self.slab[prev as usize].next = next;
        }
        if next != NIL {
            self.slab[next as usize].prev = prev;
        }
        self.armed -= 1;
    }

    /// The earliest slot start with an entry: the driver must advance by
    /// then (entries of higher levels may be due later; reaching the slot
    /// re-places them).
    pub(crate) fn next_expiration(&self) -> Option<u64> {
        self.levels
            .iter()
            .filter_map(|l| l.next_occupied(self.elapsed).map(|(_, start)| start))
            .min()
    }

    /// Advances to tick `now`, firing every entry due by then; their wakers
    /// go to `fired` (the caller wakes them after releasing the lock).
    /// Stops early, returning false, once `fired` holds `batch` wakers.
    pub(crate) fn advance(&mut self, now: u64, fired: &mut Vec<Waker>, batch: usize) -> bool {
        loop {
            let next = self
                .levels
                .iter()
                .enumerate()
                .filter_map(|(i, l)| l.next_occupied(self.elapsed).map(|(s, t)| (t, i, s)))
                .min();
            let Some((start, l, slot)) = next.filter(|&(t, _, _)| t <= now) else {
                self.elapsed = self.elapsed.max(now);
                return true;
            };
            if fired.len() >= batch {
                return false;
            }
            self.elapsed = start;
            let mut index = self.levels[l].head(slot);
            self.levels[l].set_head(slot, NIL);
            while index != NIL {
                let node = &mut self.slab[index as usize];
                let next = node.next;
                self.armed -= 1;
                if node.when <= start {
                    node.place = Place::Fired;
                    if let Some(w) = node.waker.take() {
                        fired.push(w);
                    }
                } else {
                    let when = node.when;
                    self.link(index, when);
                }
                index = next;
            }
        }
    }
}
