//! Crate-wide tests: every primitive, guard and future has the auto traits
//! the API promises.

use crate::*;

/// Compiles only for `Send + Sync` types.
fn send_sync<T: Send + Sync>() {}
/// Compiles only for `Send` types.
fn send<T: Send>() {}

#[test]
fn primitives_are_send_and_sync() {
    send_sync::<Event>();
    send_sync::<Lock<Vec<u8>>>();
    send_sync::<Semaphore>();
    send_sync::<BoundedSemaphore>();
    send_sync::<Condition>();
    send_sync::<Queue<String>>();
    send_sync::<LifoQueue<String>>();
    send_sync::<PriorityQueue<String>>();
    send_sync::<UniversalQueue<String>>();
    send_sync::<UniversalEvent>();
    send_sync::<RwLock<String>>();
    send_sync::<Barrier>();
    // A lock makes a `Send`-only value shareable, like `std::sync::Mutex`.
    send_sync::<Lock<std::cell::Cell<u8>>>();
}

#[test]
fn guards_and_futures_are_send() {
    send_sync::<LockGuard<'static, u8>>();
    send_sync::<OwnedLockGuard<u8>>();
    send_sync::<Permit<'static>>();
    send_sync::<OwnedPermit>();
    send_sync::<RwLockReadGuard<'static, u8>>();
    send_sync::<RwLockWriteGuard<'static, u8>>();
    send::<lock::LockFuture<'static, u8>>();
    send::<lock::LockOwned<u8>>();
    send::<semaphore::Acquire<'static>>();
    send::<semaphore::AcquireOwned>();
    send::<event::Wait<'static>>();
    send::<condition::Wait<'static, u8>>();
    send::<queue::Get<'static, u8, queue::Fifo<u8>>>();
    send::<queue::Put<'static, u8, queue::Priority<u8>>>();
    send::<queue::Join<'static, u8, queue::Lifo<u8>>>();
    send::<rwlock::Read<'static, u8>>();
    send::<rwlock::Write<'static, u8>>();
    send::<barrier::Wait<'static>>();
}
