//! Helpers shared by the unit tests: polling once, and wakers that record.
//!
//! Wake logs use `std::sync::Mutex` on purpose: they are test bookkeeping,
//! not part of what loom should model.

#![allow(clippy::disallowed_types)]

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex as StdMutex};
use std::task::{Context, Poll, Wake, Waker};

/// Polls `fut` once with a no-op waker.
pub(crate) fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    let waker = futures::task::noop_waker();
    Pin::new(fut).poll(&mut Context::from_waker(&waker))
}

/// Polls `fut` once with `waker`.
pub(crate) fn poll_with<F: Future + Unpin>(fut: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(fut).poll(&mut Context::from_waker(waker))
}

/// A waker that appends its id to a shared log when woken.
struct Recorder {
    /// This waker's id.
    id: usize,
    /// Where wake-ups are recorded, in order.
    log: Arc<StdMutex<Vec<usize>>>,
}

impl Wake for Recorder {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if let Ok(mut l) = self.log.lock() {
            l.push(self.id);
        }
    }
}

/// A shared wake-up log and a factory of wakers writing to it.
#[derive(Clone, Default)]
pub(crate) struct WakeLog {
    /// Ids of woken wakers, in wake order.
    log: Arc<StdMutex<Vec<usize>>>,
}

impl WakeLog {
    /// A waker that records `id`.
    pub(crate) fn waker(&self, id: usize) -> Waker {
        Waker::from(Arc::new(Recorder {
            id,
            log: Arc::clone(&self.log),
        }))
    }

    /// The ids woken so far, in order.
    pub(crate) fn take(&self) -> Vec<usize> {
        self.log
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default()
    }
}
