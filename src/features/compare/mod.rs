//! openSMILE's ComParE_2016 low-level descriptors (65 columns, 10 ms hop).
//!
//! The layout mirrors openSMILE's `ComParE_2016_core.lld.conf.inc`:
//! 20 ms Hamming frames feed the auditory spectrum, spectral shape and MFCCs;
//! 60 ms frames feed zero-crossings and (Gaussian-windowed) the voicing group.
//! Every contour is then smoothed by a 3-frame moving average (`_sma`).

mod auditory;
mod energy;
mod lanes;
mod maths;
mod mfcc;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod real_fft;
mod spectral;
mod spectrum;
mod voicing;

use super::{smooth_moving_average, FeatureMatrix};
use crate::audio::{AudioError, AudioResult};
use auditory::{auditory_spectrum, equal_loudness, MelFilterbank, Rasta};
use energy::ZeroCrossings;
use mfcc::Mfcc;
use spectral::SpectralShape;
use spectrum::{hamming, MagnitudeSpectrum, FRAMES_PER_FFT};
use voicing::Voicing;

/// Sample rate the descriptors are defined at.
pub const SAMPLE_RATE: usize = 16_000;
/// Frame hop: 10 ms.
pub const HOP: usize = 160;
/// Short frames (energy, spectra, MFCC): 20 ms (openSMILE names its level
/// "frame25", but ComParE_2016 configures it to 0.020 s).
pub const SHORT_FRAME: usize = 320;
/// Long frames (zero-crossings, pitch, voice quality): 60 ms.
pub const LONG_FRAME: usize = 960;
/// Mel bands of the auditory spectrum and the MFCCs.
const N_BANDS: usize = 26;

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
    if n_samples < LONG_FRAME {
        0
    } else {
        (n_samples - LONG_FRAME) / HOP + 1
    }
}

/// The ComParE_2016 extractor. Holds FFT plans and scratch buffers: make one
/// and reuse it across files.
pub struct Compare2016 {
    spectrum: MagnitudeSpectrum,
    power: Vec<f64>,
    filterbank: MelFilterbank,
    bands: Vec<f64>,
    equal_loudness: Vec<f64>,
    log_equal_loudness: Vec<f64>,
    auditory: Vec<f64>,
    rasta: Rasta,
    spectral: SpectralShape,
    mfcc: Mfcc,
    voicing: Voicing,
}

impl Default for Compare2016 {
    fn default() -> Self {
        Self::new()
    }
}

impl Compare2016 {
    pub fn new() -> Self {
        let spectrum = MagnitudeSpectrum::new(hamming(SHORT_FRAME));
        let n_bins = spectrum.n_bins();
        let bin_hz = spectrum.bin_hz();
        let filterbank = MelFilterbank::new(N_BANDS, 20.0, 8000.0, n_bins, bin_hz);
        let equal_loudness: Vec<f64> = filterbank.centres_hz.iter().map(|&f| equal_loudness(f)).collect();
        let log_equal_loudness = equal_loudness.iter().map(|e| e.ln()).collect();
        Compare2016 {
            power: vec![0.0; n_bins],
            bands: vec![0.0; N_BANDS],
            auditory: vec![0.0; N_BANDS],
            rasta: Rasta::new(N_BANDS, HOP as f64 / SAMPLE_RATE as f64),
            spectral: SpectralShape::new(n_bins, bin_hz),
            mfcc: Mfcc::new(N_BANDS, 1, 14),
            spectrum,
            filterbank,
            equal_loudness,
            log_equal_loudness,
            voicing: Voicing::new(),
        }
    }

    /// Fills the raw (unsmoothed) zero-crossing, auditory, spectral and MFCC
    /// contours of frame `t`, whose magnitude spectrum is the spectrum's
    /// frame `l`.
    fn short_frame_descriptors(&mut self, zcr: &ZeroCrossings, t: usize, l: usize, raw: &mut [Vec<f32>]) {
        let start = t * HOP;
        raw[col::ZCR][t] = zcr.rate(start, LONG_FRAME) as f32;

        let magnitude = self.spectrum.magnitude(l);
        for (p, m) in self.power.iter_mut().zip(magnitude) {
            *p = m * m;
        }
        self.filterbank.apply(&self.power, &mut self.bands);

        auditory_spectrum(&self.bands, &self.equal_loudness, &mut self.auditory);
        raw[col::AUDSPEC_L1][t] = l1_norm(&self.auditory);
        self.rasta.process(&self.bands, &self.log_equal_loudness, &mut self.auditory);
        raw[col::RASTA_L1][t] = l1_norm(&self.auditory);
        for (k, v) in self.auditory.iter().enumerate() {
            raw[col::RASTA_BANDS + k][t] = *v as f32;
        }

        let mut spectral = [0.0; spectral::COUNT];
        self.spectral.compute(self.spectrum.magnitude(l), &self.power, &mut spectral);
        for (k, v) in spectral.iter().enumerate() {
            raw[col::SPECTRAL + k][t] = *v as f32;
        }

        let mut mfcc = [0.0; 14];
        self.mfcc.compute(&self.bands, &mut mfcc);
        for (k, v) in mfcc.iter().enumerate() {
            raw[col::MFCC + k][t] = *v as f32;
        }
    }

    /// Computes the 65 smoothed descriptors of mono 16 kHz samples.
    ///
    /// Audio shorter than one 60 ms frame is an error: openSMILE emits no rows
    /// for it and no descriptor is defined.
    pub fn extract(&mut self, x: &[f32]) -> AudioResult<FeatureMatrix> {
        let n_frames = frame_count(x.len());
        if n_frames == 0 {
            return Err(AudioError::invalid_audio(format!(
                "{} samples is shorter than one 60 ms analysis frame ({LONG_FRAME} samples at 16 kHz)",
                x.len()
            )));
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(AudioError::invalid_audio(format!("sample {i} is not a finite number")));
        }
        // Raw contours, column-major: one Vec per descriptor.
        let mut raw = vec![vec![0.0f32; n_frames]; col::COUNT];
        self.rasta.reset();
        self.spectral.reset();
        let zcr = ZeroCrossings::new(x);
        energy::frame_rms(x, HOP, SHORT_FRAME, &mut raw[col::RMS]);
        // The short frames' spectra a block at a time (two frames per
        // transform in wasm, see [`spectrum`]), then each frame's descriptors
        // in order (RASTA filtering and spectral flux carry state).
        for block in (0..n_frames).step_by(FRAMES_PER_FFT) {
            let count = FRAMES_PER_FFT.min(n_frames - block);
            let frames: [&[f32]; FRAMES_PER_FFT] =
                std::array::from_fn(|l| &x[(block + l.min(count - 1)) * HOP..][..SHORT_FRAME]);
            self.spectrum.compute(&frames[..count]);
            for l in 0..count {
                self.short_frame_descriptors(&zcr, block + l, l, &mut raw);
            }
        }
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
            hop_s: super::FeatureSet::Compare2016.hop_s(),
            frame_s: LONG_FRAME as f64 / SAMPLE_RATE as f64,
        })
    }
}

/// `v.max(floor)` for a `floor` that is not NaN, as a comparison: the same
/// value (NaN gives `floor`), but in wasm `f64::max` is a call to libm's
/// `fmax` (wasm's own `f64.max` treats NaN differently), and these floors
/// sit in per-bin loops.
#[inline(always)]
fn floor_at(v: f64, floor: f64) -> f64 {
    if v > floor {
        v
    } else {
        floor
    }
}

/// openSMILE's `lengthL1norm`: the mean absolute value of the bands (its
/// "ll1" vector operation divides the L1 norm by the vector length).
fn l1_norm(v: &[f64]) -> f32 {
    (v.iter().map(|x| x.abs()).sum::<f64>() / v.len() as f64) as f32
}
