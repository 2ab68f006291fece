//! Linear-frequency magnitude spectrum → octave (log2 Hz) axis, the input of
//! sub-harmonic summation. On an octave axis every harmonic `h·F0` sits a
//! fixed distance `log2 h` above F0, so summing shifted copies of the spectrum
//! stacks the harmonics of every F0 at once.
//!
//! Steps, as openSMILE's `cSpecScale` with `specEnhance=1 specSmooth=1
//! interpMethod=spline auditoryWeighting=1 minF=25`:
//! 1. peak enhancement: zero the valleys between spectral peaks (peaks keep
//!    two bins either side), so noise between harmonics does not add up;
//! 2. a [1 2 1]/4 smoothing pass;
//! 3. natural cubic spline through the bins (x = log2 of the bin frequency),
//!    sampled at as many equally spaced points from log2 25 Hz to log2 of
//!    the Nyquist frequency;
//! 4. an arctangent weighting that fades in the bottom octaves (the ear's
//!    low-frequency insensitivity), flooring negatives (spline overshoot) at 0.

/// Lowest frequency of the octave axis.
const MIN_HZ: f64 = 25.0;

use super::{Lanes, LANES};

/// Precomputed spline and weighting geometry; per-frame work is two linear
/// passes plus the spline solve.
///
/// Frames go through in blocks of [`LANES`], one frame per lane of every
/// value (`[f64; LANES]` per bin): the spline solve is two serial chains per
/// frame, so one frame alone waits on the latency of every step, while
/// independent frames side by side fill the pipeline and share vector
/// instructions. Each lane does exactly the arithmetic of a lone frame, in
/// the same order, so the results are bit for bit those of one frame at a
/// time.
pub struct OctaveScale {
    /// Elimination factors of the natural-spline tridiagonal system (σ_i/p_i
    /// and the back-substitution factor), from x alone.
    sigma: Vec<f64>,
    elim: Vec<f64>,
    /// 1 / (x[i+1] - x[i]) and 6 / ((x[i+1] - x[i-1]) p_i), to keep divisions
    /// out of the per-frame solve.
    inv_dx: Vec<f64>,
    six_inv_span: Vec<f64>,
    /// For each output point: lower input bin and the spline weights
    /// (a for y[k], c for y2[k], d for y2[k+1]; y[k+1] gets 1-a).
    seg: Vec<(usize, f64, f64, f64)>,
    weight: Vec<f64>,
    /// log2 Hz of the first output point and the spacing.
    pub fmin_log2: f64,
    pub step_log2: f64,
    /// Output points per octave (as openSMILE defines it: points / octaves).
    pub points_per_octave: f64,
    // scratch: each lane's enhanced bins, then the block's smoothed lanes
    frames: [Vec<f64>; LANES],
    y: Vec<Lanes>,
    y2: Vec<Lanes>,
    u: Vec<Lanes>,
    peaks: Vec<u64>,
}

impl OctaveScale {
    /// `n_bins` magnitudes spaced `bin_hz` apart, from DC.
    pub fn new(n_bins: usize, bin_hz: f64) -> Self {
        let n = n_bins.max(3);
        let mut x = vec![0.0; n];
        for (i, v) in x.iter_mut().enumerate().skip(1) {
            *v = (i as f64 * bin_hz).log2();
        }
        x[0] = 2.0 * x[1] - x[2];
        let mut sigma = vec![0.0; n];
        let mut elim = vec![0.0; n];
        let mut pivot_inv = vec![0.0; n];
        for i in 1..n - 1 {
            sigma[i] = (x[i] - x[i - 1]) / (x[i + 1] - x[i - 1]);
            let p = sigma[i] * elim[i - 1] + 2.0;
            pivot_inv[i] = 1.0 / p;
            elim[i] = (sigma[i] - 1.0) / p;
        }
        let inv_dx = (0..n).map(|i| if i + 1 < n { 1.0 / (x[i + 1] - x[i]) } else { 0.0 }).collect();
        // Forward elimination u[i] = (6 d_i / span_i - σ_i u[i-1]) / p_i, with
        // the 1/p_i folded into both factors to shorten the serial chain.
        let six_inv_span = (0..n)
            .map(|i| if i >= 1 && i + 1 < n { 6.0 / (x[i + 1] - x[i - 1]) * pivot_inv[i] } else { 0.0 })
            .collect();
        for i in 1..n - 1 {
            sigma[i] *= pivot_inv[i];
        }
        let max_hz = bin_hz * (n - 1) as f64;
        let fmin = MIN_HZ.log2();
        let fmax = max_hz.log2();
        let n_out = n;
        let step = (fmax - fmin) / (n_out - 1) as f64;
        let mut seg = Vec::with_capacity(n_out);
        let mut upper = 1usize;
        for i in 0..n_out {
            let t = fmin + i as f64 * step;
            while upper < n - 1 && x[upper] < t {
                upper += 1;
            }
            let k = upper - 1;
            let h = x[upper] - x[k];
            let a = (x[upper] - t) / h;
            let b = 1.0 - a;
            let h2 = h * h / 6.0;
            seg.push((k, a, (a * a * a - a) * h2, (b * b * b - b) * h2));
        }
        let octaves = (max_hz / MIN_HZ).log2();
        let ppo = n_out as f64 / octaves;
        // Arctangent fade-in centred about log2(65/50) octaves above MIN_HZ.
        let centre = ppo * (65.0f64 / 50.0).log2() - 1.0;
        let weight =
            (0..n_out).map(|i| 0.5 + (3.0 * (i as f64 + 1.0 - centre) / ppo).atan() / std::f64::consts::PI).collect();
        OctaveScale {
            sigma,
            elim,
            inv_dx,
            six_inv_span,
            seg,
            weight,
            fmin_log2: fmin,
            step_log2: step,
            points_per_octave: ppo,
            frames: std::array::from_fn(|_| vec![0.0; n]),
            y: vec![[0.0; LANES]; n],
            y2: vec![[0.0; LANES]; n],
            u: vec![[0.0; LANES]; n],
            peaks: Vec::with_capacity(n),
        }
    }

    pub fn n_points(&self) -> usize {
        self.seg.len()
    }

    /// Puts the magnitudes of one frame, column `column` of `bins` (bin by
    /// bin, several frames' magnitudes per bin), into lane `lane` of the
    /// next block, peak-enhanced (the one step whose control flow depends
    /// on the data, so it runs per frame). Missing bins are zero.
    pub fn load<const N: usize>(&mut self, lane: usize, bins: &[[f64; N]], column: usize) {
        let frame = &mut self.frames[lane];
        let m = bins.len().min(frame.len());
        for (v, bin) in frame.iter_mut().zip(&bins[..m]) {
            *v = bin[column];
        }
        frame[m..].fill(0.0);
        enhance_peaks(frame, &mut self.peaks);
    }

    /// Writes the octave-scale spectra of the loaded lanes into `out`
    /// (length `n_points`, lane `l` being the frame loaded into lane `l`).
    pub fn apply(&mut self, out: &mut [Lanes]) {
        let n = self.y.len();
        smooth_121(&self.frames, &mut self.y);

        // Natural cubic spline: second derivatives y2 by forward elimination
        // (factors precomputed from x) and back substitution.
        // Both passes are serial chains; the value carried from one step to
        // the next stays in a register (read back from memory it would add
        // a store-to-load delay to every step of the chain).
        let (y, y2, u) = (&self.y, &mut self.y2, &mut self.u);
        u[0] = [0.0; LANES];
        let mut prev = [0.0; LANES];
        let rows = y.windows(3).zip(self.inv_dx.windows(2)).zip(&self.six_inv_span[1..]).zip(&self.sigma[1..]);
        for ((((w, dx), &six), &sigma), u) in rows.zip(&mut u[1..n - 1]) {
            for l in 0..LANES {
                let d = (w[2][l] - w[1][l]) * dx[1] - (w[1][l] - w[0][l]) * dx[0];
                prev[l] = d * six - sigma * prev[l];
            }
            *u = prev;
        }
        y2[n - 1] = [0.0; LANES];
        let mut next = [0.0; LANES];
        for ((y2, &elim), u) in y2[..n - 1].iter_mut().zip(&self.elim[..n - 1]).zip(&u[..n - 1]).rev() {
            for l in 0..LANES {
                next[l] = elim * next[l] + u[l];
            }
            *y2 = next;
        }
        for ((o, &(k, a, c, d)), &w) in out.iter_mut().zip(&self.seg).zip(&self.weight) {
            let (y0, y1, s0, s1) = (&y[k], &y[k + 1], &y2[k], &y2[k + 1]);
            for l in 0..LANES {
                let v = a * y0[l] + (1.0 - a) * y1[l] + c * s0[l] + d * s1[l];
                o[l] = if v > 0.0 { v * w } else { 0.0 };
            }
        }
    }
}

/// Keeps each spectral peak and two bins either side; zeroes the valley bins
/// between consecutive peaks. With a single peak, openSMILE's routine keeps
/// only the first three bins (an indexing quirk we reproduce).
///
/// Written as two passes over flags rather than a list of peaks, so that
/// both vectorise: a bin between the first and the last peak is a valley
/// bin exactly when no peak lies within two bins of it (its nearest peaks
/// either side are consecutive peaks), which is what openSMILE zeroes.
///
/// The flags are 64-bit masks (all ones at a peak), as wide as the bins:
/// the comparisons produce them as they are, and a bin is kept or zeroed
/// by masking its bits (+0.0 when no peak is near), with no narrowing or
/// widening between byte flags and f64 lanes.
fn enhance_peaks(a: &mut [f64], peaks: &mut Vec<u64>) {
    let n = a.len();
    if n < 2 {
        return;
    }
    let mask = |is_peak: bool| u64::from(is_peak).wrapping_neg();
    peaks.clear();
    peaks.resize(n, 0);
    peaks[0] = mask(a[0] > a[1]);
    for (p, w) in peaks[1..n - 1].iter_mut().zip(a.windows(3)) {
        *p = mask((w[1] > w[0]) & (w[1] >= w[2]));
    }
    peaks[n - 1] = mask(a[n - 1] > a[n - 2]);
    let (Some(first), Some(last)) = (peaks.iter().position(|&p| p != 0), peaks.iter().rposition(|&p| p != 0)) else {
        return;
    };
    if first == last {
        for v in a.iter_mut().skip(3) {
            *v = 0.0;
        }
        return;
    }
    if first + 3 > last.saturating_sub(3) {
        return;
    }
    let near = peaks[first + 1..last].windows(5);
    for (v, w) in a[first + 3..=last - 3].iter_mut().zip(near) {
        let keep = w[0] | w[1] | w[2] | w[3] | w[4];
        *v = f64::from_bits(v.to_bits() & keep);
    }
}

/// [1 2 1]/4 smoothing of each lane's bins, with a zero before the first
/// bin (the last bin is left as is), written interleaved: bin `i` of lane
/// `l` goes to `out[i][l]`. Gathering the lanes here, from contiguous rows,
/// costs no pass of its own.
fn smooth_121(frames: &[Vec<f64>; LANES], out: &mut [Lanes]) {
    let n = out.len();
    if n < 2 {
        out.iter_mut().for_each(|o| *o = std::array::from_fn(|l| frames[l][0]));
        return;
    }
    out[0] = std::array::from_fn(|l| (0.0 + 2.0 * frames[l][0] + frames[l][1]) / 4.0);
    for (i, o) in out[..n - 1].iter_mut().enumerate().skip(1) {
        for (l, f) in frames.iter().enumerate() {
            o[l] = (f[i - 1] + 2.0 * f[i] + f[i + 1]) / 4.0;
        }
    }
    out[n - 1] = std::array::from_fn(|l| frames[l][n - 1]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valleys_between_peaks_are_zeroed() {
        let mut a = vec![0.0, 1.0, 5.0, 1.0, 0.5, 0.4, 0.3, 0.4, 0.5, 1.0, 6.0, 1.0];
        let mut p = Vec::new();
        enhance_peaks(&mut a, &mut p);
        assert_eq!(p, [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0].map(|f: u64| f.wrapping_neg()));
        assert_eq!(a, vec![0.0, 1.0, 5.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.5, 1.0, 6.0, 1.0]);
        // One peak: only the first three bins stay (openSMILE's quirk).
        let mut one = vec![1.0, 2.0, 3.0, 4.0, 5.0, 4.0, 3.0];
        enhance_peaks(&mut one, &mut p);
        assert_eq!(one, vec![1.0, 2.0, 3.0, 0.0, 0.0, 0.0, 0.0]);
        // Peaks at both ends and one between, closer than three bins on one side.
        let mut edges = vec![9.0, 1.0, 0.5, 0.4, 0.3, 0.2, 7.0, 0.1, 0.2, 8.0];
        enhance_peaks(&mut edges, &mut p);
        assert_eq!(edges, vec![9.0, 1.0, 0.5, 0.0, 0.3, 0.2, 7.0, 0.1, 0.2, 8.0]);
        let mut wide = vec![9.0, 1.0, 0.5, 0.4, 0.3, 0.2, 0.1, 0.2, 7.0];
        enhance_peaks(&mut wide, &mut p);
        assert_eq!(wide, vec![9.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.1, 0.2, 7.0]);
    }

    #[test]
    fn spline_reproduces_a_linear_spectrum() {
        // A constant spectrum has no peaks to enhance and smoothing only
        // touches bin 0 (below 25 Hz), so away from the bottom the spline
        // returns the constant times the auditory weight.
        let mut s = OctaveScale::new(513, 15.625);
        for lane in 0..LANES {
            s.load(lane, &vec![[2.0 + lane as f64]; 513], 0);
        }
        let mut out = vec![[0.0; LANES]; 513];
        s.apply(&mut out);
        for (i, v) in out.iter().enumerate().skip(100) {
            for (lane, v) in v.iter().enumerate() {
                let want = (2.0 + lane as f64) * s.weight[i];
                assert!((v - want).abs() < 1e-4 * (1.0 + lane as f64), "{i}, lane {lane}: {v}");
            }
        }
        assert!((s.points_per_octave - 61.644368).abs() < 1e-5);
    }
}
