//! curio: a multi-threaded async runtime with Python curio's model.
//!
//! This is a stand-in facade that provides only the surface the attribute
//! macros expand to; the real facade replaces it.
#![forbid(unsafe_code)]

pub use runtime_macros::{main, test};

/// Entry points used by the expansions of `#[curio::main]` and `#[curio::test]`.
#[doc(hidden)]
pub mod __private {
    use std::future::Future;
    use std::pin::pin;
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    use std::thread::{self, Thread};

    /// Builds a runtime (`workers` threads, or the default when `None`), runs
    /// `fut` as the main task, shuts down and returns its output.
    pub fn run_main<F>(workers: Option<usize>, fut: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        block_on(workers, fut)
    }

    /// Same as [`run_main`], for `#[curio::test]`: a fresh runtime per test.
    pub fn run_test<F>(workers: Option<usize>, fut: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        block_on(workers, fut)
    }

    /// Wakes the thread blocked in [`block_on`].
    struct Unpark(Thread);

    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }

    /// Polls `fut` on the current thread, parking between wake-ups.
    fn block_on<F: Future>(workers: Option<usize>, fut: F) -> F::Output {
        assert_ne!(workers, Some(0), "a runtime needs at least one worker");
        let waker = Waker::from(Arc::new(Unpark(thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut fut = pin!(fut);
        loop {
            if let Poll::Ready(output) = fut.as_mut().poll(&mut cx) {
                return output;
            }
            thread::park();
        }
    }
}
