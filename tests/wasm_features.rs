//! The browser path, run in headless Chromium by wasm-bindgen-test:
//! a real recording is decoded and its ComParE_2016 descriptors computed in
//! the page, through the JavaScript facade (`emorec::web`) and through the
//! library, and compared with each other and with openSMILE 2.6's output.
//!
//! Run: `cargo test --release --target wasm32-unknown-unknown
//! --no-default-features --test wasm_features` (add `-- --nocapture` to see
//! the correlations). The recording and its reference are embedded at build
//! time from `../shared` beside the repository: without it the build stops at
//! the `include_bytes!` below, naming the missing path.
#![cfg(target_arch = "wasm32")]

mod common;

use common::{parse_reference_gz, pearson, ReferenceTable};
use emorec::features::{extract, FeatureMatrix, FeatureSet};
use emorec::web::{FeatureExtractor, Features};
use js_sys::Float32Array;
use wasm_bindgen::{JsCast, JsError, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

macro_rules! shared_reference {
    ($file:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/reference/opensmile/", $file))
    };
}

/// A real TESS recording (16 kHz mono, 2.1 s) and openSMILE's output for it.
const WAV: &[u8] = shared_reference!("tess_YAF_chief_sad.wav");
const LLD_GZ: &[u8] = shared_reference!("tess_YAF_chief_sad.compare2016_lld.csv.gz");
const LLD_DE_GZ: &[u8] = shared_reference!("tess_YAF_chief_sad.compare2016_lld_de.csv.gz");

/// Columns whose contour must follow openSMILE's on this file, and how
/// closely (Pearson's r). The bar is under the pooled parity bar (0.95) since
/// one short file is noisier than 32.
const CORRELATED: [&str; 7] = [
    "F0final_sma",
    "logHNR_sma",
    "pcm_RMSenergy_sma",
    "pcm_zcr_sma",
    "audSpec_Rfilt_sma[10]",
    "pcm_fftMag_spectralCentroid_sma",
    "mfcc_sma[1]",
];
const MIN_R: f64 = 0.9;

fn samples() -> Vec<f32> {
    let audio = emorec::audio::decode_bytes(WAV.to_vec(), Some("wav")).expect("decode the embedded wav");
    assert_eq!(audio.sample_rate, 16_000);
    audio.samples
}

/// The message JavaScript sees: the error must arrive as a real `Error`.
fn js_message(e: JsError) -> String {
    let value = JsValue::from(e);
    let error = value.dyn_into::<js_sys::Error>().expect("the facade throws an Error object");
    error.message().into()
}

/// Calls the facade as a page does: the samples travel as a Float32Array.
fn facade(fx: &mut FeatureExtractor, x: &[f32], sample_rate: u32, deltas: bool) -> Result<Features, String> {
    let js = Float32Array::from(x);
    fx.extract(&js.to_vec(), sample_rate, deltas).map_err(js_message)
}

/// The library's own answer for the same call, error messages included.
fn library(x: &[f32], sample_rate: u32, deltas: bool) -> Result<FeatureMatrix, String> {
    emorec::audio::prepare(x, sample_rate)
        .and_then(|x| extract(FeatureSet::Compare2016, &x, deltas))
        .map_err(|e| e.to_string())
}

fn names(f: &Features) -> Vec<String> {
    f.names().iter().map(|v| v.as_string().expect("names are strings")).collect()
}

/// Bit-for-bit equality of what JavaScript receives and the library's matrix.
fn assert_same(f: &Features, m: &FeatureMatrix) {
    assert_eq!(names(f), m.names);
    assert_eq!(f.n_frames(), m.n_frames());
    assert_eq!(f.n_columns(), m.n_columns());
    assert_eq!(f.hop_seconds(), m.hop_s);
    assert_eq!(f.frame_seconds(), m.frame_s);
    let data = f.data().to_vec();
    assert_eq!(data.len(), m.data.len());
    let differing = data.iter().zip(&m.data).filter(|(a, b)| a.to_bits() != b.to_bits()).count();
    assert_eq!(differing, 0, "{differing} of {} values differ between the facade and the library", data.len());
}

#[wasm_bindgen_test]
fn facade_equals_library_exactly() {
    let x = samples();
    let mut fx = FeatureExtractor::new();
    for deltas in [false, true] {
        let f = facade(&mut fx, &x, 16_000, deltas).expect("facade extract");
        let m = library(&x, 16_000, deltas).expect("library extract");
        assert_same(&f, &m);
    }
    // A reused extractor gives the same answer as a fresh one.
    let again = facade(&mut fx, &x, 16_000, false).unwrap();
    assert_same(&again, &library(&x, 16_000, false).unwrap());
}

#[wasm_bindgen_test]
fn frames_and_columns_match_opensmile() {
    let x = samples();
    let lld: ReferenceTable = parse_reference_gz(LLD_GZ);
    let de: ReferenceTable = parse_reference_gz(LLD_DE_GZ);
    let mut fx = FeatureExtractor::new();

    let f = facade(&mut fx, &x, 16_000, false).unwrap();
    assert_eq!(names(&f), lld.names, "column names differ from openSMILE's");
    assert_eq!(f.n_frames(), lld.rows.len(), "frames here vs openSMILE's (rows deduplicated by start time)");
    assert_eq!(f.hop_seconds(), 0.01);

    let f = facade(&mut fx, &x, 16_000, true).unwrap();
    let n = lld.names.len();
    assert_eq!(names(&f)[..n], lld.names[..]);
    assert_eq!(names(&f)[n..], de.names[..], "delta column names differ from openSMILE's");
    assert_eq!(f.n_frames(), de.rows.len());
}

#[wasm_bindgen_test]
fn descriptors_follow_opensmile() {
    let x = samples();
    let reference = parse_reference_gz(LLD_GZ);
    let f = facade(&mut FeatureExtractor::new(), &x, 16_000, false).unwrap();
    let n = f.n_frames().min(reference.rows.len());
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for name in CORRELATED {
        let j = reference.names.iter().position(|c| c == name).expect("column in the reference");
        let ours: Vec<f64> = f.column(name).expect("column in ours").to_vec()[..n].iter().map(|&v| v as f64).collect();
        let theirs: Vec<f64> = reference.rows[..n].iter().map(|row| row[j]).collect();
        let r = pearson(&ours, &theirs);
        let text = r.map_or("undefined (a constant contour)".to_string(), |r| format!("{r:.4}"));
        report.push(format!("{name}: r = {text}"));
        if !r.is_some_and(|r| r >= MIN_R) {
            failures.push(format!("{name} (r = {text})"));
        }
    }
    console_log!("correlation with openSMILE over {n} frames: {}", report.join(", "));
    assert!(failures.is_empty(), "under r >= {MIN_R}: {}", failures.join(", "));
}

#[wasm_bindgen_test]
fn unusable_audio_throws_the_library_message() {
    let mut nan = samples();
    nan[1000] = f32::NAN;
    let mut inf = samples();
    inf[5] = f32::INFINITY;
    let cases: [(&str, Vec<f32>, u32); 5] = [
        ("an empty Float32Array", Vec::new(), 16_000),
        ("a 10 ms clip", vec![0.1; 160], 16_000),
        ("a NaN sample", nan, 16_000),
        ("an infinite sample", inf, 16_000),
        ("a sample rate of 0 Hz", samples(), 0),
    ];
    let mut fx = FeatureExtractor::new();
    for (what, x, rate) in cases {
        for deltas in [false, true] {
            let got = facade(&mut fx, &x, rate, deltas).err().unwrap_or_else(|| panic!("{what}: no error"));
            let want = library(&x, rate, deltas).expect_err("the library refuses it too");
            assert!(!got.is_empty(), "{what}: empty message");
            assert_eq!(got, want, "{what}: the page must see the library's message");
        }
    }
    // The extractor is still usable after the errors.
    let f = facade(&mut fx, &samples(), 16_000, false).unwrap();
    assert_same(&f, &library(&samples(), 16_000, false).unwrap());
}
