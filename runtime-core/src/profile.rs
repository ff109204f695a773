//! Profiling for the monitor: how long each task's polls take, how long a
//! task waits in a run queue between the wake that queued it and its next
//! poll (its scheduling delay), and how busy each worker is.
//!
//! It is on only in a runtime built with a monitor (`Builder::monitor`,
//! `CURIO_MONITOR`) or long-block detection (`Builder::longblock`,
//! `CURIO_LONGBLOCK`): see [`Profile::resolve`]. Off, a task has no
//! [`TaskProfile`] (its header's `profile` is `None`): the poll harness
//! reads that pointer before and after each poll, the spawn and the wake
//! that queues the task once each, and none of them reads the clock.
//!
//! # Rules
//!
//! 1. **Allocation.** A task's `TaskProfile` is allocated at spawn when its
//!    scheduler profiles (`Schedule::profiling`), and freed with the task.
//! 2. **The queue stamp.** Whoever queues the task stamps `queued_at` just
//!    before it hands the `Notified` to the scheduler: the spawn, or the
//!    wake that won the `NOTIFIED` bit (`raw.rs`, the vtable's `schedule`).
//!    A wake that finds the task already queued queues nothing and so
//!    stamps nothing: the first stamp stays. Only the one holder of the new
//!    `Notified` stamps, and the runner reads the stamp after taking that
//!    `Notified` from a queue. A wake during a poll (a `yield_now`, say)
//!    only sets bits, and the runner requeues the task when the poll ends:
//!    so the end of each timed poll is stamped too, by the runner while it
//!    holds `RUNNING`. That stamp is the requeue's when the task was woken
//!    during the poll; otherwise the wake that queues the task later
//!    stamps again (its `NOTIFIED` transition orders it after the runner's
//!    store, which precedes the runner's idle transition).
//! 3. **Counters.** The task's counters are written by the runner alone (the
//!    holder of `RUNNING`, task/mod.rs rule 2), a worker's by its own thread
//!    alone; so each update is a load and a store. The monitor reads them
//!    while they change: each value is whole, but two of them may be one
//!    poll apart.
//! 4. **Workers.** A worker thread finds its counters through a thread-local
//!    set when it starts (`enter_worker`). A profiled task polled on another
//!    thread counts for the task only.
//!
//! Times are real time (`Instant`), not the runtime's clock: a paused clock
//! does not stop the CPU.

#![deny(unsafe_code)]

use crate::loom::AtomicU64;
use crossbeam_utils::CachePadded;
use std::cell::RefCell;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How many buckets a scheduling-delay histogram has: below 1 µs, then one
/// per power of two up to 2^20 µs (about 1.05 s), then one for the rest.
const DELAY_BUCKETS: usize = 22;

/// The instant time stamps are counted from (the first use in the process).
fn epoch() -> Instant {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Nanoseconds since `epoch()`, plus one (0 means "no stamp").
fn stamp(at: Instant) -> u64 {
    let nanos = at.saturating_duration_since(epoch()).as_nanos();
    u64::try_from(nanos).unwrap_or(u64::MAX - 1) + 1
}

/// The histogram bucket of a delay of `ns` nanoseconds (see
/// [`DelayHistogram`]).
fn bucket_of(ns: u64) -> usize {
    let micros = ns / 1_000;
    if micros == 0 {
        0
    } else {
        ((u64::BITS - micros.leading_zeros()) as usize).min(DELAY_BUCKETS - 1)
    }
}

/// Adds `by` to a counter that only one thread writes at a time (rule 3).
fn add(counter: &AtomicU64, by: u64) {
    // ORDERING: Relaxed; a statistics counter.
    counter.store(counter.load(Relaxed).saturating_add(by), Relaxed);
}

/// Raises a single-writer maximum to `value` (rule 3).
fn raise(max: &AtomicU64, value: u64) {
    // ORDERING: Relaxed; a statistics counter.
    if value > max.load(Relaxed) {
        max.store(value, Relaxed);
    }
}

/// The profile of one task (rule 1).
pub(crate) struct TaskProfile {
    /// When the task was last queued (`stamp`; 0 for never), rule 2.
    queued_at: AtomicU64,
    /// The sum of its poll times, in nanoseconds.
    busy_ns: AtomicU64,
    /// Its longest poll, in nanoseconds.
    max_poll_ns: AtomicU64,
    /// Polls that had a queue stamp to measure a delay from.
    delays: AtomicU64,
    /// The sum of those polls' scheduling delays, in nanoseconds.
    delay_sum_ns: AtomicU64,
    /// The longest scheduling delay, in nanoseconds.
    delay_max_ns: AtomicU64,
    /// When the current (or last) poll began (`stamp`).
    poll_started: AtomicU64,
}

/// What a task's profile says, for `TaskInfo`.
pub(crate) struct TaskProfileSnapshot {
    /// The sum of its poll times.
    pub(crate) busy: Duration,
    /// Its longest poll.
    pub(crate) longest_poll: Duration,
    /// Its mean scheduling delay.
    pub(crate) delay_mean: Duration,
    /// Its longest scheduling delay.
    pub(crate) delay_max: Duration,
}

impl TaskProfile {
    /// The profile of a task being spawned, which is queued at once (rule 2).
    #[cold]
    #[inline(never)]
    pub(crate) fn new_queued() -> Box<TaskProfile> {
        Box::new(TaskProfile {
            queued_at: AtomicU64::new(stamp(Instant::now())),
            busy_ns: AtomicU64::new(0),
            max_poll_ns: AtomicU64::new(0),
            delays: AtomicU64::new(0),
            delay_sum_ns: AtomicU64::new(0),
            delay_max_ns: AtomicU64::new(0),
            poll_started: AtomicU64::new(0),
        })
    }

    /// The task is being queued now (rule 2).
    #[inline(never)]
    pub(crate) fn stamp_queued(&self) {
        // ORDERING: Relaxed; written before the `Notified` is handed to the
        // scheduler, whose queue orders the push before the pop of the
        // runner that reads it in `end_poll` (rule 2).
        self.queued_at.store(stamp(Instant::now()), Relaxed);
    }

    /// A poll begins: notes when, for [`TaskProfile::end_poll`]. Out of
    /// line, like `end_poll`, so the harness's path without a profile stays
    /// as it was (and keeps no value alive across the poll).
    #[inline(never)]
    pub(crate) fn start_poll(&self) {
        // ORDERING: Relaxed; written and read by the runner (rule 3).
        self.poll_started.store(stamp(Instant::now()), Relaxed);
    }

    /// The poll that `start_poll` began ended: adds its time and its
    /// scheduling delay (from `queued_at`, which nobody writes while the task
    /// runs: rule 2) to the task's counters and the worker's, and stamps
    /// the end for a requeue (rule 2).
    #[inline(never)]
    pub(crate) fn end_poll(&self) {
        let end = stamp(Instant::now());
        // ORDERING: Relaxed; written and read by the runner (rule 3).
        let started = self.poll_started.load(Relaxed);
        let took = end.saturating_sub(started);
        // ORDERING: Relaxed; see `stamp_queued`.
        let queued = self.queued_at.load(Relaxed);
        let delay = (queued != 0).then(|| started.saturating_sub(queued));
        // The stamp of a requeue right after this poll (rule 2).
        // ORDERING: Relaxed; see `stamp_queued` and rule 2.
        self.queued_at.store(end, Relaxed);
        add(&self.busy_ns, took);
        raise(&self.max_poll_ns, took);
        if let Some(delay) = delay {
            add(&self.delays, 1);
            add(&self.delay_sum_ns, delay);
            raise(&self.delay_max_ns, delay);
        }
        WORKER.with(|w| {
            if let Some((profile, index)) = &*w.borrow() {
                if let Some(worker) = profile.workers.get(*index) {
                    add(&worker.busy_ns, took);
                    if let Some(delay) = delay {
                        add(&worker.delays[bucket_of(delay)], 1);
                    }
                }
            }
        });
    }

    /// Reads the counters (rule 3).
    pub(crate) fn snapshot(&self) -> TaskProfileSnapshot {
        // ORDERING: Relaxed; statistics counters.
        let delays = self.delays.load(Relaxed);
        let sum = self.delay_sum_ns.load(Relaxed);
        TaskProfileSnapshot {
            busy: Duration::from_nanos(self.busy_ns.load(Relaxed)),
            longest_poll: Duration::from_nanos(self.max_poll_ns.load(Relaxed)),
            delay_mean: Duration::from_nanos(sum.checked_div(delays).unwrap_or(0)),
            delay_max: Duration::from_nanos(self.delay_max_ns.load(Relaxed)),
        }
    }
}

/// The counters of one worker (rule 3, rule 4).
struct WorkerProfile {
    /// The sum of the poll times of the tasks it ran, in nanoseconds.
    busy_ns: AtomicU64,
    /// Its histogram of scheduling delays (`bucket_of`).
    delays: [AtomicU64; DELAY_BUCKETS],
}

/// The profile of a runtime: when it started, and each worker's counters.
pub(crate) struct Profile {
    /// When the runtime started: the base of each worker's busy fraction.
    started: Instant,
    /// One entry per worker.
    workers: Box<[CachePadded<WorkerProfile>]>,
}

/// What a worker's profile says, for `WorkerStats`.
pub(crate) struct WorkerProfileSnapshot {
    /// The time it spent polling tasks.
    pub(crate) busy: Duration,
    /// `busy` over the time since the runtime started, in `0.0..=1.0`.
    pub(crate) busy_fraction: f64,
    /// Its scheduling delays.
    pub(crate) delays: DelayHistogram,
}

impl Profile {
    /// The profile of a runtime being built by `builder` with `workers`
    /// workers: `Some` when it has a monitor or long-block detection.
    ///
    /// # Errors
    ///
    /// As `Builder::build` for a bad `CURIO_MONITOR` or `CURIO_LONGBLOCK`.
    pub(crate) fn resolve(
        builder: &crate::Builder,
        workers: usize,
    ) -> std::io::Result<Option<Arc<Profile>>> {
        let on = builder.resolve_monitor()?.is_some() || builder.resolve_longblock()?.is_some();
        Ok(on.then(|| Arc::new(Profile::new(workers))))
    }

    /// A profile with `workers` zeroed workers, started now.
    pub(crate) fn new(workers: usize) -> Profile {
        epoch();
        Profile {
            started: Instant::now(),
            workers: (0..workers)
                .map(|_| {
                    CachePadded::new(WorkerProfile {
                        busy_ns: AtomicU64::new(0),
                        delays: std::array::from_fn(|_| AtomicU64::new(0)),
                    })
                })
                .collect(),
        }
    }

    /// Reads worker `index`'s counters (rule 3).
    pub(crate) fn worker(&self, index: usize) -> Option<WorkerProfileSnapshot> {
        let w = self.workers.get(index)?;
        // ORDERING: Relaxed; statistics counters.
        let busy = Duration::from_nanos(w.busy_ns.load(Relaxed));
        let elapsed = self.started.elapsed().as_secs_f64();
        let busy_fraction = if elapsed > 0.0 {
            (busy.as_secs_f64() / elapsed).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let mut counts = [0; DELAY_BUCKETS];
        for (c, a) in counts.iter_mut().zip(&w.delays) {
            // ORDERING: Relaxed; statistics counters.
            *c = a.load(Relaxed);
        }
        Some(WorkerProfileSnapshot {
            busy,
            busy_fraction,
            delays: DelayHistogram { counts },
        })
    }
}

thread_local! {
    /// The profile and index of the worker this thread is (rule 4).
    static WORKER: RefCell<Option<(Arc<Profile>, usize)>> = const { RefCell::new(None) };
}

/// Makes this thread worker `index` of `profile` until the guard drops
/// (rule 4); does nothing without a profile.
pub(crate) fn enter_worker(profile: Option<&Arc<Profile>>, index: usize) -> WorkerGuard {
    if let Some(profile) = profile {
        WORKER.with(|w| *w.borrow_mut() = Some((profile.clone(), index)));
    }
    WorkerGuard(())
}

/// Clears this thread's worker profile when dropped.
pub(crate) struct WorkerGuard(());

impl Drop for WorkerGuard {
    fn drop(&mut self) {
        let _ = WORKER.try_with(|w| w.borrow_mut().take());
    }
}

/// A histogram of scheduling delays (the time from the wake that queued a
/// task to the start of its poll), in powers of two: bucket 0 counts delays
/// below 1 µs, bucket `i` (1 to 20) those from 2^(i-1) µs up to 2^i µs, and
/// the last bucket those of 2^20 µs (about 1.05 s) or more.
///
/// Each worker of a profiling runtime keeps one
/// ([`WorkerStats::sched_delays`](crate::introspect::WorkerStats::sched_delays)).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use curio::introspect::DelayHistogram;
///
/// // A runtime with a monitor profiles its tasks and workers.
/// let rt = curio::Runtime::builder().workers(1).monitor("127.0.0.1:0").build().unwrap();
/// rt.block_on(async {
///     for _ in 0..10 {
///         curio::spawn(async {}).await.unwrap();
///     }
/// });
/// let stats = rt.handle().stats();
/// let delays: &DelayHistogram = stats.workers[0].sched_delays.as_ref().unwrap();
/// assert!(delays.total() >= 10);
/// assert_eq!(DelayHistogram::upper_bound(0), Some(Duration::from_micros(1)));
/// assert_eq!(DelayHistogram::upper_bound(DelayHistogram::BUCKETS - 1), None);
/// for (bound, count) in delays.buckets() {
///     if count > 0 {
///         println!("below {bound:?}: {count}");
///     }
/// }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DelayHistogram {
    /// The count of each bucket.
    counts: [u64; DELAY_BUCKETS],
}

impl DelayHistogram {
    /// The number of buckets.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::introspect::DelayHistogram;
    ///
    /// let empty = DelayHistogram::default();
    /// assert_eq!(empty.buckets().count(), DelayHistogram::BUCKETS);
    /// ```
    pub const BUCKETS: usize = DELAY_BUCKETS;

    /// How many delays were counted in all.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(curio::introspect::DelayHistogram::default().total(), 0);
    /// ```
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// How many delays bucket `bucket` counted (0 past the last bucket).
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::introspect::DelayHistogram;
    /// let h = DelayHistogram::default();
    /// assert_eq!(h.count(0), 0);
    /// assert_eq!(h.count(DelayHistogram::BUCKETS), 0);
    /// ```
    pub fn count(&self, bucket: usize) -> u64 {
        self.counts.get(bucket).copied().unwrap_or(0)
    }

    /// The delays bucket `bucket` counts are below this bound (2^bucket
    /// µs); `None` for the last bucket, which has none, and past it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use curio::introspect::DelayHistogram;
    /// assert_eq!(DelayHistogram::upper_bound(3), Some(Duration::from_micros(8)));
    /// assert_eq!(DelayHistogram::upper_bound(DelayHistogram::BUCKETS - 1), None);
    /// ```
    pub fn upper_bound(bucket: usize) -> Option<Duration> {
        (bucket < DELAY_BUCKETS - 1).then(|| Duration::from_micros(1 << bucket))
    }

    /// Each bucket's upper bound (as [`DelayHistogram::upper_bound`]) and
    /// count, from the shortest delays to the longest.
    ///
    /// # Examples
    ///
    /// ```
    /// use curio::introspect::DelayHistogram;
    /// let h = DelayHistogram::default();
    /// assert_eq!(h.buckets().count(), DelayHistogram::BUCKETS);
    /// assert!(h.buckets().all(|(_, n)| n == 0));
    /// ```
    pub fn buckets(&self) -> impl Iterator<Item = (Option<Duration>, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .map(|(i, &n)| (DelayHistogram::upper_bound(i), n))
    }
}

#[cfg(all(test, not(curio_loom)))]
mod tests;
