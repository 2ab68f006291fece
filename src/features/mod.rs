//! Frame-level acoustic descriptors, computed as openSMILE computes them so
//! that models trained on openSMILE features (and openSMILE's users) can use
//! ours unchanged.

pub mod compare;
mod contour;
mod log_energy;
mod matrix;
pub mod speech;

pub use contour::{delta_regression, delta_regression_in_segments, smooth_moving_average};
pub use log_energy::log_energies;
pub use matrix::FeatureMatrix;
pub use speech::{speech_presence, speech_presence_after_gain, SpeechPresence};

use crate::audio::{AudioError, AudioResult};

/// A named set of low-level descriptors. `--set` on the command line picks one;
/// the enum leaves room for eGeMAPSv02.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureSet {
    /// openSMILE's ComParE_2016, level LowLevelDescriptors: 65 columns, 10 ms hop.
    Compare2016,
}

impl FeatureSet {
    pub fn from_name(name: &str) -> AudioResult<Self> {
        match name.to_ascii_lowercase().replace(['_', '-'], "").as_str() {
            "compare2016" | "compare" => Ok(FeatureSet::Compare2016),
            _ => Err(AudioError::InvalidArgument(format!("unknown feature set {name:?}; available: compare2016"))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FeatureSet::Compare2016 => "compare2016",
        }
    }

    /// Seconds between the starts of two frames.
    pub fn hop_s(self) -> f64 {
        match self {
            FeatureSet::Compare2016 => compare::HOP as f64 / compare::SAMPLE_RATE as f64,
        }
    }
}

/// How descriptors are computed: everything that must be the same in
/// training (the feature cache) and at inference (the pipeline, the browser)
/// for a model to see what it learned from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeatureSettings {
    pub set: FeatureSet,
    /// Each descriptor followed by its delta (openSMILE's `_de` columns).
    pub deltas: bool,
    /// Loud-frame level the input is scaled to before analysis
    /// ([`crate::audio::normalize_level`]); `None` analyses the input as it is.
    pub level_dbfs: Option<f64>,
}

impl FeatureSettings {
    pub fn new(set: FeatureSet, deltas: bool) -> Self {
        FeatureSettings { set, deltas, level_dbfs: None }
    }

    pub fn with_level(self, level_dbfs: Option<f64>) -> Self {
        FeatureSettings { level_dbfs, ..self }
    }

    /// A one-line description, part of the feature cache's keys.
    pub fn describe(&self) -> String {
        let level = self.level_dbfs.map_or(String::new(), |l| format!(" level={l}"));
        format!("set={} deltas={}{level}", self.set.name(), self.deltas)
    }
}

/// The extractor of one feature set, reused across recordings (it holds FFT
/// plans and buffers). Every caller (the CLI, the cache, the pipeline, the
/// browser, the benchmark) goes through [`Extractor::extract`], so level
/// normalisation and whether and how deltas are appended are decided in one
/// place.
pub struct Extractor {
    set: FeatureSet,
    level_dbfs: Option<f64>,
    compare: compare::Compare2016,
}

impl Extractor {
    pub fn new(set: FeatureSet) -> Self {
        Extractor { set, level_dbfs: None, compare: compare::Compare2016::new() }
    }

    /// An extractor that scales each input to `level_dbfs` first (see
    /// [`FeatureSettings::level_dbfs`]).
    pub fn with_level(self, level_dbfs: Option<f64>) -> Self {
        Extractor { level_dbfs, ..self }
    }

    pub fn set(&self) -> FeatureSet {
        self.set
    }

    pub fn level_dbfs(&self) -> Option<f64> {
        self.level_dbfs
    }

    /// The set's descriptors of mono 16 kHz samples, one row per hop; with
    /// `deltas`, the delta of every column follows (openSMILE's `_de`
    /// columns; voicing columns take deltas only inside voiced segments).
    pub fn extract(&mut self, samples_16k: &[f32], deltas: bool) -> AudioResult<FeatureMatrix> {
        self.extract_measured(samples_16k, deltas).map(|(m, _)| m)
    }

    /// [`Extractor::extract`], with the gain in dB applied to the input
    /// before analysis (0 without level normalisation), which the speech
    /// gate needs to judge the level as recorded.
    pub fn extract_measured(&mut self, samples_16k: &[f32], deltas: bool) -> AudioResult<(FeatureMatrix, f64)> {
        let (lld, gain_db) = match self.level_dbfs {
            Some(target) => {
                let mut x = samples_16k.to_vec();
                let change = crate::audio::normalize_level(&mut x, target);
                (self.extract_lld(&x)?, change.gain_db)
            }
            None => (self.extract_lld(samples_16k)?, 0.0),
        };
        let m = if deltas { lld.with_deltas(compare::col::VOICING..compare::col::AUDSPEC_L1) } else { lld };
        Ok((m, gain_db))
    }

    fn extract_lld(&mut self, samples_16k: &[f32]) -> AudioResult<FeatureMatrix> {
        match self.set {
            FeatureSet::Compare2016 => self.compare.extract(samples_16k),
        }
    }
}

impl From<FeatureSettings> for Extractor {
    fn from(s: FeatureSettings) -> Self {
        Extractor::new(s.set).with_level(s.level_dbfs)
    }
}

/// [`Extractor::extract`] with a fresh extractor; to process many files, keep
/// an [`Extractor`].
pub fn extract(set: FeatureSet, samples_16k: &[f32], deltas: bool) -> AudioResult<FeatureMatrix> {
    Extractor::new(set).extract(samples_16k, deltas)
}
