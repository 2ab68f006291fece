//! Time-domain descriptors: RMS energy of the raw 20 ms frame and the
//! zero-crossing rate of the raw 60 ms frame (no window for either, as in
//! ComParE_2016).

/// Root mean square of the samples.
pub fn rms(frame: &[f32]) -> f64 {
    let sum: f64 = frame.iter().map(|&x| (x as f64) * (x as f64)).sum();
    (sum / frame.len().max(1) as f64).sqrt()
}

/// Zero crossings per sample, openSMILE's way: a sign change between
/// neighbours, or an exact zero between samples of opposite (or zero) sign,
/// counted over the interior samples and divided by the frame length. Digital
/// silence therefore reads as (N - 2) / N, which is what openSMILE reports.
/// The extractor computes it through [`ZeroCrossings`]; this is the
/// definition the tests hold that to.
#[cfg(test)]
pub fn zero_crossing_rate(frame: &[f32]) -> f64 {
    let n = frame.len();
    if n < 3 {
        return 0.0;
    }
    let count: usize = frame.windows(3).map(|w| usize::from(is_crossing(w[0], w[1], w[2]))).sum();
    count as f64 / n as f64
}

/// Whether sample `i` (with neighbours `prev` and `next`) is a crossing in
/// [`zero_crossing_rate`]'s sense. Written without short-circuits so that
/// loops over it vectorise.
#[inline(always)]
fn is_crossing(prev: f32, cur: f32, next: f32) -> bool {
    let (prev, cur, next) = (prev as f64, cur as f64, next as f64);
    (cur == 0.0) & (prev * next <= 0.0) | (prev * cur < 0.0)
}

/// The crossings of a whole signal, counted once, so that the zero-crossing
/// rate of every (overlapping) frame is a difference of two running counts:
/// each 60 ms frame would otherwise examine its samples anew, six times
/// each at the 10 ms hop. Gives [`zero_crossing_rate`] exactly.
pub struct ZeroCrossings {
    /// `counts[i]`: crossings among samples `1..i` (sample 0 has no left
    /// neighbour and never counts).
    counts: Vec<u32>,
}

impl ZeroCrossings {
    pub fn new(x: &[f32]) -> Self {
        let mut counts = Vec::with_capacity(x.len() + 1);
        counts.push(0);
        counts.push(0);
        let mut total = 0u32;
        for w in x.windows(3) {
            total += u32::from(is_crossing(w[0], w[1], w[2]));
            counts.push(total);
        }
        ZeroCrossings { counts }
    }

    /// [`zero_crossing_rate`] of `x[start..start + len]` (the frame must lie
    /// within the signal given to [`ZeroCrossings::new`]).
    pub fn rate(&self, start: usize, len: usize) -> f64 {
        if len < 3 {
            return 0.0;
        }
        // Interior samples start + 1 ..= start + len - 2.
        let count = self.counts[start + len - 1] - self.counts[start + 1];
        count as f64 / len as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_counts_give_each_frames_rate_exactly() {
        let x: Vec<f32> = (0..3000)
            .map(|i| match i % 7 {
                0 => 0.0,
                3 => -((i * 31) % 11) as f32,
                _ => (((i * 7919) % 13) as f32 - 6.0) * 0.1,
            })
            .collect();
        let z = ZeroCrossings::new(&x);
        for start in (0..x.len() - 960).step_by(37) {
            assert_eq!(z.rate(start, 960), zero_crossing_rate(&x[start..start + 960]), "frame at {start}");
        }
        assert_eq!(z.rate(0, 2), 0.0);
    }

    #[test]
    fn rms_of_a_constant_is_its_magnitude() {
        assert!((rms(&[-0.5; 10]) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn zcr_of_silence_matches_opensmile() {
        assert!((zero_crossing_rate(&[0.0; 960]) - 958.0 / 960.0).abs() < 1e-12);
    }

    #[test]
    fn zcr_of_an_alternating_signal_is_nearly_one() {
        let x: Vec<f32> = (0..100).map(|i| if i % 2 == 0 { 1.0 } else { -1.0 }).collect();
        assert!((zero_crossing_rate(&x) - 98.0 / 100.0).abs() < 1e-12);
    }
}
