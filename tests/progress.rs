//! `trustnn::progress`: what each mode writes to stderr (checked by running this test binary
//! again as a child process and reading its stderr), and that per-batch updates do not
//! allocate (a counting global allocator that counts the measuring thread only; this file is
//! its own test binary).

use std::process::Command;

use trustnn::progress::{ProgressMode, TrainingProgress};

#[path = "support/alloc_probe.rs"]
mod alloc_probe;
use alloc_probe::count_allocations;

/// Runs `mode` for 2 epochs of 3 batches, as `fit` would.
fn run(mode: ProgressMode) {
    let mut p = TrainingProgress::new(2, 3, mode);
    for epoch in 0..2 {
        for batch in 0..3 {
            p.batch(epoch, batch, 1.0 / (1 + batch) as f32);
        }
        p.epoch_end(epoch, "loss 0.5000 - accuracy 0.7500");
    }
    p.finish();
}

/// The stderr of this test binary running only the ignored test `name`.
fn child_stderr(name: &str) -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--ignored", "--nocapture", "--test-threads=1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "child {name} failed: {out:?}");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
#[ignore = "child process of silent_mode_writes_nothing"]
fn child_silent() {
    run(ProgressMode::Silent);
}

#[test]
#[ignore = "child process of lines_mode_writes_one_line_per_epoch"]
fn child_lines() {
    run(ProgressMode::Lines);
}

#[test]
#[ignore = "child process of bar_and_auto_modes_write_nothing_when_stderr_is_not_a_terminal"]
fn child_bar_and_auto() {
    run(ProgressMode::Bar);
    run(ProgressMode::Auto);
}

#[test]
fn silent_mode_writes_nothing() {
    assert_eq!(child_stderr("child_silent"), "");
}

#[test]
fn lines_mode_writes_one_line_per_epoch() {
    let err = child_stderr("child_lines");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with("epoch 1/2 - ") && lines[0].contains(" - ETA "),
        "{err}"
    );
    assert!(
        lines[1].starts_with("epoch 2/2 - ") && !lines[1].contains("ETA"),
        "{err}"
    );
    for line in lines {
        assert!(line.ends_with(" - loss 0.5000 - accuracy 0.7500"), "{line}");
    }
}

#[test]
fn bar_and_auto_modes_write_nothing_when_stderr_is_not_a_terminal() {
    assert_eq!(child_stderr("child_bar_and_auto"), "");
}

#[test]
fn silent_and_lines_batch_updates_do_not_allocate() {
    for mode in [ProgressMode::Silent, ProgressMode::Lines] {
        let mut p = TrainingProgress::new(10, 1000, mode);
        let n = count_allocations(|| {
            for epoch in 0..10 {
                for batch in 0..1000 {
                    p.batch(epoch, batch, 0.5);
                }
            }
        });
        assert_eq!(n, 0, "{mode:?}");
    }
}

/// With stderr a terminal the bar redraws (and allocates) after a first burst of about ten
/// updates at most 20 times a second (about 300 allocations here, measured under `script`);
/// without one it draws nothing. Either way 10 000 updates allocate less than once per ten.
#[test]
fn bar_batch_updates_allocate_far_less_than_once_per_batch() {
    let mut p = TrainingProgress::new(10, 1000, ProgressMode::Bar);
    let n = count_allocations(|| {
        for epoch in 0..10 {
            for batch in 0..1000 {
                p.batch(epoch, batch, 0.5);
            }
        }
    });
    p.finish();
    assert!(n < 1000, "{n} allocations for 10000 batch updates");
}
