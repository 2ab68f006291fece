//! Post-processing of descriptor contours: openSMILE's moving-average smoother
//! (the `_sma` suffix) and delta regression (the `_de` suffix).
//!
//! openSMILE reads frames before the first and after the last as copies of the
//! edge frame (its data memory pads that way), so both do the same here: a
//! constant signal keeps its value at the edges and has zero delta there.

/// Centred moving average over `win` frames (odd; openSMILE's `smaWin`).
///
/// With `skip_zeros` (openSMILE's `noZeroSma`, used for F0 and voice quality),
/// a zero frame stays zero and zero neighbours are left out of the mean, so
/// unvoiced gaps do not drag the contour towards zero.
pub fn smooth_moving_average(x: &[f32], win: usize, skip_zeros: bool, out: &mut [f32]) {
    assert_eq!(x.len(), out.len(), "smoothing output must match input length");
    let n = x.len();
    if n == 0 {
        return;
    }
    let half = (win.max(1) | 1) / 2;
    let at = |i: isize| x[i.clamp(0, n as isize - 1) as usize];
    for (t, o) in out.iter_mut().enumerate() {
        let t = t as isize;
        if skip_zeros {
            if x[t as usize] == 0.0 {
                *o = 0.0;
                continue;
            }
            let (mut sum, mut count) = (x[t as usize], 1.0f32);
            for w in 1..=half as isize {
                for v in [at(t - w), at(t + w)] {
                    if v != 0.0 {
                        sum += v;
                        count += 1.0;
                    }
                }
            }
            *o = sum / count;
        } else {
            let mut sum = x[t as usize];
            for w in 1..=half as isize {
                sum += at(t - w) + at(t + w);
            }
            *o = sum / (2 * half + 1) as f32;
        }
    }
}

/// Regression delta over ±`win` frames: `sum_k k (x[t+k] - x[t-k]) / (2 sum_k k^2)`.
pub fn delta_regression(x: &[f32], win: usize, out: &mut [f32]) {
    assert_eq!(x.len(), out.len(), "delta output must match input length");
    let n = x.len();
    if n == 0 {
        return;
    }
    let norm: f32 = 2.0 * (1..=win).map(|k| (k * k) as f32).sum::<f32>();
    let at = |i: isize| x[i.clamp(0, n as isize - 1) as usize];
    for (t, o) in out.iter_mut().enumerate() {
        let t = t as isize;
        let mut num = 0.0f32;
        for k in 1..=win as isize {
            num += k as f32 * (at(t + k) - at(t - k));
        }
        *o = num / norm;
    }
}

/// Delta regression inside voiced segments, for contours where 0 means "no
/// value" (F0, voicing, jitter, shimmer): pairs that reach a zero frame are
/// left out and the normaliser counts only the pairs used, as openSMILE's
/// `onlyInSegments` option intends. (openSMILE 2.x lets that normaliser
/// accumulate across frames, so its own voicing deltas shrink as a file goes
/// on; we do not reproduce that.)
pub fn delta_regression_in_segments(x: &[f32], win: usize, out: &mut [f32]) {
    assert_eq!(x.len(), out.len(), "delta output must match input length");
    let n = x.len();
    if n == 0 {
        return;
    }
    let at = |i: isize| x[i.clamp(0, n as isize - 1) as usize];
    for (t, o) in out.iter_mut().enumerate() {
        let t = t as isize;
        let (mut num, mut norm) = (0.0f32, 0.0f32);
        for k in 1..=win as isize {
            let (later, earlier) = (at(t + k), at(t - k));
            if later != 0.0 && earlier != 0.0 {
                num += k as f32 * (later - earlier);
                norm += 2.0 * (k * k) as f32;
            }
        }
        *o = if norm > 0.0 { num / norm } else { 0.0 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_average_keeps_constants_at_the_edges() {
        let x = [2.0f32; 5];
        let mut y = [0.0; 5];
        smooth_moving_average(&x, 3, false, &mut y);
        assert_eq!(y, x);
    }

    #[test]
    fn moving_average_without_zeros_ignores_gaps() {
        let x = [0.0f32, 3.0, 6.0, 0.0, 0.0];
        let mut y = [0.0; 5];
        smooth_moving_average(&x, 3, true, &mut y);
        assert_eq!(y, [0.0, 4.5, 4.5, 0.0, 0.0]);
        smooth_moving_average(&x, 3, false, &mut y);
        assert_eq!(y, [1.0, 3.0, 3.0, 2.0, 0.0]);
    }

    #[test]
    fn segment_deltas_ignore_unvoiced_neighbours() {
        let x = [0.0f32, 0.0, 100.0, 102.0, 104.0, 106.0, 0.0, 0.0];
        let mut d = [9.0f32; 8];
        delta_regression_in_segments(&x, 2, &mut d);
        assert_eq!(d[0], 0.0);
        // Frame 3: only the k = 1 pair (100, 104) is inside the segment.
        assert!((d[3] - 2.0).abs() < 1e-6, "{}", d[3]);
        // Frame 4: both pairs valid, a clean slope of 2 per frame.
        assert!((d[4] - 2.0).abs() < 1e-6, "{}", d[4]);
    }

    #[test]
    fn delta_of_a_ramp_is_its_slope() {
        let x: Vec<f32> = (0..10).map(|i| 0.5 * i as f32).collect();
        let mut d = vec![0.0; 10];
        delta_regression(&x, 2, &mut d);
        for v in &d[2..8] {
            assert!((v - 0.5).abs() < 1e-6);
        }
        assert!(d[0] < 0.5 && d[0] > 0.0, "edges see a clamped ramp");
    }
}
