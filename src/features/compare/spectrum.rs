//! Short-time power spectra of 20 ms Hamming frames, as openSMILE's
//! `cFramer` → `cWindower` → `cTransformFFT` → `cFFTmagphase` chain makes them.
//!
//! openSMILE zero-pads a frame to the next power of two
//! (320 → 512 samples) and does not normalise the transform, so magnitudes grow with the frame
//! length; every downstream descriptor depends on that scale, so we keep it.

use super::lanes::FrameLanes;

/// The transform's sample: two frames side by side in wasm, where rustfft's
/// algorithms are scalar; one frame natively (see [`super::lanes`]).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
type Sample = super::lanes::F64x2;
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
type Sample = f64;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
type Transform = super::real_fft::RealFft<Sample>;
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
use native::RealFft as Transform;

/// Frames [`MagnitudeSpectrum::compute`] transforms at once.
pub const FRAMES_PER_FFT: usize = Sample::COUNT;

/// Magnitude spectra of frames, reused across frames without allocating.
pub struct MagnitudeSpectrum {
    window: Vec<f64>,
    fft: Transform,
    /// Each frame's `fft_len / 2 + 1` magnitudes, DC to Nyquist.
    magnitude: [Vec<f64>; FRAMES_PER_FFT],
}

impl MagnitudeSpectrum {
    /// `window` has the frame length; the FFT is the next power of two.
    pub fn new(window: Vec<f64>) -> Self {
        let fft_len = window.len().next_power_of_two();
        let fft = Transform::new(fft_len);
        MagnitudeSpectrum { window, fft, magnitude: std::array::from_fn(|_| vec![0.0; fft_len / 2 + 1]) }
    }

    pub fn fft_len(&self) -> usize {
        self.fft.len()
    }

    /// Hz between adjacent bins at 16 kHz.
    pub fn bin_hz(&self) -> f64 {
        super::SAMPLE_RATE as f64 / self.fft_len() as f64
    }

    /// Number of magnitudes per frame (DC to Nyquist).
    pub fn n_bins(&self) -> usize {
        self.magnitude[0].len()
    }

    /// Frame `l`'s magnitudes from the last [`Self::compute`].
    pub fn magnitude(&self, l: usize) -> &[f64] {
        &self.magnitude[l]
    }

    /// Windows `frames` (at most [`FRAMES_PER_FFT`], each of the window's
    /// length), transforms them and stores their magnitudes.
    pub fn compute(&mut self, frames: &[&[f32]]) {
        // Zero padding at the end rather than openSMILE's symmetric padding:
        // a circular shift changes only the phase, never the magnitude.
        self.fft.load(frames, &self.window);
        let output = self.fft.process();
        // Squares (`norm_sqr`), then square roots in a pass of their own,
        // which vectorises whatever the complex layout does to the first.
        for (k, c) in output.iter().enumerate() {
            let sq = c.re * c.re + c.im * c.im;
            for (l, m) in self.magnitude.iter_mut().enumerate() {
                m[k] = sq.lane(l);
            }
        }
        for (l, magnitude) in self.magnitude.iter_mut().enumerate().take(frames.len()) {
            for m in magnitude.iter_mut() {
                *m = m.sqrt();
            }
            // openSMILE stores the Nyquist bin's real part with its sign (set
            // after the loop, which then has no branch and vectorises).
            if let (Some(m), Some(c)) = (magnitude.last_mut(), output.last()) {
                *m = c.re.lane(l);
            }
        }
    }
}

/// realfft's transform of one frame natively (its inner transform rustfft's
/// AVX/SSE code, which gives the reference output).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod native {
    use realfft::num_complex::Complex;
    use realfft::{RealFftPlanner, RealToComplex};
    use std::sync::Arc;

    /// The plan and its buffers.
    pub struct RealFft {
        fft: Arc<dyn RealToComplex<f64>>,
        input: Vec<f64>,
        output: Vec<Complex<f64>>,
        scratch: Vec<Complex<f64>>,
    }

    impl RealFft {
        pub fn new(len: usize) -> Self {
            let fft = RealFftPlanner::<f64>::new().plan_fft_forward(len);
            let (input, output, scratch) = (fft.make_input_vec(), fft.make_output_vec(), fft.make_scratch_vec());
            RealFft { fft, input, output, scratch }
        }

        pub fn len(&self) -> usize {
            self.input.len()
        }

        /// Windows the one frame (of the window's length) into the input,
        /// zeros after it.
        pub fn load(&mut self, frames: &[&[f32]], window: &[f64]) {
            debug_assert!(frames.len() == 1 && frames[0].len() == window.len());
            self.input.fill(0.0);
            for ((dst, &x), &w) in self.input.iter_mut().zip(frames[0]).zip(window) {
                *dst = x as f64 * w;
            }
        }

        /// Transforms the loaded input: bins DC to Nyquist.
        pub fn process(&mut self) -> &[Complex<f64>] {
            self.fft
                .process_with_scratch(&mut self.input, &mut self.output, &mut self.scratch)
                .expect("buffer sizes come from the plan");
            &self.output
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
        s.compute(&[&frame]);
        let m = s.magnitude(0);
        let peak = (0..m.len()).max_by(|&a, &b| m[a].total_cmp(&m[b])).unwrap();
        assert_eq!(peak, 32);
        assert_eq!(s.bin_hz(), 31.25);
        // Unnormalised: amplitude 1 times the window's sum over 2.
        let expected = hamming(400).iter().sum::<f64>() / 2.0;
        assert!((m[32] - expected).abs() / expected < 0.01);
    }
}
