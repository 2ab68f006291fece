//! From utterances to model inputs, and the model bundle that carries
//! everything needed to turn new audio and text into a prediction: weights,
//! the acoustic feature settings, normalisation statistics and the pruned
//! vocabulary. Training writes a bundle; evaluation, prediction and the
//! browser read one.

mod bundle;
mod classify;
mod examples;
mod speaker;
mod timeline;

pub use bundle::{Bundle, BundleFiles, InputSpec, INPUTS_FILE, NORM_FILE, VOCAB_FILE};
pub use classify::{Classification, Input, Prepared, Speaker};
pub use examples::{acoustic_example, text_example, Centring};
#[cfg(feature = "cli")]
pub use examples::{compute_features, examples_for, prenormalize_features, statistics_spread};
pub use speaker::{Calibration, CALIBRATION_VERSION};
pub use timeline::{Plan, Segment, Summary};
