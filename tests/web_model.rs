//! The shipped model (www/model): it loads natively, `emorec predict` on a
//! real recording gives exactly what tests/fixtures/shipped_prediction.json
//! says (the browser test `wasm_classifier` holds the page to the same file,
//! so page and command line agree), either modality alone gives a defined
//! result, and `emorec evaluate --model www/model` works.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/shipped_prediction.json");

fn model_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("www/model")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_emorec")).args(args).output().expect("runs emorec")
}

fn emorec(args: &[&str]) -> Value {
    let out = run(args);
    assert!(out.status.success(), "emorec {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("emorec {args:?}: not JSON ({e})"))
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number")).collect()
}

fn assert_close(name: &str, got: &Value, want: &Value, tol: f64) {
    let (g, w) = (floats(got), floats(want));
    assert_eq!(g.len(), w.len(), "{name}: length");
    let worst = g.iter().zip(&w).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    assert!(
        worst <= tol,
        "{name}: {worst} from the fixture (regenerate it with scripts/train-shipped.sh if the model changed)"
    );
}

/// `predict --json` on the fixture's recording and transcript, on `backend`.
fn predict_fixture(backend: &str) -> (Value, Value) {
    let want: Value = serde_json::from_str(FIXTURE).unwrap();
    let audio = common::shared_dir().join("data").join(want["audio"].as_str().unwrap());
    let model = model_dir();
    let got = emorec(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--audio",
        audio.to_str().unwrap(),
        "--text",
        want["transcript"].as_str().unwrap(),
        "--backend",
        backend,
        "--json",
    ]);
    assert_eq!(got["label"], want["label"]);
    assert_eq!(got["words"], want["words"]);
    assert_eq!(got["speech"], Value::Bool(true));
    (got, want)
}

#[test]
fn predict_matches_fixture() {
    let (got, want) = predict_fixture("cpu");
    for key in ["probabilities", "frame_attention", "word_attention", "modality_weights"] {
        assert_close(key, &got[key], &want[key], 1e-5);
    }
}

/// The page's CPU engine from the command line: the same result, to the
/// rounding of its f16 weights.
#[test]
fn predict_on_the_host_engine_matches_fixture() {
    let (got, want) = predict_fixture("host");
    for key in ["probabilities", "frame_attention", "word_attention", "modality_weights"] {
        assert_close(key, &got[key], &want[key], 1e-3);
    }
}

#[test]
fn either_modality_alone() {
    let model = model_dir();
    let text = emorec(&["predict", "--model", model.to_str().unwrap(), "--text", "I hate this, get out!", "--json"]);
    assert_eq!(floats(&text["modality_weights"]), [0.0, 1.0]);
    assert!(text["frame_attention"].is_null());
    let audio = common::shared_dir().join("data/tess/YAF_sad/YAF_chief_sad.flac");
    let audio = emorec(&["predict", "--model", model.to_str().unwrap(), "--audio", audio.to_str().unwrap(), "--json"]);
    assert_eq!(floats(&audio["modality_weights"]), [1.0, 0.0]);
    let p: f64 = floats(&audio["probabilities"]).iter().sum();
    assert!((p - 1.0).abs() < 1e-5);
}

#[test]
fn evaluate_on_the_shipped_model() {
    // MELD's dev set: text only, 1,109 utterances of the four classes; the model never trained on it.
    let dev = common::shared_dir().join("data/meld/dev_sent_emo.csv");
    let model = model_dir();
    let e = emorec(&["evaluate", "--model", model.to_str().unwrap(), "--manifest", dev.to_str().unwrap(), "--json"]);
    for key in ["wa", "ua", "per_class", "confusion", "loss", "n"] {
        assert!(!e[key].is_null(), "evaluate --json lacks {key}");
    }
    assert!(e["n"].as_u64().unwrap() > 500);
    // Better than chance (25 % UA) by a margin: the shipped text branch works.
    assert!(e["ua"].as_f64().unwrap() > 0.35, "UA {}", e["ua"]);
}

/// The shared reference's generated silence, tone and noise: `emorec predict
/// --json` says "no speech" with a reason, and no label or probabilities.
#[test]
fn predict_says_no_speech_for_signals_that_are_not_speech() {
    let model = model_dir();
    for name in ["synthetic_silence", "synthetic_tone220", "synthetic_noise"] {
        let wav = common::reference_dir().join(format!("{name}.wav"));
        let got = emorec(&["predict", "--model", model.to_str().unwrap(), "--audio", wav.to_str().unwrap(), "--json"]);
        assert_eq!(got["speech"], Value::Bool(false), "{name}: {got}");
        assert!(got["label"].is_null() && got["probabilities"].is_null(), "{name}: {got}");
        assert!(got["reason"].as_str().is_some_and(|r| r.starts_with("no speech")), "{name}: {got}");
    }
}

/// `predict --speaker`: a speaker's other recordings are read (those without
/// speech left out) and, for a model trained without speaker normalisation,
/// change nothing; recordings that are all silence are a clear error.
/// `evaluate --normalize` names its modes.
#[test]
fn speaker_recordings_and_normalisation_modes() {
    let model = model_dir();
    let data = common::shared_dir().join("data/tess/YAF_sad");
    let audio = data.join("YAF_chief_sad.flac");
    let others = [data.join("YAF_back_sad.flac"), data.join("YAF_bar_sad.flac")];
    let plain = emorec(&["predict", "--model", model.to_str().unwrap(), "--audio", audio.to_str().unwrap(), "--json"]);
    let mut args = vec!["predict", "--model", model.to_str().unwrap(), "--audio", audio.to_str().unwrap(), "--json"];
    args.push("--speaker");
    args.extend(others.iter().map(|p| p.to_str().unwrap()));
    let with_speaker = emorec(&args);
    assert_eq!(with_speaker["probabilities"], plain["probabilities"], "a global model ignores speaker statistics");

    let silence = common::reference_dir().join("synthetic_silence.wav");
    let out = run(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--audio",
        audio.to_str().unwrap(),
        "--speaker",
        silence.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds speech"), "{}", String::from_utf8_lossy(&out.stderr));

    let dev = common::shared_dir().join("data/meld/dev_sent_emo.csv");
    let out = run(&[
        "evaluate",
        "--model",
        model.to_str().unwrap(),
        "--manifest",
        dev.to_str().unwrap(),
        "--normalize",
        "bogus",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("global, utterance or speaker"));
}
