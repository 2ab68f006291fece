//! The README's bad-input table in the browser (headless Chromium,
//! wasm-bindgen-test, in a dedicated worker as the page runs it): the rows
//! that reach wasm go through the facade the page calls (`decodeAudio`,
//! `Classifier.fromFiles`, `classify`) and get the same clear error or
//! defined result as natively (tests/bad_input.rs), never a panic. Speech is
//! a shared RAVDESS recording (actor 1, angry, 48 kHz).
//!
//! Run: `cargo test --release --target wasm32-unknown-unknown
//! --no-default-features --test wasm_bad_input`.
#![cfg(target_arch = "wasm32")]

use emorec::web::{decode_audio, Classifier};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

#[path = "common/wav.rs"]
mod common_wav;
use common_wav::{wav, Fmt};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

const SPEECH: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/ravdess/Actor_01/03-01-05-01-01-01-01.flac"));
const META: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/www/model/model.json"));
const CONFIG: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/www/model/config.toml"));
/// What the CPU engine reads (burn's `weights.bpk` is for WebGPU).
const WEIGHTS: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/www/model/weights-f16.safetensors"));
const BURN_WEIGHTS: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/www/model/weights.bpk"));
const INPUTS: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/www/model/inputs.toml"));
const NORM: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/www/model/norm.json"));
const VOCAB: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/www/model/vocab.safetensors"));
const NGRAM_HEAD: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/www/model/ngram-head-f16.safetensors"));

#[derive(Debug, Deserialize)]
struct Output {
    speech: Option<bool>,
    label: Option<String>,
    probabilities: Option<[f32; 4]>,
}

fn error_message(e: JsValue) -> String {
    js_sys::Error::from(e).message().into()
}

async fn shipped() -> Classifier {
    let c = Classifier::load("cpu".into()).await.map_err(JsValue::from).expect("shipped model loads");
    c.set_vocabulary(VOCAB.to_vec()).map_err(JsValue::from).expect("vocabulary loads");
    c.set_ngram_head(NGRAM_HEAD.to_vec()).map_err(JsValue::from).expect("n-gram head loads");
    c
}

async fn classify(c: &Classifier, samples: Vec<f32>, rate: u32, text: Option<&str>) -> Result<Output, String> {
    let samples = (!samples.is_empty()).then_some(samples);
    let rate = samples.as_ref().map(|_| rate);
    match JsFuture::from(c.classify(samples, rate, text.map(String::from), None)).await {
        Ok(v) => {
            #[derive(Deserialize)]
            struct Raw {
                speech: Option<bool>,
                label: Option<String>,
                probabilities: Option<std::collections::HashMap<String, f32>>,
            }
            let raw: Raw = serde_wasm_bindgen::from_value(v).expect("result shape");
            let probabilities = raw.probabilities.map(|p| ["ang", "hap", "neu", "sad"].map(|k| p[k]));
            Ok(Output { speech: raw.speech, label: raw.label, probabilities })
        }
        Err(e) => Err(error_message(e)),
    }
}

/// A label with probabilities that sum to one: a defined result.
fn assert_label(what: &str, out: &Output) {
    assert!(out.label.is_some(), "{what}: no label: {out:?}");
    let p = out.probabilities.expect("a label has probabilities");
    assert!(p.iter().all(|x| x.is_finite()) && (p.iter().sum::<f32>() - 1.0).abs() < 1e-4, "{what}: {p:?}");
}

fn max_diff(a: &Output, b: &Output) -> f32 {
    let (a, b) = (a.probabilities.unwrap(), b.probabilities.unwrap());
    a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

fn speech() -> (Vec<f32>, u32) {
    let d = decode_audio(SPEECH.to_vec(), Some("speech.flac".into())).map_err(JsValue::from).expect("decodes");
    (d.samples().to_vec(), d.sample_rate())
}

/// `channels` interleaved copies of `samples`, as the shared writer takes them.
fn wav_of(samples: &[f32], rate: u32, channels: u16, fmt: Fmt) -> Vec<u8> {
    let interleaved: Vec<f32> = samples.iter().flat_map(|&x| std::iter::repeat_n(x, usize::from(channels))).collect();
    wav(&interleaved, channels, rate, fmt)
}

/// Linear interpolation to another rate: crude, but a defined signal at
/// that rate for the pipeline's own resampler to take.
fn to_rate(x: &[f32], from: u32, to: u32) -> Vec<f32> {
    let n = (x.len() as u64 * u64::from(to) / u64::from(from)) as usize;
    let step = f64::from(from) / f64::from(to);
    // Below the source rate, average over the step first (a box low-pass).
    let width = step.max(1.0).round() as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 * step;
            let k = t as usize;
            if width > 1 {
                let end = (k + width).min(x.len());
                x[k.min(end)..end].iter().sum::<f32>() / (end - k.min(end)).max(1) as f32
            } else {
                let f = (t - k as f64) as f32;
                let a = x[k.min(x.len() - 1)];
                let b = x[(k + 1).min(x.len() - 1)];
                a + f * (b - a)
            }
        })
        .collect()
}

#[wasm_bindgen_test]
fn unusable_files_are_clear_errors_and_a_cut_file_decodes_its_first_part_with_a_warning() {
    let err = |bytes: Vec<u8>, name: &str| match decode_audio(bytes, Some(name.into())) {
        Ok(d) => panic!("{name}: decoded {} samples", d.samples().length()),
        Err(e) => error_message(e.into()),
    };
    assert!(err(Vec::new(), "empty.wav").contains("empty"), "{}", err(Vec::new(), "empty.wav"));
    let noise: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let m = err(noise, "noise.wav");
    assert!(m.contains("not a supported audio format"), "{m}");
    let header_only = wav_of(&[], 16_000, 1, Fmt::I16);
    let d = decode_audio(header_only, Some("header.wav".into())).map_err(JsValue::from).expect("a header decodes");
    assert_eq!(d.samples().length(), 0, "a header only holds no samples");
    let m = err(wav_of(&[0.1; 100], 16_000, 1, Fmt::I16)[..30].to_vec(), "cut-header.wav");
    assert!(m.contains("cannot decode"), "{m}");

    let whole = decode_audio(SPEECH.to_vec(), Some("speech.flac".into())).map_err(JsValue::from).unwrap();
    assert!(whole.warnings().is_empty(), "{:?}", whole.warnings());
    let cut = decode_audio(SPEECH[..SPEECH.len() * 6 / 10].to_vec(), Some("cut.flac".into()))
        .map_err(JsValue::from)
        .expect("a cut FLAC decodes its first part");
    let share = f64::from(cut.samples().length()) / f64::from(whole.samples().length());
    assert!((0.3..0.8).contains(&share), "a FLAC cut at 60 % of its bytes gave {share:.2} of the samples");
    let warnings = cut.warnings();
    assert!(warnings.iter().any(|w| w.contains("stops early")), "no warning for a cut FLAC: {warnings:?}");
}

#[wasm_bindgen_test]
async fn nan_dc_offset_clipping_rates_depths_and_channels_give_a_defined_result() {
    let c = shipped().await;
    let (x, rate) = speech();
    let reference = classify(&c, x.clone(), rate, None).await.expect("speech classifies");
    assert_label("speech", &reference);

    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut y = x.clone();
        y[8000] = bad;
        let m = classify(&c, y, rate, None).await.expect_err("non-finite samples are refused");
        assert!(m.contains("sample 8000") && (m.contains("NaN") || m.contains("infinite")), "{bad}: {m}");
    }

    // The offset is removed: the result is the centred recording's. (Against
    // the recording as it is, whose own mean is 1.5e-5, a probability moves
    // by 0.04, natively too: its digital-zero pauses are not zeros once
    // centred, and log-energy descriptors jump from their floor; see the
    // README's bad-input section.)
    let m0 = x.iter().map(|&v| f64::from(v)).sum::<f64>() / x.len() as f64;
    let centred: Vec<f32> = x.iter().map(|&v| (f64::from(v) - m0) as f32).collect();
    let centred = classify(&c, centred, rate, None).await.expect("centred speech classifies");
    let offset: Vec<f32> = x.iter().map(|v| v + 0.2).collect();
    let out = classify(&c, offset, rate, None).await.expect("a DC offset classifies");
    assert_eq!(out.speech, Some(true), "speech with a DC offset of 0.2");
    assert!(max_diff(&out, &centred) < 1e-3, "a DC offset moved a probability by {}", max_diff(&out, &centred));
    wasm_bindgen_test::console_log!(
        "DC offset 0.2: {:.5} from the centred recording, {:.5} from the recording as it is",
        max_diff(&out, &centred),
        max_diff(&out, &reference)
    );

    let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let clipped: Vec<f32> = x.iter().map(|v| (v * 8.0 / peak).clamp(-1.0, 1.0)).collect();
    let out = classify(&c, clipped, rate, None).await.expect("clipped speech classifies");
    assert_eq!(out.speech, Some(true), "clipped speech is speech");
    assert_label("clipped", &out);

    for to in [8_000, 11_025, 22_050, 96_000, 192_000] {
        let out = classify(&c, to_rate(&x, rate, to), to, None).await.expect("classifies at any rate in 4-384 kHz");
        assert_eq!(out.speech, Some(true), "{to} Hz");
        assert_label(&format!("{to} Hz"), &out);
    }
    let m = classify(&c, x[..48_000].to_vec(), 1_000, None).await.expect_err("1 kHz is refused");
    assert!(m.contains("sample rate") || m.contains("Hz"), "{m}");

    let float = {
        let d = decode_audio(wav_of(&x, rate, 1, Fmt::F32), Some("f32.wav".into())).map_err(JsValue::from).unwrap();
        classify(&c, d.samples().to_vec(), d.sample_rate(), None).await.unwrap()
    };
    // 8-bit: its quantisation noise (48 dB below full scale) is a different
    // recording; a label is the defined result (natively it moves 0.155).
    for (format, channels, tolerance) in [
        (Fmt::U8, 1, 1.0),
        (Fmt::I16, 1, 1e-3),
        (Fmt::I24, 1, 1e-3),
        (Fmt::I32, 1, 1e-3),
        (Fmt::I16, 2, 1e-3),
        (Fmt::F32, 6, 1e-3),
    ] {
        let what = format!("{format:?}, {channels} channel(s)");
        let d = decode_audio(wav_of(&x, rate, channels, format), Some(format!("{format:?}.wav")))
            .map_err(JsValue::from)
            .unwrap_or_else(|e| panic!("{what}: {}", error_message(e)));
        assert_eq!(d.sample_rate(), rate, "{what}");
        let out = classify(&c, d.samples().to_vec(), d.sample_rate(), None).await.unwrap();
        assert_label(&what, &out);
        assert!(max_diff(&out, &float) <= tolerance, "{what}: moved a probability by {}", max_diff(&out, &float));
        wasm_bindgen_test::console_log!("{what}: {:.5} from 32-bit float", max_diff(&out, &float));
    }
}

#[wasm_bindgen_test]
async fn odd_transcripts_give_a_label() {
    let c = shipped().await;
    let long = "what a day ".repeat(33_334); // 100,002 words
    for text in [
        "Я так рада, 今日はとても嬉しい, and I am so happy",
        "🎉🎉 best day ever 😀",
        "I am\u{0}so\u{7}angry\u{1b}[31m\r\n\t right now",
        long.as_str(),
    ] {
        let out = classify(&c, Vec::new(), 16_000, Some(text)).await.expect("a transcript classifies");
        assert_label(&text.chars().take(40).collect::<String>(), &out);
        assert_eq!(out.speech, None, "no audio was given");
    }
}

async fn from_files(weights: &[u8], meta: &[u8], vocab: &[u8]) -> Result<Classifier, String> {
    from_files_with_head(weights, meta, vocab, Some(NGRAM_HEAD)).await
}

async fn from_files_with_head(
    weights: &[u8],
    meta: &[u8],
    vocab: &[u8],
    ngram_head: Option<&[u8]>,
) -> Result<Classifier, String> {
    Classifier::from_files(
        "cpu".into(),
        meta.to_vec(),
        CONFIG.to_vec(),
        weights.to_vec(),
        INPUTS.to_vec(),
        Some(NORM.to_vec()),
        Some(vocab.to_vec()),
        ngram_head.map(<[u8]>::to_vec),
    )
    .await
    .map_err(|e| error_message(e.into()))
}

#[wasm_bindgen_test]
async fn corrupt_or_mismatched_bundles_are_refused_with_the_file_named() {
    from_files(WEIGHTS, META, VOCAB).await.expect("the shipped files load");
    for keep in [0, WEIGHTS.len() / 3, WEIGHTS.len() - 1] {
        let m = from_files(&WEIGHTS[..keep], META, VOCAB).await.err().expect("truncated weights are refused");
        assert!(m.contains("weights-f16.safetensors"), "weights cut to {keep} bytes: {m}");
    }
    let m = from_files(BURN_WEIGHTS, META, VOCAB).await.err().expect("burn's record is refused on the CPU");
    assert!(m.contains("weights-f16.safetensors") && m.contains("not one"), "{m}");
    let meta = String::from_utf8(META.to_vec()).unwrap().replace("\"version\": 1", "\"version\": 99");
    assert_ne!(meta.as_bytes(), META, "model.json names its version as expected");
    let m = from_files(WEIGHTS, meta.as_bytes(), VOCAB).await.err().expect("another version is refused");
    assert!(m.contains("version 99"), "{m}");
    let m = from_files(WEIGHTS, b"not json", VOCAB).await.err().expect("a broken model.json is refused");
    assert!(m.contains("model.json"), "{m}");
    let m = from_files(WEIGHTS, META, &VOCAB[..VOCAB.len() / 2]).await.err().expect("a cut vocabulary is refused");
    assert!(m.contains("vocab"), "{m}");
    for head in [None, Some(&NGRAM_HEAD[..NGRAM_HEAD.len() / 2]), Some(WEIGHTS)] {
        let m = from_files_with_head(WEIGHTS, META, VOCAB, head).await.err().expect("a missing or bad head is refused");
        assert!(m.contains("ngram-head-f16.safetensors"), "{m}");
    }
}
