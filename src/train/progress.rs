//! Progress reporting as a callback, so the library prints nothing unless
//! asked (tests stay quiet; the CLI shows bars).

use super::EpochLog;

pub trait Progress {
    /// An epoch of `batches` mini-batches begins.
    fn epoch_start(&mut self, _epoch: usize, _batches: usize) {}
    /// One mini-batch done, with its training loss.
    fn batch_done(&mut self, _loss: f64) {}
    /// An epoch (training and validation) is done.
    fn epoch_end(&mut self, _log: &EpochLog) {}
    /// Anything else worth telling (resuming, early stop, ...).
    fn message(&mut self, _text: &str) {}
}

/// Reports nothing.
pub struct Quiet;
impl Progress for Quiet {}

/// One line per epoch on stderr, no bars (logs, CI).
pub struct Lines;
impl Progress for Lines {
    fn epoch_end(&mut self, log: &EpochLog) {
        eprintln!("{}", log.line());
    }
    fn message(&mut self, text: &str) {
        eprintln!("{text}");
    }
}

/// A progress bar per epoch, then the epoch's line.
#[cfg(feature = "cli")]
pub struct Bars {
    bar: Option<indicatif::ProgressBar>,
    sum: f64,
    n: usize,
}

#[cfg(feature = "cli")]
impl Bars {
    pub fn new() -> Self {
        Bars { bar: None, sum: 0.0, n: 0 }
    }
}

#[cfg(feature = "cli")]
impl Default for Bars {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "cli")]
impl Progress for Bars {
    fn epoch_start(&mut self, epoch: usize, batches: usize) {
        let bar = indicatif::ProgressBar::new(batches as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("epoch {prefix:>3} [{bar:30}] {pos}/{len} {msg} ({elapsed}<{eta})")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_prefix(epoch.to_string());
        self.bar = Some(bar);
        self.sum = 0.0;
        self.n = 0;
    }
    fn batch_done(&mut self, loss: f64) {
        self.sum += loss;
        self.n += 1;
        if let Some(bar) = &self.bar {
            bar.set_message(format!("loss {:.4}", self.sum / self.n as f64));
            bar.inc(1);
        }
    }
    fn epoch_end(&mut self, log: &EpochLog) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        eprintln!("{}", log.line());
    }
    fn message(&mut self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }
}
