//! Gaussian-windowed magnitude spectrum of a 60 ms frame, plus the frame's
//! RMS energy (which openSMILE measures on the same windowed frame and uses to
//! gate the pitch).

use super::super::lanes::{load_windowed_pairs, FrameLanes};
use rustfft::num_complex::Complex;
use rustfft::Fft;
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
use rustfft::FftPlanner;
use std::sync::Arc;

/// openSMILE's `winFunc=gauss` width parameter for the pitch frames.
const SIGMA: f64 = 0.4;

/// The transform's sample: four frames side by side in wasm, where
/// rustfft's algorithms are scalar; one frame natively (see
/// [`super::super::lanes`]).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
type Sample = super::super::lanes::F32x4;
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
type Sample = f32;

/// Frames [`GaussSpectrum::analyse`] transforms at once.
pub const FRAMES_PER_FFT: usize = Sample::COUNT;

/// Windowing + FFT with buffers planned once. The real frame of N samples is
/// transformed as N/2 complex samples (even samples real, odd imaginary) and
/// split into the real spectrum afterwards, halving the FFT work.
pub struct GaussSpectrum {
    window: Vec<f32>,
    n_fft: usize,
    fft: Transform,
    buf: Vec<Complex<Sample>>,
    scratch: Vec<Complex<Sample>>,
    /// e^{-2πik/N} for k in 0..N/2.
    twiddle: Vec<Complex<Sample>>,
    /// Scratch: the split spectrum, bins 1..N/2.
    split: Vec<Complex<Sample>>,
    /// The magnitudes bin by bin: entry `k` holds bin `k` of every lane.
    mag: Vec<Bin>,
}

/// One bin's magnitude in each lane of the transform.
pub type Bin = [f64; FRAMES_PER_FFT];

/// openSMILE's Gaussian window: exp(-½ ((i - (N-1)/2) / (σ (N-1)/2))²).
pub fn gauss_window(n: usize, sigma: f64) -> Vec<f32> {
    let half = (n as f64 - 1.0) / 2.0;
    (0..n)
        .map(|i| {
            let t = (i as f64 - half) / (sigma * half);
            (-0.5 * t * t).exp() as f32
        })
        .collect()
}

/// rustfft's forward transform of `len` samples, from its planner.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn plan_fft(len: usize) -> Transform {
    FftPlanner::new().plan_fft_forward(len)
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
type Transform = Arc<dyn Fft<Sample>>;
/// The concrete type rather than a trait object, so that only the one
/// method called is compiled (each of a trait object's methods would be).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
type Transform = rustfft::algorithm::Radix4<Sample>;

/// The algorithm rustfft's scalar planner builds for 512 samples (the 960-sample
/// frames): radix 4 over a size-8 butterfly (see [`super::super::lanes::radix4`]).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn plan_fft(len: usize) -> Transform {
    use rustfft::algorithm::butterflies::Butterfly8;
    super::super::lanes::radix4(len, Arc::new(Butterfly8::new(rustfft::FftDirection::Forward)))
}

/// `v` in every lane.
fn splat(v: f32) -> Sample {
    Sample::from_lanes(|_| v)
}

impl GaussSpectrum {
    /// `frame_len` samples, zero-padded to the next power of two. Where the
    /// padding goes (openSMILE pads symmetrically) only rotates the frame, so
    /// it does not change the magnitudes; we pad at the end.
    pub fn new(frame_len: usize) -> Self {
        let n_fft = frame_len.next_power_of_two().max(4);
        let half = n_fft / 2;
        let fft = plan_fft(half);
        let zero = Complex::new(splat(0.0), splat(0.0));
        let scratch = vec![zero; fft.get_inplace_scratch_len()];
        let twiddle = (0..half)
            .map(|k| {
                let a = -2.0 * std::f64::consts::PI * k as f64 / n_fft as f64;
                Complex::new(splat(a.cos() as f32), splat(a.sin() as f32))
            })
            .collect();
        GaussSpectrum {
            window: gauss_window(frame_len, SIGMA),
            n_fft,
            fft,
            buf: vec![zero; half],
            scratch,
            twiddle,
            split: vec![zero; half],
            mag: vec![[0.0; FRAMES_PER_FFT]; half + 1],
        }
    }

    /// Number of magnitude bins (DC to Nyquist).
    pub fn n_bins(&self) -> usize {
        self.mag.len()
    }

    /// Bin spacing in Hz at 16 kHz.
    pub fn bin_hz(&self) -> f64 {
        16_000.0 / self.n_fft as f64
    }

    /// Magnitudes of the windowed `frames` (at most [`FRAMES_PER_FFT`], each
    /// of length `frame_len`, or empty for none), bin by bin: entry `k`
    /// holds bin `k` of every lane, lane `l` from frame `l` (zeros in the
    /// lanes without a frame); and each frame's RMS energy after windowing
    /// (0 for none).
    pub fn analyse(&mut self, frames: &[&[f32]]) -> (&[Bin], [f32; FRAMES_PER_FFT]) {
        debug_assert!(frames.len() <= FRAMES_PER_FFT);
        self.load(frames);
        let rms = self.input_rms();
        self.fft.process_with_scratch(&mut self.buf, &mut self.scratch);
        // Split: X[k] = E[k] + w^k O[k], with E, O the transforms of the even
        // and odd samples recovered from Z[k] and conj(Z[N/2-k]).
        // Bin k pairs Z[k] with Z[N/2-k]: the second walk runs backwards
        // through the same slice, with no indexing, so the loop vectorises.
        // o = (z - zc) * -i/2 is written out (re = d.im/2, im = -d.re/2, the
        // same values as the complex product, whose other terms are zeros).
        let half = self.buf.len();
        let spectrum = &self.buf[1..];
        let rows = self.split[1..].iter_mut().zip(spectrum.iter().zip(spectrum.iter().rev())).zip(&self.twiddle[1..]);
        for ((x, (&z, &zr)), &t) in rows {
            let zc = zr.conj();
            let e = (z + zc) * splat(0.5);
            let d = z - zc;
            let o = Complex::new(d.im * splat(0.5), -(d.re * splat(0.5)));
            *x = e + t * o;
        }
        let z0 = self.buf[0];
        self.mag[0] = std::array::from_fn(|l| (z0.re.lane(l) + z0.im.lane(l)).abs() as f64);
        self.mag[half] = std::array::from_fn(|l| (z0.re.lane(l) - z0.im.lane(l)).abs() as f64);
        // A bin's lanes at once: they lie side by side in the split
        // spectrum and in the result, so squares, sums and square roots are
        // vector operations, each lane's the f64 operations of a lone frame.
        for (m, x) in self.mag[1..half].iter_mut().zip(&self.split[1..]) {
            *m = std::array::from_fn(|l| {
                let (re, im) = (x.re.lane(l) as f64, x.im.lane(l) as f64);
                (re * re + im * im).sqrt()
            });
        }
        (&self.mag, rms)
    }

    /// RMS energies of the loaded frames after windowing, read from the
    /// transform's input, which holds each lane's windowed samples in
    /// pairs: each lane adds its pairs' squares in order, as a lone frame's
    /// sum over its samples does (the zero padding adds nothing).
    fn input_rms(&self) -> [f32; FRAMES_PER_FFT] {
        let mut energy = [0.0f64; FRAMES_PER_FFT];
        for c in &self.buf[..self.window.len().div_ceil(2)] {
            for (l, e) in energy.iter_mut().enumerate() {
                let (a, b) = (c.re.lane(l) as f64, c.im.lane(l) as f64);
                *e += a * a + b * b;
            }
        }
        energy.map(|e| (e / self.window.len() as f64).sqrt() as f32)
    }

    /// Windows the frames into the transform's input, lane `l` from frame
    /// `l`, even samples real and odd ones imaginary (zeros past a frame's
    /// end and in the lanes without one).
    fn load(&mut self, frames: &[&[f32]]) {
        let n = self.window.len();
        let zero = Complex::new(splat(0.0), splat(0.0));
        if frames.len() == FRAMES_PER_FFT && frames.iter().all(|f| f.len() >= n) && n.is_multiple_of(2) {
            load_windowed_pairs(&mut self.buf, frames, &self.window, |x, w| x * w);
            self.buf[n / 2..].fill(zero);
            return;
        }
        self.buf.fill(zero);
        for (l, frame) in frames.iter().enumerate() {
            let n = frame.len().min(n);
            let (x, w) = (&frame[..n], &self.window[..n]);
            let pairs = x.chunks_exact(2).zip(w.chunks_exact(2));
            let filled = pairs.len();
            for (c, (x, w)) in self.buf.iter_mut().zip(pairs) {
                c.re.set_lane(l, x[0] * w[0]);
                c.im.set_lane(l, x[1] * w[1]);
            }
            if let (Some(c), Some(&x), Some(&w)) = (self.buf.get_mut(filled), x.get(2 * filled), w.get(2 * filled)) {
                c.re.set_lane(l, x * w);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_window_shape() {
        let w = gauss_window(960, 0.4);
        // Symmetric, peak 1 between the two middle samples, edges at exp(-1/(2σ²)).
        for i in 0..480 {
            assert_eq!(w[i], w[959 - i]);
        }
        let mid = (-0.5 * (0.5f64 / (0.4 * 479.5)).powi(2)).exp() as f32;
        assert!((w[479] - mid).abs() < 1e-7);
        let edge = (-0.5f64 / 0.16).exp() as f32;
        assert!((w[0] - edge).abs() < 1e-7, "{} vs {}", w[0], edge);
    }

    #[test]
    fn sine_peaks_at_its_bin() {
        let mut s = GaussSpectrum::new(960);
        let x: Vec<f32> = (0..960).map(|i| (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 16000.0).sin()).collect();
        let (mag, rms) = s.analyse(&[&x]);
        let rms = rms[0];
        let peak = mag.iter().enumerate().max_by(|a, b| a.1[0].total_cmp(&b.1[0])).unwrap().0;
        assert_eq!(peak, 64); // 1000 Hz / 15.625 Hz
        assert!(rms > 0.1 && rms < 0.71);
    }

    #[test]
    fn matches_a_direct_dft() {
        let mut s = GaussSpectrum::new(960);
        let x: Vec<f32> = (0..960).map(|i| ((i * 37 % 101) as f32 / 50.0 - 1.0) * 0.3).collect();
        let w = gauss_window(960, SIGMA);
        let mag: Vec<f64> = s.analyse(&[&x]).0.iter().map(|bin| bin[0]).collect();
        for k in [0usize, 1, 2, 100, 255, 256, 257, 511, 512] {
            let (mut re, mut im) = (0.0f64, 0.0f64);
            for (n, (&v, &g)) in x.iter().zip(&w).enumerate() {
                let a = -2.0 * std::f64::consts::PI * (k * n) as f64 / 1024.0;
                re += (v * g) as f64 * a.cos();
                im += (v * g) as f64 * a.sin();
            }
            let m = re.hypot(im);
            assert!((mag[k] - m).abs() < 1e-3 * (1.0 + m), "bin {k}: {} vs {m}", mag[k]);
        }
    }
}
