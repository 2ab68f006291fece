//! Voicing group of ComParE_2016: F0 by sub-harmonic summation (SHS) with
//! Viterbi smoothing, the voicing probability of the chosen candidate, and
//! jitter, shimmer and HNR measured on the waveform around that F0.
//!
//! The chain follows openSMILE's `ComParE_2016_core.lld.conf.inc` so that the
//! numbers line up with models trained on openSMILE output:
//!
//! 1. 60 ms frames every 10 ms, Gaussian window (σ = 0.4), 1024-point FFT
//!    magnitude ([`spectrum`]).
//! 2. Peak enhancement, smoothing, spline resampling to an octave axis and
//!    auditory weighting ([`octave`]).
//! 3. Sub-harmonic summation and up to six ranked F0 candidates with a voicing
//!    pseudo-probability each ([`shs`]).
//! 4. Viterbi choice among the candidates and "unvoiced" ([`viterbi`]).
//! 5. Frames whose windowed RMS energy is at most 0.001 are forced unvoiced
//!    (openSMILE's `cValbasedSelector` step).
//! 6. Period-by-period waveform matching for jitter, shimmer and HNR
//!    ([`jitter`]).

mod jitter;
mod octave;
mod shs;
mod spectrum;
mod viterbi;

use jitter::JitterTracker;
use octave::OctaveScale;
use shs::{Candidates, SubharmonicSummation};
use spectrum::{GaussSpectrum, FRAMES_PER_FFT};
use viterbi::PitchViterbi;

/// Raw (unsmoothed) voicing descriptors of one 10 ms frame, in ComParE order:
/// F0final, voicingFinalUnclipped, jitterLocal, jitterDDP, shimmerLocal, logHNR.
pub type VoicingFrame = [f32; 6];

/// Frames that go through the octave scale and sub-harmonic summation
/// together, one per lane of each value (see [`octave::OctaveScale`]).
/// Eight fill four 128-bit vectors (wasm SIMD128, SSE2) per step, so each
/// serial chain of the spline solve has three independent ones beside it
/// (natively about 2 % less time in all than four lanes); eight is also
/// the most the peak flags of [`shs`] hold, one bit per lane.
const LANES: usize = 8;
/// One value per frame of a block.
type Lanes = [f64; LANES];

/// Window length (60 ms at 16 kHz) and hop (10 ms).
const FRAME: usize = 960;
const HOP: usize = 160;

/// openSMILE zeroes all pitch outputs of frames whose RMS energy (of the
/// Gaussian-windowed 60 ms frame) is not above this.
const ENERGY_THRESHOLD: f32 = 0.001;

/// Reusable state (FFT plans, buffers) for the voicing descriptors.
pub struct Voicing {
    spectrum: GaussSpectrum,
    octave: OctaveScale,
    shs: SubharmonicSummation,
    viterbi: PitchViterbi,
    jitter: JitterTracker,
    /// Per-frame candidates and energies of the current call (kept to reuse
    /// their allocation across calls).
    candidates: Vec<Candidates>,
    energy: Vec<f32>,
    /// Scratch: octave-scale spectra of one block.
    octave_spec: Vec<Lanes>,
}

impl Default for Voicing {
    fn default() -> Self {
        Self::new()
    }
}

impl Voicing {
    pub fn new() -> Self {
        let spectrum = GaussSpectrum::new(FRAME);
        let octave = OctaveScale::new(spectrum.n_bins(), spectrum.bin_hz());
        let shs = SubharmonicSummation::new(&octave);
        Voicing {
            octave_spec: vec![[0.0; LANES]; octave.n_points() + shs.padding()],
            spectrum,
            octave,
            shs,
            viterbi: PitchViterbi::new(),
            jitter: JitterTracker::new(),
            candidates: Vec::new(),
            energy: Vec::new(),
        }
    }

    /// Computes `n_frames` frames of raw voicing descriptors for 16 kHz `x`,
    /// frame `i` being the 60 ms window starting at sample `160 * i`.
    /// Frames that do not fit in `x` are treated as silence.
    pub fn compute(&mut self, x: &[f32], n_frames: usize) -> Vec<VoicingFrame> {
        self.candidates.clear();
        self.energy.clear();
        self.candidates.reserve(n_frames);
        self.energy.reserve(n_frames);
        for block in (0..n_frames).step_by(LANES) {
            let lanes = LANES.min(n_frames - block);
            // Frames that do not fit are silent: no candidates, no energy
            // (their lanes, and those past the end, compute on zeros and are
            // dropped).
            let frames: [&[f32]; LANES] = std::array::from_fn(|l| {
                let start = (block + l) * HOP;
                x.get(start..start + FRAME).filter(|_| l < lanes).unwrap_or(&[])
            });
            let present = frames.map(|f| !f.is_empty());
            let mut energy = [0.0; LANES];
            for (g, group) in frames.chunks(FRAMES_PER_FFT).enumerate() {
                let (mags, rms) = self.spectrum.analyse(group);
                energy[g * FRAMES_PER_FFT..][..group.len()].copy_from_slice(&rms[..group.len()]);
                for (l, frame) in group.iter().enumerate() {
                    let bins = if frame.is_empty() { &[] } else { mags };
                    self.octave.load(g * FRAMES_PER_FFT + l, bins, l);
                }
            }
            let cands = if present.iter().any(|&p| p) {
                self.octave.apply(&mut self.octave_spec);
                self.shs.detect(&self.octave_spec)
            } else {
                [Candidates::default(); LANES]
            };
            for l in 0..lanes {
                self.candidates.push(if present[l] { cands[l] } else { Candidates::default() });
                self.energy.push(energy[l]);
            }
        }

        let mut out = vec![[0.0f32; 6]; n_frames];
        self.viterbi.smooth(&self.candidates, |t, f0, voicing| {
            if self.energy[t] > ENERGY_THRESHOLD {
                out[t][0] = f0;
                out[t][1] = voicing;
            }
        });

        self.jitter.reset();
        for (t, o) in out.iter_mut().enumerate() {
            let q = self.jitter.next_frame(x, t * HOP, FRAME, HOP, o[0]);
            o[2] = q.jitter_local;
            o[3] = q.jitter_ddp;
            o[4] = q.shimmer_local;
            o[5] = q.log_hnr;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(len: usize) -> usize {
        (len - FRAME) / HOP + 1
    }

    #[test]
    fn silence_is_unvoiced_everywhere() {
        let x = vec![0.0f32; 16_000];
        let out = Voicing::new().compute(&x, frames(x.len()));
        for f in &out {
            assert_eq!(f[..5], [0.0; 5]);
            assert_eq!(f[5], -100.0, "openSMILE floors logHNR of unvoiced frames at -100");
        }
    }

    #[test]
    fn sine_gives_its_frequency() {
        let x: Vec<f32> =
            (0..24_000).map(|i| 0.3 * (2.0 * std::f32::consts::PI * 220.0 * i as f32 / 16_000.0).sin()).collect();
        let out = Voicing::new().compute(&x, frames(x.len()));
        for f in &out[5..out.len() - 5] {
            assert!((f[0] - 220.0).abs() < 2.0, "F0 {}", f[0]);
            assert!(f[1] > 0.7, "voicing {}", f[1]);
            assert!(f[2] < 1e-3 && f[3] < 1e-3, "a pure tone has no jitter: {f:?}");
            assert!(f[4] < 1e-2, "a pure tone has no shimmer: {f:?}");
            assert!(f[5] > 20.0, "a pure tone is harmonic: {f:?}");
        }
    }

    #[test]
    fn pulse_train_has_tiny_jitter() {
        // A 125 Hz pulse train (period 128 samples) smoothed a little, so it is
        // band-limited: periods are exactly equal.
        let mut x = vec![0.0f32; 16_000];
        for p in (0..x.len()).step_by(128) {
            for (k, w) in [0.25f32, 0.5, 1.0, 0.5, 0.25].iter().enumerate() {
                if let Some(v) = x.get_mut(p + k) {
                    *v = 0.5 * w;
                }
            }
        }
        let out = Voicing::new().compute(&x, frames(x.len()));
        let voiced: Vec<_> = out.iter().filter(|f| f[0] > 0.0).collect();
        assert!(voiced.len() > out.len() / 2, "a pulse train is voiced");
        for f in &voiced {
            assert!((f[0] - 125.0).abs() < 3.0, "F0 {}", f[0]);
            assert!(f[2] < 0.01, "jitter {}", f[2]);
        }
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let mut v = Voicing::new();
        for x in [
            vec![1.0f32; 960],
            (0..5000).map(|i| if i % 2 == 0 { 1.0 } else { -1.0 }).collect::<Vec<f32>>(),
            (0..5000).map(|i| ((i * 7919) % 2003) as f32 / 1001.0 - 1.0).collect(),
            (0..5000).map(|i| if i == 2500 { 1.0 } else { 0.0 }).collect(),
        ] {
            let out = v.compute(&x, frames(x.len()));
            assert!(out.iter().flatten().all(|v| v.is_finite()));
        }
        // Far outside [-1, 1] (still finite): results may be meaningless, but
        // nothing panics.
        let huge: Vec<f32> = (0..4000).map(|i| if i % 3 == 0 { f32::MAX } else { -f32::MAX / 3.0 }).collect();
        assert_eq!(v.compute(&huge, frames(huge.len())).len(), frames(huge.len()));
        // More frames than fit: the extra ones are silent, not a panic.
        let out = v.compute(&[0.1; 1000], 3);
        assert_eq!(out.len(), 3);
    }
}
