//! The loom shim: one place that decides whether the crate runs on loom's
//! model-checked types or on the real ones.
//!
//! Under `cfg(all(test, curio_loom))` every item is loom's; otherwise the
//! items are `std`/`parking_lot` types wrapped to loom's API shape, so the
//! primitives are written once. The namespaced cfg (`curio_loom`, not `loom`)
//! keeps tokio, a bench dependency, from changing behaviour.
//!
//! One deliberate difference from loom's shape: [`Mutex::lock`] returns the
//! guard directly in both worlds (parking_lot cannot be poisoned, and under
//! loom a poisoned lock is recovered), so callers never unwrap.

#![deny(unsafe_code)]
// The one module allowed to name the real sync types (clippy.toml).
#![allow(clippy::disallowed_types)]

#[cfg(all(test, curio_loom))]
mod imp {
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::model;
    pub(crate) use loom::sync::atomic;
    pub(crate) use loom::sync::Arc;
    #[allow(unused_imports)]
    pub(crate) use loom::thread;

    /// Runs a model exploring up to `bound` preemptions, whatever
    /// `LOOM_MAX_PREEMPTIONS` says (for bugs that need one more switch).
    #[allow(dead_code)]
    pub(crate) fn model_with_preemptions<F: Fn() + Sync + Send + 'static>(bound: usize, f: F) {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(bound);
        builder.check(f);
    }

    /// A mutual-exclusion lock checked by loom, with a non-poisoning `lock`.
    #[derive(Debug)]
    pub(crate) struct Mutex<T> {
        /// The model-checked lock.
        inner: loom::sync::Mutex<T>,
    }

    /// The guard returned by [`Mutex::lock`].
    pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

    impl<T> Mutex<T> {
        /// Creates an unlocked mutex holding `value`.
        pub(crate) fn new(value: T) -> Self {
            Self {
                inner: loom::sync::Mutex::new(value),
            }
        }

        /// Locks the mutex, blocking the (model) thread until it is free.
        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.inner.lock().unwrap_or_else(|e| e.into_inner())
        }
    }

    /// A reader-writer lock checked by loom, with non-poisoning `read`/`write`.
    #[derive(Debug)]
    pub(crate) struct RwLock<T> {
        /// The model-checked lock.
        inner: loom::sync::RwLock<T>,
    }

    /// The shared guard returned by [`RwLock::read`].
    pub(crate) type RwLockReadGuard<'a, T> = loom::sync::RwLockReadGuard<'a, T>;
    /// The exclusive guard returned by [`RwLock::write`].
    pub(crate) type RwLockWriteGuard<'a, T> = loom::sync::RwLockWriteGuard<'a, T>;

    impl<T> RwLock<T> {
        /// Creates an unlocked lock holding `value`.
        pub(crate) fn new(value: T) -> Self {
            Self {
                inner: loom::sync::RwLock::new(value),
            }
        }

        /// Locks for reading, blocking the (model) thread while a writer holds it.
        pub(crate) fn read(&self) -> RwLockReadGuard<'_, T> {
            self.inner.read().unwrap_or_else(|e| e.into_inner())
        }

        /// Locks for writing, blocking the (model) thread while anyone holds it.
        pub(crate) fn write(&self) -> RwLockWriteGuard<'_, T> {
            self.inner.write().unwrap_or_else(|e| e.into_inner())
        }
    }
}

#[cfg(not(all(test, curio_loom)))]
mod imp {
    pub(crate) use std::sync::atomic;
    #[allow(unused_imports)]
    pub(crate) use std::sync::Arc;
    #[allow(unused_imports)]
    pub(crate) use std::thread;

    /// `parking_lot`'s mutex, which already has the shape the crate uses.
    pub(crate) type Mutex<T> = parking_lot::Mutex<T>;
    /// The guard returned by [`Mutex::lock`].
    #[allow(dead_code)]
    pub(crate) type MutexGuard<'a, T> = parking_lot::MutexGuard<'a, T>;
    /// `parking_lot`'s reader-writer lock, already of the shape the crate uses.
    pub(crate) type RwLock<T> = parking_lot::RwLock<T>;
    /// The shared guard returned by [`RwLock::read`].
    pub(crate) type RwLockReadGuard<'a, T> = parking_lot::RwLockReadGuard<'a, T>;
    /// The exclusive guard returned by [`RwLock::write`].
    #[allow(dead_code)]
    pub(crate) type RwLockWriteGuard<'a, T> = parking_lot::RwLockWriteGuard<'a, T>;

    /// `std::cell::UnsafeCell` with loom's closure-based access methods.
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T> {
        /// The cell itself.
        inner: std::cell::UnsafeCell<T>,
    }

    impl<T> UnsafeCell<T> {
        /// Wraps `value`.
        pub(crate) const fn new(value: T) -> Self {
            Self {
                inner: std::cell::UnsafeCell::new(value),
            }
        }

        /// Consumes the cell and returns the contents.
        pub(crate) fn into_inner(self) -> T {
            self.inner.into_inner()
        }

        /// Calls `f` with a shared pointer to the contents.
        #[inline]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.inner.get())
        }

        /// Calls `f` with a unique pointer to the contents.
        #[inline]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.inner.get())
        }
    }

    /// Runs `f` once: outside loom there is nothing to explore.
    #[allow(dead_code)]
    pub(crate) fn model<F: Fn() + Sync + Send + 'static>(f: F) {
        f()
    }

    /// Runs `f` once, as [`model`].
    #[allow(dead_code)]
    pub(crate) fn model_with_preemptions<F: Fn() + Sync + Send + 'static>(_bound: usize, f: F) {
        f()
    }
}

pub(crate) use imp::*;
