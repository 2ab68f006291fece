//! openSMILE's ComParE_2016 low-level descriptors (65 columns, 10 ms hop).
//!
//! The layout mirrors openSMILE's `ComParE_2016_core.lld.conf.inc`:
//! 25 ms Hamming frames feed the auditory spectrum, spectral shape and MFCCs;
//! 60 ms frames feed zero-crossings and (Gaussian-windowed) the voicing group.
//! Every contour is then smoothed by a 3-frame moving average (`_sma`).

mod voicing;

use super::{smooth_moving_average, FeatureMatrix};
use crate::{Error, Result};
use voicing::Voicing;

/// Sample rate the descriptors are defined at.
pub const SAMPLE_RATE: usize = 16_000;
/// Frame hop: 10 ms.
pub const HOP: usize = 160;
/// Short frames (energy, spectra, MFCC): 25 ms.
pub const SHORT_FRAME: usize = 400;
/// Long frames (zero-crossings, pitch, voice quality): 60 ms.
pub const LONG_FRAME: usize = 960;

/// Index of the first column of each group in [`column_names`].
pub mod col {
    pub const VOICING: usize = 0;
    pub const AUDSPEC_L1: usize = 6;
    pub const RASTA_L1: usize = 7;
    pub const RMS: usize = 8;
    pub const ZCR: usize = 9;
    pub const RASTA_BANDS: usize = 10;
    pub const SPECTRAL: usize = 36;
    pub const MFCC: usize = 51;
    pub const COUNT: usize = 65;
}

/// The 65 column names, exactly as openSMILE writes them.
pub fn column_names() -> Vec<String> {
    let mut n: Vec<String> = [
        "F0final_sma",
        "voicingFinalUnclipped_sma",
        "jitterLocal_sma",
        "jitterDDP_sma",
        "shimmerLocal_sma",
        "logHNR_sma",
        "audspec_lengthL1norm_sma",
        "audspecRasta_lengthL1norm_sma",
        "pcm_RMSenergy_sma",
        "pcm_zcr_sma",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    n.extend((0..26).map(|i| format!("audSpec_Rfilt_sma[{i}]")));
    n.extend(
        [
            "pcm_fftMag_fband250-650_sma",
            "pcm_fftMag_fband1000-4000_sma",
            "pcm_fftMag_spectralRollOff25.0_sma",
            "pcm_fftMag_spectralRollOff50.0_sma",
            "pcm_fftMag_spectralRollOff75.0_sma",
            "pcm_fftMag_spectralRollOff90.0_sma",
            "pcm_fftMag_spectralFlux_sma",
            "pcm_fftMag_spectralCentroid_sma",
            "pcm_fftMag_spectralEntropy_sma",
            "pcm_fftMag_spectralVariance_sma",
            "pcm_fftMag_spectralSkewness_sma",
            "pcm_fftMag_spectralKurtosis_sma",
            "pcm_fftMag_spectralSlope_sma",
            "pcm_fftMag_psySharpness_sma",
            "pcm_fftMag_spectralHarmonicity_sma",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    n.extend((1..=14).map(|i| format!("mfcc_sma[{i}]")));
    debug_assert_eq!(n.len(), col::COUNT);
    n
}

/// Number of 10 ms frames openSMILE emits for `n` samples: every 60 ms frame
/// that fits entirely.
pub fn frame_count(n_samples: usize) -> usize {
    if n_samples < LONG_FRAME { 0 } else { (n_samples - LONG_FRAME) / HOP + 1 }
}

/// The ComParE_2016 extractor. Holds FFT plans and scratch buffers: make one
/// and reuse it across files.
pub struct Compare2016 {
    voicing: Voicing,
}

impl Default for Compare2016 {
    fn default() -> Self {
        Self::new()
    }
}

impl Compare2016 {
    pub fn new() -> Self {
        Compare2016 { voicing: Voicing::new() }
    }

    /// Computes the 65 smoothed descriptors of mono 16 kHz samples.
    ///
    /// Audio shorter than one 60 ms frame is an error: openSMILE emits no rows
    /// for it and no descriptor is defined.
    pub fn extract(&mut self, x: &[f32]) -> Result<FeatureMatrix> {
        let n_frames = frame_count(x.len());
        if n_frames == 0 {
            return Err(Error::invalid_audio(format!(
                "{} samples is shorter than one 60 ms analysis frame ({LONG_FRAME} samples at 16 kHz)",
                x.len()
            )));
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::invalid_audio(format!("sample {i} is not a finite number")));
        }
        // Raw contours, column-major: one Vec per descriptor.
        let mut raw = vec![vec![0.0f32; n_frames]; col::COUNT];
        let voiced = self.voicing.compute(x, n_frames);
        for (t, v) in voiced.iter().enumerate() {
            for (k, val) in v.iter().enumerate() {
                raw[col::VOICING + k][t] = *val;
            }
        }

        let mut data = vec![0.0f32; n_frames * col::COUNT];
        let mut smoothed = vec![0.0f32; n_frames];
        for (j, contour) in raw.iter().enumerate() {
            let skip_zeros = j < col::AUDSPEC_L1;
            smooth_moving_average(contour, 3, skip_zeros, &mut smoothed);
            for (t, v) in smoothed.iter().enumerate() {
                data[t * col::COUNT + j] = *v;
            }
        }
        Ok(FeatureMatrix {
            names: column_names(),
            data,
            hop_s: HOP as f64 / SAMPLE_RATE as f64,
            frame_s: LONG_FRAME as f64 / SAMPLE_RATE as f64,
        })
    }
}
