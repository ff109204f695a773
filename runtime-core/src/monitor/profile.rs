//! The monitor's profiling views (`profile.rs` collects the numbers):
//! `ps -l`, the per-worker lines of `stats`, and `top`.

use super::{label, remaining};
use crate::introspect::{DelayHistogram, TaskInfo, WorkerStats};
use crate::runtime::Handle;
use std::io::{self, Write};
use std::time::Duration;

/// Milliseconds with three decimals, or `-` when not measured.
fn millis(d: Option<Duration>) -> String {
    match d {
        Some(d) => format!("{:.3}", d.as_secs_f64() * 1e3),
        None => "-".to_owned(),
    }
}

/// `ps -l`: the `ps` columns, then busy time, longest poll and mean and
/// longest scheduling delay (milliseconds), busiest task first.
pub(super) fn ps_long(handle: &Handle, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "Task   State        Cycles     Timeout Sleep   Busy       MaxPoll    Delay      MaxDelay   Task"
    )?;
    writeln!(
        out,
        "------ ------------ ---------- ------- ------- ---------- ---------- ---------- ---------- ------------------------------"
    )?;
    let now = handle.shared().clock.now();
    let mut tasks = handle.tasks();
    // Stable: equal busy times (or none) stay in id order.
    tasks.sort_by_key(|t| std::cmp::Reverse(t.busy));
    for t in &tasks {
        row(t, now, out)?;
    }
    if !handle.profiling() {
        writeln!(
            out,
            "(profiling is off: the runtime has no monitor or long-block detection)"
        )?;
    }
    Ok(())
}

/// One line of `ps -l`.
fn row(t: &TaskInfo, now: std::time::Instant, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "{:<6} {:<12} {:<10} {:<7} {:<7} {:<10} {:<10} {:<10} {:<10} {}",
        t.id,
        t.state.name(),
        t.polls,
        remaining(t.timeout, now),
        remaining(t.sleep, now),
        millis(t.busy),
        millis(t.longest_poll),
        millis(t.sched_delay_mean),
        millis(t.sched_delay_max),
        label(t)
    )
}

/// The busy table of `stats` and `top`: per worker, its busy fraction
/// since the start and its busy time.
fn busy(workers: &[WorkerStats], out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "{:<8} {:>8} {:>14}", "Worker", "Busy%", "Busy(ms)")?;
    for (i, w) in workers.iter().enumerate() {
        let fraction = match w.busy_fraction {
            Some(f) => format!("{:.1}", f * 100.0),
            None => "-".to_owned(),
        };
        writeln!(out, "{:<8} {:>8} {:>14}", i, fraction, millis(w.busy))?;
    }
    Ok(())
}

/// The label of histogram bucket `i`: `<` its upper bound, or `>=` the
/// last bound.
pub(super) fn bucket_label(i: usize) -> String {
    /// A bound in the largest unit that keeps it at 1 or more.
    fn show(d: Duration) -> String {
        let us = d.as_micros();
        if us < 1_000 {
            format!("{us}us")
        } else if us < 1_000_000 {
            format!("{:.3}ms", d.as_secs_f64() * 1e3)
        } else {
            format!("{:.3}s", d.as_secs_f64())
        }
    }
    match DelayHistogram::upper_bound(i) {
        Some(d) => format!("<{}", show(d)),
        None => match i.checked_sub(1).and_then(DelayHistogram::upper_bound) {
            Some(d) => format!(">={}", show(d)),
            None => "all".to_owned(),
        },
    }
}

/// The profiling lines of `stats`: the busy table and, per worker, the
/// histogram of scheduling delays (only its non-empty range of buckets).
pub(super) fn stats(
    handle: &Handle,
    workers: &[WorkerStats],
    out: &mut impl Write,
) -> io::Result<()> {
    if !handle.profiling() {
        return writeln!(
            out,
            "profiling         off (the runtime has no monitor or long-block detection)"
        );
    }
    busy(workers, out)?;
    let hists: Vec<DelayHistogram> = workers
        .iter()
        .map(|w| w.sched_delays.clone().unwrap_or_default())
        .collect();
    let used = |i: usize| hists.iter().any(|h| h.count(i) > 0);
    let first = (0..DelayHistogram::BUCKETS).find(|&i| used(i));
    let last = (0..DelayHistogram::BUCKETS).rev().find(|&i| used(i));
    let (Some(first), Some(last)) = (first, last) else {
        return writeln!(out, "Delay (wake to poll): none recorded");
    };
    write!(out, "{:<12}", "Delay")?;
    for i in 0..hists.len() {
        write!(out, " {:>10}", format!("w{i}"))?;
    }
    writeln!(out)?;
    for b in first..=last {
        write!(out, "{:<12}", bucket_label(b))?;
        for h in &hists {
            write!(out, " {:>10}", h.count(b))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// `top`: the workers' busy table, then `ps -l`.
pub(super) fn top(handle: &Handle, out: &mut impl Write) -> io::Result<()> {
    let s = handle.stats();
    if handle.profiling() {
        busy(&s.workers, out)?;
    }
    writeln!(
        out,
        "{} tasks, {} queued in the injector",
        s.live_tasks, s.injector_depth
    )?;
    ps_long(handle, out)
}
