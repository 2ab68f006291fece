//! Spectral shape descriptors of the 20 ms power spectrum (openSMILE's
//! `cSpectral` with the ComParE_2016 options). All of them ignore the DC bin.
//!
//! Where openSMILE's definitions are unusual we follow them, because models
//! trained on openSMILE features expect them: band energies are divided by
//! the number of bins, the slope is scaled by (bins - 1) (its `oldSlopeScale`),
//! and flux is the RMS of magnitude differences without normalisation.

/// Number of spectral outputs, in ComParE column order.
pub const COUNT: usize = 15;

pub struct SpectralShape {
    bin_hz: f64,
    /// Bins 1..=last (DC excluded, Nyquist included).
    last: usize,
    bands: [BandSum; 2],
    sharpness_weight: Vec<f64>,
    previous_magnitude: Vec<f64>,
    has_previous: bool,
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
        SpectralShape {
            bin_hz,
            last,
            bands: [BandSum::new(250.0, 650.0, bin_hz, n_bins), BandSum::new(1000.0, 4000.0, bin_hz, n_bins)],
            sharpness_weight,
            previous_magnitude: vec![0.0; n_bins],
            has_previous: false,
        }
    }

    pub fn reset(&mut self) {
        self.has_previous = false;
    }

    /// Computes the 15 descriptors of one frame from its magnitude and power
    /// spectra.
    pub fn compute(&mut self, magnitude: &[f64], power: &[f64], out: &mut [f64; COUNT]) {
        let range = 1..=self.last;
        let n_bins = self.last as f64;
        let freq = |j: usize| j as f64 * self.bin_hz;

        let total: f64 = power[range.clone()].iter().sum();
        out[0] = self.bands[0].sum(power) / n_bins;
        out[1] = self.bands[1].sum(power) / n_bins;

        // Roll-off points: the first bin where the cumulative power reaches the share.
        let shares = [0.25, 0.5, 0.75, 0.9];
        let mut rolloff = [0.0f64; 4];
        let mut cumulative = 0.0;
        for j in range.clone() {
            cumulative += power[j];
            for (r, share) in rolloff.iter_mut().zip(shares) {
                if *r == 0.0 && cumulative >= share * total {
                    *r = freq(j);
                }
            }
        }
        out[2..6].copy_from_slice(&rolloff);

        // Flux: RMS difference of magnitudes to the previous frame (0 for the first).
        out[6] = if self.has_previous {
            let sq: f64 = range.clone().map(|j| (magnitude[j] - self.previous_magnitude[j]).powi(2)).sum();
            (sq / n_bins).sqrt()
        } else {
            0.0
        };
        self.previous_magnitude.copy_from_slice(magnitude);
        self.has_previous = true;

        // Centroid and central moments of the power distribution over frequency.
        let weighted: f64 = range.clone().map(|j| freq(j) * power[j]).sum();
        let centroid = if total != 0.0 { weighted / total } else { 0.0 };
        out[7] = centroid;
        out[8] = entropy(&power[range.clone()]);
        let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
        for j in range.clone() {
            let d = freq(j) - centroid;
            let m = d * d * power[j];
            m2 += m;
            m3 += m * d;
            m4 += m * d * d;
        }
        let variance = if total != 0.0 { m2 / total } else { 0.0 };
        out[9] = variance;
        out[10] = if variance > 0.0 { m3 / (total * variance * variance.sqrt()) } else { 0.0 };
        out[11] = if variance != 0.0 { m4 / (total * variance * variance) } else { 0.0 };

        // Least-squares slope of power over frequency, openSMILE-scaled.
        let (mut sf, mut sf2) = (0.0, 0.0);
        for j in range.clone() {
            sf += freq(j);
            sf2 += freq(j) * freq(j);
        }
        let denom = n_bins * sf2 - sf * sf;
        let slope = if denom != 0.0 { (n_bins * weighted - sf * total) / denom } else { 0.0 };
        out[12] = slope * (n_bins - 1.0);

        // Sharpness: Bark-weighted centroid, scaled by 0.11 (Zwicker).
        let sharp: f64 = range.clone().map(|j| self.sharpness_weight[j] * power[j]).sum();
        out[13] = if total != 0.0 { 0.11 * sharp / total } else { 0.0 };

        out[14] = harmonicity(&power[..=self.last], n_bins);
    }
}

/// Shannon entropy (bits) of the spectrum read as a distribution; values at or
/// below 1e-7 count as 1e-7 so that silent bins do not produce log(0).
fn entropy(values: &[f64]) -> f64 {
    const FLOOR: f64 = 1e-7;
    let total: f64 = values.iter().sum::<f64>().max(FLOOR);
    let mut e = 0.0;
    for &v in values {
        let p = v.max(FLOOR) / total;
        e += p * p.log2();
    }
    -e
}

/// Mean peak-to-valley distance of local extrema (each a strict extremum over
/// two neighbours on each side), per bin: how "comb-like" the spectrum is.
fn harmonicity(power: &[f64], n_bins: f64) -> f64 {
    let last = power.len() - 1;
    let mut sum = 0.0;
    let mut previous: Option<f64> = None;
    for j in 3..last.saturating_sub(1) {
        let v = power[j];
        let is_max = power[j - 2] < v && power[j - 1] < v && v > power[j + 1] && v > power[j + 2];
        let is_min = power[j - 2] > v && power[j - 1] > v && v < power[j + 1] && v < power[j + 2];
        if is_max || is_min {
            if let Some(p) = previous {
                sum += (v - p).abs();
            }
            previous = Some(v);
        }
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
        assert!((entropy(&[3.0; 256]) - 8.0).abs() < 1e-9);
    }
}
