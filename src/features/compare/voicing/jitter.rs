//! Jitter, shimmer and harmonics-to-noise ratio from the waveform, guided by
//! the smoothed F0, as openSMILE's `cPitchJitter` measures them.
//!
//! The waveform is walked period by period: from the current period start,
//! the next period length is the lag in 0.75..1.25 × (1/F0) that maximises the
//! correlation between the stretch before and after it. Each match with a
//! (parabola-refined) correlation above 0.5 contributes its length to jitter
//! and the peak-to-peak amplitudes of the two stretches to shimmer. The
//! matched periods are averaged into one period waveform: its RMS is the
//! harmonic part, the RMS of each period's deviation from it the noise.
//!
//! The walk is continuous across frames, not restarted per frame: each 10 ms
//! frame reads from where the previous one stopped (the last period start
//! inside the previous hop), at least two maximal periods' worth, so the
//! previous period length (and period difference) carry over between voiced
//! frames. That is why this is a stateful tracker fed frame by frame. An
//! unvoiced frame resets the carried values.

use super::shs::parabola_vertex;

/// Seconds per sample at 16 kHz.
const SAMPLE_PERIOD: f64 = 1.0 / 16_000.0;
const SEARCH_RANGE: f64 = 0.25;
const MIN_CC: f64 = 0.5;
const LOG_HNR_FLOOR: f32 = -100.0;
/// Periods needed per analysis (openSMILE's minNumPeriods).
const MIN_PERIODS: i64 = 2;

/// Raw voice-quality values of one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct VoiceQuality {
    pub jitter_local: f32,
    pub jitter_ddp: f32,
    pub shimmer_local: f32,
    pub log_hnr: f32,
}

pub struct JitterTracker {
    /// Sample where the next frame's analysis starts.
    last_idx: i64,
    /// Samples between `last_idx` and the start of the current hop.
    last_mis: i64,
    last_t0: f64,
    last_diff: f64,
    last_jitter_local: f64,
    last_jitter_ddp: f64,
    last_shimmer: f64,
    // scratch, grown on demand and reused
    cc: Vec<f64>,
    avg_period: Vec<f64>,
    starts: Vec<i64>,
    /// The frame's samples in f64, and prefix sums of them and their squares
    /// (so each candidate lag's correlation only needs its cross term).
    wave: Vec<f64>,
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
}

impl JitterTracker {
    pub fn new() -> Self {
        JitterTracker {
            last_idx: 0,
            last_mis: 0,
            last_t0: 0.0,
            last_diff: 0.0,
            last_jitter_local: 0.0,
            last_jitter_ddp: 0.0,
            last_shimmer: 0.0,
            cc: Vec::with_capacity(256),
            avg_period: Vec::with_capacity(512),
            starts: Vec::with_capacity(64),
            wave: Vec::with_capacity(2048),
            sum: Vec::with_capacity(2048),
            sum_sq: Vec::with_capacity(2048),
        }
    }

    /// Starts a new signal.
    pub fn reset(&mut self) {
        self.last_idx = 0;
        self.last_mis = 0;
        self.last_t0 = 0.0;
        self.last_diff = 0.0;
        self.last_jitter_local = 0.0;
        self.last_jitter_ddp = 0.0;
        self.last_shimmer = 0.0;
    }

    /// Analyses the frame of `frame_len` samples at `frame_start` (frames
    /// must come in order, `hop` apart) given its final F0 (0 = unvoiced).
    pub fn next_frame(&mut self, x: &[f32], frame_start: usize, frame_len: usize, hop: usize, f0: f32) -> VoiceQuality {
        let frame_start = frame_start as i64;
        let frame_len = frame_len as i64;
        let to_read0 = hop as i64 + self.last_mis;
        let mut to_read = to_read0;
        let voiced = f0 > 0.0 && f0.is_finite();
        let (mut t0f, mut t0min, mut t0max) = (0i64, 0i64, 0i64);
        if voiced {
            let tf = (1.0 / f0 as f64) / SAMPLE_PERIOD;
            t0f = tf.round() as i64;
            t0min = ((1.0 - SEARCH_RANGE) * tf).floor() as i64;
            t0max = ((1.0 + SEARCH_RANGE) * tf).ceil() as i64;
            to_read = to_read.max(MIN_PERIODS * t0max + MIN_PERIODS);
        }
        let max_read = self.last_mis + frame_len;
        to_read = to_read.min(max_read);
        if frame_start - self.last_mis != self.last_idx {
            self.last_idx = frame_start;
            to_read = to_read.min(frame_len);
        }
        let begin = (self.last_idx.max(0) as usize).min(x.len());
        let end = (begin + to_read.max(0) as usize).min(x.len());
        let wave = &x[begin..end];

        if !voiced || t0min < 1 {
            // Unvoiced: forget the period history, keep reading where we are.
            let next = self.last_idx + to_read0;
            self.reset();
            self.last_idx = next;
            return VoiceQuality { log_hnr: LOG_HNR_FLOOR, ..Default::default() };
        }
        let (q, last_period) = self.walk_periods(wave, t0f, t0min, t0max, to_read0);
        self.last_mis = to_read0 - last_period;
        self.last_idx += last_period;
        q
    }

    /// The period walk over one frame's samples; returns the measures and the
    /// last period start inside the hop (where the next frame resumes).
    fn walk_periods(&mut self, wave: &[f32], t0f: i64, t0min: i64, t0max: i64, to_read0: i64) -> (VoiceQuality, i64) {
        let n = wave.len() as i64;
        let at = |i: i64| -> f64 { wave.get(i.max(0) as usize).copied().unwrap_or(0.0) as f64 };
        let span = (t0max - t0min + 1) as usize;
        self.cc.clear();
        self.cc.resize(span, 0.0);
        self.avg_period.clear();
        self.avg_period.resize(t0f as usize + 1, 0.0);
        self.starts.clear();
        self.wave.clear();
        self.wave.extend(wave.iter().map(|&v| v as f64));
        self.sum.clear();
        self.sum_sq.clear();
        let (mut acc, mut acc_sq) = (0.0, 0.0);
        self.sum.push(0.0);
        self.sum_sq.push(0.0);
        for &v in &self.wave {
            acc += v;
            acc_sq += v * v;
            self.sum.push(acc);
            self.sum_sq.push(acc_sq);
        }

        let (mut n_periods, mut n_local, mut n_ddp) = (0u32, 0u32, 0u32);
        let (mut sum_period, mut jitter_local, mut jitter_ddp) = (0.0f64, 0.0f64, 0.0f64);
        let (mut sum_amp, mut sum_amp_diff) = (0.0f64, 0.0f64);
        let mut start = 0i64;
        let mut last_period = 0i64;
        let mut pp = 0i64;
        while start < n - 2 * t0max - 1 {
            let s = start as usize;
            // Two lags at a time: their dot products share the first
            // stretch's loads and run as independent chains.
            let lag0 = t0min as usize;
            let mut pairs = self.cc.chunks_exact_mut(2);
            for (k, c) in pairs.by_ref().enumerate() {
                let lag = lag0 + 2 * k;
                let [x0, x1] = cross_products_2(&self.wave, s, lag);
                c[0] = correlation_from(x0, &self.sum, &self.sum_sq, s, lag);
                c[1] = correlation_from(x1, &self.sum, &self.sum_sq, s, lag + 1);
            }
            if let [c] = pairs.into_remainder() {
                let lag = lag0 + span - 1;
                *c = lagged_correlation(&self.wave, &self.sum, &self.sum_sq, s, lag);
            }
            let mut best: Option<usize> = None;
            for i in 1..span.saturating_sub(2) {
                let c = &self.cc;
                if c[i - 1] < c[i] && c[i] > c[i + 1] && best.is_none_or(|b| c[i] > c[b]) {
                    best = Some(i);
                }
            }
            let Some(bi) = best else {
                pp = t0f;
                start += t0f;
                if start < to_read0 - 1 {
                    last_period = start;
                }
                continue;
            };
            pp = t0min + bi as i64;
            let os = start;
            start += pp;
            let (o, e) = (os as usize, start as usize);
            let len = pp as usize;
            let a0 = peak_to_peak(&wave[o..o + len]);
            let a1 = peak_to_peak(&wave[e..(e + len).min(wave.len())]);
            self.starts.push(os);
            // In bounds: the loop condition leaves two maximal periods.
            let period = &self.wave[o..o + t0f as usize];
            for (acc, &v) in self.avg_period.iter_mut().zip(period) {
                *acc += v;
            }
            let c = &self.cc;
            let (vx, peak_cc) =
                parabola_vertex((bi - 1) as f64, c[bi - 1], bi as f64, c[bi], (bi + 1) as f64, c[bi + 1]);
            if peak_cc > MIN_CC {
                let period = (t0min as f64 + vx).abs() * SAMPLE_PERIOD;
                sum_period += period;
                n_periods += 1;
                if self.last_t0 > 0.0 {
                    let diff = (self.last_t0 - period).abs();
                    jitter_local += diff;
                    n_local += 1;
                    if self.last_diff > 0.0 {
                        jitter_ddp += (self.last_diff - diff).abs();
                        n_ddp += 1;
                    }
                    self.last_diff = diff;
                }
                self.last_t0 = period;
                sum_amp += (a0 + a1) / 2.0;
                sum_amp_diff += (a0 - a1).abs();
            }
            if start < to_read0 - 1 {
                last_period = start;
            }
        }
        self.starts.push(start);

        // Harmonic part: RMS of the average period (edges skipped).
        let count = self.starts.len() as f64;
        let mut eh = 0.0f64;
        for i in 0..t0f {
            if start + i >= n {
                break;
            }
            let a = &mut self.avg_period[i as usize];
            *a += at(start + i);
            *a /= count;
            if i > 2 && i < t0f - 2 {
                eh += *a * *a;
            }
        }
        if t0f - 4 > 0 {
            eh /= (t0f - 4) as f64;
        }
        let eh = eh.sqrt();

        // Noise part: RMS deviation of each period from the average.
        let sentinel = if pp > 0 { start + pp } else { 0 };
        let (mut en, mut n_en) = (0.0f64, 0u64);
        for (k, &b) in self.starts.iter().enumerate() {
            let e = self.starts.get(k + 1).copied().unwrap_or(sentinel);
            // Samples b+2 .. min(stop, n) against the average from index 2.
            let (lo, hi) = (b + 2, (e.min(b + t0f) - 2).min(n));
            if lo < hi {
                let period = &self.wave[lo as usize..hi as usize];
                for (&x, &a) in period.iter().zip(&self.avg_period[2..]) {
                    let delta = x - a;
                    en += delta * delta;
                }
                n_en += (hi - lo) as u64;
            }
        }
        if n_en > 0 {
            en /= n_en as f64;
        }
        let en = en.sqrt();
        let mut log_hnr = 0.0f32;
        if en > 0.0 {
            let hnr = eh / en;
            log_hnr = if hnr > 0.0 { (20.0 * hnr.log10()) as f32 } else { LOG_HNR_FLOOR };
        }

        let mut q = VoiceQuality { log_hnr: log_hnr.max(LOG_HNR_FLOOR), ..Default::default() };
        let mean_period = if n_periods > 0 { sum_period / n_periods as f64 } else { 0.0 };
        if n_periods > 0 && n_local > 0 {
            self.last_jitter_local = (jitter_local / n_local as f64) / mean_period;
        }
        if n_periods == 0 || n_local > 0 {
            self.last_jitter_local = self.last_jitter_local.min(1.0);
            q.jitter_local = self.last_jitter_local as f32;
        }
        if n_periods > 0 && n_ddp > 0 {
            self.last_jitter_ddp = (jitter_ddp / n_ddp as f64) / mean_period;
        }
        if n_periods == 0 || n_ddp > 0 {
            self.last_jitter_ddp = self.last_jitter_ddp.min(1.0);
            q.jitter_ddp = self.last_jitter_ddp as f32;
        }
        if n_periods > 0 {
            self.last_shimmer = if sum_amp > 0.0 { sum_amp_diff / sum_amp } else { 0.0 };
        }
        self.last_shimmer = self.last_shimmer.min(1.0);
        q.shimmer_local = self.last_shimmer as f32;
        (q, last_period)
    }
}

/// Pearson correlation between `w[s..s+lag]` and the next `lag` samples,
/// using prefix sums `sum`/`sum_sq` of `w` (length `w.len() + 1`) for the
/// means and variances. NaN when either stretch is flat (never a peak).
fn lagged_correlation(w: &[f64], sum: &[f64], sum_sq: &[f64], s: usize, lag: usize) -> f64 {
    let (a, b) = (&w[s..s + lag], &w[s + lag..s + 2 * lag]);
    // Four partial sums so the dot product pipelines.
    let mut p = [0.0f64; 4];
    for (x, y) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
        for k in 0..4 {
            p[k] += x[k] * y[k];
        }
    }
    correlation_from(finish_dot(p, a, b), sum, sum_sq, s, lag)
}

/// The cross products [`lagged_correlation`] forms for `lag` and `lag + 1`,
/// each added in exactly its order (four partial sums over whole chunks of
/// four, combined pairwise, then the leftover terms), computed in one pass.
fn cross_products_2(w: &[f64], s: usize, lag: usize) -> [f64; 2] {
    let a = &w[s..s + lag + 1];
    let (b, c) = (&w[s + lag..s + 2 * lag], &w[s + lag + 1..s + 2 * lag + 2]);
    let (mut p, mut q) = ([0.0f64; 4], [0.0f64; 4]);
    // Whole chunks common to both lags (lag / 4 of them).
    let chunks = a.chunks_exact(4).zip(b.chunks_exact(4)).zip(c.chunks_exact(4));
    for ((x, y), z) in chunks {
        for k in 0..4 {
            p[k] += x[k] * y[k];
            q[k] += x[k] * z[k];
        }
    }
    // lag + 1 may have one more whole chunk.
    let (whole_b, whole_c) = (lag / 4 * 4, (lag + 1) / 4 * 4);
    if whole_c > whole_b {
        for k in 0..4 {
            q[k] += a[whole_b + k] * c[whole_b + k];
        }
    }
    [finish_dot(p, &a[..lag], b), finish_dot(q, a, c)]
}

/// Combines the four partial sums over the whole chunks of `a`·`b` and adds
/// the leftover terms.
fn finish_dot(p: [f64; 4], a: &[f64], b: &[f64]) -> f64 {
    let whole = a.len() / 4 * 4;
    let mut sxy = (p[0] + p[1]) + (p[2] + p[3]);
    for (x, y) in a[whole..].iter().zip(&b[whole..]) {
        sxy += x * y;
    }
    sxy
}

/// The Pearson correlation of `w[s..s+lag]` and the next `lag` samples from
/// their cross product `sxy` and the prefix sums.
fn correlation_from(sxy: f64, sum: &[f64], sum_sq: &[f64], s: usize, lag: usize) -> f64 {
    let n = lag as f64;
    let (sx, sy) = (sum[s + lag] - sum[s], sum[s + 2 * lag] - sum[s + lag]);
    let (sxx, syy) = (sum_sq[s + lag] - sum_sq[s], sum_sq[s + 2 * lag] - sum_sq[s + lag]);
    let cov = sxy - sx * sy / n;
    let vx = sxx - sx * sx / n;
    let vy = syy - sy * sy / n;
    if vx <= 0.0 || vy <= 0.0 {
        return f64::NAN;
    }
    cov / (vx.sqrt() * vy.sqrt())
}

/// Pearson correlation of two equally long stretches (NaN if one is flat,
/// which then never wins a comparison). Two-pass reference for tests.
#[cfg(test)]
fn correlation(x: &[f32], y: &[f32]) -> f64 {
    let n = x.len().min(y.len());
    if n == 0 {
        return f64::NAN;
    }
    let (x, y) = (&x[..n], &y[..n]);
    let mx = x.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
    let my = y.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        let (a, b) = (a as f64 - mx, b as f64 - my);
        sxy += a * b;
        sxx += a * a;
        syy += b * b;
    }
    sxy / (sxx.sqrt() * syy.sqrt())
}

/// Max minus min over the stretch without its first and last sample.
///
/// Comparisons rather than `f32::min`/`max` (the samples are finite, so the
/// result is the same): in wasm those are calls to libm's `fminf`/`fmaxf`.
/// Four running extremes per side let the loop vectorise.
fn peak_to_peak(x: &[f32]) -> f64 {
    if x.len() < 3 {
        return 0.0;
    }
    let inner = &x[1..x.len() - 1];
    let (mut lo, mut hi) = ([inner[0]; 4], [inner[0]; 4]);
    let chunks = inner.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..4 {
            lo[k] = if c[k] < lo[k] { c[k] } else { lo[k] };
            hi[k] = if c[k] > hi[k] { c[k] } else { hi[k] };
        }
    }
    let (mut lo, mut hi) = (lo.into_iter().fold(lo[0], min), hi.into_iter().fold(hi[0], max));
    for &v in rest {
        (lo, hi) = (min(lo, v), max(hi, v));
    }
    (hi - lo) as f64
}

fn min(a: f32, b: f32) -> f32 {
    if b < a {
        b
    } else {
        a
    }
}

fn max(a: f32, b: f32) -> f32 {
    if b > a {
        b
    } else {
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correlation_of_a_shifted_copy_is_one() {
        let x: Vec<f32> = (0..200).map(|i| (i as f32 * 0.1).sin()).collect();
        assert!((correlation(&x[..100], &x[..100]) - 1.0).abs() < 1e-12);
        assert!(correlation(&[1.0; 10], &x[..10]).is_nan());
    }

    #[test]
    fn prefix_sum_correlation_matches_two_pass() {
        let x: Vec<f32> = (0..600).map(|i| ((i * 37 % 101) as f32 / 50.0 - 1.0) * (i as f32 * 0.05).sin()).collect();
        let w: Vec<f64> = x.iter().map(|&v| v as f64).collect();
        let mut sum = vec![0.0];
        let mut sq = vec![0.0];
        for &v in &w {
            sum.push(sum.last().unwrap() + v);
            sq.push(sq.last().unwrap() + v * v);
        }
        for (s, lag) in [(0, 50), (17, 133), (100, 223), (3, 7)] {
            let a = lagged_correlation(&w, &sum, &sq, s, lag);
            for lag in [lag, lag + 1, lag + 2, lag + 3] {
                let pair = cross_products_2(&w, s, lag).map(|x| x.to_bits());
                let one = |lag| finish_dot_alone(&w, s, lag).to_bits();
                assert_eq!(pair, [one(lag), one(lag + 1)], "lags {lag} and {}: bit for bit", lag + 1);
            }
            let b = correlation(&x[s..s + lag], &x[s + lag..s + 2 * lag]);
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
    }

    /// The cross product as [`lagged_correlation`] forms it, alone.
    fn finish_dot_alone(w: &[f64], s: usize, lag: usize) -> f64 {
        let (a, b) = (&w[s..s + lag], &w[s + lag..s + 2 * lag]);
        let mut p = [0.0f64; 4];
        for (x, y) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
            for k in 0..4 {
                p[k] += x[k] * y[k];
            }
        }
        finish_dot(p, a, b)
    }

    #[test]
    fn periodic_signal_has_no_jitter_and_high_hnr() {
        // Period 100 samples (160 Hz), a few harmonics.
        let x: Vec<f32> = (0..4000)
            .map(|i| {
                let p = 2.0 * std::f32::consts::PI * i as f32 / 100.0;
                0.5 * p.sin() + 0.25 * (2.0 * p).sin() + 0.1 * (3.0 * p).cos()
            })
            .collect();
        let mut j = JitterTracker::new();
        let mut last = VoiceQuality::default();
        for t in 0..(4000 - 960) / 160 {
            last = j.next_frame(&x, t * 160, 960, 160, 160.0);
        }
        assert!(last.jitter_local < 1e-4, "{last:?}");
        assert!(last.shimmer_local < 1e-3, "{last:?}");
        assert!(last.log_hnr > 30.0, "{last:?}");
        let u = j.next_frame(&x, 20 * 160, 960, 160, 0.0);
        assert_eq!(u, VoiceQuality { log_hnr: -100.0, ..Default::default() });
    }
}
