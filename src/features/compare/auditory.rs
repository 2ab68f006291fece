//! The auditory spectrum: a 26-band Mel filterbank on the power spectrum,
//! weighted by an equal-loudness curve and compressed by the cube-root power
//! law of hearing (PLP, Hermansky 1990). ComParE_2016 takes it twice: plain
//! (only its L1 norm is kept) and RASTA-filtered across frames (26 bands plus
//! their L1 norm). The same filterbank also feeds the MFCCs.

use super::maths;
use std::ops::Range;

/// Triangular filters spaced evenly on the Mel scale, HTK style: each FFT bin
/// between two centre frequencies splits its power between the two bands.
pub struct MelFilterbank {
    /// Weight of each bin in its lower band; `1 - weight` goes to the band above.
    weight: Vec<f64>,
    /// For each band, the bins of its rising slope (where it is the upper
    /// band) and of its falling slope (where it is the lower band): each
    /// band's power is summed in one go, rising then falling, in bin order.
    slopes: Vec<(Range<usize>, Range<usize>)>,
    /// Centre frequency of each band in Hz.
    pub centres_hz: Vec<f64>,
}

pub fn hz_to_mel(f: f64) -> f64 {
    if f > 0.0 {
        1127.0 * (1.0 + f / 700.0).ln()
    } else {
        0.0
    }
}

pub fn mel_to_hz(m: f64) -> f64 {
    700.0 * ((m / 1127.0).exp() - 1.0)
}

impl MelFilterbank {
    pub fn new(n_bands: usize, lo_hz: f64, hi_hz: f64, n_bins: usize, bin_hz: f64) -> Self {
        let (lo_mel, hi_mel) = (hz_to_mel(lo_hz), hz_to_mel(hi_hz));
        let step = (hi_mel - lo_mel) / (n_bands + 1) as f64;
        // n_bands + 2 edges: the outer two are the bank's limits.
        let edges: Vec<f64> = (0..n_bands + 2).map(|m| lo_mel + m as f64 * step).collect();
        let first = (lo_hz / bin_hz).round() as usize;
        let end = ((hi_hz / bin_hz).round() as usize).min(n_bins);
        let mut lower_band = vec![-1isize; n_bins];
        let mut weight = vec![0.0; n_bins];
        let mut m = 0usize;
        for n in first + 1..end {
            let mel = hz_to_mel(n as f64 * bin_hz);
            while m + 1 < edges.len() - 1 && mel > edges[m + 1] {
                m += 1;
            }
            // Bin lies between edges[m] and edges[m + 1]: the falling slope of
            // band m - 1 (centre edges[m]) and the rising slope of band m.
            lower_band[n] = m as isize - 1;
            weight[n] = (edges[m + 1] - mel) / (edges[m + 1] - edges[m]);
        }
        let centres_hz = edges[1..=n_bands].iter().map(|&m| mel_to_hz(m)).collect();
        // lower_band never falls with the bin, so each slope is a run of bins.
        let run = |band: isize| match (first + 1..end).find(|&n| lower_band[n] == band) {
            Some(start) => start..(start..end).find(|&n| lower_band[n] != band).unwrap_or(end),
            None => 0..0,
        };
        let slopes = (0..n_bands as isize).map(|b| (run(b - 1), run(b))).collect();
        MelFilterbank { weight, slopes, centres_hz }
    }

    /// Band powers from a power spectrum.
    ///
    /// Each band is summed in a register from its two runs of bins (the
    /// same terms in the same order as adding every bin into its two bands
    /// in turn, which made each band's sum a chain through memory).
    pub fn apply(&self, power: &[f64], bands: &mut [f64]) {
        for (band, (rising, falling)) in bands.iter_mut().zip(&self.slopes) {
            let mut sum = 0.0;
            for (&p, &w) in power[rising.clone()].iter().zip(&self.weight[rising.clone()]) {
                sum += p - p * w;
            }
            for (&p, &w) in power[falling.clone()].iter().zip(&self.weight[falling.clone()]) {
                sum += p * w;
            }
            *band = sum;
        }
    }
}

/// Hermansky's equal-loudness weight (max 1), openSMILE's non-HTK variant.
pub fn equal_loudness(f_hz: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * f_hz;
    let w2 = w * w;
    let c = w2 + 6.3e6;
    1e32 * ((w2 + 56.8e6) * w2 * w2) / (c * c * (w2 + 0.38e9) * (w2 * w2 * w2 * w + 1.7e31))
}

/// Intensity-to-loudness compression (power law of hearing).
pub const COMPRESSION: f64 = 0.33;
/// Floor applied to band powers before weighting (openSMILE's `melfloor`).
pub const MEL_FLOOR: f64 = 0.00000000093;

/// Auditory spectrum without temporal filtering: `(max(band, floor) * eql)^0.33`.
///
/// The power is taken as e^(0.33 ln x) with the branch-free maths (the
/// bands are positive and normal after the floor), so the loop vectorises
/// instead of calling `pow` per band; it agrees with `powf` to a few ulps.
pub fn auditory_spectrum(bands: &[f64], eql: &[f64], out: &mut [f64]) {
    for ((o, &b), &e) in out.iter_mut().zip(bands).zip(eql) {
        *o = maths::pow(super::floor_at(b, MEL_FLOOR) * e, COMPRESSION);
    }
}

/// RASTA band-pass filtering of log band powers across frames (openSMILE's
/// "newRASTA": a transposed direct-form filter whose pole only switches on
/// after the first five frames, which are output as zero), then equal
/// loudness, compression and back to the linear domain.
pub struct Rasta {
    b: [f64; 5],
    pole: f64,
    /// Four delay elements per band.
    state: Vec<[f64; 4]>,
    frames_seen: usize,
}

/// Frames whose RASTA output is held at zero while the filter settles.
const RASTA_WARMUP: usize = 5;

impl Rasta {
    /// `frame_period_s`: time between frames (the filter runs at the frame rate).
    pub fn new(n_bands: usize, frame_period_s: f64) -> Self {
        let (lower_hz, upper_hz) = (1.0, 29.0);
        let pole = 1.0 - (2.0 * std::f64::consts::PI * lower_hz * frame_period_s).sin();
        let om = (2.0 * std::f64::consts::PI * upper_hz * frame_period_s).cos();
        let norm = (10.0 * (32.0 * om * om + 8.0)).sqrt();
        let b0 = 2.0 / norm;
        let b1 = -4.0 * om / norm;
        Rasta { b: [b0, b1, 0.0, -b1, -b0], pole, state: vec![[0.0; 4]; n_bands], frames_seen: 0 }
    }

    pub fn reset(&mut self) {
        self.state.iter_mut().for_each(|s| *s = [0.0; 4]);
        self.frames_seen = 0;
    }

    /// Filters one frame of band powers into its RASTA auditory spectrum.
    ///
    /// The logs are taken first and the exponentials last, each in a loop
    /// of their own over the bands with the branch-free maths (bit-identical
    /// to wasm's libm), so that they vectorise around the filter.
    pub fn process(&mut self, bands: &[f64], log_eql: &[f64], out: &mut [f64]) {
        let settled = self.frames_seen >= RASTA_WARMUP;
        let feedback = if settled { self.pole } else { 0.0 };
        let b = self.b;
        for (o, &p) in out.iter_mut().zip(bands) {
            *o = maths::ln(super::floor_at(p, MEL_FLOOR));
        }
        for ((o, s), &le) in out.iter_mut().zip(self.state.iter_mut()).zip(log_eql) {
            let x = *o;
            let y = b[0] * x + s[0];
            s[0] = b[1] * x + s[1] + feedback * y;
            s[1] = b[2] * x + s[2];
            s[2] = b[3] * x + s[3];
            s[3] = b[4] * x;
            let filtered = if settled { y } else { 0.0 };
            *o = (filtered + le) * COMPRESSION;
        }
        for o in out.iter_mut() {
            *o = maths::exp(*o);
        }
        if self.frames_seen < RASTA_WARMUP {
            self.frames_seen += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filterbank_conserves_power_inside_the_bank() {
        let fb = MelFilterbank::new(26, 20.0, 8000.0, 257, 31.25);
        // Flat spectrum: every bin strictly inside the outer centres splits all of
        // its power between two bands.
        let power = vec![1.0; 257];
        let mut bands = vec![0.0; 26];
        fb.apply(&power, &mut bands);
        assert!(bands.iter().all(|&b| b > 0.0));
        // Higher bands are wider in Hz, so they collect more bins.
        assert!(bands[25] > bands[0]);
    }

    #[test]
    fn equal_loudness_matches_opensmile_on_silence() {
        // On digital silence RASTA outputs 0, so openSMILE's audSpec_Rfilt
        // bands are eql(centre)^0.33: 0.1292162 for band 0, 0.5943311 for 25.
        let fb = MelFilterbank::new(26, 20.0, 8000.0, 257, 31.25);
        let band = |k: usize| equal_loudness(fb.centres_hz[k]).powf(COMPRESSION);
        assert!((band(0) - 0.1292162).abs() < 1e-5, "{}", band(0));
        assert!((band(25) - 0.5943311).abs() < 1e-5, "{}", band(25));
    }

    #[test]
    fn rasta_removes_a_constant() {
        let mut r = Rasta::new(1, 0.01);
        let mut out = [0.0];
        for _ in 0..200 {
            r.process(&[2.0], &[0.0], &mut out);
        }
        assert!((out[0] - 1.0).abs() < 1e-6, "exp(0) expected, got {}", out[0]);
    }
}
