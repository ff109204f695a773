//! Receiving straight into hyper's uninitialised read buffer: the one
//! module of this crate with `unsafe` code.
//!
//! # Safety
//!
//! hyper hands `Read::poll_read` a [`ReadBufCursor`] over memory that may be
//! uninitialised. [`ReadBufCursor::as_mut`] exposes it as
//! `&mut [MaybeUninit<u8>]` on the condition that no initialised byte is
//! de-initialised, and [`ReadBufCursor::advance`] marks bytes filled on the
//! condition that they were initialised. The rules this module keeps:
//!
//! 1. The slice from `as_mut` goes only to `socket2::SockRef::recv`, which
//!    takes `&mut [MaybeUninit<u8>]`, only writes into it (it is `recv(2)`)
//!    and never writes `MaybeUninit::uninit()`.
//! 2. `recv` returning `Ok(n)` means the kernel wrote the first `n` bytes
//!    (`n <= len`, as `recv(2)` guarantees and socket2 documents), so
//!    `advance(n)` marks only initialised bytes filled.
//! 3. On an error, `WouldBlock` or `Pending`, nothing is advanced.
//! 4. A stream of another kind reads into `&mut [u8]` that
//!    `initialize_unfilled_to` zeroed first; what it says it read is
//!    clamped to that length, so `advance` again covers only initialised
//!    bytes, whatever the stream claims.

use crate::reactor::{Direction, PollEvented};
use hyper::rt::ReadBufCursor;
use socket2::SockRef;
use std::io;
use std::os::fd::AsFd;
use std::task::{Context, Poll};

/// Receives into the unfilled part of `cursor` once the socket is
/// readable, through the reactor (cooperative budget, readiness, the
/// monitor's `READ_WAIT`), and marks what came filled. `Ok(())` with
/// nothing filled is the end of the stream.
pub(super) fn poll_recv<S>(
    io: &PollEvented<S>,
    cx: &mut Context<'_>,
    mut cursor: ReadBufCursor<'_>,
) -> Poll<io::Result<()>>
where
    S: mio::event::Source + AsFd,
{
    let n = {
        // SAFETY: the slice goes only to `recv`, which never
        // de-initialises a byte (module rule 1).
        let unfilled = unsafe { cursor.as_mut() };
        let len = unfilled.len();
        // A short receive drained the socket: the next read waits for an
        // event instead of first failing with EAGAIN.
        let received = io.poll_io_drained(
            cx,
            Direction::Read,
            |s| SockRef::from(s).recv(unfilled),
            |&n| n > 0 && n < len,
        );
        match received {
            Poll::Ready(Ok(n)) => n,
            // Rule 3: nothing was received, nothing is marked.
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
    };
    // SAFETY: `recv` wrote the first `n` bytes of the unfilled part
    // (module rule 2).
    unsafe { cursor.advance(n) };
    Poll::Ready(Ok(()))
}

/// Zeroes the first `want` unfilled bytes of `cursor` (`want <=
/// cursor.remaining()`), lets `read` fill them (any `futures_io` stream's
/// `poll_read`), and marks what it read filled.
pub(super) fn poll_read_zeroed(
    mut cursor: ReadBufCursor<'_>,
    want: usize,
    read: impl FnOnce(&mut [u8]) -> Poll<io::Result<usize>>,
) -> Poll<io::Result<()>> {
    let n = match read(cursor.initialize_unfilled_to(want)) {
        Poll::Ready(Ok(n)) => n.min(want),
        Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
        Poll::Pending => return Poll::Pending,
    };
    // SAFETY: the first `want` unfilled bytes were zeroed above and
    // `n <= want` (module rule 4).
    unsafe { cursor.advance(n) };
    Poll::Ready(Ok(()))
}
