//! With the `tracing` feature, each poll of a task runs inside a span
//! `curio::task` / `poll` carrying the task's id and name.
//!
//! Run with `cargo test --features tracing --test rt_tracing`; without the
//! feature this file holds no test.
#![cfg(feature = "tracing")]

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// The `(task.id, task.name)` of every `poll` span opened.
#[derive(Default)]
struct Spans {
    /// Spans seen so far.
    seen: Mutex<Vec<(u64, String)>>,
    /// The next span id.
    next: AtomicU64,
}

/// Collects the two fields of a poll span.
#[derive(Default)]
struct Fields {
    /// `task.id`.
    id: u64,
    /// `task.name`.
    name: String,
}

impl Visit for Fields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "task.id" {
            self.id = value;
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "task.name" {
            self.name = value.to_owned();
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

/// A subscriber that records the spans of target `curio::task`.
struct Collector(Arc<Spans>);

impl Subscriber for Collector {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target() == "curio::task"
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        if span.metadata().name() == "poll" {
            let mut fields = Fields::default();
            span.record(&mut fields);
            self.0.seen.lock().unwrap().push((fields.id, fields.name));
        }
        Id::from_u64(self.0.next.fetch_add(1, SeqCst) + 1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn each_poll_runs_in_a_span_with_the_task_id_and_name() {
    let spans = Arc::new(Spans::default());
    tracing::subscriber::set_global_default(Collector(spans.clone())).unwrap();
    let id = curio::run(async {
        let kid = curio::task::Builder::new().name("kid").spawn(async {
            curio::yield_now().await;
            curio::current_task()
        });
        kid.await.unwrap()
    });
    let seen = spans.seen.lock().unwrap();
    let polls = seen
        .iter()
        .filter(|(i, name)| *i == id.as_u64() && name == "kid")
        .count();
    assert!(polls >= 2, "the kid was polled twice: {seen:?}");
}
