//! Loom models of cancellation control.

use crate::cancel::disable_cancellation;
use crate::loom::{model, Arc, Mutex};
use crate::task::{self, Notified, RawTask, Schedule};
use std::collections::VecDeque;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering};

/// A scheduler that queues tasks for the model's main thread to run.
#[derive(Clone, Default)]
struct Queue(Arc<Mutex<VecDeque<Notified>>>);

impl Schedule for Queue {
    fn schedule(&self, task: Notified) {
        self.0.lock().push_back(task);
    }

    fn yield_now(&self, task: Notified) {
        self.0.lock().push_back(task);
    }

    fn release(&self, _task: RawTask) -> bool {
        false
    }
}

/// Yields once (wakes itself and returns `Pending`), then is ready.
struct YieldOnce(bool);

impl std::future::Future for YieldOnce {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            return std::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

/// Checks that the future is dropped only after the shield closed.
struct DropCheck(std::sync::Arc<AtomicBool>);

impl Drop for DropCheck {
    fn drop(&mut self) {
        assert!(
            self.0.load(Ordering::Relaxed),
            "a task was dropped inside disable_cancellation"
        );
    }
}

/// Invariant: a cancel request racing a task whose `disable_cancellation`
/// scope ends is never lost and never delivered inside the scope: the task
/// (which would otherwise wait forever) ends cancelled, and its future is
/// dropped only after the shield closed.
#[test]
fn loom_cancel_races_shield_end() {
    model(|| {
        let queue = Queue::default();
        let closed = std::sync::Arc::new(AtomicBool::new(false));
        let c = closed.clone();
        let fut = async move {
            let _check = DropCheck(c.clone());
            disable_cancellation(YieldOnce(false)).await;
            c.store(true, Ordering::Relaxed);
            std::future::pending::<()>().await
        };
        let (registry_ref, notified, handle) =
            task::new_task(fut, queue.clone(), None, Location::caller());
        let raw = registry_ref.raw();
        let canceller = loom::thread::spawn(move || {
            task::request_cancel(raw);
        });
        notified.run();
        canceller.join().unwrap();
        loop {
            let next = queue.0.lock().pop_front();
            match next {
                Some(n) => n.run(),
                None => break,
            }
        }
        assert!(handle.is_finished(), "the cancellation was lost");
        assert!(closed.load(Ordering::Relaxed));
        drop(handle);
        drop(registry_ref);
    });
}
