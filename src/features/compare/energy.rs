//! Time-domain descriptors: RMS energy of the raw 20 ms frame and the
//! zero-crossing rate of the raw 60 ms frame (no window for either, as in
//! ComParE_2016).

/// Root mean square of the samples.
pub fn rms(frame: &[f32]) -> f64 {
    let sum: f64 = frame.iter().map(|&x| (x as f64) * (x as f64)).sum();
    (sum / frame.len().max(1) as f64).sqrt()
}

/// Frames whose energies [`frame_rms`] sums side by side.
const LANES: usize = 4;

/// [`rms`] of each of the `out.len()` frames of `len` samples starting
/// every `hop` samples of `x` (all of them must fit).
///
/// Each frame's sum of squares is one serial chain of adds, so frames are
/// summed [`LANES`] at a time, one per lane: the chains overlap and each
/// lane adds its frame's squares in sample order from zero, as [`rms`]
/// does (its sum starts from -0.0, which gives the same first partial
/// sum since squares are never -0.0), so the results are the same bits.
pub fn frame_rms(x: &[f32], hop: usize, len: usize, out: &mut [f32]) {
    let done = out.len() / LANES * LANES;
    let mut blocks = out.chunks_exact_mut(LANES);
    for (b, block) in blocks.by_ref().enumerate() {
        let start = b * LANES * hop;
        let frames: [&[f32]; LANES] = std::array::from_fn(|l| &x[start + l * hop..][..len]);
        let mut sum = [0.0f64; LANES];
        for i in 0..len {
            for (s, f) in sum.iter_mut().zip(&frames) {
                let v = f[i] as f64;
                *s += v * v;
            }
        }
        for (o, s) in block.iter_mut().zip(sum) {
            *o = (s / len.max(1) as f64).sqrt() as f32;
        }
    }
    for (t, o) in blocks.into_remainder().iter_mut().enumerate() {
        let start = (done + t) * hop;
        *o = rms(&x[start..start + len]) as f32;
    }
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
    /// The crossings are flagged a block at a time in a loop of their own
    /// (which vectorises), then added up into the running counts.
    pub fn new(x: &[f32]) -> Self {
        let interior = x.len().saturating_sub(2);
        let mut counts = vec![0u32; 2 + interior];
        let mut flags = [0u8; 64];
        let mut total = 0u32;
        for (block, counts) in counts[2..].chunks_mut(flags.len()).enumerate() {
            let w = &x[block * flags.len()..][..counts.len() + 2];
            let flags = &mut flags[..counts.len()];
            for (f, ((&prev, &cur), &next)) in flags.iter_mut().zip(w.iter().zip(&w[1..]).zip(&w[2..])) {
                *f = u8::from(is_crossing(prev, cur, next));
            }
            for (c, &f) in counts.iter_mut().zip(flags.iter()) {
                total += u32::from(f);
                *c = total;
            }
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
    fn frame_energies_are_each_frames_rms_exactly() {
        let x: Vec<f32> = (0..5000).map(|i| (((i * 7919) % 2003) as f32 / 1001.0 - 1.0) * 0.3).collect();
        for n in [0, 1, 4, 7, 26] {
            let mut out = vec![0.0f32; n];
            frame_rms(&x, 160, 320, &mut out);
            for (t, &e) in out.iter().enumerate() {
                assert_eq!(e.to_bits(), (rms(&x[t * 160..t * 160 + 320]) as f32).to_bits(), "frame {t} of {n}");
            }
        }
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
