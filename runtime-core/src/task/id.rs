//! Task ids.

use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The unique id of a task.
///
/// Ids come from one process-wide counter, so they increase in spawn order
/// and are never reused, even across runtimes. `Display` prints the bare
/// number, as curio's monitor does.
///
/// # Examples
///
/// ```
/// curio::run(async {
///     let a = curio::spawn(async {});
///     let b = curio::spawn(async {});
///     assert!(a.id() < b.id());
///     assert_eq!(a.id().to_string(), a.id().as_u64().to_string());
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(NonZeroU64);

impl TaskId {
    /// The next unused id.
    pub(crate) fn next() -> TaskId {
        /// The last id handed out; plain std atomics, since loom models never
        /// depend on id values.
        static NEXT: AtomicU64 = AtomicU64::new(1);
        // ORDERING: Relaxed; a plain counter.
        let id = NEXT.fetch_add(1, Relaxed);
        TaskId(NonZeroU64::new(id).expect("task id counter overflowed"))
    }

    /// The id as a number.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async {
    ///     let a = curio::spawn(async {});
    ///     let b = curio::spawn(async {});
    ///     assert!(a.id().as_u64() < b.id().as_u64()); // ids increase
    ///     assert_eq!(a.id().to_string(), a.id().as_u64().to_string());
    /// });
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}
