//! # The curio guide
//!
//! This guide walks through [Python curio's tutorial][tutorial] in Rust: the
//! same programs, step by step, on curio's runtime. Every example below is
//! a doctest that `cargo test --doc -p curio` runs, so each one works as
//! written. Where the tutorial sleeps for seconds, the examples either
//! scale the delays down or run on a paused clock
//! ([`Builder::start_paused`](crate::Builder::start_paused)), on which an
//! hour of sleeping takes no real time.
//!
//! 1. [Why coroutines](#1-why-coroutines-the-c10k-problem)
//! 2. [A countdown](#2-a-countdown)
//! 3. [Spawn and join](#3-spawn-and-join)
//! 4. [The kid and the parent: an `Event`](#4-the-kid-and-the-parent-an-event)
//! 5. [Task groups](#5-task-groups)
//! 6. [Timeouts and cancellation with cleanup](#6-timeouts-and-cancellation-with-cleanup)
//! 7. [The monitor](#7-the-monitor)
//! 8. [A network service: echo, chat, HTTP](#8-a-network-service-echo-chat-http)
//! 9. [Coming from tokio](#9-coming-from-tokio)
//!
//! [tutorial]: https://curio.readthedocs.io/en/latest/tutorial.html
//!
//! ## 1. Why coroutines (the C10K problem)
//!
//! A server that gives each client a thread of its own reads well: accept,
//! read a request, write the answer, all in straight-line blocking code.
//! It stops scaling somewhere in the thousands of clients (the "C10K
//! problem"): each thread costs a stack and a kernel scheduling entity, and
//! most of them sit blocked in `read`, waiting for a client that has not
//! said anything yet.
//!
//! The alternative is to have a few threads wait on many sockets at once
//! (epoll on Linux) and run a piece of code when one of them is ready.
//! Written by hand that is a state machine of callbacks. Coroutines give
//! back the straight-line code: an `async fn` reads like the blocking
//! version, and each `.await` is a point where the task may be suspended
//! while its socket, timer or lock is not ready, so that a worker thread
//! runs another task meanwhile. A suspended task costs only its future's
//! size, not a thread.
//!
//! curio runs such tasks on a few worker threads (one per core by default)
//! that steal work from each other, with one reactor thread waiting on every
//! socket. What it keeps from Python's curio is the model: tasks you can
//! cancel and that can clean up after a cancel, timeouts that nest, task
//! groups, and a monitor to look at what each task is doing.
//!
//! ## 2. A countdown
//!
//! The tutorial's first program counts down, sleeping a second between
//! lines. `curio::run` builds a runtime, runs the future as the main task
//! and shuts the runtime down when it returns:
//!
//! ```rust
//! use std::time::Duration;
//!
//! async fn countdown(n: u32) {
//!     for i in (1..=n).rev() {
//!         println!("T-minus {i}");
//!         curio::sleep(Duration::from_millis(10)).await;
//!     }
//! }
//!
//! curio::run(countdown(3));
//! ```
//!
//! The same program as an executable uses `#[curio::main]`, which turns
//! an `async fn main` into one that builds the runtime and runs it:
//!
//! ```rust
//! # use std::time::Duration;
//! # async fn countdown(n: u32) {
//! #     for i in (1..=n).rev() {
//! #         println!("T-minus {i}");
//! #         curio::sleep(Duration::from_millis(10)).await;
//! #     }
//! # }
//! #[curio::main]
//! async fn main() {
//!     countdown(3).await;
//! }
//! ```
//!
//! With the clock paused, the full ten seconds of the tutorial's countdown
//! pass at once: when no task can run, the clock jumps to the next timer's
//! deadline. `curio::clock()` follows the virtual clock; `std::time::Instant`
//! does not:
//!
//! ```rust
//! use std::time::{Duration, Instant};
//!
//! async fn countdown(n: u32) {
//!     for i in (1..=n).rev() {
//!         println!("T-minus {i}");
//!         curio::sleep(Duration::from_secs(1)).await;
//!     }
//! }
//!
//! let rt = curio::Runtime::builder().start_paused(true).build().unwrap();
//! let real = Instant::now();
//! let virtual_elapsed = rt.run(async {
//!     let start = curio::clock();
//!     countdown(10).await;
//!     curio::clock() - start
//! });
//! assert!(virtual_elapsed >= Duration::from_secs(10));
//! assert!(real.elapsed() < Duration::from_secs(5));
//! ```
//!
//! ## 3. Spawn and join
//!
//! [`spawn`](crate::spawn) starts a task and returns a
//! [`Task<T>`](crate::Task). Awaiting the task (or calling
//! [`Task::join`](crate::Task::join)) waits for it to end and gives its
//! result: `Ok(value)`, or a [`TaskError`](crate::TaskError) when it
//! panicked or was cancelled. A panic kills only its own task. Dropping a
//! `Task` detaches it: the task goes on running.
//!
//! ```rust
//! use std::time::Duration;
//!
//! async fn countdown(n: u32) -> u32 {
//!     for i in (1..=n).rev() {
//!         println!("T-minus {i}");
//!         curio::sleep(Duration::from_millis(5)).await;
//!     }
//!     n
//! }
//!
//! curio::run(async {
//!     let task = curio::spawn(countdown(3));
//!     println!("the countdown runs in task {}", task.id());
//!     assert_eq!(task.await.unwrap(), 3);
//!
//!     // A named task shows its name in the monitor.
//!     let named = curio::task::Builder::new()
//!         .name("countdown")
//!         .spawn(countdown(2));
//!     assert_eq!(named.name(), Some("countdown"));
//!     assert_eq!(named.join().await.unwrap(), 2);
//!
//!     // A panic is caught and reported to whoever joins.
//!     let bad = curio::spawn(async { panic!("the countdown broke") });
//!     assert!(bad.await.unwrap_err().is_panic());
//! });
//! ```
//!
//! ### Long-running work
//!
//! A task runs on its worker until it reaches an `.await`; there is no
//! preemption, so a long computation or a blocking call holds the worker.
//! Hand such work to [`run_in_thread`](crate::run_in_thread), which runs a
//! closure on a bounded pool of threads and awaits its result:
//!
//! ```rust
//! fn fib(n: u64) -> u64 {
//!     if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
//! }
//!
//! curio::run(async {
//!     let answer = curio::run_in_thread(|| fib(20)).await;
//!     assert_eq!(answer, 6765);
//! });
//! ```
//!
//! ## 4. The kid and the parent: an `Event`
//!
//! The kid asks to play and waits until the parent says yes. An
//! [`Event`](crate::Event) is the signal: the kid waits on it, the parent
//! sets it. Shared between tasks, it lives in an `Arc`.
//!
//! ```rust
//! use curio::Event;
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! async fn kid(start: Arc<Event>) -> &'static str {
//!     println!("Can I play?");
//!     start.wait().await;
//!     println!("Building the Millenium Falcon in Minecraft");
//!     curio::sleep(Duration::from_secs(1000)).await;
//!     "done building"
//! }
//!
//! async fn parent() {
//!     let start = Arc::new(Event::new());
//!     let kid_task = curio::spawn(kid(start.clone()));
//!
//!     curio::sleep(Duration::from_secs(5)).await;
//!     println!("Yes, go play");
//!     start.set();
//!
//!     // The kid builds for 1000 (virtual) seconds; the parent waits.
//!     assert_eq!(kid_task.await.unwrap(), "done building");
//!     println!("We're leaving!");
//! }
//!
//! let rt = curio::Runtime::builder().start_paused(true).build().unwrap();
//! rt.run(parent());
//! ```
//!
//! ## 5. Task groups
//!
//! A [`TaskGroup`](crate::TaskGroup) owns the tasks spawned into it.
//! [`join`](crate::TaskGroup::join) waits for them according to the group's
//! [`Wait`](crate::Wait) policy, and dropping a group cancels whatever is
//! still running in it, so no task outlives the code that started it. With
//! `Wait::All` (the default) the group waits for every task; with
//! `Wait::Any` it returns when the first one ends and cancels the others:
//!
//! ```rust
//! use curio::{TaskGroup, Wait};
//! use std::time::Duration;
//!
//! async fn friend(name: &'static str, secs: u64) -> &'static str {
//!     println!("Hi, my name is {name}");
//!     curio::sleep(Duration::from_secs(secs)).await;
//!     name
//! }
//!
//! let rt = curio::Runtime::builder().start_paused(true).build().unwrap();
//! rt.run(async {
//!     let friends = TaskGroup::new();
//!     friends.spawn(friend("Max", 3));
//!     friends.spawn(friend("Lillian", 1));
//!     friends.spawn(friend("Thomas", 2));
//!     let results = friends.join().await;
//!     assert_eq!(results.len(), 3);
//!     assert!(results.iter().all(|r| r.is_ok()));
//!
//!     // The first friend to leave ends the play date.
//!     let race = TaskGroup::with_wait(Wait::Any);
//!     race.spawn(friend("Max", 3));
//!     race.spawn(friend("Lillian", 1));
//!     let first = race.join().await;
//!     let done: Vec<_> = first.into_iter().filter_map(Result::ok).collect();
//!     assert_eq!(done, ["Lillian"]);
//!
//!     // Results one at a time, in the order the tasks end.
//!     let mut g = TaskGroup::new();
//!     g.spawn(friend("Max", 2));
//!     g.spawn(friend("Thomas", 1));
//!     assert_eq!(g.next_result().await.unwrap().unwrap(), "Thomas");
//!     assert_eq!(g.next_result().await.unwrap().unwrap(), "Max");
//!     assert!(g.next_result().await.is_none());
//! });
//! ```
//!
//! ## 6. Timeouts and cancellation with cleanup
//!
//! The parent's patience runs out: it waits for the kid with
//! [`timeout_after`](crate::timeout_after) and cancels the kid when time is
//! up. [`Task::cancel`](crate::Task::cancel) requests the cancellation *and
//! waits* until the task has terminated. The cancellation is delivered at
//! the task's next suspension, where its future is dropped (its
//! destructors run).
//!
//! Unlike a plain drop, curio lets the kid finish what it was doing first.
//! Inside [`disable_cancellation`](crate::disable_cancellation), a
//! cancellation (or a timeout) is held back until the block ends;
//! [`check_cancellation`](crate::check_cancellation) tells the code inside
//! that one is pending, so it can save its work, awaiting as much as it
//! needs, before it lets the cancellation in:
//!
//! ```rust
//! use curio::{check_cancellation, disable_cancellation, timeout_after, Event};
//! use std::sync::atomic::{AtomicBool, Ordering};
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! async fn kid(start: Arc<Event>, saved: Arc<AtomicBool>) {
//!     println!("Can I play?");
//!     start.wait().await;
//!     disable_cancellation(async {
//!         println!("Building the Millenium Falcon in Minecraft");
//!         while !check_cancellation() {
//!             curio::sleep(Duration::from_secs(1)).await;
//!         }
//!         println!("Fine. Saving my work.");
//!         curio::sleep(Duration::from_secs(2)).await; // not interrupted
//!         saved.store(true, Ordering::SeqCst);
//!     })
//!     .await;
//!     // The pending cancellation is delivered at this suspension.
//!     curio::sleep(Duration::from_secs(1000)).await;
//!     unreachable!("the kid was cancelled");
//! }
//!
//! async fn parent() {
//!     let start = Arc::new(Event::new());
//!     let saved = Arc::new(AtomicBool::new(false));
//!     let mut kid_task = curio::task::Builder::new()
//!         .name("kid")
//!         .spawn(kid(start.clone(), saved.clone()));
//!     curio::sleep(Duration::from_secs(5)).await;
//!     println!("Yes, go play");
//!     start.set();
//!
//!     // `&mut Task` is a future too, so the task survives the timeout.
//!     if timeout_after(Duration::from_secs(10), &mut kid_task).await.is_err() {
//!         println!("I warned you!");
//!         assert!(kid_task.cancel().await); // true: it was still running
//!     }
//!     assert!(saved.load(Ordering::SeqCst), "the work was saved");
//!     println!("Leaving!");
//! }
//!
//! let rt = curio::Runtime::builder().start_paused(true).build().unwrap();
//! rt.run(parent());
//! ```
//!
//! A timeout on a single operation is
//! `timeout_after(d, op).await`, which is `Err(TaskTimeout)` when the time
//! ran out; [`ignore_after`](crate::ignore_after) gives `None` instead.
//! Timeouts nest as curio's do: the outer deadline wins, and a longer inner
//! timeout never extends a shorter outer one.
//!
//! ```rust
//! use curio::{ignore_after, timeout_after};
//! use std::time::Duration;
//!
//! let rt = curio::Runtime::builder().start_paused(true).build().unwrap();
//! rt.run(async {
//!     let slow = curio::sleep(Duration::from_secs(60));
//!     assert!(timeout_after(Duration::from_secs(1), slow).await.is_err());
//!     assert_eq!(ignore_after(Duration::from_secs(1), async { 7 }).await, Some(7));
//!
//!     // The outer 1 s deadline cuts the inner 10 s one short.
//!     let start = curio::clock();
//!     let nested = timeout_after(Duration::from_secs(1), async {
//!         timeout_after(Duration::from_secs(10), curio::sleep(Duration::from_secs(60))).await
//!     });
//!     assert!(nested.await.is_err());
//!     assert!(curio::clock() - start < Duration::from_secs(2));
//! });
//! ```
//!
//! ### Shutdown gives tasks the same chance
//!
//! When the main task returns, the runtime cancels every task still alive,
//! as `Task::cancel` does, and lets them run until they end, so their
//! cleanup inside `disable_cancellation` completes. A task still running
//! when the grace period ([`Builder::shutdown_grace`](crate::Builder::shutdown_grace),
//! 5 s by default, or `CURIO_SHUTDOWN_GRACE`) is over has its future
//! dropped. Either way shutdown does not hang past the grace period:
//!
//! ```rust
//! use curio::{check_cancellation, disable_cancellation};
//! use std::sync::atomic::{AtomicBool, Ordering};
//! use std::sync::Arc;
//! use std::time::{Duration, Instant};
//!
//! /// Records that the task's future was dropped.
//! struct Dropped(Arc<AtomicBool>);
//! impl Drop for Dropped {
//!     fn drop(&mut self) {
//!         self.0.store(true, Ordering::SeqCst);
//!     }
//! }
//!
//! let saved = Arc::new(AtomicBool::new(false));
//! let dropped = Arc::new(AtomicBool::new(false));
//! let rt = curio::Runtime::builder()
//!     .workers(2)
//!     .shutdown_grace(Duration::from_millis(200))
//!     .build()
//!     .unwrap();
//! let (s, d) = (saved.clone(), dropped.clone());
//! let started = Instant::now();
//! rt.run(async move {
//!     // This task saves its work when the runtime shuts down.
//!     curio::spawn(disable_cancellation(async move {
//!         while !check_cancellation() {
//!             curio::sleep(Duration::from_millis(5)).await;
//!         }
//!         curio::sleep(Duration::from_millis(20)).await;
//!         s.store(true, Ordering::SeqCst);
//!     }));
//!     // This one never gives up; the grace period ends it.
//!     curio::spawn(disable_cancellation(async move {
//!         let _guard = Dropped(d);
//!         curio::sleep(Duration::from_secs(1000)).await;
//!     }));
//!     curio::sleep(Duration::from_millis(20)).await;
//! });
//! assert!(saved.load(Ordering::SeqCst));
//! assert!(dropped.load(Ordering::SeqCst));
//! assert!(started.elapsed() < Duration::from_secs(30));
//! ```
//!
//! ## 7. The monitor
//!
//! A runtime built with [`Builder::monitor`](crate::Builder::monitor) (or
//! run with `CURIO_MONITOR=127.0.0.1:48802` in its environment) serves a
//! text console on that address. Connect with `nc 127.0.0.1 48802` (or
//! telnet) while the program runs:
//!
//! ```text
//! Curio Monitor: 3 tasks running
//! Type help for commands
//! curio > ps
//! Task   State        Cycles     Timeout Sleep   Task
//! ------ ------------ ---------- ------- ------- ------------------------------
//! 1      TASK_JOIN    3          None    None    parent
//! 4      TIME_SLEEP   1          None    998.213 kid
//! curio > where 4
//! Task 4 (kid) TIME_SLEEP
//!   spawned at src/main.rs:25:10
//!   waiting (TIME_SLEEP) at src/main.rs:14:34
//! curio > cancel 4
//! Cancelling task 4
//! curio > quit
//! ```
//!
//! `ps` lists one task a line: its id, curio's name for what it waits on
//! (`TIME_SLEEP`, `EVENT_WAIT`, `TASK_JOIN`, `READ_WAIT`, ...), how many
//! times it was polled, the seconds left on its timeout and its sleep, and
//! its name (or where it was spawned, when it has none). `where N` says
//! where task `N` was spawned and where it is waiting. `stats` shows the
//! workers' counters, `help` the rest.
//!
//! Here is the same session as a program: a kid sleeps for 1000 seconds,
//! and a plain `std::net::TcpStream` asks the monitor about it.
//!
//! ```rust
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//! use std::time::{Duration, Instant};
//!
//! /// Reads until the monitor's prompt; returns what came before it.
//! fn until_prompt(conn: &mut TcpStream) -> String {
//!     let mut text = Vec::new();
//!     let mut byte = [0u8; 1];
//!     while !text.ends_with(b"curio > ") {
//!         assert_eq!(conn.read(&mut byte).unwrap(), 1, "the monitor hung up");
//!         text.push(byte[0]);
//!     }
//!     text.truncate(text.len() - b"curio > ".len());
//!     String::from_utf8(text).unwrap()
//! }
//!
//! fn command(conn: &mut TcpStream, line: &str) -> String {
//!     conn.write_all(format!("{line}\n").as_bytes()).unwrap();
//!     until_prompt(conn)
//! }
//!
//! let rt = curio::Runtime::builder()
//!     .workers(2)
//!     .monitor("127.0.0.1:0") // any free port; real programs name one
//!     .shutdown_grace(Duration::from_secs(2))
//!     .build()
//!     .unwrap();
//! let kid = curio::task::Builder::new()
//!     .name("kid")
//!     .spawn_on(rt.handle(), curio::sleep(Duration::from_secs(1000)));
//!
//! let mut conn = TcpStream::connect(rt.monitor_addr().unwrap()).unwrap();
//! conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
//! let greeting = until_prompt(&mut conn);
//! assert!(greeting.contains("Curio Monitor"), "{greeting}");
//!
//! // Wait (with a deadline) until the kid has gone to sleep.
//! let deadline = Instant::now() + Duration::from_secs(10);
//! let row = loop {
//!     let ps = command(&mut conn, "ps");
//!     assert!(ps.starts_with("Task   State        Cycles     Timeout Sleep   Task"));
//!     let row = ps
//!         .lines()
//!         .find(|l| l.starts_with(&format!("{} ", kid.id())))
//!         .map(str::to_owned);
//!     if let Some(row) = row.filter(|r| r.contains("TIME_SLEEP")) {
//!         break row;
//!     }
//!     assert!(Instant::now() < deadline, "the kid never slept:\n{ps}");
//!     std::thread::sleep(Duration::from_millis(10));
//! };
//! println!("{row}");
//! let cols: Vec<&str> = row.split_whitespace().collect();
//! assert_eq!(cols[1], "TIME_SLEEP");
//! assert_eq!(cols[3], "None"); // no timeout
//! let sleep_left: f64 = cols[4].parse().unwrap();
//! assert!(sleep_left > 900.0 && sleep_left <= 1000.0);
//! assert_eq!(cols[5], "kid");
//!
//! let w = command(&mut conn, &format!("where {}", kid.id()));
//! println!("{w}");
//! assert!(w.starts_with(&format!("Task {} (kid) TIME_SLEEP", kid.id())), "{w}");
//! assert!(w.contains("spawned at "), "{w}");
//! assert!(w.contains("waiting (TIME_SLEEP) at "), "{w}");
//!
//! assert!(command(&mut conn, "frobnicate").contains("Unknown command"));
//! conn.write_all(b"quit\n").unwrap();
//! drop(rt); // cancels the kid
//! ```
//!
//! ## 8. A network service: echo, chat, HTTP
//!
//! ### Echo
//!
//! [`net::tcp_server(addr, handler)`](crate::net::tcp_server) binds an
//! address and runs `handler` in a task of its own for every client, until
//! the server is cancelled. [`net::run_server`](crate::net::run_server)
//! does the same on a listener bound beforehand, which is how a test learns
//! the port of `127.0.0.1:0`. The handler below uses curio's buffered
//! stream ([`TcpStream::into_stream`](crate::net::TcpStream::into_stream)):
//! `readline` keeps the `'\n'` and returns an empty line at the end of the
//! stream.
//!
//! ```rust
//! use curio::net::{run_server, TcpListener, TcpStream};
//! use std::io;
//! use std::net::SocketAddr;
//!
//! async fn echo(client: TcpStream, addr: SocketAddr) -> io::Result<()> {
//!     println!("connection from {addr}");
//!     let mut stream = client.into_stream();
//!     loop {
//!         let line = stream.readline().await?;
//!         if line.is_empty() {
//!             println!("{addr} closed the connection");
//!             return Ok(());
//!         }
//!         stream.write(&line).await?;
//!     }
//! }
//!
//! curio::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     let mut server = curio::spawn(run_server(listener, echo));
//!
//!     let client = TcpStream::connect(addr).await?;
//!     let mut lines = client.as_stream();
//!     for word in ["hello\n", "world\n"] {
//!         client.write_all(word.as_bytes()).await?;
//!         assert_eq!(lines.readline().await?, word.as_bytes());
//!     }
//!     drop(lines);
//!     drop(client);
//!     server.cancel().await; // stop serving
//!     io::Result::Ok(())
//! })
//! .unwrap();
//! ```
//!
//! ### Chat
//!
//! A chat server sends every line one client writes to all the others. A
//! [`broadcast`](crate::sync::broadcast) channel carries the lines: each
//! client's handler subscribes, and a second task per client writes what
//! the others said. When the client leaves, its handler cancels that task.
//!
//! ```rust
//! use curio::net::{run_server, TcpListener, TcpStream};
//! use curio::sync::broadcast;
//! use std::io;
//! use std::net::SocketAddr;
//! use std::sync::Arc;
//!
//! type Line = (SocketAddr, Vec<u8>);
//!
//! async fn chat(client: TcpStream, addr: SocketAddr, tx: broadcast::Sender<Line>) -> io::Result<()> {
//!     let client = Arc::new(client);
//!     let mut rx = tx.subscribe();
//!     client.write_all(b"welcome\n").await?;
//!     let out = client.clone();
//!     let mut writer = curio::spawn(async move {
//!         loop {
//!             match rx.recv().await {
//!                 Ok((from, line)) if from != addr => out.write_all(&line).await?,
//!                 Ok(_) => {}                                   // our own line
//!                 Err(broadcast::RecvError::Lagged(_)) => {}    // too slow: skip
//!                 Err(broadcast::RecvError::Closed) => return io::Result::Ok(()),
//!             }
//!         }
//!     });
//!     let read = async {
//!         let mut lines = client.as_stream();
//!         loop {
//!             let line = lines.readline().await?;
//!             if line.is_empty() {
//!                 return io::Result::Ok(());
//!             }
//!             let _ = tx.send((addr, line)); // Err only when nobody listens
//!         }
//!     };
//!     let result = read.await;
//!     writer.cancel().await;
//!     result
//! }
//!
//! curio::run(async {
//!     let (tx, _) = broadcast::channel::<Line>(64);
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     let mut server = curio::spawn(run_server(listener, move |client, peer| {
//!         chat(client, peer, tx.clone())
//!     }));
//!
//!     let alice = TcpStream::connect(addr).await?;
//!     let bob = TcpStream::connect(addr).await?;
//!     let (mut a, mut b) = (alice.as_stream(), bob.as_stream());
//!     // Once welcomed, a client is subscribed.
//!     assert_eq!(a.readline().await?, b"welcome\n");
//!     assert_eq!(b.readline().await?, b"welcome\n");
//!     alice.write_all(b"hi bob\n").await?;
//!     assert_eq!(b.readline().await?, b"hi bob\n");
//!     bob.write_all(b"hi alice\n").await?;
//!     assert_eq!(a.readline().await?, b"hi alice\n");
//!
//!     drop((a, b));
//!     drop((alice, bob));
//!     server.cancel().await;
//!     io::Result::Ok(())
//! })
//! .unwrap();
//! ```
//!
//! A [`Queue`](crate::Queue) per client, with the server keeping the list
//! of queues, is the other way to write it; the repository's
//! `examples/chat_server.rs` does that.
//!
//! ### HTTP
//!
//! hyper 1.x runs on curio through `curio::hyper` (the facade's feature
//! `hyper`; the module is documented when that feature is on):
//! `curio::hyper::Io` makes a curio socket hyper's I/O,
//! `curio::hyper::Timer` gives hyper curio's timers (so its header-read
//! timeout works) and `curio::hyper::Executor` spawns hyper's background
//! futures (HTTP/2) as curio tasks. Each connection is served by hyper's
//! `http1` server in a task of its own:
//!
//! ```rust
//! use bytes::Bytes;
//! use curio::hyper::{Io, Timer};
//! use curio::net::{run_server, TcpListener, TcpStream};
//! use http_body_util::Full;
//! use hyper::body::Incoming;
//! use hyper::{Request, Response};
//! use std::convert::Infallible;
//! use std::io;
//! use std::net::SocketAddr;
//! use std::time::Duration;
//!
//! async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
//!     Ok(Response::new(Full::new(Bytes::from_static(b"Hello, world!\n"))))
//! }
//!
//! async fn serve(client: TcpStream, _: SocketAddr) -> io::Result<()> {
//!     hyper::server::conn::http1::Builder::new()
//!         .timer(Timer::new())
//!         .header_read_timeout(Duration::from_secs(5))
//!         .serve_connection(Io::new(client), hyper::service::service_fn(hello))
//!         .await
//!         .map_err(io::Error::other)
//! }
//!
//! curio::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     let mut server = curio::spawn(run_server(listener, serve));
//!
//!     let client = TcpStream::connect(addr).await?;
//!     client
//!         .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
//!         .await?;
//!     let answer = client.as_stream().read_all().await?; // hyper closes after it
//!     let answer = String::from_utf8(answer).unwrap();
//!     assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
//!     assert!(answer.ends_with("\r\n\r\nHello, world!\n"), "{answer}");
//!
//!     server.cancel().await;
//!     io::Result::Ok(())
//! })
//! .unwrap();
//! ```
//!
//! The repository's `examples/http_hello.rs` adds graceful shutdown, and
//! `examples/http2_hello.rs` serves HTTP/2 with the `Executor`.
//!
//! ## 9. Coming from tokio
//!
//! Most of a tokio program carries over name for name. The table maps
//! tokio's pieces to curio's; the notes after it say where the behaviour
//! differs.
//!
//! | tokio | curio |
//! |---|---|
//! | `#[tokio::main]`, `#[tokio::test]` | [`#[curio::main]`](crate::main), [`#[curio::test]`](crate::test) (`workers = N`; the test takes `start_paused = true`, `seed = N`) |
//! | `Runtime::new()`, `runtime::Builder` | [`Runtime::builder()`](crate::Runtime::builder), [`Builder`](crate::Builder) (`workers`, `thread_name`, `monitor`, `shutdown_grace`, `start_paused`, `seed`) |
//! | `Runtime::block_on` | [`Runtime::block_on`](crate::Runtime::block_on) (and [`Runtime::run`](crate::Runtime::run), [`curio::run`](crate::run)) |
//! | `Handle::current()` | [`Handle::current()`](crate::Handle::current) |
//! | `tokio::spawn` → `JoinHandle<T>` | [`curio::spawn`](crate::spawn) → [`Task<T>`](crate::Task); `task::Builder` → [`curio::task::Builder`](crate::task::Builder) |
//! | `JoinHandle::abort()` | [`task.cancel().await`](crate::Task::cancel), which waits until the task has ended |
//! | `JoinError::is_cancelled` / `is_panic` | [`TaskError::is_cancelled`](crate::TaskError::is_cancelled) / [`is_panic`](crate::TaskError::is_panic) |
//! | `JoinSet` | [`TaskGroup`](crate::TaskGroup) (`spawn`, `next_result` ≈ `join_next`, `join`, `cancel_remaining` ≈ `abort_all`) |
//! | `task::spawn_blocking` | [`run_in_thread`](crate::run_in_thread) (a bounded pool); a long-lived thread: [`spawn_thread`](crate::spawn_thread) |
//! | `task::yield_now`, `task::consume_budget` | [`yield_now`](crate::yield_now), [`task::consume_budget`](crate::task::consume_budget) |
//! | `select!` | `futures::select!` / `futures::future::select`; for "this or a deadline", [`timeout_after`](crate::timeout_after) / [`ignore_after`](crate::ignore_after); for "the first of several tasks", [`TaskGroup::with_wait(Wait::Any)`](crate::TaskGroup::with_wait) |
//! | `tokio::time::sleep`, `sleep_until`, `timeout` | [`sleep`](crate::sleep), [`sleep_until`](crate::sleep_until), [`timeout_after`](crate::timeout_after) / [`timeout_at`](crate::timeout_at) |
//! | `time::interval` | [`time::interval`](crate::time::interval) |
//! | `time::pause`, `resume`, `advance` | [`time::pause`](crate::time::pause), [`time::resume`](crate::time::resume), [`time::advance`](crate::time::advance) |
//! | `tokio::sync::mpsc`, `oneshot`, `watch`, `broadcast` | [`curio::sync::mpsc`](crate::sync::mpsc), [`oneshot`](crate::sync::oneshot), [`watch`](crate::sync::watch), [`broadcast`](crate::sync::broadcast) (same shapes) |
//! | `sync::Mutex` | [`Lock`](crate::Lock) (`lock().await` gives a guard) |
//! | `sync::Notify` | [`Event`](crate::Event) (`set`, `clear`, `wait().await`) or [`Condition`](crate::Condition) |
//! | `sync::Semaphore`, `RwLock`, `Barrier` | [`Semaphore`](crate::Semaphore), [`sync::RwLock`](crate::sync::RwLock), [`sync::Barrier`](crate::sync::Barrier) |
//! | `tokio::net::{TcpListener, TcpStream, TcpSocket, UdpSocket, UnixStream, ...}` | [`curio::net`](crate::net)'s types of the same names, [`net::lookup_host`](crate::net::lookup_host) |
//! | `tokio::io::unix::AsyncFd` | [`net::AsyncFd`](crate::net::AsyncFd) |
//! | `AsyncReadExt` / `AsyncWriteExt` (tokio's) | the sockets' own `read`, `write_all`, `read_exact`, or the `futures-io` traits they implement, or curio's [`SocketStream`](crate::net::SocketStream) (`readline`, `read_exactly`, ...) |
//! | `tokio::signal::ctrl_c` | [`signal::ctrl_c`](crate::signal::ctrl_c), [`signal::SignalEvent`](crate::signal::SignalEvent) |
//! | `tokio::fs`, `tokio::process` | [`curio::fs`](crate::fs), [`curio::process`](crate::process) |
//! | hyper-util's `TokioIo`, `TokioExecutor`, `TokioTimer` | `curio::hyper::{Io, Executor, Timer}` (feature `hyper`) |
//! | tokio-console | the [monitor](#7-the-monitor) (`ps`, `where`, `stats`) |
//!
//! What differs:
//!
//! - **Cancellation can clean up.** tokio's `abort` drops the future at its
//!   next await and returns at once. `Task::cancel` also delivers at the
//!   next await, but the task can hold it off with
//!   [`disable_cancellation`](crate::disable_cancellation), notice it with
//!   [`check_cancellation`](crate::check_cancellation) and finish its
//!   cleanup, awaiting as it likes; `cancel().await` returns when the task
//!   is really gone, and says whether it was still running.
//! - **Shutdown cancels the same way**, with a grace period
//!   ([`Builder::shutdown_grace`](crate::Builder::shutdown_grace)) instead
//!   of dropping every task at once.
//! - **Timeouts nest as curio's do**: when several deadlines have passed,
//!   the outermost wins, and an inner timeout cannot extend an outer one.
//! - **Groups own their tasks**: a dropped `TaskGroup` cancels its tasks, as
//!   a dropped `JoinSet` aborts them, and `Wait::Any` / `Wait::Object`
//!   give curio's "first one wins" joins.
//! - **Sockets' methods take `&self`**, so a stream can be read in one task
//!   and written in another through an `Arc` without splitting it
//!   ([`into_split`](crate::net::TcpStream::into_split) exists too).
//!
//! What keeps working unchanged:
//!
//! - code written against the `futures-io` traits (`AsyncRead`,
//!   `AsyncWrite`, `futures::io::AsyncReadExt`, ...), since curio's
//!   sockets, files and pipes implement them;
//! - executor-agnostic crates: `async-channel`, `async-lock`, the `futures`
//!   combinators and channels, and `tokio::sync`'s primitives (they need
//!   no tokio runtime);
//! - TLS with `futures-rustls` over curio's `TcpStream`;
//! - hyper, through `curio::hyper` (feature `hyper`).
//!
//! What needs a tokio runtime keeps needing one: anything that calls
//! `tokio::spawn`, uses `tokio::net` or `tokio::time`, or takes tokio's
//! `AsyncRead`/`AsyncWrite` traits.
//!
//! For example, the `futures` crate's reader extension and `select!` work
//! on curio's types as they are:
//!
//! ```rust
//! use curio::net::{TcpListener, TcpStream};
//! use futures::io::{AsyncReadExt, AsyncWriteExt};
//! use std::time::Duration;
//!
//! curio::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     let server = curio::spawn(async move {
//!         let (mut conn, _) = listener.accept().await?;
//!         AsyncWriteExt::write_all(&mut conn, b"ping").await?;
//!         std::io::Result::Ok(())
//!     });
//!     let mut conn = TcpStream::connect(addr).await?;
//!     let mut buf = Vec::new();
//!     AsyncReadExt::read_to_end(&mut conn, &mut buf).await?; // the server closes
//!     assert_eq!(buf, b"ping");
//!     server.await.unwrap()?;
//!
//!     // tokio's `select!` with a sleep arm, in two curio spellings.
//!     let never = std::future::pending::<()>();
//!     assert!(curio::ignore_after(Duration::from_millis(10), never).await.is_none());
//!     let picked = futures::select! {
//!         _ = futures::FutureExt::fuse(curio::sleep(Duration::from_millis(10))) => "timer",
//!         _ = futures::FutureExt::fuse(std::future::pending::<()>()) => "never",
//!     };
//!     assert_eq!(picked, "timer");
//!     std::io::Result::Ok(())
//! })
//! .unwrap();
//! ```
