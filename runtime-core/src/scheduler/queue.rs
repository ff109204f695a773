//! The run queues: each worker's local deque, its stealer, and the shared
//! injector.
//!
//! The real build wraps `crossbeam_deque` (Chase-Lev deques and a segmented
//! injector). `crossbeam_deque` is not loom-aware, so under loom the same
//! shapes are backed by a `Mutex<VecDeque>`; the models then check the
//! protocol around the queues (parking, notification), not the deque
//! itself.

use crate::task::Notified;

#[cfg(not(all(test, curio_loom)))]
mod imp {
    use super::Notified;
    use crossbeam_deque::Steal;

    /// Retries `steal` while crossbeam asks for a retry.
    fn retry(mut steal: impl FnMut() -> Steal<Notified>) -> Option<Notified> {
        loop {
            match steal() {
                Steal::Success(t) => return Some(t),
                Steal::Empty => return None,
                Steal::Retry => crate::loom::spin_loop(),
            }
        }
    }

    /// A worker's own queue: FIFO, pushed and popped by its owner only.
    pub(crate) struct Local(crossbeam_deque::Worker<Notified>);

    /// The handle other workers steal from.
    pub(crate) struct Stealer(crossbeam_deque::Stealer<Notified>);

    /// The queue for tasks scheduled from outside any worker.
    pub(crate) struct Injector(crossbeam_deque::Injector<Notified>);

    /// A new local queue and its stealer.
    pub(crate) fn local() -> (Local, Stealer) {
        let w = crossbeam_deque::Worker::new_fifo();
        let s = w.stealer();
        (Local(w), Stealer(s))
    }

    impl Local {
        /// Pushes at the back.
        pub(crate) fn push(&self, task: Notified) {
            self.0.push(task);
        }

        /// Pops from the front.
        pub(crate) fn pop(&self) -> Option<Notified> {
            self.0.pop()
        }

        /// The number of queued tasks.
        pub(crate) fn len(&self) -> usize {
            self.0.len()
        }
    }

    impl Stealer {
        /// Moves about half of the victim's tasks into `dest` and returns
        /// one of them.
        pub(crate) fn steal_batch_and_pop(&self, dest: &Local) -> Option<Notified> {
            retry(|| self.0.steal_batch_and_pop(&dest.0))
        }

        /// Whether the victim's queue looks empty.
        pub(crate) fn is_empty(&self) -> bool {
            self.0.is_empty()
        }

        /// The number of tasks in the victim's queue.
        pub(crate) fn len(&self) -> usize {
            self.0.len()
        }
    }

    impl Injector {
        /// An empty injector.
        pub(crate) fn new() -> Injector {
            Injector(crossbeam_deque::Injector::new())
        }

        /// Pushes at the back.
        pub(crate) fn push(&self, task: Notified) {
            self.0.push(task);
        }

        /// Pops one task.
        pub(crate) fn pop(&self) -> Option<Notified> {
            retry(|| self.0.steal())
        }

        /// Moves up to `limit` tasks into `dest` and returns one more.
        pub(crate) fn steal_batch_with_limit_and_pop(
            &self,
            dest: &Local,
            limit: usize,
        ) -> Option<Notified> {
            retry(|| self.0.steal_batch_with_limit_and_pop(&dest.0, limit.max(1)))
        }

        /// Moves up to `limit` tasks into `dest` (a single call may move
        /// fewer: crossbeam takes at most one block of the injector).
        /// Returns whether any moved.
        pub(crate) fn steal_batch_with_limit(&self, dest: &Local, limit: usize) -> bool {
            loop {
                match self.0.steal_batch_with_limit(&dest.0, limit.max(1)) {
                    Steal::Success(()) => return true,
                    Steal::Empty => return false,
                    Steal::Retry => crate::loom::spin_loop(),
                }
            }
        }

        /// Whether the injector looks empty.
        pub(crate) fn is_empty(&self) -> bool {
            self.0.is_empty()
        }

        /// The number of queued tasks.
        pub(crate) fn len(&self) -> usize {
            self.0.len()
        }
    }
}

#[cfg(all(test, curio_loom))]
mod imp {
    use super::Notified;
    use crate::loom::{Arc, Mutex};
    use std::collections::VecDeque;

    /// Moves the front task and half of the rest of `src` into `dest`,
    /// returning the front one.
    fn steal_half(src: &Mutex<VecDeque<Notified>>, dest: &Local) -> Option<Notified> {
        let mut src = src.lock();
        let first = src.pop_front()?;
        let n = src.len() / 2;
        let batch: Vec<_> = src.drain(..n).collect();
        drop(src);
        dest.0.lock().extend(batch);
        Some(first)
    }

    /// A worker's own queue (loom stand-in).
    pub(crate) struct Local(Arc<Mutex<VecDeque<Notified>>>);

    /// The handle other workers steal from (loom stand-in).
    pub(crate) struct Stealer(Arc<Mutex<VecDeque<Notified>>>);

    /// The shared injector (loom stand-in).
    pub(crate) struct Injector(Mutex<VecDeque<Notified>>);

    /// A new local queue and its stealer.
    pub(crate) fn local() -> (Local, Stealer) {
        let q = Arc::new(Mutex::new(VecDeque::new()));
        (Local(q.clone()), Stealer(q))
    }

    impl Local {
        /// Pushes at the back.
        pub(crate) fn push(&self, task: Notified) {
            self.0.lock().push_back(task);
        }

        /// Pops from the front.
        pub(crate) fn pop(&self) -> Option<Notified> {
            self.0.lock().pop_front()
        }

        /// The number of queued tasks.
        pub(crate) fn len(&self) -> usize {
            self.0.lock().len()
        }
    }

    impl Stealer {
        /// Moves half of the victim's tasks into `dest`, returning one.
        pub(crate) fn steal_batch_and_pop(&self, dest: &Local) -> Option<Notified> {
            steal_half(&self.0, dest)
        }

        /// Whether the victim's queue is empty.
        pub(crate) fn is_empty(&self) -> bool {
            self.0.lock().is_empty()
        }

        /// The number of tasks in the victim's queue.
        pub(crate) fn len(&self) -> usize {
            self.0.lock().len()
        }
    }

    impl Injector {
        /// An empty injector.
        pub(crate) fn new() -> Injector {
            Injector(Mutex::new(VecDeque::new()))
        }

        /// Pushes at the back.
        pub(crate) fn push(&self, task: Notified) {
            self.0.lock().push_back(task);
        }

        /// Pops one task.
        pub(crate) fn pop(&self) -> Option<Notified> {
            self.0.lock().pop_front()
        }

        /// Moves up to `limit` tasks into `dest`, returning one more.
        pub(crate) fn steal_batch_with_limit_and_pop(
            &self,
            dest: &Local,
            limit: usize,
        ) -> Option<Notified> {
            let mut src = self.0.lock();
            let first = src.pop_front()?;
            let n = src.len().min(limit);
            let batch: Vec<_> = src.drain(..n).collect();
            drop(src);
            dest.0.lock().extend(batch);
            Some(first)
        }

        /// Moves up to `limit` tasks into `dest`; whether any moved.
        pub(crate) fn steal_batch_with_limit(&self, dest: &Local, limit: usize) -> bool {
            let mut src = self.0.lock();
            let n = src.len().min(limit.max(1));
            let batch: Vec<_> = src.drain(..n).collect();
            drop(src);
            let moved = !batch.is_empty();
            dest.0.lock().extend(batch);
            moved
        }

        /// Whether the injector is empty.
        pub(crate) fn is_empty(&self) -> bool {
            self.0.lock().is_empty()
        }

        /// The number of queued tasks.
        pub(crate) fn len(&self) -> usize {
            self.0.lock().len()
        }
    }
}

pub(crate) use imp::*;
