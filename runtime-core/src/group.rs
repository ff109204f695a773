//! Task groups: structured concurrency in curio's style.
//!
//! A [`TaskGroup`] owns the tasks spawned into it. Each member future is
//! wrapped with a guard that, when the future ends in any way (returns,
//! panics, is cancelled), records the member as done in completion order
//! and wakes the group's owner; the owner then reads the outcome from the
//! member's `Task` handle. Dropping the group requests cancellation of
//! every member still running.
//!
//! # Examples
//!
//! ```
//! use curio::{TaskGroup, Wait};
//! # curio::run(async {
//! let mut g = TaskGroup::with_wait(Wait::Any);
//! g.spawn(async { "fast" });
//! g.spawn(std::future::pending::<&str>()); // cancelled once the first is done
//! let results = g.join().await;
//! assert_eq!(*results[0].as_ref().unwrap(), "fast");
//! # });
//! ```
//!
//! # Invariants
//!
//! 1. A key is in `done` at most once, after its member's future ended; the
//!    member's handle is in `tasks` from just after spawn until the owner
//!    takes its outcome (`spawning` counts the gap, so the owner never
//!    reports "empty" while a member is being added).
//! 2. The lock is never held while a member future is dropped or a user
//!    value is dropped: spawning, cancelling and dropping handles happen
//!    outside it.

#![deny(unsafe_code)]

#[cfg(all(test, curio_loom))]
mod loom_tests;

use crate::loom::{Arc, Mutex};
use crate::task::{Task, TaskError, TaskId};
use std::collections::{HashMap, HashSet, VecDeque};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Poll, Waker};

/// When [`TaskGroup::join`] stops waiting (curio's `wait=` policies).
///
/// Whatever the policy, `join` cancels the members still running when it
/// decides, waits for them, and reports every outcome.
///
/// A member cancelled from outside the group (the group owns its members'
/// handles, so that means the monitor's `cancel` or runtime shutdown) never
/// decides a policy: it does not make `All` cancel its siblings, it is not
/// the finisher `Any` waits for, and it is not a success for `Object`. This
/// is the asyncio/Trio choice, deliberately unlike curio (its issue #362),
/// where such a member cancels the whole group. Its outcome is still
/// reported, as cancelled.
///
/// # Examples
///
/// ```
/// use curio::{TaskGroup, Wait};
/// curio::run(async {
///     let g = TaskGroup::with_wait(Wait::Any);
///     g.spawn(async { 1 });
///     g.spawn(std::future::pending());
///     let results = g.join().await;
///     assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
/// });
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Wait {
    /// Wait for every member; if one panics, cancel the others.
    #[default]
    All,
    /// Stop after the first member finishes (returns or panics).
    Any,
    /// Stop after the first member that returns a value.
    Object,
    /// Cancel every member at once.
    None,
}

/// A finished member of a [`TaskGroup`], from [`TaskGroup::next_done`].
///
/// # Examples
///
/// ```
/// curio::run(async {
///     let mut g = curio::TaskGroup::new();
///     let id = g.spawn(async { 5 });
///     let done = g.next_done().await.unwrap();
///     assert_eq!(done.id(), id);
///     assert_eq!(done.result().unwrap(), 5);
/// });
/// ```
#[derive(Debug)]
pub struct Done<T> {
    /// The member's id.
    id: TaskId,
    /// Its spawn order in the group.
    key: u64,
    /// Its outcome.
    result: Result<T, TaskError>,
}

impl<T> Done<T> {
    /// The member's task id.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let mut g = curio::TaskGroup::new();
    ///     let id = g.spawn(async {});
    ///     assert_eq!(g.next_done().await.unwrap().id(), id);
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The member's outcome.
    ///
    /// # Errors
    ///
    /// The member's [`TaskError`] if it panicked or was cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let mut g = curio::TaskGroup::new();
    ///     g.spawn(async { "ok" });
    ///     assert_eq!(g.next_done().await.unwrap().result().unwrap(), "ok");
    /// });
    /// ```
    pub fn result(self) -> Result<T, TaskError> {
        self.result
    }
}

/// The state shared by a group, its spawners and its members' guards.
struct Inner<T> {
    /// Everything below.
    state: Mutex<State<T>>,
}

/// The group's bookkeeping (invariant 1).
struct State<T> {
    /// Handles of the members not yet reported, by spawn order.
    tasks: HashMap<u64, Task<T>>,
    /// Keys of members whose future ended, in completion order.
    done: VecDeque<u64>,
    /// Members being spawned (key reserved, handle not yet in `tasks`).
    spawning: usize,
    /// The next spawn order.
    next_key: u64,
    /// Set when the group stops accepting members (join decided, dropped).
    closed: bool,
    /// The owner waiting in `next_done`.
    waker: Option<Waker>,
}

/// Records its member as done when the member's future ends.
struct Member<T> {
    /// The group.
    inner: Arc<Inner<T>>,
    /// The member's spawn order.
    key: u64,
}

impl<T> Drop for Member<T> {
    fn drop(&mut self) {
        let waker = {
            let mut st = self.inner.state.lock();
            st.done.push_back(self.key);
            st.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// Spawns `future` into `inner`; `None` if the group is closed.
#[track_caller]
fn spawn_into<T, F>(inner: &Arc<Inner<T>>, future: F) -> Option<TaskId>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let key = {
        let mut st = inner.state.lock();
        if st.closed {
            return None;
        }
        st.spawning += 1;
        st.next_key += 1;
        st.next_key - 1
    };
    let member = Member {
        inner: inner.clone(),
        key,
    };
    // Invariant 2: spawn outside the lock (a refused spawn drops the future,
    // and with it the guard, at once).
    let task = crate::spawn(async move {
        let _member = member;
        future.await
    });
    let id = task.id();
    let (waker, closed) = {
        let mut st = inner.state.lock();
        st.spawning -= 1;
        st.tasks.insert(key, task);
        let waker = if st.done.front() == Some(&key) || st.spawning == 0 {
            st.waker.take()
        } else {
            None
        };
        (waker, st.closed)
    };
    if closed {
        // Closed while we spawned: the member must not outlive the group.
        cancel_all(inner);
    }
    if let Some(w) = waker {
        w.wake();
    }
    Some(id)
}

/// Requests cancellation of every member still running; returns their keys.
fn cancel_all<T>(inner: &Arc<Inner<T>>) -> Vec<u64> {
    let st = inner.state.lock();
    // A request only flips the member's state and queues it; it never drops
    // the member's future here, so holding the lock is fine (invariant 2).
    st.tasks
        .iter()
        .filter(|(_, t)| t.request_cancel())
        .map(|(k, _)| *k)
        .collect()
}

/// A group of tasks whose lifetimes are bound to it (curio's `TaskGroup`).
///
/// Spawn members with [`spawn`](TaskGroup::spawn), collect them in
/// completion order with [`next_done`](TaskGroup::next_done) or
/// [`next_result`](TaskGroup::next_result), or wait per the group's
/// [`Wait`] policy with [`join`](TaskGroup::join). Members may add siblings
/// through a [`Spawner`] (from [`spawner`](TaskGroup::spawner)) until the
/// group closes (when `join` decides, or when the group is dropped).
///
/// Dropping the group cancels the members still running: since `drop`
/// cannot wait, they receive the request and terminate asynchronously (at
/// their next suspension, after any `disable_cancellation` scope). So a
/// task that owns a group and is cancelled takes its members down with it.
///
/// # Examples
///
/// ```
/// curio::run(async {
///     let g = curio::TaskGroup::new();
///     for n in 1..=3 {
///         g.spawn(async move { n * 2 });
///     }
///     let results: Vec<i32> = g.join().await.into_iter().map(Result::unwrap).collect();
///     assert_eq!(results, [2, 4, 6]);
/// });
/// ```
pub struct TaskGroup<T> {
    /// The shared state.
    inner: Arc<Inner<T>>,
    /// The policy of `join`.
    wait: Wait,
}

/// A cheap handle that spawns into a [`TaskGroup`], for its members.
///
/// # Examples
///
/// ```
/// curio::run(async {
///     let g = curio::TaskGroup::new();
///     let s = g.spawner();
///     g.spawn(async move {
///         s.spawn(async { 2 }).expect("the group is open");
///         1
///     });
///     let mut all: Vec<i32> = g.join().await.into_iter().map(Result::unwrap).collect();
///     all.sort();
///     assert_eq!(all, [1, 2]);
/// });
/// ```
pub struct Spawner<T> {
    /// The group's shared state.
    inner: Arc<Inner<T>>,
}

impl<T> Clone for Spawner<T> {
    fn clone(&self) -> Self {
        Spawner {
            inner: self.inner.clone(),
        }
    }
}

impl<T: Send + 'static> Spawner<T> {
    /// Spawns `future` into the group; `None` (the future is dropped) once
    /// the group has closed.
    ///
    /// # Panics
    ///
    /// Panics outside a curio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let g = curio::TaskGroup::<()>::new();
    ///     let s = g.spawner();
    ///     drop(g);
    ///     assert!(s.spawn(async {}).is_none());
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Option<TaskId>
    where
        F: Future<Output = T> + Send + 'static,
    {
        spawn_into(&self.inner, future)
    }
}

impl<T: Send + 'static> Default for TaskGroup<T> {
    fn default() -> Self {
        TaskGroup::new()
    }
}

impl<T: Send + 'static> TaskGroup<T> {
    /// An empty group with the [`Wait::All`] policy.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let g = curio::TaskGroup::<u8>::new();
    ///     assert!(g.join().await.is_empty());
    /// });
    /// ```
    pub fn new() -> TaskGroup<T> {
        TaskGroup::with_wait(Wait::All)
    }

    /// An empty group whose [`join`](TaskGroup::join) follows `wait`.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let g = curio::TaskGroup::with_wait(curio::Wait::None);
    ///     g.spawn(std::future::pending::<()>());
    ///     assert!(g.join().await[0].as_ref().unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn with_wait(wait: Wait) -> TaskGroup<T> {
        TaskGroup {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    tasks: HashMap::new(),
                    done: VecDeque::new(),
                    spawning: 0,
                    next_key: 0,
                    closed: false,
                    waker: None,
                }),
            }),
            wait,
        }
    }

    /// Spawns `future` as a member of the group.
    ///
    /// # Panics
    ///
    /// Panics outside a curio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let mut g = curio::TaskGroup::new();
    ///     let id = g.spawn(async { 1 });
    ///     assert_eq!(g.next_done().await.unwrap().id(), id);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> TaskId
    where
        F: Future<Output = T> + Send + 'static,
    {
        spawn_into(&self.inner, future).expect("an owned TaskGroup is never closed")
    }

    /// A handle that members can use to spawn siblings.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let g = curio::TaskGroup::new();
    ///     let s = g.spawner();
    ///     assert!(s.spawn(async { 1 }).is_some());
    ///     assert_eq!(g.join().await.len(), 1);
    /// });
    /// ```
    pub fn spawner(&self) -> Spawner<T> {
        Spawner {
            inner: self.inner.clone(),
        }
    }

    /// Waits for the next member to finish, in completion order, and removes
    /// it from the group; `None` when the group has no member left.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let mut g = curio::TaskGroup::new();
    ///     g.spawn(async { 1 });
    ///     assert!(g.next_done().await.is_some());
    ///     assert!(g.next_done().await.is_none());
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a member is removed only when this returns it.
    pub async fn next_done(&mut self) -> Option<Done<T>> {
        next_done(&self.inner).await
    }

    /// Like [`next_done`](TaskGroup::next_done), giving only the outcome.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let mut g = curio::TaskGroup::new();
    ///     g.spawn(async { 9 });
    ///     assert_eq!(g.next_result().await.unwrap().unwrap(), 9);
    /// });
    /// ```
    pub async fn next_result(&mut self) -> Option<Result<T, TaskError>> {
        self.next_done().await.map(Done::result)
    }

    /// Cancels every member still running and waits until they have
    /// terminated; they leave the group (members that had already finished
    /// stay, for `next_done` and `join`).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let mut g = curio::TaskGroup::new();
    ///     g.spawn(std::future::pending::<()>());
    ///     g.cancel_remaining().await;
    ///     assert!(g.next_done().await.is_none());
    /// });
    /// ```
    pub async fn cancel_remaining(&mut self) {
        let keys: HashSet<u64> = cancel_all(&self.inner).into_iter().collect();
        for key in &keys {
            poll_fn(|cx| {
                let mut st = self.inner.state.lock();
                match st.tasks.get_mut(key) {
                    Some(t) => Pin::new(t).poll(cx).map(drop),
                    None => Poll::Ready(()),
                }
            })
            .await;
        }
        let removed: Vec<Task<T>> = {
            let mut st = self.inner.state.lock();
            st.done.retain(|k| !keys.contains(k));
            keys.iter().filter_map(|k| st.tasks.remove(k)).collect()
        };
        drop(removed);
    }

    /// Waits per the group's [`Wait`] policy, cancels the members still
    /// running, waits for them, and returns every member's outcome in spawn
    /// order. Members already taken by `next_done` are not included.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let g = curio::TaskGroup::new();
    ///     g.spawn(async { panic!("boom") });
    ///     g.spawn(std::future::pending());
    ///     let out: Vec<Result<(), curio::TaskError>> = g.join().await;
    ///     assert!(out[0].as_ref().unwrap_err().is_panic());
    ///     assert!(out[1].as_ref().unwrap_err().is_cancelled());
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// If the join is dropped (its task cancelled or timed out), the group
    /// is dropped with it and its members are cancelled.
    pub async fn join(self) -> Vec<Result<T, TaskError>> {
        let mut out: Vec<Done<T>> = Vec::new();
        if self.wait == Wait::None {
            self.close_and_cancel();
        } else {
            while let Some(done) = next_done(&self.inner).await {
                let decides = match (&done.result, self.wait) {
                    (Err(e), Wait::All) => e.is_panic(),
                    (Err(e), Wait::Any) => e.is_panic(),
                    (Ok(_), Wait::Any | Wait::Object) => true,
                    _ => false,
                };
                out.push(done);
                if decides {
                    self.close_and_cancel();
                    break;
                }
            }
        }
        while let Some(done) = next_done(&self.inner).await {
            out.push(done);
        }
        out.sort_by_key(|d| d.key);
        out.into_iter().map(|d| d.result).collect()
    }

    /// Closes the group and requests cancellation of its running members.
    fn close_and_cancel(&self) {
        self.inner.state.lock().closed = true;
        cancel_all(&self.inner);
    }
}

/// Waits for the next finished member and takes it out (cancel-safe: it is
/// removed only once its outcome is read).
async fn next_done<T>(inner: &Arc<Inner<T>>) -> Option<Done<T>> {
    poll_fn(|cx| {
        let mut st = inner.state.lock();
        if let Some(&key) = st.done.front() {
            if let Some(task) = st.tasks.get_mut(&key) {
                if let Poll::Ready(result) = Pin::new(&mut *task).poll(cx) {
                    let id = task.id();
                    let task = st.tasks.remove(&key);
                    st.done.pop_front();
                    drop(st);
                    drop(task);
                    return Poll::Ready(Some(Done { id, key, result }));
                }
                // The member's future ended but its task is completing:
                // its handle wakes us.
                return Poll::Pending;
            }
        } else if st.tasks.is_empty() && st.spawning == 0 {
            return Poll::Ready(None);
        }
        st.waker = Some(cx.waker().clone());
        Poll::Pending
    })
    .await
}

impl<T> Drop for TaskGroup<T> {
    fn drop(&mut self) {
        let tasks: Vec<Task<T>> = {
            let mut st = self.inner.state.lock();
            st.closed = true;
            st.done.clear();
            st.tasks.drain().map(|(_, t)| t).collect()
        };
        for task in &tasks {
            task.request_cancel();
        }
        // Dropping the handles detaches the members; they terminate on
        // their own, at their next suspension.
        drop(tasks);
    }
}

impl<T> std::fmt::Debug for TaskGroup<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.inner.state.lock();
        f.debug_struct("TaskGroup")
            .field("wait", &self.wait)
            .field("members", &st.tasks.len())
            .field("done", &st.done.len())
            .finish()
    }
}

impl<T> std::fmt::Debug for Spawner<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spawner").finish_non_exhaustive()
    }
}
