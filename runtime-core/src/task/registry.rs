//! The registry of live tasks: who must be cancelled at shutdown, and what
//! the monitor lists.
//!
//! A sharded slab: a task is inserted at spawn (one short lock of the shard
//! its id picks) and removed when it completes. Each entry owns one task
//! reference (rule 1). Closing the registry at shutdown refuses new tasks
//! and hands every remaining one to the caller.

use super::raw::RawTask;
use super::TaskRef;
use crate::loom::Mutex;
use crossbeam_utils::CachePadded;
use std::sync::atomic::Ordering::Relaxed;

/// The live tasks of one runtime.
pub(crate) struct Registry {
    /// The shards; a task lives in shard `id & mask`.
    shards: Box<[CachePadded<Mutex<Shard>>]>,
    /// `shards.len() - 1` (a power of two minus one).
    mask: usize,
}

/// One shard: a slab of task references.
#[derive(Default)]
struct Shard {
    /// Occupied and free slots.
    slots: Vec<Option<TaskRef>>,
    /// Indices of free slots.
    free: Vec<usize>,
    /// Set at shutdown: inserts are refused.
    closed: bool,
}

/// A shard with fewer slots than this is never compacted.
const SHRINK_MIN_SLOTS: usize = 64;

impl Shard {
    /// Compacts the slab once at most a quarter of its slots are occupied
    /// (and it has at least `SHRINK_MIN_SLOTS`), so a burst of tasks does
    /// not keep its memory, nor make `for_each` and `with_task` scan it, for
    /// the runtime's whole life. The live entries move to the front, with
    /// their `owner_key` updated (under the shard lock, where `remove` reads
    /// it), and the capacity drops to twice their number. The cost is
    /// linear in the slab but paid at most once per three quarters of it
    /// emptied, so it is amortised O(1) per removal.
    fn shrink_if_sparse(&mut self) {
        let len = self.slots.len();
        let live = len - self.free.len();
        if len < SHRINK_MIN_SLOTS || live * 4 > len {
            return;
        }
        let mut next = 0;
        for i in 0..len {
            if let Some(task) = self.slots[i].take() {
                // ORDERING: Relaxed; written and read under the shard lock.
                task.raw().header().owner_key.store(next, Relaxed);
                self.slots[next] = Some(task);
                next += 1;
            }
        }
        self.slots.truncate(next);
        self.slots.shrink_to(SHRINK_MIN_SLOTS.max(next * 2));
        self.free.clear();
        self.free.shrink_to(SHRINK_MIN_SLOTS);
    }

    /// The slab's capacity, for tests.
    #[cfg(test)]
    fn capacity(&self) -> usize {
        self.slots.capacity()
    }
}

impl Registry {
    /// The capacity of the first shard's slab, for tests.
    #[cfg(test)]
    pub(crate) fn slot_capacity(&self) -> usize {
        self.shards[0].lock().capacity()
    }

    /// A registry with at least `shards` shards.
    pub(crate) fn new(shards: usize) -> Registry {
        let n = shards.max(1).next_power_of_two();
        Registry {
            shards: (0..n)
                .map(|_| CachePadded::new(Mutex::new(Shard::default())))
                .collect(),
            mask: n - 1,
        }
    }

    /// The shard of a task.
    fn shard(&self, raw: RawTask) -> &Mutex<Shard> {
        &self.shards[(raw.header().id.as_u64() as usize) & self.mask]
    }

    /// Adds a task; gives the reference back if the registry is closed.
    pub(crate) fn insert(&self, task: TaskRef) -> Result<(), TaskRef> {
        let raw = task.raw();
        let mut shard = self.shard(raw).lock();
        if shard.closed {
            return Err(task);
        }
        let key = match shard.free.pop() {
            Some(key) => {
                shard.slots[key] = Some(task);
                key
            }
            None => {
                shard.slots.push(Some(task));
                shard.slots.len() - 1
            }
        };
        // ORDERING: Relaxed; written under the shard lock and read under it
        // by `remove`.
        raw.header().owner_key.store(key, Relaxed);
        Ok(())
    }

    /// Removes a task, giving back its reference; `None` if it is no longer
    /// there (shutdown drained it).
    pub(crate) fn remove(&self, raw: RawTask) -> Option<TaskRef> {
        let mut shard = self.shard(raw).lock();
        // ORDERING: Relaxed; written under this lock by `insert`.
        let key = raw.header().owner_key.load(Relaxed);
        match shard.slots.get(key) {
            Some(Some(t)) if t.raw() == raw => {}
            _ => return None,
        }
        let task = shard.slots[key].take();
        shard.free.push(key);
        shard.shrink_if_sparse();
        task
    }

    /// Calls `f` on every live task, one shard locked at a time.
    pub(crate) fn for_each(&self, mut f: impl FnMut(RawTask)) {
        for shard in self.shards.iter() {
            let shard = shard.lock();
            for t in shard.slots.iter().flatten() {
                f(t.raw());
            }
        }
    }

    /// Calls `f` on the live task with this id, if there is one, with its
    /// shard locked (so the task stays alive meanwhile).
    pub(crate) fn with_task<R>(&self, id: u64, f: impl FnOnce(RawTask) -> R) -> Option<R> {
        let shard = self.shards[(id as usize) & self.mask].lock();
        let raw = shard
            .slots
            .iter()
            .flatten()
            .map(TaskRef::raw)
            .find(|t| t.header().id.as_u64() == id)?;
        Some(f(raw))
    }

    /// The number of live tasks.
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                let s = s.lock();
                s.slots.len() - s.free.len()
            })
            .sum()
    }

    /// Closes every shard: new tasks are refused from now on, the
    /// registered ones stay until they complete.
    pub(crate) fn close(&self) {
        for shard in self.shards.iter() {
            shard.lock().closed = true;
        }
    }

    /// Closes every shard and returns the tasks still registered.
    pub(crate) fn close_and_drain(&self) -> Vec<TaskRef> {
        let mut out = Vec::new();
        for shard in self.shards.iter() {
            let mut shard = shard.lock();
            shard.closed = true;
            out.extend(shard.slots.drain(..).flatten());
            shard.free.clear();
        }
        out
    }
}
