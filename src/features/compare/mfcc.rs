//! Mel-frequency cepstral coefficients 1-14, HTK-compatible as ComParE_2016
//! asks: band powers on the 16-bit sample scale, log with a floor of 1, a
//! DCT-II with sqrt(2/N) scaling, and sinusoidal liftering (L = 22).

/// HTK reads samples as 16-bit integers; our samples are in [-1, 1].
const HTK_POWER_SCALE: f64 = 32767.0 * 32767.0;
const LIFTER: f64 = 22.0;

pub struct Mfcc {
    /// `count x n_bands` DCT basis, lifter and scale folded in.
    basis: Vec<f64>,
    n_bands: usize,
    log_bands: Vec<f64>,
}

impl Mfcc {
    /// Coefficients `first..=last` of `n_bands` Mel bands.
    pub fn new(n_bands: usize, first: usize, last: usize) -> Self {
        let scale = (2.0 / n_bands as f64).sqrt();
        let mut basis = Vec::with_capacity((last - first + 1) * n_bands);
        for i in first..=last {
            let lifter = 1.0 + LIFTER / 2.0 * (std::f64::consts::PI * i as f64 / LIFTER).sin();
            for m in 0..n_bands {
                let c = (std::f64::consts::PI * i as f64 / n_bands as f64 * (m as f64 + 0.5)).cos();
                basis.push(c * lifter * scale);
            }
        }
        Mfcc { basis, n_bands, log_bands: vec![0.0; n_bands] }
    }

    #[cfg(test)]
    fn count(&self) -> usize {
        self.basis.len() / self.n_bands
    }

    /// `bands`: Mel band powers of [-1, 1] samples.
    pub fn compute(&mut self, bands: &[f64], out: &mut [f64]) {
        for (l, &b) in self.log_bands.iter_mut().zip(bands) {
            *l = super::maths::ln(super::floor_at(b * HTK_POWER_SCALE, 1.0));
        }
        for (o, row) in out.iter_mut().zip(self.basis.chunks_exact(self.n_bands)) {
            *o = row.iter().zip(&self.log_bands).map(|(a, b)| a * b).sum();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_log_spectrum_has_zero_cepstrum() {
        let mut m = Mfcc::new(26, 1, 14);
        let mut out = vec![0.0; m.count()];
        m.compute(&[1.0; 26], &mut out);
        assert!(out.iter().all(|c| c.abs() < 1e-9), "{out:?}");
    }
}
