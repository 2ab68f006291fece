//! The in-browser classifier (headless Chromium, wasm-bindgen-test, in a
//! dedicated Web Worker as the page runs it: there a long WebGPU pass on a
//! software adapter cannot stall the page and time out the WebDriver): the
//! shipped model, through the same `Classifier` the page uses, must give what
//! `emorec predict` gives natively for a real shared recording and its
//! transcript (tests/fixtures/shipped_prediction.json, which the native test
//! `web_model` holds to the native prediction), within 5e-3 (see `TOL`), on the CPU and,
//! in a build with `--features wgpu`, on WebGPU (SwiftShader's adapter here).
//!
//! Run: `cargo test --release --target wasm32-unknown-unknown
//! --no-default-features --test wasm_classifier [--features wgpu]`.
#![cfg(target_arch = "wasm32")]

use emorec::web::Classifier;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

const FIXTURE: &str = include_str!("fixtures/shipped_prediction.json");
/// The recording the fixture names (checked against it below), from ../shared.
const AUDIO: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/ravdess/Actor_01/03-01-05-01-01-01-01.flac"));
const AUDIO_NAME: &str = "ravdess/Actor_01/03-01-05-01-01-01-01.flac";
/// The shipped vocabulary and the CPU engine's n-gram head: not in the
/// wasm; pkg/index.js fetches them and hands them over with `setVocabulary`
/// and `setNgramHead`, as these tests do.
const VOCAB: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/www/model/vocab.safetensors"));
const NGRAM_HEAD: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/www/model/ngram-head-f16.safetensors"));

/// The shipped model on `backend`, given its text files.
async fn shipped(backend: &str) -> Classifier {
    let c = Classifier::load(backend.into()).await.map_err(JsValue::from).expect("shipped model loads");
    assert!(c.needs_vocabulary());
    c.set_vocabulary(VOCAB.to_vec()).map_err(JsValue::from).expect("the shipped vocabulary loads");
    assert!(!c.needs_vocabulary());
    // Only the CPU engine waits for it: burn's weights.bpk holds the head.
    assert_eq!(c.needs_ngram_head(), backend == "cpu");
    if c.needs_ngram_head() {
        c.set_ngram_head(NGRAM_HEAD.to_vec()).map_err(JsValue::from).expect("the shipped n-gram head loads");
    }
    assert!(!c.needs_ngram_head());
    c
}

#[derive(Deserialize)]
struct Expected {
    audio: String,
    transcript: String,
    label: String,
    probabilities: [f32; 4],
    frame_attention: Vec<f32>,
    word_attention: Vec<f32>,
    modality_weights: [f32; 2],
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Output {
    speech: Option<bool>,
    reason: Option<String>,
    label: Option<String>,
    probabilities: Option<Probabilities>,
    frame_attention: Vec<f32>,
    frame_hop_s: f64,
    words: Vec<String>,
    word_attention: Vec<f32>,
    modality_weights: Option<Modality>,
    backend: String,
}

#[derive(Debug, Deserialize)]
struct Probabilities {
    ang: f32,
    hap: f32,
    neu: f32,
    sad: f32,
}

#[derive(Debug, Deserialize)]
struct Modality {
    audio: f32,
    text: f32,
}

async fn classify(
    c: &Classifier,
    samples: Option<Vec<f32>>,
    rate: Option<u32>,
    text: Option<&str>,
) -> Result<Output, String> {
    match JsFuture::from(c.classify(samples, rate, text.map(String::from), None)).await {
        Ok(v) => Ok(serde_wasm_bindgen::from_value(v).expect("result shape")),
        Err(e) => Err(js_sys::Error::from(e).message().into()),
    }
}

fn close(name: &str, got: &[f32], want: &[f32], tol: f32) {
    assert_eq!(got.len(), want.len(), "{name}: length");
    assert!(got.iter().all(|x| x.is_finite()), "{name}: not finite: {got:?}");
    let worst = got.iter().zip(want).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(worst <= tol, "{name}: differs from native by {worst} (> {tol})");
}

/// How close the browser must come to the native fixture. The forward pass
/// agrees far closer (native flex and ndarray agree to 1e-7, and a 1e-5
/// relative perturbation of the samples moves a probability by 1e-5), but the
/// wasm build's maths library (sin/cos/pow behind the FFT twiddles, the
/// resampler and the level gain) is not glibc's: with level normalisation the
/// shipped model's probabilities on this recording differ by 0.0031 in
/// Chromium, on the CPU and on WebGPU alike, so the difference comes before
/// the model. (Where in the descriptors is left for the speed work, which
/// needs the same question answered for its fused kernels.)
const TOL: f32 = 5e-3;

async fn matches_native(backend: &str) {
    let want: Expected = serde_json::from_str(FIXTURE).expect("fixture parses");
    assert_eq!(want.audio, AUDIO_NAME, "the fixture names another recording");
    let c = shipped(backend).await;
    assert_eq!(c.backend(), backend);
    let samples = emorec::audio::load_16k_bytes(AUDIO.to_vec(), Some("flac")).expect("decodes");
    let got = classify(&c, Some(samples), Some(16_000), Some(&want.transcript)).await.expect("classifies");
    let p = got.probabilities.as_ref().expect("speech has probabilities");
    close("probabilities", &[p.ang, p.hap, p.neu, p.sad], &want.probabilities, TOL);
    close("frame attention", &got.frame_attention, &want.frame_attention, TOL);
    close("word attention", &got.word_attention, &want.word_attention, TOL);
    let m = got.modality_weights.as_ref().expect("speech has modality weights");
    close("modality weights", &[m.audio, m.text], &want.modality_weights, TOL);
    assert_eq!(got.label.as_deref(), Some(want.label.as_str()));
    assert_eq!(got.speech, Some(true));
    assert_eq!(got.reason, None);
    assert_eq!(got.backend, backend);
    assert_eq!(got.frame_hop_s, 0.01);
    assert_eq!(got.words.len(), got.word_attention.len());
    let worst =
        [p.ang, p.hap, p.neu, p.sad].iter().zip(&want.probabilities).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    web_sys_log(&format!("{backend}: {:?}, probabilities within {worst} of native (tolerance {TOL})", got.label));
}

fn web_sys_log(s: &str) {
    wasm_bindgen_test::console_log!("{s}");
}

#[wasm_bindgen_test]
async fn cpu_matches_native_prediction() {
    matches_native("cpu").await;
}

#[cfg(feature = "wgpu")]
#[wasm_bindgen_test]
async fn webgpu_matches_native_prediction() {
    matches_native("webgpu").await;
}

#[wasm_bindgen_test]
async fn one_modality_and_bad_input() {
    let c = Classifier::load("cpu".into()).await.map_err(JsValue::from).expect("loads");
    // Before its vocabulary: a transcript is a clear error, audio works.
    let err = classify(&c, None, None, Some("I am so happy today!")).await.unwrap_err();
    assert!(err.contains("vocabulary"), "{err}");
    assert!(c.set_vocabulary(b"not a vocabulary".to_vec()).is_err());
    assert!(c.needs_vocabulary());
    c.set_vocabulary(VOCAB.to_vec()).map_err(JsValue::from).expect("the shipped vocabulary loads");
    // Then until its n-gram head: the same, naming that file.
    let err = classify(&c, None, None, Some("I am so happy today!")).await.unwrap_err();
    assert!(err.contains("ngram-head-f16.safetensors"), "{err}");
    for bad in [&b"not a head"[..], &NGRAM_HEAD[..NGRAM_HEAD.len() / 2], VOCAB] {
        let err = c.set_ngram_head(bad.to_vec()).map_err(JsValue::from).unwrap_err();
        let err = String::from(js_sys::Error::from(err).message());
        assert!(err.contains("ngram-head-f16.safetensors"), "{err}");
    }
    assert!(c.needs_ngram_head());
    c.set_ngram_head(NGRAM_HEAD.to_vec()).map_err(JsValue::from).expect("the shipped n-gram head loads");
    // Text only: all fusion weight on the text, no frames.
    let r = classify(&c, None, None, Some("I am so happy today!")).await.expect("text only");
    assert!(r.frame_attention.is_empty());
    assert_eq!(r.words, ["i", "am", "so", "happy", "today", "!"]);
    let text = r.modality_weights.as_ref().unwrap().text;
    assert!((text - 1.0).abs() < 1e-6, "{text}");
    assert_eq!(r.speech, None);
    // Audio only (an empty transcript is no transcript): all weight on audio.
    let samples = emorec::audio::load_16k_bytes(AUDIO.to_vec(), Some("flac")).unwrap();
    let r = classify(&c, Some(samples), Some(16_000), Some("  ")).await.expect("audio only");
    assert!((r.modality_weights.as_ref().unwrap().audio - 1.0).abs() < 1e-6);
    assert!(r.words.is_empty() && !r.frame_attention.is_empty());
    let sum: f32 = r.frame_attention.iter().sum();
    assert!((sum - 1.0).abs() < 1e-3, "frame attention sums to {sum}");
    // Errors are messages, not panics, and the classifier still works after.
    let err = classify(&c, None, None, None).await.unwrap_err();
    assert!(err.contains("nothing to classify"), "{err}");
    let err = classify(&c, Some(vec![0.1; 100]), Some(16_000), None).await.unwrap_err();
    assert!(!err.is_empty());
    let err = classify(&c, Some(vec![f32::NAN; 16_000]), Some(16_000), None).await.unwrap_err();
    assert!(!err.is_empty());
    let err = classify(&c, Some(vec![0.0; 16_000]), None, None).await.unwrap_err();
    assert!(err.contains("sample rate"), "{err}");
    assert!(Classifier::load("tpu".into()).await.is_err());
    assert!(classify(&c, None, None, Some("fine.")).await.is_ok());
}

/// Silence and a steady tone are "no speech" in the browser too: no label, no
/// probabilities, a reason; with a transcript, the text alone decides.
#[wasm_bindgen_test]
async fn no_speech_is_a_result() {
    let c = shipped("cpu").await;
    let tone: Vec<f32> =
        (0..48_000).map(|i| 0.3 * (2.0 * std::f32::consts::PI * 200.0 * i as f32 / 16_000.0).sin()).collect();
    for (name, samples) in [("silence", vec![0.0f32; 48_000]), ("tone", tone)] {
        let r = classify(&c, Some(samples.clone()), Some(16_000), None).await.expect("a result, not an error");
        assert_eq!(r.speech, Some(false), "{name}");
        assert!(r.label.is_none() && r.probabilities.is_none() && r.modality_weights.is_none(), "{name}");
        assert!(r.reason.as_deref().is_some_and(|s| s.starts_with("no speech")), "{name}: {:?}", r.reason);
        let r = classify(&c, Some(samples), Some(16_000), Some("I am so happy today!")).await.expect("text decides");
        assert_eq!(r.speech, Some(false), "{name}");
        assert!(r.label.is_some(), "{name}");
        assert!((r.modality_weights.as_ref().unwrap().text - 1.0).abs() < 1e-6, "{name}");
    }
}
