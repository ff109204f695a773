//! Local tasks (`curio::spawn_local`): the inbox of the thread that owns
//! them (the scheduler handle that sends each of their wake-ups there is
//! in `runtime/local.rs`).
//!
//! A local task's future need not be `Send`: it runs only on the thread
//! that spawned it, a worker or a `block_on` thread (its *owner*). Each
//! owner has one `LocalQueue`: an inbox of woken local tasks (an MPSC list:
//! a waker on any thread pushes, the owner alone pops) and the list of its
//! live local tasks, which it shuts down before it stops.
//!
//! # Rules
//!
//! 1. **Only the owner runs them.** A local task's `Notified` goes only
//!    into its owner's inbox (`LocalSchedule::schedule` and `yield_now`),
//!    never into the injector, a stealable queue or a LIFO slot, and only
//!    the owner pops the inbox. So work stealing never sees a local task,
//!    and its future is polled, and dropped at completion or at a
//!    delivered cancellation, on its owner alone.
//! 2. **A wake reaches the owner.** A push is followed by an unpark of the
//!    owner (its worker's parker, or the `block_on` thread's waker), which
//!    leaves a token when the owner is not parked, so an owner that checks
//!    its inbox and then parks is woken by a push that came in between.
//! 3. **Shutdown stays on the owner.** Runtime shutdown, on another
//!    thread, does not drop a local task's future
//!    (`Schedule::may_drop_here`); it only drops its registry reference.
//!    The owner, before it stops (a worker leaving its loop, `block_on`
//!    returning), closes its queue and shuts down every local task it
//!    still has, on its own thread (task/mod.rs rule 7). A task spawned or
//!    woken on a closed queue is shut down or dropped at once, on the
//!    spawning thread, which is the owner.
//! 4. **The handle stays on the owner.** `LocalTask<T>` is `!Send`: the
//!    output is read or dropped on the thread that spawned the task.

use super::Shared;
use crate::loom::{Arc, AtomicUsize, Mutex};
use crate::task::{Notified, RawTask, Registry, TaskRef};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::task::Waker;
use std::thread::ThreadId;

/// The local tasks of one owner thread.
pub(crate) struct LocalQueue {
    /// The inbox and the live tasks.
    inner: Mutex<Inner>,
    /// The inbox's length, kept under the lock; read without it as a hint.
    pub(crate) len: AtomicUsize,
    /// The owner thread.
    thread: ThreadId,
    /// How to wake the owner.
    owner: Owner,
}

/// What `LocalQueue::inner` guards.
#[derive(Default)]
struct Inner {
    /// Woken local tasks, in wake order.
    inbox: VecDeque<Notified>,
    /// One reference to each live local task, by id (rule 3).
    tasks: HashMap<u64, TaskRef>,
    /// Set when the owner stopped (rule 3).
    closed: bool,
}

/// How a push wakes the owner of a `LocalQueue` (rule 2).
pub(crate) enum Owner {
    /// Worker `index` of `shared`, parked on its parker or in the driver.
    Worker {
        /// The runtime.
        shared: Arc<Shared>,
        /// The worker's index in `Shared::remotes`.
        index: usize,
    },
    /// A thread blocked in `block_on`, woken through its waker.
    Thread(Waker),
}

impl LocalQueue {
    /// An empty queue owned by the calling thread.
    pub(crate) fn new(owner: Owner) -> LocalQueue {
        LocalQueue {
            inner: Mutex::new(Inner::default()),
            len: AtomicUsize::new(0),
            thread: std::thread::current().id(),
            owner,
        }
    }

    /// Whether the inbox looked empty (a hint: the owner re-checks after
    /// the unpark that follows every push).
    pub(crate) fn is_empty(&self) -> bool {
        // ORDERING: Relaxed; a hint. A parked owner reads it after the
        // SeqCst exchange that consumes the push's unpark token (rule 2),
        // which orders the push's store before this load.
        self.len.load(Relaxed) == 0
    }

    /// Queues a woken task and wakes the owner (rules 1, 2); on a closed
    /// queue the `Notified` is dropped.
    pub(crate) fn push(&self, task: Notified) {
        let mut inner = self.inner.lock();
        if inner.closed {
            drop(inner);
            // The owner shut the task down already (rule 3): only this
            // reference is left to release.
            drop(task);
            return;
        }
        inner.inbox.push_back(task);
        // ORDERING: Relaxed; written under the lock, see `is_empty`.
        self.len.store(inner.inbox.len(), Relaxed);
        if let Owner::Worker { shared, .. } = &self.owner {
            // ORDERING: SeqCst, under the lock so `pop` cannot undo it
            // first; with the counts that `Shared::is_idle` reads, so that a
            // worker parking as the last cannot see every worker parked
            // and nothing queued while this task waits for its owner.
            shared.local_queued.fetch_add(1, SeqCst);
        }
        drop(inner);
        match &self.owner {
            Owner::Worker { shared, index } => shared.unpark(*index),
            Owner::Thread(waker) => waker.wake_by_ref(),
        }
    }

    /// Takes `n` popped tasks out of the runtime's count of queued local
    /// tasks (see `push`).
    fn unqueued(&self, n: usize) {
        if let (Owner::Worker { shared, .. }, 1..) = (&self.owner, n) {
            // ORDERING: SeqCst; see `push`.
            shared.local_queued.fetch_sub(n, SeqCst);
        }
    }

    /// Takes the oldest woken task; called by the owner only (rule 1).
    pub(crate) fn pop(&self) -> Option<Notified> {
        if self.is_empty() {
            return None;
        }
        let mut inner = self.inner.lock();
        let task = inner.inbox.pop_front();
        // ORDERING: Relaxed; written under the lock, see `is_empty`.
        self.len.store(inner.inbox.len(), Relaxed);
        if task.is_some() {
            self.unqueued(1);
        }
        task
    }

    /// Spawns a local task on this queue: registers it with the runtime
    /// and with its owner, then queues its first run; refused by a closed
    /// registry or queue, it is shut down at once, on this (the owner's)
    /// thread.
    pub(crate) fn spawn(&self, registry: &Registry, registered: TaskRef, notified: Notified) {
        let adopted = {
            let mut inner = self.inner.lock();
            if inner.closed {
                false
            } else {
                inner
                    .tasks
                    .insert(registered.id().as_u64(), registered.clone_ref());
                true
            }
        };
        match registry.insert(registered) {
            Ok(()) if adopted => self.push(notified),
            Ok(()) => notified.shutdown(),
            Err(registered) => {
                notified.shutdown();
                drop(registered);
            }
        }
    }

    /// A local task completed: drops the owner's reference to it.
    pub(crate) fn forget(&self, task: RawTask) {
        let id = task.header().id.as_u64();
        let owned = self.inner.lock().tasks.remove(&id);
        // Outside the lock; never the last reference (the completing
        // caller holds its own, task/mod.rs rule 1).
        drop(owned);
    }

    /// The owner stops (rule 3): closes the queue and shuts down, here,
    /// every local task still alive, then drops what the inbox held.
    pub(crate) fn shut_down(&self) {
        let (tasks, inbox) = {
            let mut inner = self.inner.lock();
            inner.closed = true;
            (
                std::mem::take(&mut inner.tasks),
                std::mem::take(&mut inner.inbox),
            )
        };
        // ORDERING: Relaxed; see `is_empty`.
        self.len.store(0, Relaxed);
        self.unqueued(inbox.len());
        debug_assert_eq!(std::thread::current().id(), self.thread);
        for (_, task) in tasks {
            task.shutdown();
        }
        drop(inbox);
    }

    /// Whether the calling thread is the owner.
    pub(crate) fn on_owner(&self) -> bool {
        std::thread::current().id() == self.thread
    }
}
