//! The one door to concurrency primitives.
//!
//! Every atomic, lock and cell of this crate is reached through this module.
//! Under `cfg(all(test, curio_loom))` it re-exports [loom]'s model-checked
//! types; otherwise it exports `std`/`parking_lot` types wrapped to loom's API
//! shape, so the same code compiles both ways and the loom models check the
//! code that ships.
//!
//! [loom]: https://docs.rs/loom

#[cfg(all(test, curio_loom))]
mod imp {
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::sync::atomic::{
        fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize,
    };
    pub(crate) use loom::sync::{Arc, MutexGuard};
    pub(crate) use loom::thread;

    /// loom's mutex with the poison-free `lock()` of the std build.
    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    impl<T> Mutex<T> {
        /// Creates a mutex holding `value`.
        pub(crate) fn new(value: T) -> Self {
            Mutex(loom::sync::Mutex::new(value))
        }

        /// Locks the mutex.
        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock().unwrap()
        }

        /// Locks the mutex if nobody holds it.
        pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
            self.0.try_lock().ok()
        }
    }

    /// loom's condition variable with the std build's shape.
    #[derive(Debug, Default)]
    pub(crate) struct Condvar(loom::sync::Condvar);

    impl Condvar {
        /// Creates a condition variable.
        pub(crate) fn new() -> Self {
            Condvar(loom::sync::Condvar::new())
        }

        /// Blocks until notified.
        pub(crate) fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
            self.0.wait(guard).unwrap()
        }

        /// Blocks until notified; loom has no time, so this is `wait`.
        pub(crate) fn wait_timeout<'a, T>(
            &self,
            guard: MutexGuard<'a, T>,
            _timeout: std::time::Duration,
        ) -> MutexGuard<'a, T> {
            self.0.wait(guard).unwrap()
        }

        /// Wakes one waiter.
        pub(crate) fn notify_one(&self) {
            self.0.notify_one();
        }

        /// Wakes every waiter.
        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }

    /// Runs `f` under the loom model checker.
    pub(crate) fn model<F: Fn() + Sync + Send + 'static>(f: F) {
        loom::model(f)
    }

    /// Hints that the caller is spinning.
    #[allow(dead_code)]
    pub(crate) fn spin_loop() {
        loom::thread::yield_now()
    }
}

#[cfg(not(all(test, curio_loom)))]
mod imp {
    pub(crate) use std::sync::atomic::{
        fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize,
    };
    pub(crate) use std::sync::Arc;

    /// `parking_lot::Mutex` with loom's `lock()` shape (no poisoning).
    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(parking_lot::Mutex<T>);

    /// The guard of [`Mutex`].
    pub(crate) type MutexGuard<'a, T> = parking_lot::MutexGuard<'a, T>;

    impl<T> Mutex<T> {
        /// Creates a mutex holding `value`.
        pub(crate) const fn new(value: T) -> Self {
            Mutex(parking_lot::const_mutex(value))
        }

        /// Locks the mutex.
        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock()
        }

        /// Locks the mutex if nobody holds it.
        #[allow(dead_code)]
        pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
            self.0.try_lock()
        }
    }

    /// `parking_lot::Condvar` with loom's shape.
    #[derive(Debug, Default)]
    pub(crate) struct Condvar(parking_lot::Condvar);

    impl Condvar {
        /// Creates a condition variable.
        pub(crate) const fn new() -> Self {
            Condvar(parking_lot::Condvar::new())
        }

        /// Blocks until notified (spurious wake-ups possible).
        pub(crate) fn wait<'a, T>(&self, mut guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
            self.0.wait(&mut guard);
            guard
        }

        /// Blocks until notified or `timeout` elapses.
        pub(crate) fn wait_timeout<'a, T>(
            &self,
            mut guard: MutexGuard<'a, T>,
            timeout: std::time::Duration,
        ) -> MutexGuard<'a, T> {
            self.0.wait_for(&mut guard, timeout);
            guard
        }

        /// Wakes one waiter.
        pub(crate) fn notify_one(&self) {
            self.0.notify_one();
        }

        /// Wakes every waiter.
        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }

    /// `std::cell::UnsafeCell` with loom's closure-based access.
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        /// Wraps `value`.
        pub(crate) const fn new(value: T) -> Self {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }

        /// Gives `f` a shared pointer to the contents.
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Gives `f` a unique pointer to the contents.
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }

    /// Runs `f` once (the loom build runs it under every interleaving).
    #[allow(dead_code)]
    pub(crate) fn model<F: Fn()>(f: F) {
        f()
    }

    /// Hints that the caller is spinning.
    pub(crate) fn spin_loop() {
        std::hint::spin_loop()
    }
}

pub(crate) use imp::*;
