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

/// Ranked candidates per frame.
pub const N_CANDIDATES: usize = 6;
const N_HARMONICS: usize = 15;
const COMPRESSION: f64 = 0.85;
const MIN_PITCH: f32 = 52.0;
const MAX_PITCH: f32 = 620.0;

/// F0 candidates of one frame, best score first; empty slots are 0 Hz with
/// voicing 0.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Candidates {
    pub f0: [f32; N_CANDIDATES],
    pub voicing: [f32; N_CANDIDATES],
}

pub struct SubharmonicSummation {
    /// (shift in points, weight) for harmonics 2..=15.
    shifts: Vec<(usize, f64)>,
    fmin_log2: f64,
    step_log2: f64,
    ss: Vec<f64>,
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
            ss: vec![0.0; scale.n_points()],
        }
    }

    /// Candidates for one octave-scale spectrum (length `n_points`).
    pub fn detect(&mut self, spec: &[f64]) -> Candidates {
        let n = self.ss.len().min(spec.len());
        let ss = &mut self.ss[..n];
        ss.copy_from_slice(&spec[..n]);
        for &(shift, w) in &self.shifts {
            if shift >= n {
                continue;
            }
            for (s, v) in ss.iter_mut().zip(&spec[shift..n]) {
                *s += v * w;
            }
        }
        for s in ss.iter_mut() {
            *s /= N_HARMONICS as f64;
            if *s < 0.0 {
                *s = 0.0;
            }
        }
        let mut cands = Candidates::default();
        if n < 3 {
            return cands;
        }

        // Local maxima, kept sorted by height (a new peak goes before the
        // first weaker or empty slot).
        let mut idx = [0usize; N_CANDIDATES];
        let mut score = [0.0f64; N_CANDIDATES];
        let mut count = 0;
        for i in 1..n - 1 {
            let v = ss[i];
            if !(ss[i - 1] < v && v > ss[i + 1]) {
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
        let mean = ss.iter().sum::<f64>() / n as f64;

        // Parabolic refinement on the log2 axis, voicing, range check.
        let mut f0 = [0.0f32; N_CANDIDATES];
        let mut voicing = [0.0f32; N_CANDIDATES];
        let mut refined = [0.0f64; N_CANDIDATES];
        let mut kept = 0;
        for &j in &idx[..count] {
            let xs = |k: usize| k as f64 * self.step_log2 + self.fmin_log2;
            let (xv, peak) = parabola_vertex(xs(j - 1), ss[j - 1], xs(j), ss[j], xs(j + 1), ss[j + 1]);
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
        cands.f0 = f0;
        cands.voicing = voicing;
        cands
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
