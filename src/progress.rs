//! Training progress on the terminal: a progress bar (through [`indicatif`]) or one log line
//! per epoch, as Keras' `verbose=1` / `verbose=2` report a `fit`.
//!
//! [`Sequential::fit`](crate::Sequential::fit) drives a [`TrainingProgress`]: it calls
//! [`batch`](TrainingProgress::batch) after every gradient step,
//! [`epoch_end`](TrainingProgress::epoch_end) with the epoch's figures, and
//! [`finish`](TrainingProgress::finish) at the end. Everything is written to **stderr**, so a
//! program's stdout (a table, a JSON object) stays clean.
//!
//! What each [`ProgressMode`] shows:
//!
//! - [`Bar`](ProgressMode::Bar): one bar over the whole run that shows the epoch, the batch
//!   within the epoch, the epoch's running loss, the elapsed time and the ETA of the run; above
//!   it, each finished epoch leaves one line with its tracked metrics (the [`epoch_line`]
//!   format), as Keras prints them:
//!
//!   ```text
//!   epoch 1/10 - 1.21s - ETA 10.89s - loss 0.6931 - accuracy 0.5625 - val_loss 0.6500
//!   epoch 2/10 - 1.19s - ETA 9.60s - loss 0.4210 - accuracy 0.8750 - val_loss 0.4402
//!   epoch 3/10 [====>               ] 12/40 - loss 0.3977 - 2s (ETA 8s)
//!   ```
//!
//!   indicatif draws nothing when stderr is not a terminal, so `Bar` in a log file is silent;
//!   use [`Lines`](ProgressMode::Lines) there.
//! - [`Lines`](ProgressMode::Lines): only the epoch lines, one per epoch, for logs and CI.
//! - [`Silent`](ProgressMode::Silent): nothing.
//! - [`Auto`](ProgressMode::Auto) (the default): `Bar` when stderr is a terminal, `Silent`
//!   otherwise.
//!
//! **Cost.** [`batch`](TrainingProgress::batch) never allocates: in `Silent` and `Lines` mode
//! it does nothing but store two numbers; in `Bar` mode it stores the batch, epoch and loss in
//! atomics read by the bar when it redraws, and moves the bar's position, which indicatif
//! rate-limits (it redraws at most 20 times a second, and only then formats text).
//!
//! ```
//! use trustnn::progress::{ProgressMode, TrainingProgress};
//!
//! let mut progress = TrainingProgress::new(2, 3, ProgressMode::Silent);
//! for epoch in 0..2 {
//!     for batch in 0..3 {
//!         progress.batch(epoch, batch, 0.5);
//!     }
//!     progress.epoch_end(epoch, "loss 0.5000 - accuracy 0.7500");
//! }
//! progress.finish();
//! ```

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How [`TrainingProgress`] reports a run. See the [module documentation](self) for what each
/// mode shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProgressMode {
    /// Report nothing.
    Silent,
    /// A progress bar on stderr, with one line per finished epoch above it.
    Bar,
    /// One line per epoch on stderr (for logs).
    Lines,
    /// [`Bar`](ProgressMode::Bar) when stderr is a terminal, [`Silent`](ProgressMode::Silent)
    /// otherwise (the default).
    #[default]
    Auto,
}

impl ProgressMode {
    /// The mode actually used: [`Auto`](ProgressMode::Auto) becomes
    /// [`Bar`](ProgressMode::Bar) if stderr is a terminal and [`Silent`](ProgressMode::Silent)
    /// otherwise; the other modes are returned unchanged.
    pub fn resolve(self) -> ProgressMode {
        match self {
            ProgressMode::Auto if std::io::stderr().is_terminal() => ProgressMode::Bar,
            ProgressMode::Auto => ProgressMode::Silent,
            other => other,
        }
    }
}

/// The state the bar's custom template keys read when it redraws.
#[derive(Debug)]
struct Shared {
    epoch: AtomicUsize,
    batch: AtomicUsize,
    /// The running loss, as `f32::to_bits`; NaN until the first batch.
    loss_bits: AtomicU32,
}

#[derive(Debug)]
enum Output {
    Silent,
    Lines,
    Bar { bar: ProgressBar, shared: Arc<Shared> },
}

/// Reports the progress of a training run; see the [module documentation](self).
///
/// Epochs and batches are numbered from 0 in the calls (as `fit`'s loops count them) and shown
/// from 1 (`epoch 1/10`).
#[derive(Debug)]
pub struct TrainingProgress {
    epochs: usize,
    batches_per_epoch: usize,
    output: Output,
    /// When the run started (at construction).
    start: Instant,
    /// When the current epoch started (construction or the previous `epoch_end`).
    epoch_start: Instant,
    /// Epochs reported through `epoch_end` so far.
    epochs_done: usize,
    finished: bool,
}

impl TrainingProgress {
    /// A reporter for a run of `epochs` epochs of `batches_per_epoch` batches each, in `mode`
    /// ([`ProgressMode::Auto`] is resolved here, once). The clock of the first epoch starts now.
    pub fn new(epochs: usize, batches_per_epoch: usize, mode: ProgressMode) -> Self {
        let output = match mode.resolve() {
            ProgressMode::Bar => {
                Self::bar_output(epochs, batches_per_epoch, ProgressDrawTarget::stderr_with_hz(20))
            }
            ProgressMode::Lines => Output::Lines,
            _ => Output::Silent,
        };
        let now = Instant::now();
        TrainingProgress {
            epochs,
            batches_per_epoch,
            output,
            start: now,
            epoch_start: now,
            epochs_done: 0,
            finished: false,
        }
    }

    /// A `Bar` reporter drawing to `target` (tests draw to an in-memory terminal).
    #[cfg(test)]
    fn with_target(epochs: usize, batches_per_epoch: usize, target: ProgressDrawTarget) -> Self {
        let mut progress = Self::new(epochs, batches_per_epoch, ProgressMode::Silent);
        progress.output = Self::bar_output(epochs, batches_per_epoch, target);
        progress
    }

    fn bar_output(epochs: usize, batches_per_epoch: usize, target: ProgressDrawTarget) -> Output {
        let shared = Arc::new(Shared {
            epoch: AtomicUsize::new(0),
            batch: AtomicUsize::new(0),
            loss_bits: AtomicU32::new(f32::NAN.to_bits()),
        });
        let (s_epoch, s_batch, s_loss) = (shared.clone(), shared.clone(), shared.clone());
        let style = ProgressStyle::with_template(
            "epoch {epoch} [{bar:20}] {batch} - loss {loss} - {elapsed} (ETA {eta})",
        )
        .expect("the bar template is valid")
        .progress_chars("=> ")
        .with_key(
            "epoch",
            move |_: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{}/{}", s_epoch.epoch.load(Ordering::Relaxed) + 1, epochs);
            },
        )
        .with_key(
            "batch",
            move |_: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(
                    w,
                    "{}/{}",
                    s_batch.batch.load(Ordering::Relaxed) + 1,
                    batches_per_epoch
                );
            },
        )
        .with_key(
            "loss",
            move |_: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let loss = f32::from_bits(s_loss.loss_bits.load(Ordering::Relaxed));
                let _ = if loss.is_nan() {
                    w.write_str("-")
                } else {
                    write!(w, "{loss:.4}")
                };
            },
        );
        let total = (epochs as u64).saturating_mul(batches_per_epoch as u64);
        let bar = ProgressBar::with_draw_target(Some(total), target).with_style(style);
        Output::Bar { bar, shared }
    }

    /// The mode in use ([`ProgressMode::Auto`] already resolved).
    pub fn mode(&self) -> ProgressMode {
        match self.output {
            Output::Silent => ProgressMode::Silent,
            Output::Lines => ProgressMode::Lines,
            Output::Bar { .. } => ProgressMode::Bar,
        }
    }

    /// Whether nothing is reported (so the caller can skip building epoch summaries).
    pub fn is_silent(&self) -> bool {
        matches!(self.output, Output::Silent)
    }

    /// Records that batch `batch` (from 0) of epoch `epoch` (from 0) is done, with the
    /// running mean loss of the epoch so far. Never allocates; cheap enough to call every step.
    pub fn batch(&mut self, epoch: usize, batch: usize, running_loss: f32) {
        if let Output::Bar { bar, shared } = &self.output {
            shared.epoch.store(epoch, Ordering::Relaxed);
            shared.batch.store(batch, Ordering::Relaxed);
            shared.loss_bits.store(running_loss.to_bits(), Ordering::Relaxed);
            let done = (epoch as u64)
                .saturating_mul(self.batches_per_epoch as u64)
                .saturating_add(batch as u64 + 1);
            bar.set_position(done);
        }
    }

    /// Records the end of epoch `epoch` (from 0). `summary` holds the epoch's figures as `fit`
    /// formats them, e.g. `"loss 0.1234 - accuracy 0.9500 - val_loss 0.1500"`; it is printed
    /// in the epoch's line ([`epoch_line`]) in `Bar` and `Lines` mode.
    pub fn epoch_end(&mut self, epoch: usize, summary: &str) {
        let now = Instant::now();
        let took = now - self.epoch_start;
        self.epoch_start = now;
        self.epochs_done = self.epochs_done.max(epoch + 1);
        if self.is_silent() {
            return;
        }
        let remaining = self.epochs.saturating_sub(epoch + 1);
        let eta = (remaining > 0).then(|| {
            let per_epoch = (now - self.start).as_secs_f64() / self.epochs_done as f64;
            Duration::from_secs_f64(per_epoch * remaining as f64)
        });
        let line = epoch_line(epoch, self.epochs, took, eta, summary);
        match &self.output {
            Output::Bar { bar, shared } => {
                shared.epoch.store(epoch, Ordering::Relaxed);
                bar.println(line);
            }
            Output::Lines => {
                // A closed stderr is no reason to stop training: write errors are ignored.
                let _ = writeln!(std::io::stderr().lock(), "{line}");
            }
            Output::Silent => {}
        }
    }

    /// Ends the report: the bar stops where it is (complete after a full run, partial after an
    /// early stop) and stays on screen. Calling it again does nothing.
    pub fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        if let Output::Bar { bar, .. } = &self.output {
            bar.abandon();
        }
    }
}

/// The line reported for one finished epoch: `epoch {epoch+1}/{epochs} - {time}`, then
/// `- ETA {eta}` when given, then `- {summary}` when `summary` is not empty. Times are written
/// by [`format_duration`].
///
/// ```
/// use std::time::Duration;
/// use trustnn::progress::epoch_line;
///
/// let line = epoch_line(2, 10, Duration::from_millis(31), Some(Duration::from_secs(3)), "loss 0.4210");
/// assert_eq!(line, "epoch 3/10 - 31ms - ETA 3.00s - loss 0.4210");
/// assert_eq!(epoch_line(9, 10, Duration::from_secs(2), None, ""), "epoch 10/10 - 2.00s");
/// ```
pub fn epoch_line(
    epoch: usize,
    epochs: usize,
    took: Duration,
    eta: Option<Duration>,
    summary: &str,
) -> String {
    let mut line = format!("epoch {}/{} - {}", epoch + 1, epochs, format_duration(took));
    if let Some(eta) = eta {
        let _ = write!(line, " - ETA {}", format_duration(eta));
    }
    if !summary.is_empty() {
        let _ = write!(line, " - {summary}");
    }
    line
}

/// A duration as a person reads it: `"850ms"` under a second, `"12.34s"` under a minute,
/// `"3m05s"` under an hour, `"2h07m"` beyond.
///
/// ```
/// use std::time::Duration;
/// use trustnn::progress::format_duration;
///
/// assert_eq!(format_duration(Duration::from_millis(850)), "850ms");
/// assert_eq!(format_duration(Duration::from_millis(12_345)), "12.35s");
/// assert_eq!(format_duration(Duration::from_secs(185)), "3m05s");
/// assert_eq!(format_duration(Duration::from_secs(7620)), "2h07m");
/// ```
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 1 {
        format!("{}ms", d.as_millis())
    } else if secs < 60 {
        format!("{:.2}s", d.as_secs_f64())
    } else if secs < 3600 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// An in-memory terminal recording everything indicatif writes.
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<String>>);

    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            200
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            let mut out = self.0.lock().unwrap();
            out.push_str(s);
            out.push('\n');
            Ok(())
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn bar_shows_epoch_batch_running_loss_and_eta() {
        let screen = Screen::default();
        let mut p =
            TrainingProgress::with_target(4, 10, ProgressDrawTarget::term_like(Box::new(screen.clone())));
        p.batch(1, 6, 0.25);
        let text = screen.0.lock().unwrap().clone();
        let last = text.lines().last().unwrap_or("");
        assert!(last.contains("epoch 2/4"), "{text}");
        assert!(last.contains("] 7/10 - "), "{text}");
        assert!(last.contains("loss 0.2500"), "{text}");
        assert!(last.contains("ETA"), "{text}");
    }

    #[test]
    fn bar_prints_each_finished_epoch_line_above_the_bar() {
        let screen = Screen::default();
        let mut p =
            TrainingProgress::with_target(2, 1, ProgressDrawTarget::term_like(Box::new(screen.clone())));
        p.batch(0, 0, 0.5);
        p.epoch_end(0, "loss 0.5000 - accuracy 0.7500");
        p.finish();
        let text = screen.0.lock().unwrap().clone();
        // indicatif pads each drawn line to the terminal width: split there.
        assert!(
            text.split("  ")
                .map(str::trim)
                .any(|l| l.starts_with("epoch 1/2 - ")
                    && l.ends_with(" - loss 0.5000 - accuracy 0.7500")
                    && !l.contains('[')),
            "{text}"
        );
    }

    #[test]
    fn bar_position_counts_batches_over_the_whole_run() {
        let mut p = TrainingProgress::with_target(3, 5, ProgressDrawTarget::hidden());
        p.batch(2, 1, 1.0);
        let Output::Bar { bar, .. } = &p.output else {
            panic!("not a bar")
        };
        assert_eq!(bar.length(), Some(15));
        assert_eq!(bar.position(), 12);
    }

    #[test]
    fn explicit_modes_resolve_to_themselves() {
        for mode in [ProgressMode::Silent, ProgressMode::Bar, ProgressMode::Lines] {
            assert_eq!(mode.resolve(), mode);
        }
        assert_ne!(ProgressMode::Auto.resolve(), ProgressMode::Auto);
    }

    #[test]
    fn auto_follows_whether_stderr_is_a_terminal() {
        let expected = if std::io::stderr().is_terminal() {
            ProgressMode::Bar
        } else {
            ProgressMode::Silent
        };
        assert_eq!(
            TrainingProgress::new(1, 1, ProgressMode::default()).mode(),
            expected
        );
    }

    #[test]
    fn epoch_line_without_eta_or_summary_is_just_epoch_and_time() {
        assert_eq!(
            epoch_line(0, 3, Duration::from_millis(5), None, ""),
            "epoch 1/3 - 5ms"
        );
    }

    #[test]
    fn epoch_line_puts_eta_before_summary() {
        assert_eq!(
            epoch_line(
                0,
                3,
                Duration::from_millis(1500),
                Some(Duration::from_secs(75)),
                "loss 1.0000"
            ),
            "epoch 1/3 - 1.50s - ETA 1m15s - loss 1.0000"
        );
    }

    #[test]
    fn format_duration_switches_units_at_one_second_minute_and_hour() {
        assert_eq!(format_duration(Duration::from_millis(999)), "999ms");
        assert_eq!(format_duration(Duration::from_secs(1)), "1.00s");
        assert_eq!(format_duration(Duration::from_secs(60)), "1m00s");
        assert_eq!(format_duration(Duration::from_secs(3600)), "1h00m");
    }
}
