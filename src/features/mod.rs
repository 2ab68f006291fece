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

use crate::{Error, Result};

/// A named set of low-level descriptors. `--set` on the command line picks one;
/// the enum leaves room for eGeMAPSv02.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureSet {
    /// openSMILE's ComParE_2016, level LowLevelDescriptors: 65 columns, 10 ms hop.
    Compare2016,
}

impl FeatureSet {
    pub fn from_name(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().replace(['_', '-'], "").as_str() {
            "compare2016" | "compare" => Ok(FeatureSet::Compare2016),
            _ => Err(Error::InvalidArgument(format!(
                "unknown feature set {name:?}; available: compare2016"
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FeatureSet::Compare2016 => "compare2016",
        }
    }
}

/// Computes `set` on mono 16 kHz samples; with `deltas`, the delta of every
/// column follows the descriptors (openSMILE's `_de` columns).
///
/// This builds a fresh extractor each call; to process many files, keep a
/// [`compare::Compare2016`] and call [`extract_deltas`] on its output.
pub fn extract(set: FeatureSet, samples_16k: &[f32], deltas: bool) -> Result<FeatureMatrix> {
    let lld = match set {
        FeatureSet::Compare2016 => compare::Compare2016::new().extract(samples_16k)?,
    };
    Ok(if deltas { extract_deltas(set, &lld) } else { lld })
}

/// The descriptors of `lld` followed by their deltas, as `set` defines them
/// (voicing columns take deltas only inside voiced segments).
pub fn extract_deltas(set: FeatureSet, lld: &FeatureMatrix) -> FeatureMatrix {
    match set {
        FeatureSet::Compare2016 => lld.with_deltas(compare::col::VOICING..compare::col::AUDSPEC_L1),
    }
}
