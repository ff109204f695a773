//! Runs the `kid` example (curio's tutorial) at a hundredth of its speed
//! and checks what it prints.

#[allow(dead_code)]
#[path = "../examples/kid.rs"]
mod kid;

#[test]
fn kid_saves_work_when_cancelled() {
    let lines = kid::run(0.005);
    let pos = |l: &str| {
        lines
            .iter()
            .position(|x| x == l)
            .unwrap_or_else(|| panic!("missing line {l:?} in {lines:#?}"))
    };
    let order = [
        "Can I play?",
        "Yes, go play",
        "Building the Millenium Falcon in Minecraft",
        "T-minus 1",
        "We're leaving!",
        "I warned you!",
        "Fine. Saving my work.",
        "Leaving!",
    ];
    for pair in order.windows(2) {
        assert!(
            pos(pair[0]) < pos(pair[1]),
            "{pair:?} out of order: {lines:#?}"
        );
    }
    let countdown: Vec<_> = lines.iter().filter(|l| l.starts_with("T-minus")).collect();
    assert_eq!(countdown.len(), 10);
    for name in ["Max", "Lillian", "Thomas"] {
        assert!(pos(&format!("Hi, my name is {name}")) < pos("I warned you!"));
        let home = pos(&format!("{name} going home"));
        assert!(pos("I warned you!") < home && home < pos("Fine. Saving my work."));
    }
    assert_eq!(lines.last().map(String::as_str), Some("Leaving!"));
}

/// The parent returns without cancelling the kid: the runtime's shutdown
/// cancels it, and the kid's cleanup (sending its friends home, saving its
/// work, which takes a sleep) runs to the end before `run` returns.
#[test]
fn kid_saves_work_when_the_parent_leaves_early() {
    let lines = kid::run_parent_leaves_early(0.005);
    let pos = |l: &str| {
        lines
            .iter()
            .position(|x| x == l)
            .unwrap_or_else(|| panic!("missing line {l:?} in {lines:#?}"))
    };
    assert!(pos("We're leaving!") < pos("Fine. Saving my work."));
    for name in ["Max", "Lillian", "Thomas"] {
        assert!(pos(&format!("{name} going home")) < pos("Fine. Saving my work."));
    }
}

/// The tutorial at full scale (the kid's friends sleep 1000 s, the parent
/// counts down ten seconds and waits ten more) on a paused clock: it prints
/// the same story, at once.
#[test]
fn kid_at_full_scale_on_a_paused_clock() {
    let real = std::time::Instant::now();
    let rt = curio::Runtime::builder()
        .workers(2)
        .start_paused(true)
        .build()
        .unwrap();
    let lines = kid::run_on(rt, 1.0);
    assert!(
        lines.iter().any(|l| l == "Fine. Saving my work."),
        "{lines:#?}"
    );
    assert_eq!(lines.last().map(String::as_str), Some("Leaving!"));
    assert!(real.elapsed() < std::time::Duration::from_secs(10));
}
