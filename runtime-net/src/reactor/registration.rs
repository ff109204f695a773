//! `PollEvented`: a mio source registered with the reactor for its whole
//! life, and the loop that runs an operation when the source is ready.

use super::{Direction, Reactor, ScheduledIo, WaitSlot, Waiter, CLOSED};
use runtime_core::introspect::{self, TaskState};
use runtime_core::scheduler::coop;
use socket2::SockRef;
use std::io::{self, Read};
use std::os::fd::AsFd;
use std::sync::Arc;
use std::task::{Context, Poll};

/// A mio source registered once (edge-triggered, both directions) and
/// deregistered on drop.
pub(crate) struct PollEvented<S: mio::event::Source> {
    /// The socket.
    io: S,
    /// Its readiness state, shared with the reactor.
    shared: Arc<ScheduledIo>,
    /// Its slot in the reactor's table.
    token: mio::Token,
    /// The reactor it is registered with.
    reactor: Arc<Reactor>,
}

impl<S: mio::event::Source> PollEvented<S> {
    /// Registers `io` with the current runtime's reactor.
    ///
    /// # Errors
    ///
    /// Outside a curio runtime, or if registration fails.
    pub(crate) fn new(io: S) -> io::Result<PollEvented<S>> {
        PollEvented::new_in(io, Reactor::current()?)
    }

    /// Registers `io` with the reactor of `other`: a listener registers
    /// the streams it accepts where it is registered itself, without
    /// looking up the current runtime's reactor for each.
    ///
    /// # Errors
    ///
    /// If that reactor has stopped, or registration fails.
    pub(crate) fn new_beside<T: mio::event::Source>(
        io: S,
        other: &PollEvented<T>,
    ) -> io::Result<PollEvented<S>> {
        PollEvented::new_in(io, other.reactor.clone())
    }

    /// Registers `io` with `reactor`.
    fn new_in(mut io: S, reactor: Arc<Reactor>) -> io::Result<PollEvented<S>> {
        let (token, shared) = reactor.add(&mut io)?;
        Ok(PollEvented {
            io,
            shared,
            token,
            reactor,
        })
    }

    /// The socket, for calls that do not wait.
    pub(crate) fn get_ref(&self) -> &S {
        &self.io
    }

    /// Runs `op` once the source is ready in `dir`, as often as it would
    /// block, and gives its result. The waker waits in the slot shared by
    /// `poll_*` callers (reactor module docs, "Several waiters"); an
    /// operation future uses [`io`](Self::io) instead.
    ///
    /// Spends one unit of the task's cooperative budget first.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io_in(cx, dir, WaitSlot::Poller, op, |_| false)
    }

    /// [`poll_io`](Self::poll_io) for an operation whose result can prove
    /// the source drained (a stream read that filled less than it was
    /// given): when `drained` says so, the readiness it used is cleared,
    /// so the next call waits for an event instead of failing with `EAGAIN`.
    #[cfg(feature = "hyper")]
    pub(crate) fn poll_io_drained<R>(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        op: impl FnMut(&S) -> io::Result<R>,
        drained: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        self.poll_io_in(cx, dir, WaitSlot::Poller, op, drained)
    }

    /// [`poll_io`](Self::poll_io) with the waker in `slot`; and when
    /// `drained` says the result proves the source has nothing more for
    /// now (a short read), clears the readiness it used: the next operation
    /// waits for the next event instead of first trying a read that fails
    /// with `EAGAIN` (rule 2 keeps an event that came in meanwhile).
    fn poll_io_in<R>(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        mut slot: WaitSlot<'_>,
        mut op: impl FnMut(&S) -> io::Result<R>,
        drained: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        if coop::poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        loop {
            let slot = match &mut slot {
                WaitSlot::Poller => WaitSlot::Poller,
                WaitSlot::Key(key) => WaitSlot::Key(key),
            };
            let event = match self.shared.poll_ready(cx, dir, slot) {
                Poll::Ready(Ok(event)) => event,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {
                    // Waiting costs no budget (the unit spent above).
                    coop::refund();
                    let state = match dir {
                        Direction::Read => TaskState::ReadWait,
                        Direction::Write => TaskState::WriteWait,
                    };
                    // The user's await site, when a public operation
                    // recorded it (site.rs).
                    match crate::site::current() {
                        Some(at) => introspect::waiting(state, at),
                        None => introspect::waiting_somewhere(state),
                    }
                    return Poll::Pending;
                }
            };
            match op(&self.io) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.shared.clear_readiness(event)
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Ok(r) => {
                    if drained(&r) {
                        self.shared.clear_readiness(event);
                    }
                    return Poll::Ready(Ok(r));
                }
                result => return Poll::Ready(result),
            }
        }
    }

    /// [`poll_io`](Self::poll_io) as a future that owns its waiter slot
    /// (freed when it completes or is dropped).
    pub(crate) async fn io<R>(
        &self,
        dir: Direction,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> io::Result<R> {
        let mut waiter = Waiter::new(&self.shared, dir);
        std::future::poll_fn(|cx| {
            self.poll_io_in(cx, dir, WaitSlot::Key(&mut waiter.key), &mut op, |_| false)
        })
        .await
    }

    /// Waits until the source is ready in `dir` (as [`poll_ready`]), as a
    /// future that owns its waiter slot.
    ///
    /// [`poll_ready`]: Self::poll_ready
    pub(crate) async fn ready(&self, dir: Direction) -> io::Result<super::ReadyEvent> {
        let mut waiter = Waiter::new(&self.shared, dir);
        std::future::poll_fn(|cx| self.poll_ready_in(cx, dir, WaitSlot::Key(&mut waiter.key))).await
    }

    /// Whether the source counts as ready in `dir` now.
    #[cfg(test)]
    pub(crate) fn is_ready(&self, dir: Direction) -> bool {
        self.shared.is_ready(dir)
    }

    /// Marks the source closed: every task waiting on it wakes with a
    /// `NotConnected` error, and so does every later operation. The file
    /// descriptor itself is released when the owner drops it.
    pub(crate) fn close(&self) {
        self.shared.close_with(CLOSED);
    }
}

impl<S> PollEvented<S>
where
    S: mio::event::Source + AsFd,
    for<'a> &'a S: Read,
{
    /// Reads into `buf` once the socket is readable. A stream socket that
    /// fills less than `buf` (and did not end) has been drained: its
    /// readiness is cleared so the next read waits for an event.
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_in(cx, WaitSlot::Poller, buf)
    }

    /// [`poll_read`](Self::poll_read) with the waker in `slot`.
    fn poll_read_in(
        &self,
        cx: &mut Context<'_>,
        slot: WaitSlot<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let len = buf.len();
        self.poll_io_in(
            cx,
            Direction::Read,
            slot,
            |mut s| s.read(buf),
            |&n| n > 0 && n < len,
        )
    }

    /// Reads into `buf` once the socket is readable, as a future that owns
    /// its waiter slot.
    pub(crate) async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let mut waiter = Waiter::new(&self.shared, Direction::Read);
        std::future::poll_fn(|cx| self.poll_read_in(cx, WaitSlot::Key(&mut waiter.key), buf)).await
    }

    /// Writes from `buf` once the socket is writable, as a future that owns
    /// its waiter slot.
    pub(crate) async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io(Direction::Write, |s| {
            SockRef::from(s).send_with_flags(buf, libc::MSG_NOSIGNAL)
        })
        .await
    }

    /// Writes from `buf` once the socket is writable.
    ///
    /// `MSG_NOSIGNAL`: a write to a closed peer is an `EPIPE` error, never a
    /// `SIGPIPE`, even in a process that has not ignored the signal.
    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_io(cx, Direction::Write, |s| {
            SockRef::from(s).send_with_flags(buf, libc::MSG_NOSIGNAL)
        })
    }

    /// Reads exactly `buf.len()` bytes; `UnexpectedEof` if the stream ends
    /// first.
    pub(crate) async fn read_exact(&self, mut buf: &mut [u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let n = self.read(buf).await?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the stream ended before the buffer was filled",
                ));
            }
            buf = &mut buf[n..];
        }
        Ok(())
    }

    /// Writes all of `buf`.
    pub(crate) async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let n = self.write(buf).await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            buf = &buf[n..];
        }
        Ok(())
    }

    /// Shuts down one or both directions of the socket.
    pub(crate) fn shutdown(&self, how: std::net::Shutdown) -> io::Result<()> {
        SockRef::from(&self.io).shutdown(how)
    }
}

impl<S: mio::event::Source> Drop for PollEvented<S> {
    fn drop(&mut self) {
        self.reactor.remove(self.token, &mut self.io);
    }
}

// Additions for `AsyncFd` and the `try_` / readiness operations of the
// sockets (runtime-net/src/async_fd.rs, tcp/stream.rs, udp.rs).
impl<S: mio::event::Source> PollEvented<S> {
    /// Ready with the readiness event once the source is ready in `dir`,
    /// without running an operation; the caller clears it with
    /// [`clear_readiness`](Self::clear_readiness) when an operation would
    /// block. Spends one unit of the cooperative budget, as `poll_io`.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
    ) -> Poll<io::Result<super::ReadyEvent>> {
        self.poll_ready_in(cx, dir, WaitSlot::Poller)
    }

    /// [`poll_ready`](Self::poll_ready) with the waker in `slot`.
    fn poll_ready_in(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        slot: WaitSlot<'_>,
    ) -> Poll<io::Result<super::ReadyEvent>> {
        if coop::poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        let ready = self.shared.poll_ready(cx, dir, slot);
        if ready.is_pending() {
            // Waiting costs no budget.
            coop::refund();
            let state = match dir {
                Direction::Read => TaskState::ReadWait,
                Direction::Write => TaskState::WriteWait,
            };
            match crate::site::current() {
                Some(at) => introspect::waiting(state, at),
                None => introspect::waiting_somewhere(state),
            }
        }
        ready
    }

    /// Clears the readiness `event` reported, unless an event came in
    /// since (reactor rule 2).
    pub(crate) fn clear_readiness(&self, event: super::ReadyEvent) {
        self.shared.clear_readiness(event);
    }

    /// Runs `op` once if the readiness word allows `dir`, never waiting and
    /// never parking a waker: `WouldBlock` when not ready, or when `op`
    /// would block (the readiness is then cleared, reactor rule 2).
    pub(crate) fn try_io<R>(
        &self,
        dir: Direction,
        op: impl FnOnce(&S) -> io::Result<R>,
    ) -> io::Result<R> {
        // ORDERING: Acquire; pairs with the AcqRel update in
        // `ScheduledIo::set_readiness`, as the load in `poll_ready`.
        let word = self
            .shared
            .readiness
            .load(std::sync::atomic::Ordering::Acquire);
        let event = match ScheduledIo::check(word, dir) {
            None => return Err(io::ErrorKind::WouldBlock.into()),
            Some(Err(e)) => return Err(e),
            Some(Ok(event)) => event,
        };
        match op(&self.io) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.shared.clear_readiness(event);
                Err(e)
            }
            result => result,
        }
    }

    /// The source, mutably (`AsyncFd::get_mut` / `into_inner`).
    pub(crate) fn get_mut(&mut self) -> &mut S {
        &mut self.io
    }
}
