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
pub fn zero_crossing_rate(frame: &[f32]) -> f64 {
    let n = frame.len();
    if n < 3 {
        return 0.0;
    }
    let mut count = 0usize;
    for i in 1..n - 1 {
        let (prev, cur, next) = (frame[i - 1] as f64, frame[i] as f64, frame[i + 1] as f64);
        if (cur == 0.0 && prev * next <= 0.0) || prev * cur < 0.0 {
            count += 1;
        }
    }
    count as f64 / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

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
