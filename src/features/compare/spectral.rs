//! Spectral shape descriptors of the 20 ms power spectrum (openSMILE's
//! `cSpectral` with the ComParE_2016 options). All of them ignore the DC bin.
//!
//! Where openSMILE's definitions are unusual we follow them, because models
//! trained on openSMILE features expect them: band energies are divided by
//! the number of bins, the slope is scaled by (bins - 1) (its `oldSlopeScale`),
//! and flux is the RMS of magnitude differences without normalisation.

/// Number of spectral outputs, in ComParE column order.
pub const COUNT: usize = 15;

use super::maths::ln_f32;

pub struct SpectralShape {
    /// Bins 1..=last (DC excluded, Nyquist included).
    last: usize,
    bands: [BandSum; 2],
    /// Each bin's frequency (`j * bin_hz`).
    freq: Vec<f64>,
    sharpness_weight: Vec<f64>,
    /// Sums of the bin frequencies and of their squares over 1..=last (the
    /// slope's denominator depends on the frequency grid alone).
    sum_freq: f64,
    sum_freq_sq: f64,
    previous_magnitude: Vec<f64>,
    has_previous: bool,
    /// Scratch: cumulative power over 1..=j at index j, and the local
    /// extrema's values in order.
    cumulative: Vec<f64>,
    extrema: Vec<f64>,
    /// Scratch: each bin's entropy term.
    entropy_terms: Vec<f64>,
}

/// A rectangular band with fractional edge bins, as openSMILE maps Hz to bins.
struct BandSum {
    lo: usize,
    lo_weight: f64,
    hi: usize,
    hi_weight: f64,
}

impl BandSum {
    fn new(lo_hz: f64, hi_hz: f64, bin_hz: f64, n_bins: usize) -> Self {
        let freq = |i: usize| i as f64 * bin_hz;
        // Lower edge: the last bin at or below lo_hz, weighted by its distance.
        let above = (0..n_bins).find(|&i| freq(i) > lo_hz).unwrap_or(n_bins);
        let lo_weight = if above > 0 && above < n_bins { (freq(above) - lo_hz) / bin_hz } else { 1.0 };
        let lo = above.saturating_sub(1);
        // Upper edge: the bin at hi_hz, or the last one below it.
        let at = (0..n_bins).find(|&i| freq(i) >= hi_hz).unwrap_or(n_bins);
        let hi_weight = if at > 0 && at < n_bins { (hi_hz - freq(at - 1)) / bin_hz } else { 1.0 };
        let hi = if at < n_bins && freq(at) == hi_hz { at } else { at.saturating_sub(1) }.min(n_bins - 1);
        let nz = |w: f64| if w == 0.0 { 1.0 } else { w };
        BandSum { lo, lo_weight: nz(lo_weight), hi, hi_weight: nz(hi_weight) }
    }

    fn sum(&self, power: &[f64]) -> f64 {
        let mut s = power[self.lo] * self.lo_weight;
        for p in &power[self.lo + 1..self.hi.max(self.lo + 1)] {
            s += p;
        }
        s + power[self.hi] * self.hi_weight
    }
}

/// Traunmüller's Bark scale with his corrections at both ends.
fn hz_to_bark(f: f64) -> f64 {
    if f <= 0.0 {
        return 0.0;
    }
    let z = 26.81 / (1.0 + 1960.0 / f) - 0.53;
    if z < 2.0 {
        0.85 * z + 0.3
    } else if z > 20.1 {
        1.22 * z - 0.22 * 20.1
    } else {
        z
    }
}

/// Zwicker's weighting g(z) for sharpness.
fn sharpness_g(z: f64) -> f64 {
    if z <= 16.0 {
        1.0
    } else {
        ((z - 16.0) / 4.0).powf(3f64.log2()) + 1.0
    }
}

impl SpectralShape {
    /// `n_bins`: magnitudes per frame (DC to Nyquist).
    pub fn new(n_bins: usize, bin_hz: f64) -> Self {
        let last = n_bins - 1;
        let sharpness_weight = (0..n_bins)
            .map(|j| {
                let z = hz_to_bark(j as f64 * bin_hz);
                z * sharpness_g(z)
            })
            .collect();
        let freq: Vec<f64> = (0..n_bins).map(|j| j as f64 * bin_hz).collect();
        let (mut sum_freq, mut sum_freq_sq) = (0.0, 0.0);
        for &f in &freq[1..=last] {
            sum_freq += f;
            sum_freq_sq += f * f;
        }
        SpectralShape {
            last,
            bands: [BandSum::new(250.0, 650.0, bin_hz, n_bins), BandSum::new(1000.0, 4000.0, bin_hz, n_bins)],
            freq,
            sharpness_weight,
            sum_freq,
            sum_freq_sq,
            previous_magnitude: vec![0.0; n_bins],
            has_previous: false,
            cumulative: vec![0.0; n_bins],
            extrema: Vec::with_capacity(n_bins),
            entropy_terms: vec![0.0; n_bins],
        }
    }

    pub fn reset(&mut self) {
        self.has_previous = false;
    }

    /// Computes the 15 descriptors of one frame from its magnitude and power
    /// spectra.
    ///
    /// The sums over bins are serial chains; those that need nothing but the
    /// spectra (total, frequency- and sharpness-weighted power, flux) share
    /// one loop so that their chains run side by side. Each still adds its
    /// terms in bin order from zero, so the results are those of one loop per
    /// sum.
    pub fn compute(&mut self, magnitude: &[f64], power: &[f64], out: &mut [f64; COUNT]) {
        let last = self.last;
        let n_bins = last as f64;
        let (p, freq) = (&power[1..=last], &self.freq[1..=last]);

        let (mut total, mut weighted, mut sharp, mut flux) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
        let rows = p
            .iter()
            .zip(freq)
            .zip(&self.sharpness_weight[1..=last])
            .zip(magnitude[1..=last].iter().zip(&self.previous_magnitude[1..=last]))
            .zip(&mut self.cumulative[1..=last]);
        for ((((&p, &f), &sw), (&m, &prev)), cumulative) in rows {
            total += p;
            *cumulative = total;
            weighted += f * p;
            sharp += sw * p;
            flux += (m - prev).powi(2);
        }
        out[0] = self.bands[0].sum(power) / n_bins;
        out[1] = self.bands[1].sum(power) / n_bins;

        // Roll-off points: the first bin where the cumulative power reaches
        // the share (shares rise and the cumulative power never falls, so
        // each search resumes where the previous one stopped; none found: 0).
        let mut j = 1;
        for (k, share) in [0.25, 0.5, 0.75, 0.9].into_iter().enumerate() {
            let threshold = share * total;
            match self.cumulative[j..=last].iter().position(|&c| c >= threshold) {
                Some(at) => {
                    j += at;
                    out[2 + k] = self.freq[j];
                }
                None => {
                    j = last + 1;
                    out[2 + k] = 0.0;
                }
            }
        }

        // Flux: RMS difference of magnitudes to the previous frame (0 for the first).
        out[6] = if self.has_previous { (flux / n_bins).sqrt() } else { 0.0 };
        self.previous_magnitude.copy_from_slice(magnitude);
        self.has_previous = true;

        // Centroid and central moments of the power distribution over frequency.
        let centroid = if total != 0.0 { weighted / total } else { 0.0 };
        out[7] = centroid;
        // The entropy's terms first (they vectorise), then its sum beside
        // the moments' (four independent chains in one loop).
        let terms = &mut self.entropy_terms[1..=last];
        entropy_terms(p, total, terms);
        let (mut m2, mut m3, mut m4, mut e) = (0.0, 0.0, 0.0, 0.0);
        for ((&p, &f), &t) in p.iter().zip(freq).zip(terms.iter()) {
            let d = f - centroid;
            let m = d * d * p;
            m2 += m;
            m3 += m * d;
            m4 += m * d * d;
            e += t;
        }
        out[8] = entropy_bits(e);
        let variance = if total != 0.0 { m2 / total } else { 0.0 };
        out[9] = variance;
        out[10] = if variance > 0.0 { m3 / (total * variance * variance.sqrt()) } else { 0.0 };
        out[11] = if variance != 0.0 { m4 / (total * variance * variance) } else { 0.0 };

        // Least-squares slope of power over frequency, openSMILE-scaled.
        let (sf, sf2) = (self.sum_freq, self.sum_freq_sq);
        let denom = n_bins * sf2 - sf * sf;
        let slope = if denom != 0.0 { (n_bins * weighted - sf * total) / denom } else { 0.0 };
        out[12] = slope * (n_bins - 1.0);

        // Sharpness: Bark-weighted centroid, scaled by 0.11 (Zwicker).
        out[13] = if total != 0.0 { 0.11 * sharp / total } else { 0.0 };

        out[14] = harmonicity(&power[..=last], n_bins, &mut self.extrema);
    }
}

/// The terms `p ln p` of the Shannon entropy of the spectrum read as a
/// distribution (the entropy in bits is minus their sum, added in order
/// from zero, times log2 e: see [`entropy_bits`]); values at or below 1e-7
/// count as 1e-7 so that silent bins do not produce log(0). `sum` is the
/// sum of `values`.
///
/// This loop was a tenth of the whole extraction in wasm, so it is lean:
/// each bin's share is a product with the total's reciprocal rather than a
/// quotient, and its term is computed in f32 (a shorter log polynomial, and
/// cheaper divisions) with a natural log, scaled to bits once on the sum
/// rather than per bin. Each term is then good to about 1e-7 relative, and
/// all have one sign, so the entropy is too: finer than the f32 values
/// openSMILE itself computes. Every bin's term is computed branch-free (the
/// floored ones then replaced by the floor's term), so that the loop
/// vectorises.
fn entropy_terms(values: &[f64], sum: f64, terms: &mut [f64]) {
    const FLOOR: f64 = 1e-7;
    let scale = 1.0 / sum.max(FLOOR);
    let term = |v: f64| {
        let p = (v * scale) as f32;
        f64::from(p * ln_f32(p))
    };
    let floor_term = term(FLOOR);
    for (t, &v) in terms.iter_mut().zip(values) {
        // Floored bins (zeros included) take a log of garbage, discarded.
        *t = if v > FLOOR { term(v) } else { floor_term };
    }
}

/// Shannon entropy in bits from the sum of [`entropy_terms`].
fn entropy_bits(sum_of_terms: f64) -> f64 {
    -sum_of_terms * std::f64::consts::LOG2_E
}

/// Shannon entropy in bits from [`entropy_terms`], for the tests.
#[cfg(test)]
fn entropy(values: &[f64], sum: f64) -> f64 {
    let mut terms = vec![0.0; values.len()];
    entropy_terms(values, sum, &mut terms);
    entropy_bits(terms.iter().fold(0.0, |e, t| e + t))
}

/// Mean peak-to-valley distance of local extrema (each a strict extremum over
/// two neighbours on each side), per bin: how "comb-like" the spectrum is.
///
/// The extrema are gathered first without a branch (every bin is written,
/// only an extremum advances the end), since whether a bin is one is close
/// to random and a branch on it mispredicts; then their distances are summed
/// in order.
fn harmonicity(power: &[f64], n_bins: f64, extrema: &mut Vec<f64>) -> f64 {
    let last = power.len() - 1;
    // Bins 3..last-1, each with two neighbours either side: the five
    // shifted views line up bin j's neighbourhood at one index, so the
    // comparisons vectorise.
    let m = last.saturating_sub(4);
    let view = |shift: usize| &power[(1 + shift).min(power.len())..][..m];
    let (a, b, v, c, d) = (view(0), view(1), view(2), view(3), view(4));
    extrema.clear();
    extrema.resize(m, 0.0);
    let mut flags = [0u8; 64];
    let mut count = 0;
    for start in (0..m).step_by(flags.len()) {
        let end = (start + flags.len()).min(m);
        let flags = &mut flags[..end - start];
        let rows = a[start..end].iter().zip(&b[start..end]).zip(&v[start..end]).zip(&c[start..end]).zip(&d[start..end]);
        for (f, ((((&a, &b), &v), &c), &d)) in flags.iter_mut().zip(rows) {
            let is_max = (a < v) & (b < v) & (v > c) & (v > d);
            let is_min = (a > v) & (b > v) & (v < c) & (v < d);
            *f = u8::from(is_max | is_min);
        }
        for (&f, &v) in flags.iter().zip(&v[start..end]) {
            extrema[count] = v;
            count += usize::from(f);
        }
    }
    let mut sum = 0.0;
    for w in extrema[..count].windows(2) {
        sum += (w[1] - w[0]).abs();
    }
    sum / 2.0 / n_bins
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_edges_follow_the_fft_grid() {
        let b = BandSum::new(250.0, 650.0, 31.25, 257);
        assert_eq!((b.lo, b.hi), (8, 20));
        assert_eq!(b.lo_weight, 1.0);
        assert!((b.hi_weight - 0.8).abs() < 1e-12);
        let b = BandSum::new(1000.0, 4000.0, 31.25, 257);
        assert_eq!((b.lo, b.hi, b.hi_weight), (32, 128, 1.0));
    }

    #[test]
    fn a_single_line_has_its_centroid_and_rolloff_there() {
        let mut s = SpectralShape::new(257, 31.25);
        let mut power = vec![0.0; 257];
        power[64] = 1.0;
        let mag = power.clone();
        let mut out = [0.0; COUNT];
        s.compute(&mag, &power, &mut out);
        assert_eq!(out[7], 2000.0);
        assert_eq!(&out[2..6], &[2000.0; 4]);
        assert_eq!(out[9], 0.0);
        assert_eq!(out[6], 0.0, "no flux on the first frame");
    }

    #[test]
    fn entropy_of_a_flat_spectrum_is_log2_of_its_size() {
        // The terms are f32 values: good to about 1e-7 relative.
        assert!((entropy(&[3.0; 256], 768.0) - 8.0).abs() < 8.0 * 1e-6);
    }
}
