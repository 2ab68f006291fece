//! The output must not follow the input gain: the same real utterance played
//! 20 dB quieter, as recorded and 20 dB louder (not clipped: float samples
//! beyond ±1 are kept) gives the same descriptors after level normalisation
//! and, through the shipped model, class probabilities within 0.05.

mod common;

use std::path::Path;

use burn::tensor::Device;
use emorec::features::{Extractor, FeatureSet};
use emorec::pipeline::{Bundle, Input};

/// Real utterances from each shared corpus (RAVDESS is the quietest, about
/// -38 dBFS, so +20 dB still stays near full scale).
const FILES: &[&str] = &[
    "ravdess/Actor_01/03-01-05-01-01-01-01.flac",
    "ravdess/Actor_12/03-01-04-02-02-01-12.flac",
    "tess/OAF_happy/OAF_bath_happy.flac",
    "emovo/m2/tri-m2-l1.flac",
];

fn gained(x: &[f32], db: f64) -> Vec<f32> {
    let g = 10f64.powf(db / 20.0) as f32;
    x.iter().map(|v| v * g).collect()
}

#[test]
fn level_normalised_descriptors_do_not_follow_the_gain() {
    let x = emorec::audio::load_16k(&common::shared_dir().join("data").join(FILES[0])).unwrap();
    let mut fx = Extractor::new(FeatureSet::Compare2016).with_level(Some(-25.0));
    let reference = fx.extract(&x, true).unwrap();
    for db in [-20.0, 20.0] {
        let m = fx.extract(&gained(&x, db), true).unwrap();
        assert_eq!(m.names, reference.names);
        // Relative to each column's spread: float rounding only.
        for j in 0..m.n_columns() {
            let (a, b) = (reference.column(j), m.column(j));
            let scale = a.iter().map(|v| v.abs()).fold(1e-6f32, f32::max);
            let worst = a.iter().zip(&b).map(|(p, q)| (p - q).abs()).fold(0.0f32, f32::max);
            assert!(worst <= 1e-3 * scale, "{} at {db:+} dB: {worst} (scale {scale})", m.names[j]);
        }
    }
}

#[test]
#[allow(deprecated)]
fn the_shipped_model_does_not_follow_the_gain() {
    let bundle = Bundle::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("www/model"), &Device::ndarray()).unwrap();
    assert!(bundle.inputs.level_dbfs.is_some(), "the shipped model must normalise the input level (inputs.toml)");
    let mut extractor = bundle.extractor().unwrap();
    for name in FILES {
        let x = emorec::audio::load_16k(&common::shared_dir().join("data").join(name)).unwrap();
        let mut probs = |db: f64| {
            let y = gained(&x, db);
            let c = bundle.classify(&mut extractor, &Input::new(Some((&y, 16_000)), None)).unwrap();
            assert_eq!(c.speech, Some(true), "{name} at {db:+} dB is speech");
            c.probabilities.unwrap()
        };
        let at0 = probs(0.0);
        for db in [-20.0, 20.0] {
            let p = probs(db);
            let worst = p.iter().zip(&at0).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
            assert!(worst <= 0.05, "{name}: {db:+} dB moves a probability by {worst} ({p:?} vs {at0:?})");
        }
    }
}
