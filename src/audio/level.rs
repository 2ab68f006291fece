//! Input level, measured and normalised before analysis.
//!
//! Why: the energy and spectral-band descriptors follow the input gain, and
//! F0 is only looked for in frames above a fixed energy (openSMILE's rule).
//! The shared corpora differ by about 10 dB in level (median RMS -29 dBFS for
//! TESS, -38 for RAVDESS) and other microphones and studios by 20 dB more, so
//! a model trained on raw levels learns the recording as emotion. Scaling each
//! recording so that its loud frames sit at one level makes every descriptor
//! independent of the gain (exactly, for a pure gain change: the level
//! estimate below scales with the signal), while the contour of loudness
//! within the utterance, which does carry emotion, is kept.
//!
//! The level is the 95th percentile of 25 ms frame RMS every 10 ms ("the
//! loud frames"): unlike the mean or the peak it ignores pauses and clicks.

/// Frame length and hop at 16 kHz (25 ms every 10 ms, as the descriptors).
const FRAME: usize = 400;
const HOP: usize = 160;

/// The largest gain applied. A recording 60 dB below the target is almost
/// certainly not speech at a usable level (the speech gate then says "too
/// little signal"); raising it further would only raise its noise floor.
pub const MAX_GAIN_DB: f64 = 60.0;

/// The level reported for digital silence.
pub const SILENCE_DBFS: f64 = -200.0;

/// What [`normalize_level`] found and did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelChange {
    /// The loud-frame level of the input, in dBFS.
    pub loud_dbfs: f64,
    /// The gain applied, in dB (0 for digital silence).
    pub gain_db: f64,
}

/// The RMS of each 25 ms frame every 10 ms of mono 16 kHz samples (frame `t`
/// starts at sample `160 t`); a recording shorter than one frame is one
/// frame. Also what [`super::segment`] reads pauses from.
pub fn frame_rms(samples: &[f32]) -> Vec<f64> {
    let n_frames = if samples.len() <= FRAME { 1 } else { (samples.len() - FRAME) / HOP + 1 };
    (0..n_frames)
        .map(|t| {
            let frame = &samples[(t * HOP).min(samples.len())..(t * HOP + FRAME).min(samples.len())];
            let energy: f64 = frame.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
            (energy / frame.len().max(1) as f64).sqrt()
        })
        .collect()
}

/// The 95th percentile of 25 ms frame RMS (every 10 ms) of mono 16 kHz
/// samples, in dBFS; [`SILENCE_DBFS`] for digital silence. A recording
/// shorter than one frame is one frame.
pub fn loud_level_dbfs(samples: &[f32]) -> f64 {
    let mut rms = frame_rms(samples);
    loud_of(&mut rms)
}

/// The 95th percentile of frame RMS values (reordered), in dBFS.
pub(super) fn loud_of(rms: &mut [f64]) -> f64 {
    let k = ((rms.len() - 1) as f64 * 0.95).round() as usize;
    let (_, loud, _) = rms.select_nth_unstable_by(k, f64::total_cmp);
    if *loud > 0.0 {
        20.0 * loud.log10()
    } else {
        SILENCE_DBFS
    }
}

/// Scales `samples` (mono, 16 kHz) so that their loud frames sit at
/// `target_dbfs`, with at most [`MAX_GAIN_DB`] of gain; digital silence is
/// left as it is. Samples may exceed ±1 afterwards: the descriptors are
/// computed in floating point, so nothing clips.
pub fn normalize_level(samples: &mut [f32], target_dbfs: f64) -> LevelChange {
    let loud_dbfs = loud_level_dbfs(samples);
    if loud_dbfs <= SILENCE_DBFS {
        return LevelChange { loud_dbfs, gain_db: 0.0 };
    }
    let gain_db = (target_dbfs - loud_dbfs).min(MAX_GAIN_DB);
    let gain = 10f64.powf(gain_db / 20.0) as f32;
    for x in samples.iter_mut() {
        *x *= gain;
    }
    LevelChange { loud_dbfs, gain_db }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(n: usize, amplitude: f32) -> Vec<f32> {
        (0..n).map(|i| amplitude * (i as f32 * 0.07).sin() * (1.0 + (i as f32 * 0.0005).sin())).collect()
    }

    #[test]
    fn a_gain_change_is_undone() {
        let x = tone(16_000, 0.1);
        let mut quiet: Vec<f32> = x.iter().map(|v| v * 0.01).collect();
        let mut loud: Vec<f32> = x.iter().map(|v| v * 10.0).collect();
        let a = normalize_level(&mut quiet, -25.0);
        let b = normalize_level(&mut loud, -25.0);
        assert!((a.loud_dbfs - b.loud_dbfs + 60.0).abs() < 1e-4, "{a:?} {b:?}");
        for (p, q) in quiet.iter().zip(&loud) {
            assert!((p - q).abs() <= 1e-5 * q.abs().max(1e-3), "{p} {q}");
        }
        assert!((loud_level_dbfs(&loud) + 25.0).abs() < 1e-6);
    }

    #[test]
    fn silence_and_tiny_input() {
        let mut zeros = vec![0.0f32; 8_000];
        assert_eq!(normalize_level(&mut zeros, -25.0), LevelChange { loud_dbfs: SILENCE_DBFS, gain_db: 0.0 });
        assert!(zeros.iter().all(|&v| v == 0.0));
        let mut faint = tone(8_000, 1e-6);
        let c = normalize_level(&mut faint, -25.0);
        assert_eq!(c.gain_db, MAX_GAIN_DB);
        let mut one = vec![0.5f32];
        assert!((normalize_level(&mut one, -25.0).loud_dbfs - 20.0 * 0.5f64.log10()).abs() < 1e-9);
    }
}
