//! Short-time power spectra of 20 ms Hamming frames, as openSMILE's
//! `cFramer` → `cWindower` → `cTransformFFT` → `cFFTmagphase` chain makes them.
//!
//! openSMILE zero-pads a frame to the next power of two
//! (320 → 512 samples) and does not normalise the transform, so magnitudes grow with the frame
//! length; every downstream descriptor depends on that scale, so we keep it.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

/// Magnitude spectrum of one frame, reused across frames without allocating.
pub struct MagnitudeSpectrum {
    window: Vec<f64>,
    fft: Arc<dyn RealToComplex<f64>>,
    input: Vec<f64>,
    output: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
    /// `fft_len / 2 + 1` magnitudes, DC to Nyquist.
    pub magnitude: Vec<f64>,
}

impl MagnitudeSpectrum {
    /// `window` has the frame length; the FFT is the next power of two.
    pub fn new(window: Vec<f64>) -> Self {
        let fft_len = window.len().next_power_of_two();
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(fft_len);
        let input = fft.make_input_vec();
        let output = fft.make_output_vec();
        let scratch = fft.make_scratch_vec();
        MagnitudeSpectrum { window, fft, input, output, scratch, magnitude: vec![0.0; fft_len / 2 + 1] }
    }

    pub fn fft_len(&self) -> usize {
        self.input.len()
    }

    /// Hz between adjacent bins at 16 kHz.
    pub fn bin_hz(&self) -> f64 {
        super::SAMPLE_RATE as f64 / self.fft_len() as f64
    }

    /// Windows `frame` (its length must equal the window's), transforms it and
    /// stores the magnitudes.
    pub fn compute(&mut self, frame: &[f32]) {
        debug_assert_eq!(frame.len(), self.window.len());
        // Zero padding at the end rather than openSMILE's symmetric padding:
        // a circular shift changes only the phase, never the magnitude.
        self.input.fill(0.0);
        for ((dst, &x), &w) in self.input.iter_mut().zip(frame).zip(&self.window) {
            *dst = x as f64 * w;
        }
        self.fft
            .process_with_scratch(&mut self.input, &mut self.output, &mut self.scratch)
            .expect("buffer sizes come from the plan");
        // Squares, then square roots in a pass of their own, which
        // vectorises whatever the complex layout does to the first.
        for (m, c) in self.magnitude.iter_mut().zip(&self.output) {
            *m = c.norm_sqr();
        }
        for m in &mut self.magnitude {
            *m = m.sqrt();
        }
        // openSMILE stores the Nyquist bin's real part with its sign (set
        // after the loop, which then has no branch and vectorises).
        if let (Some(m), Some(c)) = (self.magnitude.last_mut(), self.output.last()) {
            *m = c.re;
        }
    }
}

/// Hamming window, `0.54 - 0.46 cos(2 pi i / (N - 1))`.
pub fn hamming(n: usize) -> Vec<f64> {
    let d = (n.max(2) - 1) as f64;
    (0..n).map(|i| 0.54 - 0.46 * (2.0 * std::f64::consts::PI * i as f64 / d).cos()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bin_centred_sine_peaks_in_its_bin() {
        let mut s = MagnitudeSpectrum::new(hamming(400));
        // 1000 Hz = bin 32 of a 512-point FFT at 16 kHz.
        let frame: Vec<f32> =
            (0..400).map(|i| (2.0 * std::f64::consts::PI * 1000.0 * i as f64 / 16000.0).sin() as f32).collect();
        s.compute(&frame);
        let peak = (0..s.magnitude.len()).max_by(|&a, &b| s.magnitude[a].total_cmp(&s.magnitude[b])).unwrap();
        assert_eq!(peak, 32);
        assert_eq!(s.bin_hz(), 31.25);
        // Unnormalised: amplitude 1 times the window's sum over 2.
        let expected = hamming(400).iter().sum::<f64>() / 2.0;
        assert!((s.magnitude[32] - expected).abs() / expected < 0.01);
    }
}
