//! The four generated reference signals must give physically sane values:
//! silence has zero energy and no F0, the 220 Hz tone has F0 within 2 Hz of
//! 220, white noise is loud and spectrally flat, and the glide's F0 follows
//! openSMILE's track of it.

mod common;

use common::*;
use emorec::features::{extract, FeatureMatrix, FeatureSet};

fn features(name: &str) -> FeatureMatrix {
    let x = emorec::audio::load_16k(&reference_dir().join(format!("{name}.wav"))).unwrap();
    extract(FeatureSet::Compare2016, &x, true).unwrap()
}

fn column(m: &FeatureMatrix, name: &str) -> Vec<f32> {
    m.column(m.column_index(name).unwrap_or_else(|| panic!("no column {name}")))
}

#[test]
fn silence_has_zero_energy_and_no_pitch() {
    let m = features("synthetic_silence");
    assert!(m.n_frames() > 90);
    for name in ["pcm_RMSenergy_sma", "F0final_sma", "voicingFinalUnclipped_sma", "jitterLocal_sma", "shimmerLocal_sma"]
    {
        assert!(column(&m, name).iter().all(|&v| v == 0.0), "{name} must be 0 on silence");
    }
    assert!(m.data.iter().all(|v| v.is_finite()), "every value finite on silence");
}

#[test]
fn tone_220_hz_has_f0_within_2_hz() {
    let m = features("synthetic_tone220");
    let f0 = column(&m, "F0final_sma");
    // Skip the edges, where a 60 ms window straddles the start or end.
    let inner = &f0[5..f0.len() - 5];
    for (i, &v) in inner.iter().enumerate() {
        assert!((v - 220.0).abs() <= 2.0, "frame {}: F0 {v} Hz", i + 5);
    }
    let rms = column(&m, "pcm_RMSenergy_sma");
    let expected = 0.3 / 2f32.sqrt();
    assert!(rms[10..rms.len() - 10].iter().all(|&v| (v - expected).abs() < 0.01), "sine of amplitude 0.3");
}

#[test]
fn noise_is_loud_and_spectrally_flat() {
    let m = features("synthetic_noise");
    let rms = column(&m, "pcm_RMSenergy_sma");
    assert!(rms.iter().all(|&v| v > 0.01));
    let entropy = column(&m, "pcm_fftMag_spectralEntropy_sma");
    // A flat 256-bin spectrum has 8 bits; white noise comes close.
    assert!(entropy.iter().all(|&v| v > 7.0), "noise entropy {:?}", &entropy[..5]);
    let zcr = column(&m, "pcm_zcr_sma");
    assert!(zcr.iter().all(|&v| v > 0.3), "white noise crosses zero often");
}

#[test]
fn glide_pitch_follows_opensmile() {
    // The generated "glide" moves its pitch up and down between about 100 and
    // 200 Hz; openSMILE's own F0 track of it is the reference.
    let m = features("synthetic_glide");
    let ours: Vec<f64> = column(&m, "F0final_sma").iter().map(|&v| v as f64).collect();
    let reference = read_reference("synthetic_glide", "compare2016_lld");
    let j = reference.names.iter().position(|n| n == "F0final_sma").unwrap();
    let theirs: Vec<f64> = reference.rows.iter().map(|r| r[j]).collect();
    let n = ours.len().min(theirs.len());
    let voiced = ours[..n].iter().filter(|&&v| v > 0.0).count();
    assert!(voiced > n / 2, "the glide is mostly voiced ({voiced} of {n} frames)");
    let r = pearson(&ours[..n], &theirs[..n]).expect("F0 varies");
    assert!(r >= 0.85, "F0 of the glide: r = {r:.3} against openSMILE");
}
