//! Frame-level acoustic descriptors, computed as openSMILE computes them so
//! that models trained on openSMILE features (and openSMILE's users) can use
//! ours unchanged.

pub mod compare;
mod contour;
mod matrix;
pub mod speech;

pub use contour::{delta_regression, delta_regression_in_segments, smooth_moving_average};
pub use matrix::FeatureMatrix;
pub use speech::{speech_presence, SpeechPresence};

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
            _ => Err(AudioError::InvalidArgument(format!(
                "unknown feature set {name:?}; available: compare2016"
            ))),
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

/// The extractor of one feature set, reused across recordings (it holds FFT
/// plans and buffers). Every caller (the CLI, the cache, the pipeline, the
/// browser, the benchmark) goes through [`Extractor::extract`], so whether and
/// how deltas are appended is decided in one place.
pub struct Extractor {
    set: FeatureSet,
    compare: compare::Compare2016,
}

impl Extractor {
    pub fn new(set: FeatureSet) -> Self {
        Extractor { set, compare: compare::Compare2016::new() }
    }

    pub fn set(&self) -> FeatureSet {
        self.set
    }

    /// The set's descriptors of mono 16 kHz samples, one row per hop; with
    /// `deltas`, the delta of every column follows (openSMILE's `_de`
    /// columns; voicing columns take deltas only inside voiced segments).
    pub fn extract(&mut self, samples_16k: &[f32], deltas: bool) -> AudioResult<FeatureMatrix> {
        let lld = match self.set {
            FeatureSet::Compare2016 => self.compare.extract(samples_16k)?,
        };
        Ok(if deltas { lld.with_deltas(compare::col::VOICING..compare::col::AUDSPEC_L1) } else { lld })
    }
}

/// [`Extractor::extract`] with a fresh extractor; to process many files, keep
/// an [`Extractor`].
pub fn extract(set: FeatureSet, samples_16k: &[f32], deltas: bool) -> AudioResult<FeatureMatrix> {
    Extractor::new(set).extract(samples_16k, deltas)
}
