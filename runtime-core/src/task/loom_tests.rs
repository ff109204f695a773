//! Loom models of the task state machine (task/mod.rs rules 1-6): every
//! interleaving of a wake, a cancel request, a join or a handle drop with
//! the task's own poll and completion.

use super::{new_task, request_cancel, Notified, RawTask, Schedule};
use crate::loom::{model, thread, Arc, AtomicBool, AtomicUsize, Mutex};
use std::collections::VecDeque;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::Ordering::SeqCst;
use std::task::{Context, Poll, Waker};

/// A scheduler that queues woken tasks for the model's main thread.
#[derive(Clone, Default)]
struct TestSched {
    /// Woken tasks.
    queue: Arc<Mutex<VecDeque<Notified>>>,
}

impl Schedule for TestSched {
    fn schedule(&self, task: Notified) {
        self.queue.lock().push_back(task);
    }

    fn yield_now(&self, task: Notified) {
        self.schedule(task);
    }

    fn release(&self, _task: RawTask) -> bool {
        false
    }
}

impl TestSched {
    /// Runs queued tasks until the queue is empty.
    fn drain(&self) {
        loop {
            let next = self.queue.lock().pop_front();
            match next {
                Some(task) => task.run(),
                None => return,
            }
        }
    }
}

/// A one-shot gate a future waits on.
#[derive(Default)]
struct Gate {
    /// Set when opened.
    open: AtomicBool,
    /// The waiter's waker.
    waker: Mutex<Option<Waker>>,
}

impl Gate {
    /// Opens the gate and wakes the waiter.
    fn open(&self) {
        self.open.store(true, SeqCst);
        let waker = self.waker.lock().take();
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// Waits for a gate, then returns a value that counts its drops.
struct WaitGate(Arc<Gate>, Option<Counted>);

/// Counts its drops.
#[derive(Debug)]
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

impl Future for WaitGate {
    type Output = Counted;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Counted> {
        *self.0.waker.lock() = Some(cx.waker().clone());
        if self.0.open.load(SeqCst) {
            Poll::Ready(self.1.take().expect("polled after completion"))
        } else {
            Poll::Pending
        }
    }
}

/// Spawns a gate-waiting task on a test scheduler (unregistered).
fn spawn_gate(
    sched: &TestSched,
    gate: &Arc<Gate>,
    drops: &Arc<AtomicUsize>,
) -> (Notified, super::Task<Counted>) {
    let fut = WaitGate(gate.clone(), Some(Counted(drops.clone())));
    let (registered, notified, join) = new_task(fut, sched.clone(), None, Location::caller());
    drop(registered);
    (notified, join)
}

/// A wake from another thread racing the poll is never lost (rule 3): the
/// task completes and its output is delivered once.
#[test]
fn loom_wake_racing_poll() {
    model(|| {
        let sched = TestSched::default();
        let gate = Arc::new(Gate::default());
        let drops = Arc::new(AtomicUsize::new(0));
        let (notified, join) = spawn_gate(&sched, &gate, &drops);
        let g = gate.clone();
        let th = thread::spawn(move || g.open());
        notified.run();
        th.join().unwrap();
        sched.drain();
        let out = loom::future::block_on(join).expect("task completes");
        drop(out);
        assert_eq!(drops.load(SeqCst), 1);
    });
}

/// A join from another thread racing completion sees the output exactly
/// once (rules 4 and 6).
#[test]
fn loom_join_racing_completion() {
    model(|| {
        let sched = TestSched::default();
        let gate = Arc::new(Gate::default());
        gate.open.store(true, SeqCst);
        let drops = Arc::new(AtomicUsize::new(0));
        let (notified, join) = spawn_gate(&sched, &gate, &drops);
        let th = thread::spawn(move || {
            let out = loom::future::block_on(join).expect("task completes");
            drop(out);
        });
        notified.run();
        th.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
    });
}

/// Dropping the handle while the task completes drops the output exactly
/// once, whichever side goes last, and frees the cell (rules 1 and 6).
#[test]
fn loom_handle_drop_racing_completion() {
    model(|| {
        let sched = TestSched::default();
        let gate = Arc::new(Gate::default());
        gate.open.store(true, SeqCst);
        let drops = Arc::new(AtomicUsize::new(0));
        let (notified, join) = spawn_gate(&sched, &gate, &drops);
        let th = thread::spawn(move || drop(join));
        notified.run();
        th.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
    });
}

/// A cancel request racing the wake that completes the task: the task ends
/// exactly once, either with its output or cancelled, and the canceller's
/// wait returns (rules 5 and 6).
#[test]
fn loom_cancel_racing_completion() {
    model(|| {
        let sched = TestSched::default();
        let gate = Arc::new(Gate::default());
        let drops = Arc::new(AtomicUsize::new(0));
        let (notified, mut join) = spawn_gate(&sched, &gate, &drops);
        // First poll: the task waits on the gate.
        notified.run();
        let done = Arc::new(AtomicBool::new(false));
        let d = done.clone();
        let th = thread::spawn(move || {
            let requested = loom::future::block_on(join.cancel());
            let outcome = loom::future::block_on(join);
            d.store(true, SeqCst);
            match outcome {
                Ok(out) => drop(out),
                Err(e) => assert!(e.is_cancelled() && requested),
            }
        });
        gate.open();
        while !done.load(SeqCst) {
            sched.drain();
            thread::yield_now();
        }
        th.join().unwrap();
        // Either the output was made and dropped, or the future was dropped
        // before making it.
        assert!(drops.load(SeqCst) <= 1);
    });
}

/// A cancel request on an idle task queues it once, and delivery does not
/// poll it (rule 5).
#[test]
fn loom_cancel_request_from_two_threads() {
    model(|| {
        let sched = TestSched::default();
        let gate = Arc::new(Gate::default());
        let drops = Arc::new(AtomicUsize::new(0));
        let (notified, join) = spawn_gate(&sched, &gate, &drops);
        notified.run();
        let raw = super::RawTask::clone(&join_raw(&join));
        let th = thread::spawn(move || request_cancel(raw));
        let here = request_cancel(raw);
        let there = th.join().unwrap();
        assert!(here && there);
        assert_eq!(sched.queue.lock().len(), 1, "queued exactly once");
        sched.drain();
        let err = loom::future::block_on(join).unwrap_err();
        assert!(err.is_cancelled());
        assert_eq!(
            drops.load(SeqCst),
            1,
            "the future (holding the value) was dropped"
        );
    });
}

/// The raw task behind a handle, for the models.
fn join_raw<T>(join: &super::Task<T>) -> RawTask {
    join.raw_for_tests()
}

/// A handle that registered a join waker and is then dropped while the
/// task completes: exactly one side drops the waker (and so releases the
/// task it points to), whichever goes first (rule 6).
#[test]
fn loom_join_waker_released_on_handle_drop() {
    model(|| {
        let sched = TestSched::default();
        let gate = Arc::new(Gate::default());
        let drops = Arc::new(AtomicUsize::new(0));
        let (notified, mut join) = spawn_gate(&sched, &gate, &drops);
        notified.run();
        // Register a join waker that counts its own drop.
        let waker_drops = Arc::new(AtomicUsize::new(0));
        let waker = counting_waker(waker_drops.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(Pin::new(&mut join).poll(&mut cx).is_pending());
        drop(waker);
        let th = thread::spawn(move || drop(join));
        gate.open();
        sched.drain();
        th.join().unwrap();
        assert_eq!(
            waker_drops.load(SeqCst),
            1,
            "the join waker was dropped exactly once"
        );
        assert_eq!(drops.load(SeqCst), 1);
    });
}

/// A waker that counts how many times its last clone is dropped.
fn counting_waker(drops: Arc<AtomicUsize>) -> Waker {
    /// Counts drops of the `Arc` it lives in.
    struct Counter(Arc<AtomicUsize>);
    impl Drop for Counter {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    impl std::task::Wake for Counter {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    Waker::from(std::sync::Arc::new(Counter(drops)))
}

/// A future that waits for `ready`, read with `Relaxed` so that only the
/// task's state word can order it after the waker's write; it hands out
/// its waker on the first poll.
struct WaitFlag {
    /// Set by the waker thread before it wakes the task.
    ready: Arc<AtomicBool>,
    /// Receives the task's waker on the first poll.
    waker: Arc<Mutex<Option<Waker>>>,
    /// Whether the waker was handed out.
    first_done: bool,
}

impl Future for WaitFlag {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if !self.first_done {
            self.first_done = true;
            *self.waker.lock() = Some(cx.waker().clone());
            return Poll::Pending;
        }
        // ORDERING: Relaxed on purpose: the model checks that the wake
        // itself publishes the waker's earlier writes (rule 3).
        if self.ready.load(std::sync::atomic::Ordering::Relaxed) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// A wake that finds the task already notified still publishes the
/// waker's writes to the run that notification queued (rule 3): the task
/// reads the flag written before the second wake, or is queued again.
#[test]
fn loom_wake_of_a_notified_task_publishes() {
    model(|| {
        let sched = TestSched::default();
        let ready = Arc::new(AtomicBool::new(false));
        let slot = Arc::new(Mutex::new(None));
        let fut = WaitFlag {
            ready: ready.clone(),
            waker: slot.clone(),
            first_done: false,
        };
        let (registered, notified, join) = new_task(fut, sched.clone(), None, Location::caller());
        drop(registered);
        notified.run();
        let waker = slot.lock().take().expect("the first poll gave its waker");
        // A first wake queues the task (NOTIFIED | WOKEN).
        waker.wake_by_ref();
        let r = ready.clone();
        let th = thread::spawn(move || {
            r.store(true, std::sync::atomic::Ordering::Relaxed);
            // Finds the task notified (or running): must still publish.
            waker.wake_by_ref();
            // Kept alive: dropping it here would publish through the
            // reference count instead.
            waker
        });
        // The run queued by the first wake, racing the second wake.
        let first = sched.queue.lock().pop_front();
        if let Some(task) = first {
            task.run();
        }
        let waker = th.join().unwrap();
        sched.drain();
        assert!(join.is_finished(), "a wake was absorbed without publishing");
        drop(waker);
        drop(join);
    });
}

/// Opens a `disable_cancellation` scope on its first poll and hands the
/// scope's task reference out, to be closed from another thread; then
/// waits for ever.
struct ShieldThenPend {
    /// Receives the reference that closes the scope.
    shield: Arc<Mutex<Option<super::TaskRef>>>,
}

impl Future for ShieldThenPend {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        let mut slot = self.shield.lock();
        if slot.is_none() {
            let me = super::current_ref().expect("polled as a task");
            super::open_shield(&me);
            *slot = Some(me);
        }
        Poll::Pending
    }
}

/// A cancellation deferred by a `disable_cancellation` scope is delivered
/// when the scope closes on another thread while the runner decides to go
/// idle (rule 5): either the runner sees the closed scope, or the closer
/// sees the idle task and queues it.
#[test]
fn loom_shield_closed_elsewhere_delivers_cancel() {
    model(|| {
        let sched = TestSched::default();
        let shield = Arc::new(Mutex::new(None));
        let fut = ShieldThenPend {
            shield: shield.clone(),
        };
        let (registered, notified, join) = new_task(fut, sched.clone(), None, Location::caller());
        drop(registered);
        notified.run();
        let me = shield
            .lock()
            .take()
            .expect("the first poll opened the scope");
        // Deferred: the scope is open, and the request queues the task.
        assert!(request_cancel(join_raw(&join)));
        let th = thread::spawn(move || super::close_shield(me));
        // The run the request queued races the scope's close.
        let first = sched.queue.lock().pop_front();
        if let Some(task) = first {
            task.run();
        }
        th.join().unwrap();
        sched.drain();
        assert!(join.is_finished(), "the cancellation was lost");
        drop(join);
    });
}

/// Shutdown (rule 7, `TaskRef::shutdown` from the thread that shuts down)
/// racing a cancellation being delivered on a worker (rule 5): the future
/// is dropped exactly once, by one of them, and the join reports a
/// cancellation.
#[test]
fn loom_cancel_racing_shutdown() {
    model(|| {
        let sched = TestSched::default();
        let gate = Arc::new(Gate::default());
        let drops = Arc::new(AtomicUsize::new(0));
        let fut = WaitGate(gate.clone(), Some(Counted(drops.clone())));
        let (registered, notified, join) = new_task(fut, sched.clone(), None, Location::caller());
        // First poll: the task waits on the gate.
        notified.run();
        let raw = join_raw(&join);
        let worker = {
            let sched = sched.clone();
            thread::spawn(move || {
                // False when shutdown already completed it.
                let _ = request_cancel(raw);
                sched.drain();
            })
        };
        // The shutting-down thread cancels what the registry still holds.
        registered.shutdown();
        worker.join().unwrap();
        sched.drain();
        assert_eq!(drops.load(SeqCst), 1, "the future is dropped exactly once");
        let outcome = loom::future::block_on(join);
        assert!(outcome.unwrap_err().is_cancelled());
    });
}
