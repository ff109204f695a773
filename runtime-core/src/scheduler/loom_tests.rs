//! Loom models of parking and notification (idle.rs rules 2 and 3, and
//! the parker, park.rs rules 1-3): work queued while a worker is going to
//! sleep, and I/O events that arrive while workers sleep in the driver or
//! on their condvars, are never left with every worker asleep.

use super::idle::Idle;
use super::park::Parker;
use super::IoDriver;
use crate::loom::{model, thread, Arc, AtomicBool, AtomicUsize, Condvar, Mutex};
use std::sync::atomic::Ordering::SeqCst;

/// A stand-in for the reactor: one thread at a time holds the poll
/// (`try_lock`, as the reactor's poller mutex); `pending` is an event the
/// kernel holds for it, `rung` its waker's eventfd. A turn that finds the
/// event "wakes a task": it queues one item of `Work`.
struct MockDriver {
    /// The poll; held while a thread turns the driver.
    poll: Mutex<()>,
    /// `(rung, pending)`: a wake-up and an I/O event not yet consumed.
    kernel: Mutex<(bool, bool)>,
    /// Where a thread blocked in the poll waits.
    ready: Condvar,
    /// The queue the woken tasks go to.
    work: Arc<Work>,
}

impl MockDriver {
    /// A driver with no event pending whose turns queue into `work`.
    fn new(work: &Arc<Work>) -> Arc<MockDriver> {
        Arc::new(MockDriver {
            poll: Mutex::new(()),
            kernel: Mutex::new((false, false)),
            ready: Condvar::new(),
            work: work.clone(),
        })
    }

    /// An I/O event arrives (the kernel makes the poll ready).
    fn fire(&self) {
        self.kernel.lock().1 = true;
        self.ready.notify_all();
    }

    /// Dispatches a pending event, if any: its task is queued.
    fn dispatch(&self, kernel: &mut (bool, bool)) {
        if std::mem::take(&mut kernel.1) {
            self.work.items.fetch_add(1, SeqCst);
        }
    }
}

impl IoDriver for MockDriver {
    fn poll_now(&self) -> bool {
        let Some(_poll) = self.poll.try_lock() else {
            return false;
        };
        let mut kernel = self.kernel.lock();
        self.dispatch(&mut kernel);
        true
    }

    fn park(&self, still_parked: &dyn Fn() -> bool) -> bool {
        let Some(_poll) = self.poll.try_lock() else {
            return false;
        };
        let mut kernel = self.kernel.lock();
        while !kernel.0 && !kernel.1 && still_parked() {
            kernel = self.ready.wait(kernel);
        }
        kernel.0 = false;
        self.dispatch(&mut kernel);
        true
    }

    fn unpark(&self) {
        self.kernel.lock().0 = true;
        self.ready.notify_all();
    }
}

/// A stand-in for the run queues: a count of queued items.
struct Work {
    /// Queued items.
    items: AtomicUsize,
}

impl Work {
    /// Takes an item if there is one.
    fn take(&self) -> bool {
        self.items
            .fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

/// The worker's loop of `worker.rs` reduced to its protocol: search, park
/// as the last searcher with a re-check, and wake up searching.
fn worker(
    index: usize,
    idle: &Idle,
    parkers: &[Parker],
    driver: Option<&dyn IoDriver>,
    work: &Work,
    done: &AtomicBool,
    taken: &AtomicUsize,
) {
    let mut searching = idle.transition_worker_to_searching();
    loop {
        if done.load(SeqCst) {
            return;
        }
        if work.take() {
            if searching {
                searching = false;
                if idle.transition_worker_from_searching() {
                    notify(idle, parkers, driver);
                }
            }
            taken.fetch_add(1, SeqCst);
            continue;
        }
        if !searching && idle.transition_worker_to_searching() {
            searching = true;
            continue;
        }
        if idle.transition_worker_to_parked(index, searching) && work.items.load(SeqCst) > 0 {
            notify(idle, parkers, driver);
        }
        loop {
            parkers[index].park(driver);
            if done.load(SeqCst) {
                return;
            }
            if !idle.is_parked(index) {
                searching = true;
                break;
            }
            // The driver dispatched onto this worker (worker.rs `park`).
            if work.items.load(SeqCst) > 0 {
                searching = !idle.unpark_self(index);
                break;
            }
        }
    }
}

/// `Shared::notify_parked`.
fn notify(idle: &Idle, parkers: &[Parker], driver: Option<&dyn IoDriver>) {
    if let Some(i) = idle.worker_to_notify() {
        parkers[i].unpark(driver);
    }
}

/// One worker, one producer: the item pushed while the worker goes to
/// sleep is taken.
#[test]
fn loom_no_lost_wakeup_one_worker() {
    model(|| run_model(1, 1, Source::Queue));
}

/// Two workers, one producer of two items: both items are taken.
#[test]
fn loom_no_lost_wakeup_two_workers() {
    model(|| run_model(2, 2, Source::Queue));
}

/// One worker that parks in the driver; the work is an I/O event that the
/// driver must dispatch: the worker holding the poll wakes for it.
#[test]
fn loom_driver_event_reaches_parked_worker() {
    model(|| run_model(1, 1, Source::Io));
}

/// One worker parked in the driver, work pushed to the queue from outside:
/// the unpark reaches the worker through the driver (park.rs rule 1).
#[test]
fn loom_driver_unpark_reaches_parked_worker() {
    model(|| run_model(1, 1, Source::QueueWithDriver));
}

/// Two workers, one I/O event and one queued item: whichever worker holds
/// the poll, the other sleeps on its condvar, and both items are taken.
#[test]
fn loom_driver_two_workers_hand_over() {
    model(|| run_model(2, 2, Source::Mixed));
}

/// A fallback thread (the reactor thread) races the worker for the poll
/// while work is queued from outside: an unpark whose driver wake-up the
/// fallback thread consumed is still seen by the worker (park.rs rule 3).
#[test]
fn loom_driver_fallback_thread_races_worker() {
    model(|| {
        let work = Arc::new(Work {
            items: AtomicUsize::new(0),
        });
        let driver = MockDriver::new(&work);
        let idle = Arc::new(Idle::new(1));
        let parkers: Arc<Vec<Parker>> = Arc::new(vec![Parker::new()]);
        let done = Arc::new(AtomicBool::new(false));
        let taken = Arc::new(AtomicUsize::new(0));
        let fallback = {
            let (driver, done) = (driver.clone(), done.clone());
            thread::spawn(move || {
                // One turn of the reactor thread's fallback: it blocks in
                // the poll if no worker holds it.
                let _ = driver.park(&|| !done.load(SeqCst));
            })
        };
        let w = {
            let (idle, parkers, work, done, taken, driver) = (
                idle.clone(),
                parkers.clone(),
                work.clone(),
                done.clone(),
                taken.clone(),
                driver.clone(),
            );
            thread::spawn(move || worker(0, &idle, &parkers, Some(&*driver), &work, &done, &taken))
        };
        work.items.fetch_add(1, SeqCst);
        notify(&idle, &parkers, Some(&*driver));
        while taken.load(SeqCst) < 1 {
            thread::yield_now();
        }
        done.store(true, SeqCst);
        parkers[0].unpark(Some(&*driver));
        driver.unpark();
        w.join().unwrap();
        fallback.join().unwrap();
    });
}

/// Where the model's work comes from.
#[derive(Clone, Copy, PartialEq)]
enum Source {
    /// Items pushed to the queue, no driver.
    Queue,
    /// Items pushed to the queue; workers park in a driver.
    QueueWithDriver,
    /// I/O events the driver dispatches.
    Io,
    /// The first item an I/O event, the others pushed to the queue.
    Mixed,
}

/// Runs `workers` workers (starting as searchers) against a producer of
/// `items` items; the model thread waits until all are taken, then stops
/// the workers.
fn run_model(workers: usize, items: usize, source: Source) {
    let idle = Arc::new(Idle::new(workers));
    let parkers: Arc<Vec<Parker>> = Arc::new((0..workers).map(|_| Parker::new()).collect());
    let work = Arc::new(Work {
        items: AtomicUsize::new(0),
    });
    let driver = (source != Source::Queue).then(|| MockDriver::new(&work));
    let done = Arc::new(AtomicBool::new(false));
    let taken = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..workers)
        .map(|i| {
            let (idle, parkers, work, done, taken, driver) = (
                idle.clone(),
                parkers.clone(),
                work.clone(),
                done.clone(),
                taken.clone(),
                driver.clone(),
            );
            thread::spawn(move || {
                let driver = driver.as_deref().map(|d| d as &dyn IoDriver);
                worker(i, &idle, &parkers, driver, &work, &done, &taken)
            })
        })
        .collect();
    let dyn_driver = driver.as_deref().map(|d| d as &dyn IoDriver);
    for n in 0..items {
        let io = source == Source::Io || (source == Source::Mixed && n == 0);
        match &driver {
            Some(d) if io => d.fire(),
            _ => {
                work.items.fetch_add(1, SeqCst);
                notify(&idle, &parkers, dyn_driver);
            }
        }
    }
    while taken.load(SeqCst) < items {
        thread::yield_now();
    }
    done.store(true, SeqCst);
    for p in parkers.iter() {
        p.unpark(dyn_driver);
    }
    for h in handles {
        h.join().unwrap();
    }
}

/// A scheduler that sends every wake of a task into a `LocalQueue`, as
/// `LocalSchedule` does (`local.rs` rule 1).
struct InboxSched(Arc<super::local::LocalQueue>);

impl crate::task::Schedule for InboxSched {
    fn schedule(&self, task: crate::task::Notified) {
        self.0.push(task);
    }

    fn yield_now(&self, task: crate::task::Notified) {
        self.0.push(task);
    }

    fn release(&self, _task: crate::task::RawTask) -> bool {
        false
    }
}

/// Wakes an owner parked on its parker (the `block_on` thread's waker,
/// reduced to its protocol).
struct ParkerWaker(Arc<Parker>);

impl std::task::Wake for ParkerWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.unpark(None);
    }
}

/// A gate that the other thread opens; the task waits on it.
#[derive(Default)]
struct LocalGate {
    /// Set when opened.
    open: AtomicBool,
    /// The waiter's waker.
    waker: Mutex<Option<std::task::Waker>>,
}

/// Waits for the gate, recording the thread of every poll.
struct WaitLocalGate {
    /// The gate.
    gate: Arc<LocalGate>,
    /// The loom threads that polled the future.
    polled_on: Arc<Mutex<Vec<thread::ThreadId>>>,
}

impl std::future::Future for WaitLocalGate {
    type Output = ();

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        self.polled_on.lock().push(thread::current().id());
        let mut slot = self.gate.waker.lock();
        if self.gate.open.load(SeqCst) {
            return std::task::Poll::Ready(());
        }
        *slot = Some(cx.waker().clone());
        std::task::Poll::Pending
    }
}

/// `local.rs` rules 1 and 2: a local task woken from another thread is
/// queued in its owner's inbox, never run by the waker, and the owner,
/// which may be parking at that moment, is woken and runs it on its own
/// thread: the wake is never lost (a lost one leaves the owner parked for
/// ever, which loom reports as a deadlock).
#[test]
fn loom_local_wake_from_another_thread_reaches_owner() {
    model(|| {
        let parker = Arc::new(Parker::new());
        let waker = std::task::Waker::from(std::sync::Arc::new(ParkerWaker(parker.clone())));
        let queue = Arc::new(super::local::LocalQueue::new(super::local::Owner::Thread(
            waker,
        )));
        let gate = Arc::new(LocalGate::default());
        let polled_on = Arc::new(Mutex::new(Vec::new()));
        let future = WaitLocalGate {
            gate: gate.clone(),
            polled_on: polled_on.clone(),
        };
        let (registered, notified, join) = crate::task::new_task(
            future,
            InboxSched(queue.clone()),
            None,
            std::panic::Location::caller(),
        );
        drop(registered);
        queue.push(notified);

        let opener = thread::spawn(move || {
            gate.open.store(true, SeqCst);
            let waker = gate.waker.lock().take();
            if let Some(w) = waker {
                w.wake();
            }
        });

        let owner = thread::current().id();
        loop {
            while let Some(task) = queue.pop() {
                task.run();
            }
            if join.is_finished() {
                break;
            }
            parker.park(None);
        }
        opener.join().unwrap();
        assert!(polled_on.lock().iter().all(|&t| t == owner));
        drop(join);
        queue.shut_down();
    });
}
