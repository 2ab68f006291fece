//! realfft's forward transform of a real frame of even length, for the
//! lane samples of [`super::lanes`] (wasm only).
//!
//! realfft plans its inner complex transform with rustfft's planner, which
//! for a lane type would compile every algorithm the planner can choose; so
//! this builds the planner's own transform directly ([`super::lanes::radix4`])
//! and then does what realfft 3.5's `RealToComplexEven` does with it, the
//! same operations in the same order, so that each lane's spectrum is bit
//! for bit the one realfft gives a lone frame in f64.

use super::lanes::{load_windowed_pairs, radix4, FrameLanes};
use rustfft::algorithm::butterflies::Butterfly16;
use rustfft::algorithm::Radix4;
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftDirection};
use std::sync::Arc;

/// A forward real FFT of `2 * input.len()` samples, buffers included.
pub struct RealFft<T: FrameLanes<Lane = f64>> {
    /// The inner complex transform of half the length.
    fft: Radix4<T>,
    /// realfft's twiddles: e^{-2πik/N} / 2 for k in 1..N/4.
    twiddles: Vec<Complex<T>>,
    /// The frames as N/2 complex samples, even samples real and odd ones
    /// imaginary (realfft's view of its real input).
    input: Vec<Complex<T>>,
    output: Vec<Complex<T>>,
    scratch: Vec<Complex<T>>,
}

impl<T: FrameLanes<Lane = f64>> RealFft<T> {
    /// `len`: a power of two with an even exponent, above 128 (the inner
    /// transform is radix 4 over a size-16 butterfly).
    pub fn new(len: usize) -> Self {
        let fft = radix4(len / 2, Arc::new(Butterfly16::new(FftDirection::Forward)));
        let constant = -2f64 * std::f64::consts::PI / len as f64;
        let half = T::from_f64(0.5).expect("a float");
        let twiddles = (1..len / 4)
            .map(|i| {
                let angle = constant * i as f64;
                Complex::new(T::from_lanes(|_| angle.cos()), T::from_lanes(|_| angle.sin())) * half
            })
            .collect();
        let zero = Complex::new(T::zero(), T::zero());
        let scratch = vec![zero; fft.get_outofplace_scratch_len()];
        RealFft { fft, twiddles, input: vec![zero; len / 2], output: vec![zero; len / 2 + 1], scratch }
    }

    /// Transform length.
    pub fn len(&self) -> usize {
        2 * self.input.len()
    }

    /// Windows `frames` (at most `T::COUNT`, each of the window's even
    /// length) into the input, lane `l` from frame `l`, zeros after the
    /// frames and in the lanes without one.
    pub fn load(&mut self, frames: &[&[f32]], window: &[f64]) {
        debug_assert!(frames.len() <= T::COUNT && window.len().is_multiple_of(2));
        let zero = Complex::new(T::zero(), T::zero());
        if frames.len() == T::COUNT {
            load_windowed_pairs(&mut self.input, frames, window, |x, w| x as f64 * w);
            self.input[window.len() / 2..].fill(zero);
            return;
        }
        self.input.fill(zero);
        for (l, frame) in frames.iter().enumerate() {
            debug_assert_eq!(frame.len(), window.len());
            let pairs = frame.chunks_exact(2).zip(window.chunks_exact(2));
            for (c, (x, w)) in self.input.iter_mut().zip(pairs) {
                c.re.set_lane(l, x[0] as f64 * w[0]);
                c.im.set_lane(l, x[1] as f64 * w[1]);
            }
        }
    }

    /// Transforms the loaded input: bins DC to Nyquist.
    pub fn process(&mut self) -> &[Complex<T>] {
        let fftlen = self.input.len();
        self.fft.process_outofplace_with_scratch(&mut self.input, &mut self.output[..fftlen], &mut self.scratch);
        let half_len = self.output.len() / 2;
        let (output_left, output_right) = self.output.split_at_mut(half_len);
        // DC and Nyquist: the sum and difference of the first value's parts.
        let first = output_left[0];
        output_left[0] = Complex::new(first.re + first.im, T::zero());
        let right_len = output_right.len();
        output_right[right_len - 1] = Complex::new(first.re - first.im, T::zero());
        let rows =
            self.twiddles.iter().zip(output_left[1..].iter_mut().zip(output_right[..right_len - 1].iter_mut().rev()));
        let half = T::from_f64(0.5).expect("a float");
        for (twiddle, (out, out_rev)) in rows {
            let sum = *out + *out_rev;
            let diff = *out - *out_rev;
            let twiddled_re_sum = sum * twiddle.re;
            let twiddled_im_sum = sum * twiddle.im;
            let twiddled_re_diff = diff * twiddle.re;
            let twiddled_im_diff = diff * twiddle.im;
            let half_sum_re = half * sum.re;
            let half_diff_im = half * diff.im;
            let output_twiddled_real = twiddled_re_sum.im + twiddled_im_diff.re;
            let output_twiddled_im = twiddled_im_sum.im - twiddled_re_diff.re;
            *out = Complex::new(half_sum_re + output_twiddled_real, half_diff_im + output_twiddled_im);
            *out_rev = Complex::new(half_sum_re - output_twiddled_real, output_twiddled_im - half_diff_im);
        }
        // The centre bin (N/4), which the loop leaves out, is conjugated.
        let centre = &mut self.output[fftlen / 2];
        centre.im = -centre.im;
        &self.output
    }
}
