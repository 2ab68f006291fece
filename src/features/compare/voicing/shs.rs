//! Sub-harmonic summation (Hermes 1988) on the octave-scale spectrum, and the
//! ranked F0 candidates that the Viterbi smoother chooses from.
//!
//! The spectrum shifted down by log2 h octaves puts harmonic h of every F0 on
//! F0 itself; summing h = 1..15 with weights 0.85^(h-1) makes a peak at each
//! plausible F0. Every local maximum is a candidate; the six strongest are
//! kept, refined by a parabola through the peak and its neighbours, and
//! scored with a voicing pseudo-probability 1 - mean/peak. Candidates outside
//! 52..620 Hz are dropped, as in openSMILE's `cPitchShs` + `cPitchBase`.

use super::octave::OctaveScale;
use super::{Lanes, LANES};

/// Ranked candidates per frame.
pub const N_CANDIDATES: usize = 6;
const N_HARMONICS: usize = 15;
const COMPRESSION: f64 = 0.85;
const MIN_PITCH: f32 = 52.0;
const MAX_PITCH: f32 = 620.0;
/// Points whose harmonic sums are formed together (see
/// [`SubharmonicSummation::detect`]): two points of eight lanes are eight
/// 128-bit accumulators, as many as stay in registers beside the loads.
const POINTS: usize = 2;
// The peak flags hold one bit per lane in a byte.
const _: () = assert!(LANES <= 8);

/// F0 candidates of one frame, best score first; empty slots are 0 Hz with
/// voicing 0.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Candidates {
    pub f0: [f32; N_CANDIDATES],
    pub voicing: [f32; N_CANDIDATES],
}

/// Sub-harmonic summation over a block of frames, one per lane (see
/// [`super::octave::OctaveScale`]): the summation and the mean are the same
/// per-lane arithmetic as for one frame, as vector operations; only the peak
/// picking, whose control flow depends on the data, runs per frame.
pub struct SubharmonicSummation {
    /// (shift in points, weight) for harmonics 2..=15.
    shifts: Vec<(usize, f64)>,
    fmin_log2: f64,
    step_log2: f64,
    /// Summed spectrum: `n_points` values, then up to [`POINTS`] - 1 more
    /// computed on the padding and ignored.
    ss: Vec<Lanes>,
    n_points: usize,
    /// Bit `l` of entry `i`: `ss[i]` is a strict local maximum in lane `l`
    /// (zero-padded to whole words of 8 entries, read eight at a time).
    peaks: Vec<u8>,
}

impl SubharmonicSummation {
    pub fn new(scale: &OctaveScale) -> Self {
        // openSMILE hands points-per-octave on as a 32-bit float.
        let ppo = scale.points_per_octave as f32 as f64;
        let mut w = COMPRESSION;
        let shifts = (2..=N_HARMONICS)
            .map(|h| {
                let s = ((ppo * (h as f64).log2()).floor() as usize, w);
                w *= COMPRESSION;
                s
            })
            .collect();
        SubharmonicSummation {
            shifts,
            fmin_log2: scale.fmin_log2,
            step_log2: scale.step_log2,
            ss: vec![[0.0; LANES]; scale.n_points().next_multiple_of(POINTS)],
            n_points: scale.n_points(),
            peaks: vec![0; scale.n_points().next_multiple_of(8)],
        }
    }

    /// Zero points that must follow the `n_points` of a spectrum given to
    /// [`Self::detect`]: the largest shift, so that every shifted read is in
    /// bounds and the summation needs no per-harmonic end test.
    pub fn padding(&self) -> usize {
        self.shifts.iter().map(|&(s, _)| s).max().unwrap_or(0) + self.ss.len() - self.n_points
    }

    /// Candidates for a block of octave-scale spectra (`n_points` followed by
    /// [`Self::padding`] zeros), lane `l` of the result from lane `l` of
    /// `spec`.
    pub fn detect(&mut self, spec: &[Lanes]) -> [Candidates; LANES] {
        let n = self.n_points;
        let spec = &spec[..n + self.padding()];
        debug_assert!(spec[n..].iter().all(|v| *v == [0.0; LANES]));
        // Each point's harmonics are summed in registers, in harmonic order
        // (a shifted read past the end adds an exact +0, as a skipped term
        // would: spectra are never negative), [`POINTS`] points at a time so
        // that each harmonic costs one slice bounds test per group of points.
        let mut sum = [0.0f64; LANES];
        for (g, out) in self.ss.chunks_exact_mut(POINTS).enumerate() {
            let i = g * POINTS;
            let mut acc: [Lanes; POINTS] = spec[i..i + POINTS].try_into().expect("POINTS points");
            for &(shift, w) in &self.shifts {
                let v = &spec[i + shift..i + shift + POINTS];
                for (acc, v) in acc.iter_mut().zip(v) {
                    for l in 0..LANES {
                        acc[l] += v[l] * w;
                    }
                }
            }
            for (p, (s, acc)) in out.iter_mut().zip(acc).enumerate() {
                for l in 0..LANES {
                    let v = acc[l] / N_HARMONICS as f64;
                    s[l] = if v < 0.0 { 0.0 } else { v };
                }
                if i + p < n {
                    for l in 0..LANES {
                        sum[l] += s[l];
                    }
                }
            }
        }
        let ss = &self.ss[..n];
        if n < 3 {
            return [Candidates::default(); LANES];
        }
        let peaks = &mut self.peaks[..n];
        peaks[0] = 0;
        peaks[n - 1] = 0;
        for (p, w) in peaks[1..n - 1].iter_mut().zip(ss.windows(3)) {
            let mut bits = 0u8;
            for (l, ((a, b), c)) in w[0].iter().zip(&w[1]).zip(&w[2]).enumerate() {
                bits |= (u8::from(a < b) & u8::from(b > c)) << l;
            }
            *p = bits;
        }
        let (ss, peaks) = (&self.ss[..n], &self.peaks[..]);
        std::array::from_fn(|l| self.candidates(ss, peaks, l, sum[l] / n as f64))
    }

    /// The candidates of lane `l`, given its summed spectrum, local maxima and
    /// mean.
    fn candidates(&self, ss: &[Lanes], peaks: &[u8], l: usize, mean: f64) -> Candidates {
        let n = ss.len();
        // Local maxima, kept sorted by height (a new peak goes before the
        // first weaker or empty slot).
        let mut idx = [0usize; N_CANDIDATES];
        let mut score = [0.0f64; N_CANDIDATES];
        let mut count = 0;
        // Maxima are sparse: whole words of eight entries are tested at
        // once, and only the set bits visited, in order.
        let lane_bits = u64::from_le_bytes([1 << l; 8]);
        let positions = peaks.chunks_exact(8).enumerate().flat_map(|(c, chunk)| {
            let mut word = u64::from_le_bytes(chunk.try_into().expect("chunks of 8")) & lane_bits;
            std::iter::from_fn(move || {
                (word != 0).then(|| {
                    let i = c * 8 + word.trailing_zeros() as usize / 8;
                    word &= word - 1;
                    i
                })
            })
        });
        for i in positions {
            let v = ss[i][l];
            // Slots hold peaks (all positive) in falling order: a peak no
            // higher than a full last slot goes nowhere.
            if count == N_CANDIDATES && score[N_CANDIDATES - 1] >= v {
                continue;
            }
            if let Some(j) = (0..N_CANDIDATES).find(|&j| score[j] == 0.0 || score[j] < v) {
                for k in (j + 1..N_CANDIDATES).rev() {
                    score[k] = score[k - 1];
                    idx[k] = idx[k - 1];
                }
                score[j] = v;
                idx[j] = i;
                count = (count + 1).min(N_CANDIDATES);
            }
        }
        debug_assert!(idx[..count].iter().all(|&i| i >= 1 && i + 1 < n));

        // Parabolic refinement on the log2 axis, voicing, range check.
        let at = |k: usize| ss[k][l];
        let mut f0 = [0.0f32; N_CANDIDATES];
        let mut voicing = [0.0f32; N_CANDIDATES];
        let mut refined = [0.0f64; N_CANDIDATES];
        let mut kept = 0;
        for &j in &idx[..count] {
            let xs = |k: usize| k as f64 * self.step_log2 + self.fmin_log2;
            let (xv, peak) = parabola_vertex(xs(j - 1), at(j - 1), xs(j), at(j), xs(j + 1), at(j + 1));
            let hz = xv.exp2() as f32;
            if !(MIN_PITCH..=MAX_PITCH).contains(&hz) {
                continue;
            }
            f0[kept] = hz;
            refined[kept] = peak;
            voicing[kept] = if peak > 0.0 && peak > mean { (1.0 - mean / peak) as f32 } else { 0.0 };
            kept += 1;
        }
        // The best refined score goes first (the others keep their places).
        let mut best = 0;
        for k in 1..N_CANDIDATES {
            if refined[k] > refined[best] {
                best = k;
            }
        }
        f0.swap(0, best);
        voicing.swap(0, best);
        Candidates { f0, voicing }
    }
}

/// Vertex (x, y) of the parabola through three points; when the points are
/// collinear or degenerate, the highest point (or the first, if all equal).
pub fn parabola_vertex(x1: f64, y1: f64, x2: f64, y2: f64, x3: f64, y3: f64) -> (f64, f64) {
    let den = x1 * x1 * x2 + x2 * x2 * x3 + x3 * x3 * x1 - x3 * x3 * x2 - x2 * x2 * x1 - x1 * x1 * x3;
    if den != 0.0 {
        let a = (y1 * x2 + y2 * x3 + y3 * x1 - y3 * x2 - y2 * x1 - y1 * x3) / den;
        let b = (x1 * x1 * y2 + x2 * x2 * y3 + x3 * x3 * y1 - x3 * x3 * y2 - x2 * x2 * y1 - x1 * x1 * y3) / den;
        let c = (x1 * x1 * x2 * y3 + x2 * x2 * x3 * y1 + x3 * x3 * x1 * y2
            - x3 * x3 * x2 * y1
            - x2 * x2 * x1 * y3
            - x1 * x1 * x3 * y2)
            / den;
        if a != 0.0 {
            let x = -b / (2.0 * a);
            return (x, c - a * x * x);
        }
    }
    if y1 > y2 && y1 > y3 {
        (x1, y1)
    } else if y2 > y1 && y2 > y3 {
        (x2, y2)
    } else if y3 > y1 && y3 > y2 {
        (x3, y3)
    } else {
        (x1, y1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parabola_through_symmetric_points() {
        let (x, y) = parabola_vertex(1.0, 3.0, 2.0, 4.0, 3.0, 3.0);
        assert!((x - 2.0).abs() < 1e-12 && (y - 4.0).abs() < 1e-12);
        let (x, y) = parabola_vertex(0.0, 0.0, 1.0, 1.0, 2.0, 0.0);
        assert!((x - 1.0).abs() < 1e-12 && (y - 1.0).abs() < 1e-12);
        // Flat: falls back to the first point.
        assert_eq!(parabola_vertex(0.0, 1.0, 1.0, 1.0, 2.0, 1.0), (0.0, 1.0));
    }
}
