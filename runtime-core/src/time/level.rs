//! One level of the hierarchical timing wheel: 64 slots and a bitmap of the
//! occupied ones.
//!
//! Level `L` has slots of `64^L` ticks; all 64 together span `64^(L+1)`
//! ticks. An entry due at tick `t` sits in slot `(t >> 6L) & 63` of the
//! level chosen by [`level_for`]. The slot lists are doubly linked through
//! the wheel's slab (`wheel.rs`), so a slot here is just the index of its
//! first entry.

/// Slots per level.
pub(crate) const SLOTS: usize = 64;

/// Bits of a tick that index a slot of one level.
pub(crate) const SLOT_BITS: u32 = 6;

/// Number of levels: 64^6 ms is about 2.2 years.
pub(crate) const LEVELS: usize = 6;

/// The index that ends a list.
pub(crate) const NIL: u32 = u32::MAX;

/// One level of the wheel.
pub(crate) struct Level {
    /// Which level this is (0 = one tick per slot).
    level: u32,
    /// Bit `i` is set while slot `i` holds an entry.
    occupied: u64,
    /// The first entry of each slot's list, or [`NIL`].
    heads: [u32; SLOTS],
}

impl Level {
    /// An empty level number `level`.
    pub(crate) fn new(level: u32) -> Level {
        Level {
            level,
            occupied: 0,
            heads: [NIL; SLOTS],
        }
    }

    /// Ticks spanned by one slot.
    pub(crate) fn slot_range(&self) -> u64 {
        1 << (SLOT_BITS * self.level)
    }

    /// Ticks spanned by the whole level.
    pub(crate) fn level_range(&self) -> u64 {
        1 << (SLOT_BITS * (self.level + 1))
    }

    /// The slot where an entry due at `when` sits on this level.
    pub(crate) fn slot_for(&self, when: u64) -> usize {
        ((when >> (SLOT_BITS * self.level)) as usize) & (SLOTS - 1)
    }

    /// The first entry of `slot`.
    pub(crate) fn head(&self, slot: usize) -> u32 {
        self.heads[slot]
    }

    /// Sets the first entry of `slot`, keeping the bitmap in step.
    pub(crate) fn set_head(&mut self, slot: usize, head: u32) {
        self.heads[slot] = head;
        if head == NIL {
            self.occupied &= !(1 << slot);
        } else {
            self.occupied |= 1 << slot;
        }
    }

    /// The earliest occupied slot after the one `elapsed` is in, as
    /// `(slot, tick at which it starts)`.
    ///
    /// Entries are only ever placed in slots strictly after the current one
    /// (see `level_for`), and the wheel visits every slot start in order, so
    /// no occupied slot lies at or before the current one.
    pub(crate) fn next_occupied(&self, elapsed: u64) -> Option<(usize, u64)> {
        let now_slot = self.slot_for(elapsed);
        let after = if now_slot == SLOTS - 1 {
            0
        } else {
            self.occupied & (u64::MAX << (now_slot + 1))
        };
        if after == 0 {
            return None;
        }
        let slot = after.trailing_zeros() as usize;
        let start = (elapsed & !(self.level_range() - 1)) + slot as u64 * self.slot_range();
        Some((slot, start))
    }
}

/// The level where an entry due at `when` goes, seen from tick `elapsed`
/// (`when > elapsed`): the level of the highest 6-bit digit in which they
/// differ. Deadlines beyond the top level must be clamped by the caller
/// (see [`clamp`]).
pub(crate) fn level_for(elapsed: u64, when: u64) -> usize {
    let differ = (elapsed ^ when) | (SLOTS as u64 - 1);
    let bit = 63 - differ.leading_zeros();
    (bit / SLOT_BITS) as usize
}

/// The tick where an entry due at `when` is placed: `when` itself unless it
/// lies beyond the span of the top level, in which case the last tick of the
/// top level's current span (the entry is then re-placed when reached).
pub(crate) fn clamp(elapsed: u64, when: u64) -> u64 {
    let top = 1u64 << (SLOT_BITS * LEVELS as u32);
    if (elapsed ^ when) >= top {
        elapsed | (top - 1)
    } else {
        when
    }
}
