//! Energies on a log scale, as the model reads them (`log_energy` in a
//! training config and in a bundle's `inputs.toml`).
//!
//! ComParE_2016 keeps its energy descriptors linear (openSMILE's output, and
//! the speech gate's input, stay so). Linear energies are heavy-tailed:
//! standardising one by a speaker's or the corpus's deviation lets the
//! loudest syllables set the scale and squeezes everything else near zero,
//! and a model then reads peaks rather than the loudness contour. On a log
//! scale a contour's shape is the same at any level, and the floor makes a
//! digital-zero pause and a quiet microphone's noise the same value: a
//! linear classifier on utterance statistics gains 1.6 points of UA leaving
//! RAVDESS actors out with it (README, Results: `scripts/linear-baseline.py`).

use super::FeatureMatrix;

/// Added before the logarithm: −80 dB relative to full scale for the RMS
/// energy, 55 dB under speech at the level the shipped models normalise to
/// (−25 dBFS), so what is quieter than that counts as silence.
const LOG_ENERGY_FLOOR: f32 = 1e-4;

/// The descriptors that are energies (never negative), by name; their
/// deltas stay as computed.
fn is_energy(name: &str) -> bool {
    matches!(
        name,
        "audspec_lengthL1norm_sma"
            | "pcm_RMSenergy_sma"
            | "pcm_fftMag_fband250-650_sma"
            | "pcm_fftMag_fband1000-4000_sma"
    ) || name.starts_with("audSpec_Rfilt_sma[")
}

/// Replaces every energy `x` by `ln(max(x, 0) + LOG_ENERGY_FLOOR)`.
pub fn log_energies(m: &mut FeatureMatrix) {
    let columns: Vec<usize> = (0..m.n_columns()).filter(|&j| is_energy(&m.names[j])).collect();
    let c = m.n_columns();
    if c == 0 {
        return;
    }
    for row in m.data.chunks_exact_mut(c) {
        for &j in &columns {
            row[j] = (row[j].max(0.0) + LOG_ENERGY_FLOOR).ln();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::compare;

    #[test]
    fn compresses_the_energies_and_nothing_else() {
        let names = compare::column_names();
        let energies: Vec<&String> = names.iter().filter(|n| is_energy(n)).collect();
        assert_eq!(energies.len(), 2 + 26 + 2, "{energies:?}");
        let n = names.len();
        let mut m = FeatureMatrix { names: names.clone(), data: vec![0.5; 2 * n], hop_s: 0.01, frame_s: 0.06 };
        m.data[n + compare::col::RMS] = 0.0;
        m.data[n + compare::col::RASTA_BANDS] = -0.2;
        log_energies(&mut m);
        let rms = compare::col::RMS;
        assert!((m.data[rms] - (0.5f32 + 1e-4).ln()).abs() < 1e-6);
        assert_eq!(m.data[n + rms], LOG_ENERGY_FLOOR.ln(), "silence is the floor");
        assert_eq!(m.data[n + compare::col::RASTA_BANDS], LOG_ENERGY_FLOOR.ln(), "a negative band is silence");
        assert_eq!(m.data[compare::col::VOICING], 0.5, "F0 untouched");
        assert_eq!(m.data[compare::col::RASTA_L1], 0.5, "the RASTA-filtered sum can be negative: untouched");
        assert_eq!(m.data[compare::col::MFCC], 0.5);
    }
}
