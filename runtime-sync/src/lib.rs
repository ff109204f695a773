//! Synchronisation primitives of the curio runtime, usable on any executor.
//!
//! Every primitive here is modelled on Python curio's, with Rust's form:
//! guards instead of `async with`, `Result` instead of exceptions, `Arc` for
//! sharing. They depend on nothing but [`std::task::Waker`], so they work
//! under curio, tokio, `futures::executor` or a hand-written `block_on`.
//!
//! All of them are
//!
//! - **FIFO-fair with direct hand-off**: a released lock or permit, or a put
//!   item, goes straight to the oldest waiter; a newcomer cannot barge in;
//! - **cancel-safe**: a waiting future that is dropped takes nothing, and
//!   passes on whatever it had already been handed;
//! - **`Send + Sync`**, shareable through `Arc`, and model-checked with loom.
//!
//! | primitive | curio | waits report |
//! |---|---|---|
//! | [`Event`] | `Event` | `EVENT_WAIT` |
//! | [`Lock`] | `Lock` (FIFO hand-off) | `LOCK_ACQUIRE` |
//! | [`Semaphore`], [`BoundedSemaphore`] | `Semaphore`, `BoundedSemaphore` (0.9) | `SEMA_ACQUIRE` |
//! | [`Condition`] | `Condition` | `COND_WAIT` |
//! | [`Queue`], [`LifoQueue`], [`PriorityQueue`] | same | `QUEUE_GET`/`QUEUE_PUT`/`QUEUE_JOIN` |
//! | [`UniversalQueue`], [`UniversalEvent`] | same | `FUTURE_WAIT` |
//! | [`RwLock`], [`Barrier`] | (not in curio) | `LOCK_ACQUIRE`, `EVENT_WAIT` |
//! | [`mpsc`] (bounded, unbounded) | (not in curio; tokio's shape) | `QUEUE_GET`/`QUEUE_PUT` |
//! | [`oneshot`] | (not in curio; tokio's shape) | `QUEUE_GET`; `Sender::closed`: `EVENT_WAIT` |
//! | [`watch`] | (not in curio; tokio's shape) | `EVENT_WAIT` |
//! | [`broadcast`] | (not in curio; tokio's shape) | `QUEUE_GET` |
//!
//! A runtime learns what its tasks wait on, and gets to enforce a
//! cooperative budget, through the [`hook`] module.
//!
//! # Examples
//!
//! ```
//! use curio::sync::{Lock, Queue};
//! use std::sync::Arc;
//! # curio::run(async {
//! let q = Arc::new(Queue::new(8));
//! let total = Arc::new(Lock::new(0));
//! q.put(20).await;
//! q.put(22).await;
//! while let Some(n) = q.try_get() {
//!     *total.lock().await += n;
//! }
//! assert_eq!(*total.lock().await, 42);
//! # });
//! ```

#![deny(unsafe_code)]
#![warn(missing_docs)]

mod loom;
mod send_error;
mod waiters;

pub mod barrier;
pub mod broadcast;
pub mod condition;
pub mod event;
pub mod hook;
pub mod lock;
pub mod mpsc;
pub mod oneshot;
pub mod queue;
pub mod rwlock;
pub mod semaphore;
pub mod universal;
pub mod watch;

pub use barrier::{Barrier, BarrierWaitResult};
pub use condition::Condition;
pub use event::Event;
pub use lock::{Lock, LockGuard, OwnedLockGuard};
pub use queue::{GenericQueue, LifoQueue, PriorityQueue, Queue, TaskDoneError};
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
pub use semaphore::{BoundError, BoundedSemaphore, OwnedPermit, Permit, Semaphore};
pub use universal::{UniversalEvent, UniversalQueue};

#[cfg(all(test, curio_loom))]
mod loom_tests;
#[cfg(test)]
mod test_util;
#[cfg(test)]
mod tests;
