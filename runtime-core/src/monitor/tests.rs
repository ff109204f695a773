//! Property test of the monitor's command loop: arbitrary bytes, cut into
//! arbitrary reads, never make it panic, and every input line gets exactly
//! one answer (the prompt that follows it).

use super::{session, Lines, MAX_LINE};
use crate::runtime::Builder;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::io::{self, BufReader, Read};
use std::sync::atomic::AtomicBool;

/// A reader that hands out its bytes at most `chunk` at a time, as a
/// socket may.
struct Chunked {
    /// The bytes not yet read.
    data: Vec<u8>,
    /// Read position.
    pos: usize,
    /// Most bytes per read.
    chunk: usize,
}

impl Read for Chunked {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.chunk).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Input made of commands, arguments, noise, newlines and over-long runs.
fn input() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => prop::sample::select(vec![
            "ps", "where 1", "w", "w x", "cancel 999999", "cancel", "stats",
            "longblock", "help", "h", " ", "\t", "bogus", "\r", "quit",
            "ps -l", "ps -x", "ps -l x", "top",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        4 => Just(b"\n".to_vec()),
        3 => prop::collection::vec(any::<u8>(), 0..40),
        1 => (MAX_LINE - 2..MAX_LINE + 3).prop_map(|n| vec![b'a'; n]),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

/// The first word of a line as `execute` sees it.
fn command(line: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(line);
    text.split_whitespace().next().map(str::to_owned)
}

#[test]
fn every_line_gets_one_answer_and_nothing_panics() {
    let rt = Builder::new().workers(1).build().unwrap();
    let handle = rt.handle().clone();
    let stop = AtomicBool::new(false);
    let mut runner = TestRunner::new(Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (input(), 1usize..64, 1usize..17);
    runner
        .run(&strategy, |(input, capacity, chunk)| {
            let reader = Chunked {
                data: input.clone(),
                pos: 0,
                chunk,
            };
            let mut lines = Lines {
                reader: BufReader::with_capacity(capacity, reader),
                line: Vec::new(),
                overflow: false,
            };
            let mut out = Vec::new();
            session(&mut lines, &mut out, &handle, &stop).unwrap();

            // The complete lines, up to and including a `quit`.
            let mut expected = Vec::new();
            let mut quit = false;
            let mut segments: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
            segments.pop(); // the bytes after the last newline: no line
            for line in segments {
                expected.push(line);
                let cmd = command(line);
                if matches!(cmd.as_deref(), Some("quit" | "q" | "exit")) && line.len() <= MAX_LINE {
                    quit = true;
                    break;
                }
            }
            let text = String::from_utf8_lossy(&out).into_owned();
            let answers: Vec<&str> = text.split("curio > ").skip(1).collect();
            // One prompt per line, plus the one that met the end of input.
            let prompts = expected.len() + usize::from(!quit);
            prop_assert_eq!(text.matches("curio > ").count(), prompts);
            for (line, answer) in expected.iter().zip(&answers) {
                let known = [
                    "ps",
                    "where",
                    "w",
                    "cancel",
                    "stats",
                    "longblock",
                    "top",
                    "help",
                    "h",
                    "quit",
                    "q",
                    "exit",
                ];
                if line.len() > MAX_LINE {
                    prop_assert_eq!(
                        *answer,
                        format!("Line too long (the limit is {MAX_LINE} bytes)\n")
                    );
                } else {
                    match command(line) {
                        None => prop_assert_eq!(*answer, ""),
                        Some(cmd) if !known.contains(&cmd.as_str()) => {
                            prop_assert!(answer.starts_with("Unknown command '"), "{}", answer);
                            prop_assert_eq!(answer.matches('\n').count(), 1);
                        }
                        Some(_) => prop_assert!(answer.ends_with('\n'), "{:?}", answer),
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn delay_buckets_are_labelled_by_their_bounds() {
    use super::profile::bucket_label;
    use crate::introspect::DelayHistogram;
    assert_eq!(bucket_label(0), "<1us");
    assert_eq!(bucket_label(1), "<2us");
    assert_eq!(bucket_label(10), "<1.024ms");
    assert_eq!(bucket_label(20), "<1.049s");
    assert_eq!(bucket_label(DelayHistogram::BUCKETS - 1), ">=1.049s");
}
