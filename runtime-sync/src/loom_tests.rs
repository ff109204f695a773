//! loom models of the channels (`mpsc`, `oneshot`, `watch`, `broadcast`).
//!
//! Each model is small (two or three threads, one or two items) so the whole
//! file explores in seconds with `LOOM_MAX_PREEMPTIONS=2`. A lost wake-up
//! shows as loom's deadlock report; a lost or duplicated item as a failed
//! assertion.

use crate::loom::{model, thread};
use crate::test_util::poll_once;
use crate::universal::block_on;
use crate::{broadcast, mpsc, oneshot, watch};
use std::task::Poll;

/// Model: a sender sends three items into a bounded channel of capacity 1
/// (so later ones wait for room) while the receiver takes one item and then
/// closes the channel.
/// Invariant: every send ends (no deadlock: `close` wakes a waiting
/// sender); each item is either received or given back in `SendError`,
/// never both, never neither; after `close` the receiver drains what was
/// accepted and then sees `None`.
#[test]
fn loom_mpsc_close_races_send_and_recv() {
    model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        let sender = thread::spawn(move || {
            let mut refused = Vec::new();
            for i in 0..3 {
                if let Err(mpsc::SendError(v)) = block_on(tx.send(i)) {
                    refused.push(v);
                }
            }
            refused
        });
        let mut got = Vec::new();
        if let Some(v) = block_on(rx.recv()) {
            got.push(v);
        }
        rx.close();
        while let Some(v) = block_on(rx.recv()) {
            got.push(v);
        }
        let mut all = got.clone();
        all.extend(sender.join().expect("sender"));
        all.sort_unstable();
        assert_eq!(all, [0, 1, 2], "received {got:?}");
        assert_eq!(got[0], 0, "FIFO: the first item is received first");
    });
}

/// Model: the last sender sends one item and drops while the receiver parks
/// in `recv`.
/// Invariant: the receiver gets the item and then `None`: the drop of the
/// last sender always wakes a parked receiver (rule 5 of `chan.rs`).
#[test]
fn loom_mpsc_last_sender_drop_while_receiver_parks() {
    model(|| {
        let (tx, mut rx) = mpsc::unbounded();
        let tx2 = tx.clone();
        drop(tx);
        let sender = thread::spawn(move || {
            tx2.try_send(7).expect("open");
            drop(tx2);
        });
        assert_eq!(block_on(rx.recv()), Some(7));
        assert_eq!(block_on(rx.recv()), None);
        sender.join().expect("sender");
    });
}

/// Model: in a full bounded channel, one sender polls a send once and drops
/// it while another waits in `send`, and the receiver frees the room.
/// Invariant: room handed to the dropped sender is passed on, so the waiting
/// sender completes (no deadlock) and exactly its item arrives.
#[test]
fn loom_mpsc_cancelled_sender_passes_its_room_on() {
    model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(0).expect("room");
        let tx1 = tx.clone();
        let canceller = thread::spawn(move || {
            let mut s = tx1.send(1);
            let _ = poll_once(&mut s);
        });
        let waiter = thread::spawn(move || block_on(tx.send(2)).expect("open"));
        assert_eq!(block_on(rx.recv()), Some(0));
        let next = block_on(rx.recv());
        canceller.join().expect("canceller");
        waiter.join().expect("waiter");
        // The cancelled send may have completed in its single poll (it
        // found room), in which case its item arrives too.
        let mut rest = vec![next.expect("an item")];
        while let Some(v) = block_on(rx.recv()) {
            rest.push(v);
        }
        rest.sort_unstable();
        assert!(rest == [2] || rest == [1, 2], "got {rest:?}");
    });
}

/// Model: a oneshot sender sends while the receiver awaits; separately, a
/// sender races the receiver's drop.
/// Invariant: the awaiting receiver gets the value (no lost wake-up); with a
/// dropped receiver, `send` either fails (value back) or succeeds into a
/// cell nobody reads, and `closed()` always returns.
#[test]
fn loom_oneshot_send_races_recv_and_drop() {
    model(|| {
        let (tx, rx) = oneshot::channel();
        let sender = thread::spawn(move || tx.send(5).expect("receiver alive"));
        assert_eq!(block_on(rx), Ok(5));
        sender.join().expect("sender");

        let (mut tx, rx) = oneshot::channel::<u8>();
        let dropper = thread::spawn(move || drop(rx));
        block_on(tx.closed());
        assert_eq!(tx.send(1), Err(1));
        dropper.join().expect("dropper");
    });
}

/// Model: a broadcast sender sends two values into a channel of capacity 1
/// and drops, while the receiver receives until `Closed`.
/// Invariant: what the receiver reads plus what `Lagged` says it skipped is
/// exactly the two values, in order, and it always ends with `Closed`.
#[test]
fn loom_broadcast_lagging_receiver_races_send() {
    model(|| {
        let (tx, mut rx) = broadcast::channel(1);
        let sender = thread::spawn(move || {
            tx.send(1u32).expect("a receiver");
            tx.send(2u32).expect("a receiver");
        });
        let mut read = Vec::new();
        let mut skipped = 0;
        loop {
            match block_on(rx.recv()) {
                Ok(v) => read.push(v),
                Err(broadcast::RecvError::Lagged(n)) => skipped += n,
                Err(broadcast::RecvError::Closed) => break,
            }
        }
        sender.join().expect("sender");
        assert_eq!(read.last(), Some(&2), "the newest value is never lost");
        assert_eq!(
            read.len() as u64 + skipped,
            2,
            "read {read:?}, skipped {skipped}"
        );
    });
}

/// Model: a watch sender (kept alive) sends 1 then 2 from another thread
/// while the receiver loops on `changed` until it has seen 2.
/// Invariant (the version counter): each `changed` that returns `Ok` shows
/// a strictly newer value, and the last value is never missed while the
/// sender lives (no lost wake-up); once the sender is dropped, `changed`
/// fails.
#[test]
fn loom_watch_version_counter() {
    model(|| {
        let (tx, mut rx) = watch::channel(0u32);
        let tx = crate::loom::Arc::new(tx);
        let tx2 = tx.clone();
        let sender = thread::spawn(move || {
            tx2.send(1).expect("a receiver");
            tx2.send(2).expect("a receiver");
        });
        let mut last = 0;
        while last < 2 {
            block_on(rx.changed()).expect("the sender lives");
            let v = *rx.borrow_and_update();
            assert!(v > last, "{v} after {last}");
            last = v;
        }
        sender.join().expect("sender");
        drop(tx);
        assert_eq!(block_on(rx.changed()), Err(watch::RecvError));
    });
}

/// Model: in a full bounded channel a sender polls a send twice and drops
/// it, while the receiver takes an item (handing the room to that sender if
/// it is queued), closes, and receives until `None`.
/// Invariant: the receiver always ends (no deadlock): a unit given back by
/// a sender dropped after `close` wakes it (rule 7 of `chan.rs`); and item 1
/// arrives exactly when its send completed.
#[test]
fn loom_mpsc_close_with_a_cancelled_sender_holding_room() {
    model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(0).expect("room");
        let sender = thread::spawn(move || {
            let mut s = tx.send(1);
            let sent = matches!(poll_once(&mut s), Poll::Ready(Ok(())))
                || matches!(poll_once(&mut s), Poll::Ready(Ok(())));
            drop(s);
            // Keep the sender handle alive past the drop of the future, so
            // only the unit accounting can end the receiver.
            (sent, tx)
        });
        assert_eq!(block_on(rx.recv()), Some(0));
        rx.close();
        let rest = block_on(rx.recv());
        let (sent, _tx) = sender.join().expect("sender");
        assert_eq!(rest.is_some(), sent, "item 1 arrives exactly when sent");
    });
}
