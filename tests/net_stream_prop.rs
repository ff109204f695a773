//! `SocketStream` framing as a property: whatever the chunking of the
//! peer's writes, wherever lines fall around the limit, and wherever a read
//! is cancelled, no byte is lost or duplicated. Driven by hand over a
//! scripted reader (no runtime, no socket), so every interleaving of
//! `Pending` and data is reachable.

use curio::net::SocketStream;
use futures::io::AsyncRead;
use futures::task::noop_waker;
use proptest::prelude::*;
use std::future::Future;
use std::io;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};

/// A reader that hands out `data` in the scripted chunk sizes, answering
/// `Pending` whenever the script says so.
struct Scripted {
    /// What the peer sent.
    data: Vec<u8>,
    /// How much of it was handed out.
    pos: usize,
    /// Sizes of successive reads (cycled); 0 means "answer `Pending`".
    chunks: Vec<usize>,
    /// Which entry of `chunks` comes next.
    next: usize,
}

impl AsyncRead for Scripted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let size = this.chunks[this.next % this.chunks.len()];
        this.next += 1;
        if size == 0 && this.pos < this.data.len() {
            return Poll::Pending;
        }
        let n = size.max(1).min(out.len()).min(this.data.len() - this.pos);
        out[..n].copy_from_slice(&this.data[this.pos..this.pos + n]);
        this.pos += n;
        Poll::Ready(Ok(n))
    }
}

/// Polls `future` at most `polls` times; `None` if it did not finish (it is
/// then dropped: a cancellation).
fn poll_at_most<F: Future>(future: F, polls: usize) -> Option<F::Output> {
    let mut future = pin!(future);
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    for _ in 0..polls {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return Some(v);
        }
    }
    None
}

/// What `readline` must give for `data` with limit `max`: each line, an
/// error (`None`) for each line over the limit, then the end.
fn expected_lines(data: &[u8], max: usize) -> Vec<Option<Vec<u8>>> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) if i < max => {
                out.push(Some(rest[..=i].to_vec()));
                rest = &rest[i + 1..];
            }
            Some(i) => {
                out.push(None);
                rest = &rest[i + 1..];
            }
            None if rest.len() < max => {
                out.push(Some(rest.to_vec()));
                rest = &[];
            }
            None => {
                out.push(None);
                rest = &[];
            }
        }
    }
    out
}

/// Lines whose lengths cluster around the limit, some without a newline.
fn lines_around(max: usize) -> impl Strategy<Value = Vec<u8>> {
    let line = (max.saturating_sub(3)..max + 3, any::<bool>(), 0u8..3);
    prop::collection::vec(line, 0..12).prop_map(|lines| {
        let mut data = Vec::new();
        for (len, newline, fill) in lines {
            data.extend(std::iter::repeat(b'a' + fill).take(len));
            if newline {
                data.push(b'\n');
            }
        }
        data
    })
}

/// Runs `readline` to the end with cancellations after the scripted poll
/// counts, collecting what the completed calls gave.
fn drive_readlines(
    stream: &mut SocketStream<Scripted>,
    cancel_after: &[usize],
) -> Vec<Option<Vec<u8>>> {
    let mut got = Vec::new();
    // Bounded: each poll moves the script on, so the data runs out.
    for i in 0..100_000 {
        let polls = cancel_after[i % cancel_after.len()];
        match poll_at_most(stream.readline(), polls) {
            None => continue,
            Some(Ok(line)) if line.is_empty() => return got,
            Some(Ok(line)) => got.push(Some(line)),
            Some(Err(e)) => {
                assert_eq!(e.kind(), io::ErrorKind::InvalidData);
                got.push(None);
            }
        }
    }
    panic!("readline never reached the end of the stream");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Lines around the limit, arbitrary chunking and cancellation: the
    /// completed `readline` calls give exactly the lines sent, an error
    /// once for each line over the limit, and then the end of the stream.
    #[test]
    fn readline_frames_exactly_under_chunking_and_cancellation(
        max in 1usize..40,
        data in (1usize..40).prop_flat_map(lines_around),
        chunks in prop::collection::vec(0usize..50, 1..8),
        cancel_after in prop::collection::vec(1usize..6, 1..6),
    ) {
        let expected = expected_lines(&data, max);
        let mut chunks = chunks;
        chunks.push(1);
        let reader = Scripted { data, pos: 0, chunks, next: 0 };
        let mut stream = SocketStream::new(reader);
        stream.set_max_line(max);
        let got = drive_readlines(&mut stream, &cancel_after);
        prop_assert_eq!(got, expected);
    }

    /// `read_exactly` and `read` cancelled at any point: the bytes of the
    /// calls that complete are the stream, in order, each byte once.
    #[test]
    fn cancelled_reads_lose_and_duplicate_nothing(
        data in prop::collection::vec(any::<u8>(), 0..400),
        chunks in prop::collection::vec(0usize..70, 1..8),
        sizes in prop::collection::vec(1usize..60, 1..8),
        cancel_after in prop::collection::vec(1usize..5, 1..6),
    ) {
        let mut chunks = chunks;
        chunks.push(1);
        let reader = Scripted { data: data.clone(), pos: 0, chunks, next: 0 };
        let mut stream = SocketStream::new(reader);
        let mut got = Vec::new();
        let mut finished = false;
        for i in 0..100_000usize {
            let size = sizes[i % sizes.len()];
            let polls = cancel_after[i % cancel_after.len()];
            let result = if i % 2 == 1 {
                poll_at_most(stream.read_exactly(size), polls)
            } else {
                poll_at_most(stream.read(size), polls)
            };
            match result {
                None => {}
                Some(Ok(bytes)) if bytes.is_empty() => { finished = true; break; }
                Some(Ok(bytes)) => got.extend(bytes),
                Some(Err(e)) => {
                    prop_assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
                    // The tail shorter than `size` stays buffered.
                    got.extend(stream.read(usize::MAX).now_or_never_ok());
                    finished = true;
                    break;
                }
            }
        }
        prop_assert!(finished);
        prop_assert_eq!(got, data);
    }
}

/// Polls a future once and unwraps its `io::Result`.
trait NowOrNeverOk {
    /// The value of a future that is ready at once.
    fn now_or_never_ok(self) -> Vec<u8>;
}

impl<F: Future<Output = io::Result<Vec<u8>>>> NowOrNeverOk for F {
    fn now_or_never_ok(self) -> Vec<u8> {
        poll_at_most(self, 1)
            .expect("buffered data is ready at once")
            .expect("no error")
    }
}

/// A reader that scribbles on the buffer it is given and answers `Pending`
/// once, then checks on the next poll whether the stream re-zeroed it.
struct Scribbler {
    /// Polls so far.
    polls: usize,
    /// Whether the second poll found the buffer zeroed again.
    rezeroed: bool,
}

impl AsyncRead for Scribbler {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.polls += 1;
        match self.polls {
            1 => {
                out.fill(0xAA);
                Poll::Pending
            }
            2 => {
                self.rezeroed = out.iter().all(|&b| b == 0);
                Poll::Ready(Ok(0))
            }
            _ => Poll::Ready(Ok(0)),
        }
    }
}

/// A `readline` that waits must not re-initialise its read-ahead buffer
/// (up to 64 KiB) on every poll.
#[test]
fn a_waiting_read_does_not_zero_its_buffer_on_every_poll() {
    let mut stream = SocketStream::new(Scribbler {
        polls: 0,
        rezeroed: false,
    });
    let line = poll_at_most(stream.readline(), 2).expect("ends after two polls");
    assert_eq!(line.unwrap(), b"");
    assert!(
        !stream.get_ref().rezeroed,
        "the read buffer was zeroed again on the second poll"
    );
}
