//! [`PriorityQueue`]: the queue that returns items smallest first (a min-heap; `T: Ord`).

#![deny(unsafe_code)]

use super::{GenericQueue, Priority};

/// An async queue that returns items smallest first (a min-heap; `T: Ord`); see [`GenericQueue`] for methods.
///
/// Thread-safe like every primitive here; [`UniversalQueue`](crate::UniversalQueue)
/// adds blocking methods for plain threads.
///
/// # Examples
///
/// ```
/// let q = curio::sync::PriorityQueue::new(0);
/// for p in [4, 2, 1, 3] { q.try_put(p).unwrap(); }
/// let out: Vec<_> = std::iter::from_fn(|| q.try_get()).collect();
/// assert_eq!(out, [1, 2, 3, 4]);
/// ```
pub type PriorityQueue<T> = GenericQueue<T, Priority<T>>;
