//! The monitor: `ps`, `where`, `cancel`, `stats`, garbage input, and an
//! answer while every worker is blocked; profiling (`ps -l`, the busy and
//! delay lines of `stats`, `top`, and the client's `--top` view).

mod support;

use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A monitor session over a plain TCP connection.
struct Session {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Session {
    fn open(rt: &curio::Runtime) -> Session {
        let conn = TcpStream::connect(rt.monitor_addr().expect("monitor enabled")).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let writer = conn.try_clone().unwrap();
        let mut s = Session {
            reader: BufReader::new(conn),
            writer,
        };
        s.until_prompt();
        s
    }

    /// Reads until the next prompt; returns the text before it.
    fn until_prompt(&mut self) -> String {
        let mut text = Vec::new();
        let prompt = b"curio > ";
        let mut byte = [0u8; 1];
        while !text.ends_with(prompt) {
            let n = self.reader.read(&mut byte).expect("monitor answers");
            assert!(
                n == 1,
                "monitor closed early: {}",
                String::from_utf8_lossy(&text)
            );
            text.push(byte[0]);
        }
        text.truncate(text.len() - prompt.len());
        String::from_utf8(text).unwrap()
    }

    fn cmd(&mut self, line: &str) -> String {
        self.writer
            .write_all(format!("{line}\n").as_bytes())
            .unwrap();
        self.until_prompt()
    }
}

fn monitored(workers: usize) -> curio::Runtime {
    monitored_named(workers, "curio-worker")
}

fn monitored_named(workers: usize, name: &str) -> curio::Runtime {
    curio::Runtime::builder()
        .workers(workers)
        .thread_name(name)
        .monitor("127.0.0.1:0")
        .build()
        .unwrap()
}

#[test]
fn ps_lists_tasks_with_their_states_and_where_names_the_line() {
    let rt = monitored(2);
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let parent_line = line!() + 1;
    let sleeper = rt.handle().spawn(async move {
        let builder = curio::task::Builder::new().name("kid");
        let kid_line = line!() + 1;
        let kid = builder.spawn(std::future::pending::<()>());
        let _ = ready_tx.send((kid.id(), kid_line));
        kid.await // the parent waits here (TASK_JOIN)
    });
    let (kid, kid_line) = ready_rx.recv().unwrap();
    let parent = sleeper.id();
    let mut s = Session::open(&rt);
    let mut ps = String::new();
    support::wait_until(Duration::from_secs(10), "parent to wait", || {
        ps = s.cmd("ps");
        ps.lines()
            .any(|l| l.starts_with(&format!("{parent} ")) && l.contains("TASK_JOIN"))
    });
    assert!(
        ps.starts_with("Task   State        Cycles     Timeout Sleep   Task"),
        "{ps}"
    );
    let kid_row = ps
        .lines()
        .find(|l| l.starts_with(&format!("{kid} ")))
        .expect("kid listed");
    let cols: Vec<_> = kid_row.split_whitespace().collect();
    assert_eq!(cols[0], kid.to_string());
    assert_eq!(cols[1], "FUTURE_WAIT");
    assert_eq!(cols[3], "None");
    assert_eq!(cols.last(), Some(&"kid"));
    let parent_row = ps
        .lines()
        .find(|l| l.starts_with(&format!("{parent} ")))
        .unwrap();
    assert!(
        parent_row.ends_with(&format!("tests/monitor.rs:{parent_line}")),
        "{parent_row}"
    );

    let w = s.cmd(&format!("where {kid}"));
    assert!(
        w.contains(&format!("spawned at tests/monitor.rs:{kid_line}:")),
        "{w}"
    );

    let c = s.cmd(&format!("cancel {kid}"));
    assert!(c.contains(&format!("Cancelling task {kid}")), "{c}");
    let err = rt.block_on(sleeper).unwrap().unwrap_err();
    assert!(err.is_cancelled());
    assert!(s.cmd(&format!("cancel {kid}")).contains("No task"));
}

#[test]
fn garbage_gets_an_error_line_and_the_session_stays_open() {
    let rt = monitored(1);
    let mut s = Session::open(&rt);
    assert!(s.cmd("frobnicate 7").contains("Unknown command"));
    assert!(s.cmd("where x").contains("Bad argument"));
    assert!(s.cmd("where 999999999").contains("No task"));
    let long = "x".repeat(5000);
    assert!(s.cmd(&long).contains("Line too long"));
    assert!(s.cmd("help").contains("ps"));
    let stats = s.cmd("stats");
    assert!(
        stats.contains("Worker") && stats.contains("live tasks"),
        "{stats}"
    );
}

#[test]
fn the_monitor_answers_while_every_worker_is_blocked() {
    let rt = monitored(2);
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
    let blockers: Vec<_> = (0..2)
        .map(|_| {
            let rx = rx.clone();
            rt.spawn(async move {
                // Blocks a worker thread on purpose.
                let _ = rx.lock().unwrap().recv_timeout(Duration::from_secs(20));
            })
        })
        .collect();
    let mut s = Session::open(&rt);
    let ps = s.cmd("ps");
    assert!(ps.contains("RUNNING"), "{ps}");
    drop(tx);
    for b in blockers {
        rt.block_on(b).unwrap();
    }
}

#[test]
fn long_blocks_are_recorded() {
    let rt = curio::Runtime::builder()
        .workers(1)
        .longblock(Duration::from_millis(20))
        .build()
        .unwrap();
    rt.block_on(async {
        curio::task::Builder::new()
            .name("sleepy")
            .spawn(async { std::thread::sleep(Duration::from_millis(60)) })
            .await
            .unwrap();
    });
    // The worker records the block after the poll returns, which may be
    // just after the join woke `block_on`.
    let sleepy = |blocks: &[curio::introspect::LongBlock]| {
        blocks
            .iter()
            .find(|b| b.name.as_deref() == Some("sleepy"))
            .cloned()
    };
    support::wait_until(Duration::from_secs(10), "the long block recorded", || {
        sleepy(&rt.handle().long_blocks()).is_some()
    });
    let b = sleepy(&rt.handle().long_blocks()).expect("recorded");
    assert!(b.duration >= Duration::from_millis(60));
    assert!(b.to_string().contains("tests/monitor.rs"));
    assert!(rt.handle().stats().long_blocks >= 1);
}

#[test]
fn the_monitor_thread_is_joined_at_shutdown() {
    let rt = monitored_named(1, "mjoin");
    let addr = rt.monitor_addr().unwrap();
    let _s = Session::open(&rt);
    assert_eq!(
        support::threads_named("mjoin-monitor").len(),
        2,
        "acceptor and one client"
    );
    drop(rt);
    // Joined before `drop` returned; /proc may list a thread a moment longer.
    support::wait_until(
        Duration::from_secs(2),
        "monitor threads to leave /proc",
        || support::threads_named("mjoin-monitor").is_empty(),
    );
    assert!(TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err());
}

#[test]
fn a_sleeping_task_shows_time_sleep_and_its_deadlines() {
    let rt = monitored(1);
    let sleep_line = line!() + 3;
    let sleeper = rt.spawn(async {
        let _ = curio::timeout_after(Duration::from_secs(30), async {
            curio::sleep(Duration::from_secs(20)).await;
        })
        .await;
    });
    let mut s = Session::open(&rt);
    let mut row = String::new();
    support::wait_until(Duration::from_secs(10), "the sleeper to sleep", || {
        let ps = s.cmd("ps");
        row = ps
            .lines()
            .find(|l| l.starts_with(&format!("{} ", sleeper.id())))
            .unwrap_or("")
            .to_owned();
        row.contains("TIME_SLEEP")
    });
    let cols: Vec<_> = row.split_whitespace().collect();
    let timeout: f64 = cols[3].parse().expect("a timeout in seconds");
    let sleep: f64 = cols[4].parse().expect("a sleep in seconds");
    assert!(timeout > 25.0 && timeout <= 30.0, "{row}");
    assert!(sleep > 15.0 && sleep <= 20.0, "{row}");
    let w = s.cmd(&format!("where {}", sleeper.id()));
    assert!(
        w.contains(&format!(
            "waiting (TIME_SLEEP) at tests/monitor.rs:{sleep_line}:"
        )),
        "{w}"
    );
}

#[test]
fn stats_count_pending_timers() {
    let rt = monitored(1);
    let sleeper = rt.spawn(curio::sleep(Duration::from_secs(30)));
    let mut s = Session::open(&rt);
    let mut stats = String::new();
    support::wait_until(Duration::from_secs(10), "the timer to be armed", || {
        stats = s.cmd("stats");
        stats
            .lines()
            .any(|l| l.starts_with("timers pending") && l.ends_with(" 1"))
    });
    drop(sleeper);
}

#[test]
fn a_task_reading_a_socket_shows_read_wait() {
    let rt = monitored(2);
    let listener =
        rt.block_on(async { curio::net::TcpListener::bind("127.0.0.1:0").await.unwrap() });
    let addr = listener.local_addr().unwrap();
    let read_line = line!() + 4;
    let reader = rt.spawn(async move {
        let (conn, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 16];
        let n = conn.read(&mut buf).await.unwrap();
        n
    });
    let mut client = TcpStream::connect(addr).unwrap();
    let mut s = Session::open(&rt);
    let mut row = String::new();
    support::wait_until(Duration::from_secs(10), "the reader to wait", || {
        let ps = s.cmd("ps");
        row = ps
            .lines()
            .find(|l| l.starts_with(&format!("{} ", reader.id())))
            .unwrap_or("")
            .to_owned();
        row.contains("READ_WAIT")
    });
    let w = s.cmd(&format!("where {}", reader.id()));
    assert!(
        w.contains(&format!(
            "waiting (READ_WAIT) at tests/monitor.rs:{read_line}:"
        )),
        "{w}"
    );
    client.write_all(b"hi").unwrap();
    assert_eq!(rt.block_on(reader).unwrap(), 2);
}

#[test]
fn several_clients_are_served_at_once() {
    let rt = monitored(1);
    let mut sessions: Vec<Session> = (0..4).map(|_| Session::open(&rt)).collect();
    for (i, s) in sessions.iter_mut().enumerate() {
        assert!(s.cmd("ps").starts_with("Task   State"), "session {i}");
    }
    // The first one is still open after the others spoke.
    assert!(sessions[0].cmd("help").contains("where"));
}

#[test]
fn a_readline_wait_names_the_users_line() {
    let rt = monitored(1);
    let listener =
        rt.block_on(async { curio::net::TcpListener::bind("127.0.0.1:0").await.unwrap() });
    let addr = listener.local_addr().unwrap();
    let line_no = line!() + 4;
    let reader = rt.spawn(async move {
        let (conn, _) = listener.accept().await.unwrap();
        let mut stream = conn.into_stream();
        stream.readline().await.unwrap()
    });
    let mut client = TcpStream::connect(addr).unwrap();
    let mut s = Session::open(&rt);
    let mut w = String::new();
    support::wait_until(Duration::from_secs(10), "the reader to wait", || {
        w = s.cmd(&format!("where {}", reader.id()));
        w.contains("READ_WAIT")
    });
    assert!(
        w.contains(&format!("at tests/monitor.rs:{line_no}:")),
        "{w}"
    );
    client.write_all(b"hello\n").unwrap();
    assert_eq!(rt.block_on(reader).unwrap(), b"hello\n");
}

/// Spawns a task named `name` that does about 1 ms of CPU work between
/// yields, at most `rounds` times or until `stop` is set.
fn spawn_hog(
    rt: &curio::Runtime,
    name: &str,
    rounds: u32,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> curio::Task<u32> {
    curio::task::Builder::new()
        .name(name)
        .spawn_on(rt.handle(), async move {
            let mut done = 0;
            while done < rounds && !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let start = std::time::Instant::now();
                let mut x = 0u64;
                while start.elapsed() < Duration::from_millis(1) {
                    x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
                }
                done += 1;
                curio::yield_now().await;
            }
            done
        })
}

/// Spawns `n` tasks that sleep 5 ms at a time, at most 2,000 times or
/// until `stop` is set.
fn spawn_sleepers(
    rt: &curio::Runtime,
    n: usize,
    stop: &std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Vec<curio::Task<()>> {
    (0..n)
        .map(|i| {
            let stop = stop.clone();
            curio::task::Builder::new()
                .name(format!("idle-{i}"))
                .spawn_on(rt.handle(), async move {
                    for _ in 0..2_000 {
                        if stop.load(std::sync::atomic::Ordering::Relaxed) {
                            break;
                        }
                        curio::sleep(Duration::from_millis(5)).await;
                    }
                })
        })
        .collect()
}

/// The value of column `col` (milliseconds) of a `ps -l` row.
fn ms(row: &str, col: usize) -> f64 {
    let cols: Vec<&str> = row.split_whitespace().collect();
    cols[col]
        .parse()
        .unwrap_or_else(|_| panic!("column {col} of {row:?} is not a number"))
}

#[test]
fn ps_l_lists_a_cpu_heavy_task_first_and_stats_show_busy_fractions_and_delays() {
    let rt = monitored(2);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let idle = spawn_sleepers(&rt, 4, &stop);
    let hog = spawn_hog(&rt, "hog", 5_000, stop.clone());
    let mut s = Session::open(&rt);
    let mut ps = String::new();
    support::wait_until(Duration::from_secs(20), "the hog to lead ps -l", || {
        ps = s.cmd("ps -l");
        let first = ps.lines().nth(2).unwrap_or("");
        first.ends_with(" hog") && ms(first, 5) >= 20.0
    });
    let header: Vec<&str> = ps.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "Task", "State", "Cycles", "Timeout", "Sleep", "Busy", "MaxPoll", "Delay", "MaxDelay",
            "Task"
        ],
        "{ps}"
    );
    let rows: Vec<&str> = ps.lines().skip(2).collect();
    let hog_row = rows[0];
    assert!(hog_row.starts_with(&format!("{} ", hog.id())), "{ps}");
    // Its longest poll is one round of about 1 ms of work at least.
    assert!(ms(hog_row, 6) >= 0.9, "{ps}");
    assert!(ms(hog_row, 8) >= ms(hog_row, 7), "{ps}");
    // The sleepers are listed, each with less busy time than the hog, and
    // the rows are sorted by busy time.
    let mut busy = Vec::new();
    for t in &idle {
        let row = rows
            .iter()
            .find(|r| r.starts_with(&format!("{} ", t.id())))
            .unwrap_or_else(|| panic!("task {} listed: {ps}", t.id()));
        assert!(ms(row, 5) < ms(hog_row, 5), "{ps}");
    }
    for row in &rows {
        if let Ok(b) = row.split_whitespace().nth(5).unwrap_or("-").parse::<f64>() {
            busy.push(b);
        }
    }
    assert!(busy.windows(2).all(|w| w[0] >= w[1]), "{ps}");
    // `ps` itself is unchanged.
    assert!(s
        .cmd("ps")
        .starts_with("Task   State        Cycles     Timeout Sleep   Task\n"));

    let stats = s.cmd("stats");
    let busy_rows: Vec<&str> = stats
        .lines()
        .skip_while(|l| !l.starts_with("Worker") || !l.contains("Busy%"))
        .skip(1)
        .take(2)
        .collect();
    assert_eq!(busy_rows.len(), 2, "{stats}");
    let fractions: Vec<f64> = busy_rows
        .iter()
        .map(|r| r.split_whitespace().nth(1).unwrap().parse().unwrap())
        .collect();
    assert!(
        fractions.iter().all(|f| (0.0..=100.0).contains(f)),
        "{stats}"
    );
    assert!(fractions.iter().any(|&f| f > 0.0), "{stats}");
    assert!(
        stats
            .lines()
            .any(|l| l.starts_with("Delay") && l.contains("w0") && l.contains("w1")),
        "{stats}"
    );
    let bucket_total: u64 = stats
        .lines()
        .filter(|l| l.starts_with('<') || l.starts_with(">="))
        .flat_map(|l| l.split_whitespace().skip(1))
        .map(|n| n.parse::<u64>().unwrap())
        .sum();
    assert!(bucket_total > 20, "{stats}");

    let top = s.cmd("top");
    assert!(top.contains("Busy%") && top.contains(" hog\n"), "{top}");
    assert!(s.cmd("ps -z").contains("Unknown command"));
    assert!(s.cmd("ps -l -l").contains("Unknown command"));
    let help = s.cmd("help");
    assert!(
        help.contains("ps -l") && help.contains("busiest first"),
        "{help}"
    );

    // The same figures through the API.
    let info = rt
        .handle()
        .tasks()
        .into_iter()
        .find(|t| t.id == hog.id())
        .unwrap();
    assert!(info.busy.unwrap() >= Duration::from_millis(20));
    assert!(info.longest_poll.unwrap() >= Duration::from_micros(900));
    assert!(info.sched_delay_max.unwrap() >= info.sched_delay_mean.unwrap());
    let workers = rt.handle().stats().workers;
    assert!(workers.iter().all(|w| w.busy.is_some()
        && w.sched_delays.is_some()
        && w.busy_fraction.is_some_and(|f| (0.0..=1.0).contains(&f))));

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(rt.block_on(hog).unwrap() >= 20);
    for t in idle {
        rt.block_on(t).unwrap();
    }
}

#[test]
fn profiling_is_off_without_a_monitor_or_long_block_detection() {
    if std::env::var_os("CURIO_MONITOR").is_some() || std::env::var_os("CURIO_LONGBLOCK").is_some()
    {
        println!("SKIP: CURIO_MONITOR or CURIO_LONGBLOCK is set, which turns profiling on");
        return;
    }
    let rt = curio::Runtime::builder().workers(1).build().unwrap();
    assert!(!rt.handle().profiling());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let hog = spawn_hog(&rt, "hog", 5, stop);
    let sleeper = rt.spawn(curio::sleep(Duration::from_secs(30)));
    assert_eq!(rt.block_on(hog).unwrap(), 5);
    let info = rt
        .handle()
        .tasks()
        .into_iter()
        .find(|t| t.id == sleeper.id())
        .unwrap();
    assert_eq!(
        (
            info.busy,
            info.longest_poll,
            info.sched_delay_mean,
            info.sched_delay_max
        ),
        (None, None, None, None)
    );
    assert!(info.polls >= 1);
    let w = &rt.handle().stats().workers[0];
    assert!(w.busy.is_none() && w.busy_fraction.is_none() && w.sched_delays.is_none());

    // Long-block detection alone turns it on.
    let rt = curio::Runtime::builder()
        .workers(1)
        .longblock(Duration::from_secs(10))
        .build()
        .unwrap();
    assert!(rt.handle().profiling());
    let sleeper = rt.spawn(curio::sleep(Duration::from_secs(30)));
    let id = sleeper.id();
    support::wait_until(Duration::from_secs(10), "the sleeper to sleep", || {
        rt.handle()
            .tasks()
            .iter()
            .any(|t| t.id == id && t.state == curio::introspect::TaskState::TimeSleep)
    });
    let info = rt
        .handle()
        .tasks()
        .into_iter()
        .find(|t| t.id == id)
        .unwrap();
    assert!(info.busy.is_some() && info.sched_delay_max.is_some());
    assert!(
        rt.handle().stats().workers[0]
            .sched_delays
            .as_ref()
            .unwrap()
            .total()
            >= 1
    );
}

/// Runs the `curio-monitor` client with `args`, stdin kept open unless
/// `close_stdin`; returns its exit status and stdout, failing the test
/// when it runs past `limit`.
fn run_client(
    args: &[&str],
    close_stdin: bool,
    limit: Duration,
) -> (std::process::ExitStatus, String) {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_curio-monitor"))
        .args(args)
        .stdin(if close_stdin {
            Stdio::null()
        } else {
            Stdio::piped()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the client starts");
    let deadline = std::time::Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("curio-monitor {args:?} ran past {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // It has exited: this only reaps it.
    let status = child.wait().unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    (status, out)
}

#[test]
fn the_client_top_view_refreshes_then_stops_after_count_or_at_end_of_stdin() {
    let rt = monitored(1);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let hog = spawn_hog(&rt, "topped", 5_000, stop.clone());
    let addr = rt.monitor_addr().unwrap().to_string();

    let (status, out) = run_client(
        &[&addr, "--top", "--count", "2"],
        false,
        Duration::from_secs(30),
    );
    assert!(status.success(), "{out}");
    assert_eq!(out.matches("\x1b[2J\x1b[H").count(), 2, "{out}");
    assert_eq!(out.matches("Busy%").count(), 2, "{out}");
    assert!(
        out.contains("MaxDelay") && out.contains(" topped\n"),
        "{out}"
    );

    // The end of stdin stops it after the first screen.
    let (status, out) = run_client(&[&addr, "--top"], true, Duration::from_secs(30));
    assert!(status.success(), "{out}");
    assert!(out.matches("\x1b[2J").count() >= 1, "{out}");

    // Bad options are refused with the usage line.
    let (status, _) = run_client(
        &[&addr, "--top", "--count", "0"],
        true,
        Duration::from_secs(30),
    );
    assert_eq!(status.code(), Some(2));
    let (status, _) = run_client(&[&addr, "--frob"], true, Duration::from_secs(30));
    assert_eq!(status.code(), Some(2));

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    rt.block_on(hog).unwrap();
}
