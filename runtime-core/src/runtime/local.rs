//! Local tasks on a runtime (`curio::spawn_local`): the scheduler handle
//! that sends a local task's wake-ups to its owner's inbox
//! (`scheduler/local.rs`, whose rules hold here), and the inbox of each
//! `block_on` call, which its loop runs between polls of its future.

use crate::loom::Arc;
use crate::runtime::Handle;
use crate::scheduler::local::{LocalQueue, Owner};
use crate::task::{Notified, RawTask, Schedule};
use std::cell::RefCell;
use std::sync::atomic::Ordering::Relaxed;
use std::task::Waker;

/// The scheduler handle of a local task: every wake goes to its owner's
/// inbox (rule 1).
pub(crate) struct LocalSchedule {
    /// The runtime, for the registry.
    handle: Handle,
    /// The owner's queue.
    queue: Arc<LocalQueue>,
}

impl LocalSchedule {
    /// The scheduler of a task owned by `queue`'s thread.
    pub(crate) fn new(handle: Handle, queue: Arc<LocalQueue>) -> LocalSchedule {
        LocalSchedule { handle, queue }
    }
}

impl Schedule for LocalSchedule {
    fn schedule(&self, task: Notified) {
        self.queue.push(task);
    }

    fn yield_now(&self, task: Notified) {
        self.queue.push(task);
    }

    fn release(&self, task: RawTask) -> bool {
        self.queue.forget(task);
        Schedule::release(&self.handle, task)
    }

    fn may_drop_here(&self) -> bool {
        self.queue.on_owner()
    }

    fn profiling(&self) -> bool {
        Schedule::profiling(&self.handle)
    }
}

thread_local! {
    /// The local queue of the innermost `block_on` running on this thread.
    static BLOCK_ON: RefCell<Option<(Handle, Arc<LocalQueue>)>> = const { RefCell::new(None) };
}

/// The runtime and local queue of the calling thread: its worker's, or
/// its innermost `block_on`'s; `None` elsewhere.
pub(crate) fn current_owner() -> Option<(Handle, Arc<LocalQueue>)> {
    let worker_queue = crate::scheduler::worker::with_worker(|cx| cx.map(|cx| cx.local.clone()));
    worker_queue
        .and_then(|queue| super::context::current().map(|handle| (handle, queue)))
        .or_else(|| BLOCK_ON.with(|b| b.borrow().clone()))
}

/// The local tasks of one `block_on` call: entered while it runs, run by
/// its loop between polls of its future, and shut down when it returns.
pub(crate) struct BlockOnLocal {
    /// This call's queue.
    queue: Arc<LocalQueue>,
    /// The queue of an enclosing `block_on` on this thread, restored at the
    /// end.
    prev: Option<(Handle, Arc<LocalQueue>)>,
}

impl BlockOnLocal {
    /// Makes the calling thread, which `waker` wakes, the owner of the
    /// local tasks spawned until the guard drops.
    pub(crate) fn enter(handle: &Handle, waker: Waker) -> BlockOnLocal {
        let queue = Arc::new(LocalQueue::new(Owner::Thread(waker)));
        let prev = BLOCK_ON.with(|b| b.borrow_mut().replace((handle.clone(), queue.clone())));
        BlockOnLocal { queue, prev }
    }

    /// Runs the local tasks queued now (not those they wake, so the future
    /// of `block_on` gets its turn); returns whether more are queued.
    pub(crate) fn run_ready(&self) -> bool {
        if self.queue.is_empty() {
            return false;
        }
        // ORDERING: Relaxed; a bound on this batch, read on the owner.
        let batch = self.queue.len.load(Relaxed);
        for _ in 0..batch {
            match self.queue.pop() {
                Some(task) => task.run(),
                None => break,
            }
        }
        !self.queue.is_empty()
    }
}

impl Drop for BlockOnLocal {
    fn drop(&mut self) {
        // While still entered: a destructor that spawns a local task finds
        // the closed queue and has it shut down at once (rule 3).
        self.queue.shut_down();
        let prev = self.prev.take();
        BLOCK_ON.with(|b| *b.borrow_mut() = prev);
    }
}
