//! [`Queue`]: the queue that returns items in the order they were put (FIFO).

#![deny(unsafe_code)]

use super::{Fifo, GenericQueue};

/// An async queue that returns items in the order they were put (FIFO); see [`GenericQueue`] for methods.
///
/// Thread-safe like every primitive here; [`UniversalQueue`](crate::UniversalQueue)
/// adds blocking methods for plain threads.
///
/// # Examples
///
/// ```
/// # curio::run(async {
/// let q = curio::sync::Queue::new(0); // unbounded
/// q.put(1).await;
/// q.put(2).await;
/// assert_eq!((q.get().await, q.get().await), (1, 2));
/// # });
/// ```
pub type Queue<T> = GenericQueue<T, Fifo<T>>;
