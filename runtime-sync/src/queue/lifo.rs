//! [`LifoQueue`]: the queue that returns items newest first (a stack).

#![deny(unsafe_code)]

use super::{GenericQueue, Lifo};

/// An async queue that returns items newest first (a stack); see [`GenericQueue`] for methods.
///
/// Thread-safe like every primitive here; [`UniversalQueue`](crate::UniversalQueue)
/// adds blocking methods for plain threads.
///
/// # Examples
///
/// ```
/// let q = curio::sync::LifoQueue::new(0);
/// for i in 0..4 { q.try_put(i).unwrap(); }
/// let out: Vec<_> = std::iter::from_fn(|| q.try_get()).collect();
/// assert_eq!(out, [3, 2, 1, 0]);
/// ```
pub type LifoQueue<T> = GenericQueue<T, Lifo<T>>;
