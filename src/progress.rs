//! The progress bar of long runs: rows, rows per second, bytes read of the
//! total when the input sizes are known, and the time left. Drawn on stderr
//! only when it is a terminal, and only once a run has lasted long enough
//! for it to help.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::input::{Input, ReadCounter};

/// Runs shorter than this finish without a bar.
const SHOW_AFTER: Duration = Duration::from_millis(500);
/// The bar is redrawn at most this often.
const REFRESH: Duration = Duration::from_millis(100);

/// Progress of one run over its inputs.
pub struct Progress {
    show: bool,
    read: Arc<AtomicU64>,
    /// Bytes of all inputs, when every one is a file of known size.
    total: Option<u64>,
    start: Instant,
    last: Instant,
    rows: u64,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Progress over `inputs`, drawn when `wanted` (not `--quiet`) and
    /// stderr is a terminal.
    pub fn new(wanted: bool, inputs: &[Input]) -> Progress {
        let total = inputs
            .iter()
            .map(Input::size)
            .try_fold(0u64, |sum, s| s.map(|s| sum + s));
        let now = Instant::now();
        Progress {
            show: wanted && std::io::stderr().is_terminal(),
            read: Arc::new(AtomicU64::new(0)),
            total,
            start: now,
            last: now,
            rows: 0,
            bar: None,
        }
    }

    /// The counter the inputs add their bytes to (see [`Input::counting`]).
    pub fn counter(&self) -> ReadCounter {
        ReadCounter::new(Arc::clone(&self.read))
    }

    /// Counts `n` more rows and redraws when it is time.
    pub fn rows(&mut self, n: u64) {
        self.rows += n;
        if !self.show {
            return;
        }
        let now = Instant::now();
        if now.duration_since(self.last) < REFRESH || now.duration_since(self.start) < SHOW_AFTER {
            return;
        }
        self.last = now;
        let elapsed = now.duration_since(self.start);
        let bar = self.bar.get_or_insert_with(|| new_bar(self.total, elapsed));
        bar.set_position(self.read.load(Ordering::Relaxed));
        bar.set_message(rows_message(self.rows, elapsed));
    }

    /// Removes the bar, at the end of a run or before an error is printed.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

fn new_bar(total: Option<u64>, elapsed: Duration) -> ProgressBar {
    let (bar, template) = match total {
        Some(t) => (
            ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr()),
            "{bar:30} {bytes}/{total_bytes}  {msg}  ETA {eta}",
        ),
        None => (
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            "{spinner} {bytes} read  {msg}  {elapsed}",
        ),
    };
    let style = ProgressStyle::with_template(template)
        .expect("the progress templates are valid")
        .progress_chars("█▌ ");
    bar.set_style(style);
    bar.with_elapsed(elapsed)
}

/// `12,345 rows, 6,173 rows/s`.
fn rows_message(rows: u64, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        (rows as f64 / secs).round() as u64
    } else {
        0
    };
    format!("{} rows, {} rows/s", thousands(rows), thousands(rate))
}

/// A count with `,` between groups of three digits.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_well() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(
            rows_message(12345, Duration::from_secs(2)),
            "12,345 rows, 6,173 rows/s"
        );
        assert_eq!(rows_message(5, Duration::ZERO), "5 rows, 0 rows/s");
    }

    #[test]
    fn inputs_count_the_bytes_they_read() {
        let dir = std::env::temp_dir().join(format!("postclass-progress-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.csv");
        std::fs::write(&path, "text\nhello\nworld\n").unwrap();
        let input = Input::from_arg(&path);
        let progress = Progress::new(false, std::slice::from_ref(&input));
        assert_eq!(progress.total, Some(17));
        let input = input.counting(&progress.counter());
        let mut s = String::new();
        std::io::Read::read_to_string(&mut input.open().unwrap(), &mut s).unwrap();
        assert_eq!(progress.read.load(Ordering::Relaxed), 17);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn standard_input_has_no_known_total() {
        let p = Progress::new(false, &[Input::stdin()]);
        assert_eq!(p.total, None);
    }
}
