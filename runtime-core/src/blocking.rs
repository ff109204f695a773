//! Blocking work off the workers: the bounded pool behind
//! [`run_in_thread`] and the dedicated threads of [`spawn_thread`].
//!
//! A blocking call becomes a task whose future runs the closure once, so
//! joining, panics and cancellation work as for any task. The pool starts
//! threads on demand up to its bound; an idle thread exits after the
//! keep-alive. At shutdown, queued calls are cancelled and the pool's
//! threads are joined (a call already running is waited for).

use crate::loom::{Arc, Condvar, Mutex};
use crate::runtime::{context, Builder, Handle};
use crate::task::{self, Notified, RawTask, Schedule, Task};
use std::collections::VecDeque;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The pool of threads for blocking calls.
pub(crate) struct Pool {
    /// State shared with the pool's threads.
    inner: Arc<Inner>,
}

/// The pool's shared state.
struct Inner {
    /// Queue and thread bookkeeping.
    state: Mutex<PoolState>,
    /// Idle threads wait here.
    condvar: Condvar,
    /// Most threads at once.
    max_threads: usize,
    /// How long an idle thread waits before exiting.
    keep_alive: Duration,
    /// Name prefix of the runtime's threads.
    thread_name: String,
    /// Stack size of the pool's threads.
    stack_size: Option<usize>,
    /// `Builder::on_thread_start`, called on each pool thread as it starts.
    on_start: Option<crate::runtime::builder::ThreadHook>,
    /// `Builder::on_thread_stop`, called on each pool thread as it stops.
    on_stop: Option<crate::runtime::builder::ThreadHook>,
}

/// The pool's bookkeeping, under `Inner::state`.
#[derive(Default)]
struct PoolState {
    /// Calls not yet started.
    queue: VecDeque<Notified>,
    /// Threads alive.
    num_threads: usize,
    /// Threads waiting for work and not yet claimed.
    num_idle: usize,
    /// Wake-ups sent to idle threads and not yet consumed.
    num_notify: usize,
    /// Set at shutdown.
    shutdown: bool,
    /// Join handles of the pool's live threads. A thread that exits moves
    /// its own handle to `last_exited` (see [`retire`]).
    threads: Vec<JoinHandle<()>>,
    /// The handle of the pool or `spawn_thread` thread that exited last,
    /// joined by the next one to exit or at shutdown, so that at most one
    /// finished thread is ever left unjoined.
    last_exited: Option<JoinHandle<()>>,
    /// Numbers the threads.
    next_id: usize,
}

impl Pool {
    /// An empty pool configured by `builder`.
    pub(crate) fn new(builder: &Builder) -> Pool {
        Pool {
            inner: Arc::new(Inner {
                state: Mutex::new(PoolState::default()),
                condvar: Condvar::new(),
                max_threads: builder.max_blocking_threads,
                keep_alive: builder.keep_alive,
                thread_name: builder.thread_name.clone(),
                stack_size: builder.stack_size,
                on_start: builder.on_thread_start.clone(),
                on_stop: builder.on_thread_stop.clone(),
            }),
        }
    }

    /// Queues a blocking call of `handle`'s runtime.
    fn push(&self, handle: &Handle, task: Notified) {
        let mut st = self.inner.state.lock();
        if st.shutdown {
            drop(st);
            return task.shutdown();
        }
        st.queue.push_back(task);
        if st.num_idle > 0 {
            st.num_idle -= 1;
            st.num_notify += 1;
            drop(st);
            self.inner.condvar.notify_one();
            return;
        }
        if st.num_threads >= self.inner.max_threads {
            // Every thread is busy: the call waits for one to be free.
            return;
        }
        // The thread's slot is taken under the lock, and the (slow) OS
        // thread is started outside it, so other calls and the pool's
        // threads are not held up meanwhile.
        st.num_threads += 1;
        let id = st.next_id;
        st.next_id += 1;
        drop(st);
        let mut builder =
            std::thread::Builder::new().name(format!("{}-blocking-{}", self.inner.thread_name, id));
        if let Some(size) = self.inner.stack_size {
            builder = builder.stack_size(size);
        }
        let inner = self.inner.clone();
        let thread_handle = handle.clone();
        let spawned = builder.spawn(move || {
            if let Some(hook) = &inner.on_start {
                (hook.0)();
            }
            inner.run(thread_handle);
            if let Some(hook) = &inner.on_stop {
                (hook.0)();
            }
        });
        let mut st = self.inner.state.lock();
        match spawned {
            Ok(join) if st.shutdown => {
                // Shutdown took the handles while this one was starting:
                // the thread sees the flag and exits; join it here, as
                // shutdown would have.
                drop(st);
                let _ = join.join();
            }
            Ok(join) => {
                // A thread that ran and exited before its handle got here
                // found nothing to retire; collect such handles now.
                reap(&mut st.threads);
                st.threads.push(join);
            }
            Err(_) => {
                st.num_threads -= 1;
                if st.num_threads == 0 {
                    // No thread can run the queued calls: fail them rather
                    // than leave them waiting for ever.
                    let queued = std::mem::take(&mut st.queue);
                    drop(st);
                    for task in queued {
                        task.shutdown();
                    }
                }
                // Otherwise a running thread takes the call when it is free.
            }
        }
    }

    /// `run_in_thread` closures queued or running.
    pub(crate) fn in_flight(&self) -> usize {
        let st = self.inner.state.lock();
        st.queue.len() + st.num_threads.saturating_sub(st.num_idle)
    }

    /// The number of live pool threads.
    pub(crate) fn threads(&self) -> usize {
        self.inner.state.lock().num_threads
    }

    /// Cancels queued calls and joins every thread of the pool (and the
    /// last `spawn_thread` thread that retired; the others are joined by
    /// the runtime).
    pub(crate) fn shutdown(&self, deadline: Instant) {
        let (queued, threads) = {
            let mut st = self.inner.state.lock();
            st.shutdown = true;
            let mut threads = std::mem::take(&mut st.threads);
            threads.extend(st.last_exited.take());
            (std::mem::take(&mut st.queue), threads)
        };
        self.inner.condvar.notify_all();
        for task in queued {
            task.shutdown();
        }
        join_by(threads, deadline);
    }
}

/// Joins every thread that finishes by `deadline`; a thread still running
/// then (inside a closure that does not return) is left to finish on its
/// own, and named in a log line, so shutdown never hangs past its grace
/// period.
pub(crate) fn join_by(threads: Vec<JoinHandle<()>>, deadline: Instant) {
    let mut step = std::time::Duration::from_micros(50);
    for join in threads {
        while !join.is_finished() && Instant::now() < deadline {
            std::thread::sleep(step);
            step = (step * 2).min(std::time::Duration::from_millis(5));
        }
        if join.is_finished() {
            let _ = join.join();
        } else {
            log::warn!(
                target: "curio::runtime",
                "thread {:?} is still inside its closure after the shutdown grace period; \
                 it is left to finish on its own",
                join.thread().name().unwrap_or("(unnamed)")
            );
        }
    }
}

/// Gives a pool thread's slot back when the thread ends, even by a panic,
/// so that the pool never counts a thread that is gone (a miscount would
/// leave calls queued with no thread to run them).
struct SlotGuard<'a> {
    /// The pool.
    inner: &'a Inner,
    /// Whether the thread is counted in `num_idle`.
    idle: bool,
}

impl Drop for SlotGuard<'_> {
    fn drop(&mut self) {
        let mut st = self.inner.state.lock();
        st.num_threads -= 1;
        if self.idle {
            st.num_idle -= 1;
        }
        let prev = retire(&mut st, |threads| {
            let me = std::thread::current().id();
            let i = threads.iter().position(|j| j.thread().id() == me)?;
            Some(threads.swap_remove(i))
        });
        drop(st);
        if let Some(prev) = prev {
            let _ = prev.join();
        }
    }
}

/// A thread of the pool or of `spawn_thread` is about to exit: takes its
/// own join handle with `take_mine` and parks it in `last_exited`,
/// returning the handle parked there before, which the caller joins once
/// it holds no lock (that thread has already left every lock and is
/// exiting). So finished threads are joined as they finish, one behind,
/// instead of piling up until the next spawn. After shutdown the handles
/// are left where shutdown joins them.
fn retire(
    st: &mut PoolState,
    take_mine: impl FnOnce(&mut Vec<JoinHandle<()>>) -> Option<JoinHandle<()>>,
) -> Option<JoinHandle<()>> {
    if st.shutdown {
        return None;
    }
    let mine = take_mine(&mut st.threads)?;
    st.last_exited.replace(mine)
}

impl Inner {
    /// The body of a pool thread.
    fn run(&self, handle: Handle) {
        let runtime = handle.clone();
        let _enter = context::enter(handle);
        // Dropped last, after the lock below: gives the slot back.
        let mut slot = SlotGuard {
            inner: self,
            idle: false,
        };
        let mut st = self.state.lock();
        loop {
            if let Some(task) = st.queue.pop_front() {
                drop(st);
                let _budget = crate::coop::enter();
                // Never unwinds (the task harness catches panics).
                task.run();
                st = self.state.lock();
                continue;
            }
            if st.shutdown {
                break;
            }
            st.num_idle += 1;
            slot.idle = true;
            if st.queue.is_empty()
                && st.num_idle == st.num_threads
                && runtime.shared.clock.is_paused()
            {
                // The last call in flight ended: a paused clock that it held
                // may jump now. The threads that checked while it ran (a
                // parking worker, the block_on thread) saw it busy and
                // parked; wake a worker, which parks again as the last and
                // moves the clock (`worker.rs`, `auto_advance_clock`).
                drop(st);
                if runtime.shared.is_idle() {
                    runtime.shared.scheduler.notify_parked();
                }
                st = self.state.lock();
            }
            // A keep-alive too long to add to `now` means no deadline: the
            // thread waits for work until shutdown.
            let deadline = Instant::now().checked_add(self.keep_alive);
            let claimed = loop {
                // A call claimed this thread while the lock was let go
                // above: its notification may have found no waiter.
                if st.num_notify == 0 {
                    st = match deadline {
                        Some(deadline) => {
                            let left = deadline.saturating_duration_since(Instant::now());
                            self.condvar.wait_timeout(st, left)
                        }
                        None => self.condvar.wait(st),
                    };
                }
                if st.num_notify > 0 {
                    // `push` claimed this idle thread for a call (and took
                    // it out of `num_idle`).
                    st.num_notify -= 1;
                    slot.idle = false;
                    break true;
                }
                if st.shutdown || deadline.is_some_and(|d| Instant::now() >= d) {
                    break false;
                }
                // A spurious wake-up: wait out the rest of the keep-alive.
            };
            if claimed {
                continue;
            }
            st.num_idle -= 1;
            slot.idle = false;
            if st.queue.is_empty() && !st.shutdown {
                break;
            }
        }
        drop(st);
    }
}

/// Joins the threads of `threads` that have finished and forgets them.
///
/// A finished thread is joined rather than detached, so that it has left
/// the process (not only returned) before shutdown reports every thread
/// gone; the join is immediate for a thread that already returned.
pub(crate) fn reap(threads: &mut Vec<JoinHandle<()>>) {
    let mut i = 0;
    while i < threads.len() {
        if threads[i].is_finished() {
            let _ = threads.swap_remove(i).join();
        } else {
            i += 1;
        }
    }
}

/// The scheduler of a pool call: a wake-up queues it on the pool.
struct PoolSchedule {
    /// The runtime, for the pool and for the threads' context.
    handle: Handle,
}

impl Schedule for PoolSchedule {
    fn schedule(&self, task: Notified) {
        self.handle.shared().blocking.push(&self.handle, task);
    }

    fn yield_now(&self, task: Notified) {
        self.schedule(task);
    }

    fn release(&self, _task: RawTask) -> bool {
        false
    }
}

/// The scheduler of a `spawn_thread` task: it runs on its own thread.
struct ThreadSchedule {
    /// The runtime, for the thread's context and join handle.
    handle: Handle,
}

impl Schedule for ThreadSchedule {
    fn schedule(&self, task: Notified) {
        start_thread(&self.handle, task);
    }

    fn yield_now(&self, task: Notified) {
        self.schedule(task);
    }

    fn release(&self, _task: RawTask) -> bool {
        false
    }
}

/// Runs `task` on a new thread entered into `handle`'s runtime, joined at
/// shutdown.
fn start_thread(handle: &Handle, task: Notified) {
    let shared = handle.shared();
    let mut threads = shared.threads.lock();
    if shared.scheduler.is_shutdown() {
        drop(threads);
        return task.shutdown();
    }
    reap(&mut threads);
    let thread_handle = handle.clone();
    // Shared with the thread, so that a failed spawn gives the task back.
    let slot = std::sync::Arc::new(std::sync::Mutex::new(Some(task)));
    let thread_slot = slot.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("{}-thread", shared.blocking.inner.thread_name))
        .spawn(move || {
            let _enter = context::enter(thread_handle.clone());
            let task = thread_slot.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(task) = task {
                let _budget = crate::coop::enter();
                // Never unwinds (the task harness catches panics).
                task.run();
            }
            retire_thread(&thread_handle);
        });
    match spawned {
        Ok(join) => threads.push(join),
        Err(_) => {
            drop(threads);
            // No thread: fail the task (its handle reports it cancelled)
            // rather than leave it waiting forever.
            let task = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(task) = task {
                task.shutdown();
            }
        }
    }
}

/// A `spawn_thread` thread is done: moves its join handle from the
/// runtime's list to the pool's `last_exited` slot and joins the thread
/// that was there (see [`retire`]).
fn retire_thread(handle: &Handle) {
    let shared = handle.shared();
    let prev = {
        // Lock order: the pool's state, then the runtime's thread list
        // (`start_thread` takes the list alone).
        let mut st = shared.blocking.inner.state.lock();
        retire(&mut st, |_| {
            let mut threads = shared.threads.lock();
            let me = std::thread::current().id();
            let i = threads.iter().position(|j| j.thread().id() == me)?;
            Some(threads.swap_remove(i))
        })
    };
    if let Some(prev) = prev {
        let _ = prev.join();
    }
}

/// A closure run once as a task's future.
struct BlockingTask<F>(Option<F>);

impl<F> Unpin for BlockingTask<F> {}

impl<F, R> Future for BlockingTask<F>
where
    F: FnOnce() -> R,
{
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self.0.take().expect("a blocking task ran twice");
        Poll::Ready(f())
    }
}

/// Makes the task that runs `f` once. It stays out of the registry: its
/// pool, or its thread, cancels it at shutdown.
fn blocking_task<F, R, S>(
    f: F,
    schedule: S,
    location: &'static Location<'static>,
) -> (Notified, Task<R>)
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
    S: Schedule,
{
    let (registered, notified, join) =
        task::new_task(BlockingTask(Some(f)), schedule, None, location);
    drop(registered);
    (notified, join)
}

/// Runs a blocking closure on the runtime's thread pool and waits for its
/// result, without blocking a worker.
///
/// The pool has a bound (see [`Builder::max_blocking_threads`]); calls
/// beyond it wait for a free thread. A panic in the closure is resumed in
/// the awaiting task.
///
/// # Cancel safety
///
/// If the awaiting task is cancelled (or times out), it stops waiting at
/// once, but the closure runs on to completion on its thread and its result
/// is dropped, as in curio: threads cannot be interrupted.
///
/// # Panics
///
/// Panics outside a curio runtime.
///
/// # Examples
///
/// ```
/// curio::run(async {
///     let n = curio::run_in_thread(|| {
///         std::thread::sleep(std::time::Duration::from_millis(10));
///         42
///     })
///     .await;
///     assert_eq!(n, 42);
/// });
/// ```
#[track_caller]
pub fn run_in_thread<F, R>(f: F) -> RunInThread<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let handle = Handle::current();
    let schedule = PoolSchedule {
        handle: handle.clone(),
    };
    let (notified, join) = blocking_task(f, schedule, Location::caller());
    handle.shared().blocking.push(&handle, notified);
    RunInThread { task: join }
}

/// The future of [`run_in_thread`].
///
/// # Examples
///
/// ```
/// use curio::RunInThread;
/// # curio::run(async {
/// let call: RunInThread<u64> = curio::run_in_thread(|| (1..=10).product());
/// assert_eq!(call.await, 3_628_800);
/// # });
/// ```
#[must_use = "the closure runs anyway; await the result to get it"]
#[derive(Debug)]
pub struct RunInThread<R> {
    /// The call, as a task.
    task: Task<R>,
}

impl<R> Future for RunInThread<R> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<R> {
        match Pin::new(&mut self.task).poll(cx) {
            Poll::Pending => {
                // curio's state for a wait on a thread.
                crate::introspect::report(crate::introspect::TaskState::FutureWait, None);
                Poll::Pending
            }
            Poll::Ready(Ok(value)) => Poll::Ready(value),
            Poll::Ready(Err(e)) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Poll::Ready(Err(e)) => {
                panic!("run_in_thread: the call was cancelled by runtime shutdown ({e})")
            }
        }
    }
}

/// Runs a blocking closure on a dedicated new thread, joinable like a task.
///
/// The returned [`Task`] gives the closure's result, or a
/// [`TaskError`](crate::TaskError) if it panicked. Cancelling it waits for
/// the closure to return (a thread cannot be interrupted). The runtime
/// joins the thread at shutdown.
///
/// # Panics
///
/// Panics outside a curio runtime.
///
/// # Examples
///
/// ```
/// curio::run(async {
///     let t = curio::spawn_thread(|| (1..=10).sum::<u32>());
///     assert_eq!(t.await.unwrap(), 55);
/// });
/// ```
#[track_caller]
pub fn spawn_thread<F, R>(f: F) -> Task<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let handle = Handle::current();
    let schedule = ThreadSchedule {
        handle: handle.clone(),
    };
    let (notified, join) = blocking_task(f, schedule, Location::caller());
    start_thread(&handle, notified);
    join
}

#[cfg(all(test, not(curio_loom)))]
mod tests;
