//! The library pipeline end to end (`emorec::pipeline`): samples at the
//! file's own rate and a transcript in, the result out, with the shipped
//! model. It must give what the fixture says (the same numbers `emorec
//! predict` and the browser give, see `web_model` and `wasm_classifier`),
//! `classify` must equal its three steps done by hand (the path the WebGPU
//! facade takes), and bad input must be a clear error.

mod common;

use std::path::Path;

use burn::tensor::Device;
use emorec::pipeline::{Bundle, Input};
use emorec::{Emotion, Error};
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/shipped_prediction.json");

#[allow(deprecated)]
fn shipped() -> Bundle {
    Bundle::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("www/model"), &Device::ndarray())
        .expect("the shipped model loads")
}

/// The fixture's recording: its path in the shared data, and the decoded audio.
fn fixture_audio() -> (std::path::PathBuf, emorec::audio::Audio) {
    let want: Value = serde_json::from_str(FIXTURE).unwrap();
    let path = common::shared_dir().join("data").join(want["audio"].as_str().unwrap());
    let audio = emorec::audio::decode_file(&path).unwrap();
    (path, audio)
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number") as f32).collect()
}

fn assert_close(name: &str, got: &[f32], want: &[f32], tol: f32) {
    assert_eq!(got.len(), want.len(), "{name}: length");
    let worst = got.iter().zip(want).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(worst <= tol, "{name}: {worst} from the fixture");
}

#[test]
fn samples_and_transcript_give_the_fixture() {
    let want: Value = serde_json::from_str(FIXTURE).unwrap();
    let (_, audio) = fixture_audio();
    assert_eq!(audio.sample_rate, 48_000, "the fixture's recording is a 48 kHz RAVDESS file");
    let bundle = shipped();
    let mut extractor = bundle.extractor().unwrap();
    let input = Input::new(Some((&audio.samples, audio.sample_rate)), want["transcript"].as_str());
    let c = bundle.classify(&mut extractor, &input).unwrap();

    assert_eq!(c.speech, Some(true));
    assert_eq!(c.reason, None);
    assert_eq!(c.label.unwrap().code(), want["label"].as_str().unwrap());
    assert_close("probabilities", &c.probabilities.unwrap(), &floats(&want["probabilities"]), 1e-5);
    assert_close("frame_attention", c.frame_attention.as_deref().unwrap(), &floats(&want["frame_attention"]), 1e-5);
    assert_close("word_attention", c.word_attention.as_deref().unwrap(), &floats(&want["word_attention"]), 1e-5);
    assert_close("modality_weights", &c.modality_weights.unwrap(), &floats(&want["modality_weights"]), 1e-5);
    let words: Vec<String> =
        want["words"].as_array().unwrap().iter().map(|w| w.as_str().unwrap().to_string()).collect();
    assert_eq!(c.words, words);
    assert!((c.frame_hop_s - 0.01).abs() < 1e-12, "ComParE_2016 frames are 10 ms apart");

    // The same steps by hand, as the WebGPU facade runs them (it awaits the
    // forward pass between them).
    // A 5 s utterance is one piece: the timeline is one segment, the whole
    // recording, with the utterance's label.
    let plan = bundle.plan(&input).unwrap();
    assert!(!plan.is_cut());
    let pieces = plan.inputs();
    assert_eq!(pieces.len(), 1);
    let prepared = bundle.prepare(&mut extractor, pieces[0].as_ref().unwrap()).unwrap();
    let prediction = bundle.model.predict(prepared.example.as_ref().unwrap()).unwrap();
    let by_hand = bundle.timeline(&plan, vec![Some(bundle.result(Some(prediction), prepared))]);
    assert_eq!(by_hand, c);
    let duration = audio.samples.len() as f64 / 48_000.0;
    assert_eq!(c.duration_s, Some(duration));
    assert_eq!(c.segments.len(), 1);
    let s = &c.segments[0];
    assert_eq!((s.start, s.end, s.speech, s.label, s.probabilities), (0.0, duration, true, c.label, c.probabilities));
    assert_eq!(c.summary.as_ref().unwrap().shares.unwrap()[c.label.unwrap().index()], 1.0);
    assert!(c.notes.is_empty(), "{:?}", c.notes);
}

#[test]
fn one_modality_and_blank_input() {
    let bundle = shipped();
    let mut extractor = bundle.extractor().unwrap();
    let text = bundle.classify(&mut extractor, &Input::new(None, Some("I hate this, get out!"))).unwrap();
    assert_eq!(text.modality_weights, Some([0.0, 1.0]));
    assert!(text.frame_attention.is_none());
    assert_eq!(text.speech, None, "no audio, no verdict on it");
    assert!(Emotion::ALL.contains(&text.label.unwrap()));

    // Empty audio and a blank transcript are missing, not errors of their own.
    let empty: Vec<f32> = Vec::new();
    let blank = Input::new(Some((&empty, 16_000)), Some("  \n"));
    assert!(blank.audio.is_none() && blank.transcript.is_none());
    let e = bundle.classify(&mut extractor, &blank).unwrap_err();
    assert!(matches!(e, Error::Input(_)), "{e:?}");
    assert!(e.to_string().contains("nothing to classify"), "{e}");
}

#[test]
fn bad_audio_is_the_audio_layers_error() {
    let bundle = shipped();
    let mut extractor = bundle.extractor().unwrap();
    let nan = vec![0.0, f32::NAN, 0.0];
    let e = bundle.classify(&mut extractor, &Input::new(Some((&nan, 16_000)), None)).unwrap_err();
    assert!(matches!(e, Error::Audio(_)), "{e:?}");
    assert!(e.to_string().contains("NaN"), "{e}");
    let tone = vec![0.1f32; 16_000];
    let e = bundle.classify(&mut extractor, &Input::new(Some((&tone, 1)), None)).unwrap_err();
    assert!(matches!(e, Error::Audio(_)), "{e:?}");
}

#[test]
fn a_broken_bundle_file_is_named_with_its_cause() {
    let dir = std::env::temp_dir().join(format!("emorec-pipeline-{}", std::process::id()));
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("www/model");
    std::fs::create_dir_all(&dir).unwrap();
    for f in std::fs::read_dir(&src).unwrap() {
        let f = f.unwrap().path();
        if f.is_file() {
            std::fs::copy(&f, dir.join(f.file_name().unwrap())).unwrap();
        }
    }
    std::fs::write(dir.join("vocab.safetensors"), b"not a vocabulary").unwrap();
    #[allow(deprecated)]
    let e = Bundle::load(&dir, &Device::ndarray()).err().expect("a damaged vocabulary is refused");
    std::fs::remove_dir_all(&dir).ok();
    assert!(matches!(e, Error::Bundle { file: "vocab.safetensors", .. }), "{e:?}");
    assert!(std::error::Error::source(&e).is_some(), "the cause is kept");
    let message = emorec::error::report(&e);
    assert!(message.contains("vocab.safetensors") && message.contains("vocabulary"), "{message}");
}

/// Generated signals that are not speech: every one gets "no speech" and no
/// emotion, alone; with a transcript, the text decides and the result says
/// the audio was left out.
#[test]
fn no_speech_is_a_result_not_an_emotion() {
    let bundle = shipped();
    let mut extractor = bundle.extractor().unwrap();
    let rate = 16_000;
    let n = 3 * rate as usize;
    let silence = vec![0.0f32; n];
    let tone: Vec<f32> =
        (0..n).map(|i| 0.3 * (2.0 * std::f32::consts::PI * 200.0 * i as f32 / rate as f32).sin()).collect();
    let mut state = 0x2545_f491_u32;
    let noise: Vec<f32> = (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            0.2 * (state as f32 / u32::MAX as f32 - 0.5)
        })
        .collect();
    for (name, signal) in [("silence", &silence), ("a 200 Hz tone", &tone), ("white noise", &noise)] {
        let c = bundle.classify(&mut extractor, &Input::new(Some((signal, rate)), None)).unwrap();
        assert_eq!(c.speech, Some(false), "{name}");
        assert_eq!(c.label, None, "{name}: no emotion for {name}");
        assert!(c.probabilities.is_none() && c.modality_weights.is_none(), "{name}");
        let reason = c.reason.as_deref().unwrap_or_default();
        assert!(reason.starts_with("no speech"), "{name}: {reason}");
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["speech"], Value::Bool(false));
        assert!(json["label"].is_null());

        let with_text =
            bundle.classify(&mut extractor, &Input::new(Some((signal, rate)), Some("I am so happy today"))).unwrap();
        assert_eq!(with_text.speech, Some(false), "{name}");
        assert_eq!(with_text.modality_weights, Some([0.0, 1.0]), "{name}: the text alone decides");
        assert!(with_text.label.is_some());
        assert!(with_text.reason.as_deref().unwrap_or_default().contains("transcript alone"), "{name}");
    }
}

#[test]
fn speaker_normalisation_uses_the_speakers_statistics() {
    use emorec::data::norm::{group_stats, Normalization};
    let (_, audio) = fixture_audio();
    let mut bundle = shipped();
    bundle.inputs.normalize = Normalization::Speaker;
    let mut extractor = bundle.extractor().unwrap();
    let input = Input::new(Some((&audio.samples, audio.sample_rate)), None);

    // Without the speaker's statistics the utterance stands for its speaker.
    let fallback = bundle.classify(&mut extractor, &input).unwrap();
    let x = emorec::audio::prepare(&audio.samples, audio.sample_rate).unwrap();
    let (m, _) = bundle.features(&mut extractor, &x).unwrap();
    let own = group_stats([&m]).unwrap();
    assert_eq!(bundle.classify(&mut extractor, &input.with_speaker(Some(&own))).unwrap(), fallback);

    // A speaker whose usual voice differs (every column one deviation
    // higher on average) makes the same utterance read differently.
    let mut other = own.clone();
    for (mean, std) in other.mean.iter_mut().zip(&other.std) {
        *mean += std.max(other.std_floor);
    }
    let shifted = bundle.classify(&mut extractor, &input.with_speaker(Some(&other))).unwrap();
    assert_ne!(shifted.probabilities, fallback.probabilities);

    // Per-utterance normalisation ignores speaker statistics.
    bundle.inputs.normalize = Normalization::Utterance;
    assert_eq!(bundle.classify(&mut extractor, &input.with_speaker(Some(&other))).unwrap(), fallback);
    // And the global bundle reads the descriptors as they are.
    bundle.inputs.normalize = Normalization::Global;
    assert_ne!(bundle.classify(&mut extractor, &input).unwrap().probabilities, fallback.probabilities);
}

#[test]
fn speakers_are_grouped_within_their_corpus() {
    use emorec::data::norm::Normalization;
    use emorec::data::Utterance;
    use emorec::features::FeatureMatrix;
    use emorec::pipeline::prenormalize_features;
    let utt = |corpus: &str, speaker: &str| Utterance {
        id: format!("{corpus}-{speaker}"),
        audio: None,
        transcript: None,
        label: Emotion::Neutral,
        speaker: speaker.into(),
        group: String::new(),
        corpus: Some(corpus.into()),
    };
    let m =
        |v: &[f32]| Some(Ok(FeatureMatrix { names: vec!["a".into()], data: v.to_vec(), hop_s: 0.01, frame_s: 0.06 }));
    // Speaker "01" of TESS and of RAVDESS are two people.
    let utts = [utt("tess", "01"), utt("ravdess", "01"), utt("ravdess", "01")];
    let raw = vec![m(&[0.0, 2.0]), m(&[10.0, 30.0]), m(&[20.0, 20.0]), None];
    let values = |f: &[Option<Result<FeatureMatrix, String>>]| -> Vec<Vec<f32>> {
        f.iter().take(3).map(|x| x.as_ref().unwrap().as_ref().unwrap().data.clone()).collect()
    };
    let spec = emorec::pipeline::InputSpec::new(emorec::features::FeatureSet::Compare2016, false);
    let mut by_speaker = raw[..3].to_vec();
    prenormalize_features(&utts, &mut by_speaker, &spec, Normalization::Speaker).unwrap();
    let s = 50f32.sqrt();
    let want = [vec![-1.0, 1.0], vec![-10.0 / s, 10.0 / s], vec![0.0, 0.0]];
    for (got, want) in values(&by_speaker).iter().zip(&want) {
        assert!(got.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-5), "{got:?} vs {want:?}");
    }
    let mut by_utterance = raw[..3].to_vec();
    prenormalize_features(&utts, &mut by_utterance, &spec, Normalization::Utterance).unwrap();
    assert_eq!(values(&by_utterance), vec![vec![-1.0, 1.0], vec![-1.0, 1.0], vec![0.0, 0.0]]);
    let mut global = raw[..3].to_vec();
    prenormalize_features(&utts, &mut global, &spec, Normalization::Global).unwrap();
    assert_eq!(values(&global), values(&raw));
}

/// Log energies (`log_energy`) reach the model the same way from training
/// (`prenormalize_features` over the feature cache's matrices) and from the
/// library pipeline (`Bundle::example`), and a calibration made for linear
/// energies is refused by a bundle that reads log energies.
#[test]
fn log_energies_are_read_alike_in_training_and_classification() {
    use emorec::data::norm::Normalization;
    use emorec::data::Utterance;
    use emorec::pipeline::{examples_for, prenormalize_features};
    let (path, audio) = fixture_audio();
    let mut bundle = shipped();
    let mut extractor = bundle.extractor().unwrap();
    let x = emorec::audio::prepare(&audio.samples, audio.sample_rate).unwrap();
    let (m, _) = bundle.features(&mut extractor, &x).unwrap();
    let linear = bundle.example(Some(&m), None, None).unwrap().0.acoustic.unwrap();
    let linear_calibration = bundle.calibrate(&mut extractor, &[(&audio.samples, audio.sample_rate)]).unwrap();

    bundle.inputs.log_energy = true;
    let logged = bundle.example(Some(&m), None, None).unwrap().0.acoustic.unwrap();
    let utt = Utterance {
        id: "x".into(),
        audio: Some(path.clone()),
        transcript: None,
        label: Emotion::Angry,
        speaker: "s".into(),
        group: String::new(),
        corpus: None,
    };
    let mut features = vec![Some(Ok(m.clone()))];
    prenormalize_features(std::slice::from_ref(&utt), &mut features, &bundle.inputs, Normalization::Global).unwrap();
    let (trained, _) = examples_for(&[utt], &[0], &features, bundle.norm.as_ref(), None, None).unwrap();
    assert_eq!(trained[0].acoustic.as_ref(), Some(&logged), "training and classification read different descriptors");

    let rms = m.column_index("pcm_RMSenergy_sma").unwrap();
    let f0 = m.column_index("F0final_sma").unwrap();
    let column = |s: &emorec::model::Sequence, j: usize| (0..s.len).map(|t| s.row(t)[j]).collect::<Vec<f32>>();
    assert_ne!(column(&logged, rms), column(&linear, rms), "the energies are unchanged");
    assert_eq!(column(&logged, f0), column(&linear, f0), "F0 is not an energy");

    let e = bundle.classify(&mut extractor, &Input::new(Some((&audio.samples, audio.sample_rate)), None));
    assert!(e.is_ok(), "{e:?}");
    let calibration = bundle.calibrate(&mut extractor, &[(&audio.samples, audio.sample_rate)]).unwrap();
    assert!(calibration.features.ends_with("log-energy"), "{}", calibration.features);
    assert!(bundle.check_calibration(&calibration).is_ok());
    let e = bundle.check_calibration(&linear_calibration).unwrap_err().to_string();
    assert!(e.contains("made for features"), "{e}");
}

/// The page loads the shipped model without its vocabulary and hands it
/// over with the first transcript: until then a transcript is a clear
/// error, and only a vocabulary of the model's dimension is taken.
#[test]
fn a_deferred_vocabulary_is_asked_for_and_checked() {
    use emorec::pipeline::BundleFiles;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("www/model");
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let files = BundleFiles {
        meta: read("model.json"),
        config: read("config.toml"),
        weights: read("weights.bpk"),
        inputs: read("inputs.toml"),
        norm: Some(read("norm.json")),
        vocab: None,
        ngram_head: None,
    };
    let device = Device::flex();
    let err = Bundle::from_files(&files, &device).err().expect("a text model needs its vocabulary");
    assert!(err.to_string().contains("vocab.safetensors"), "{err}");
    let mut bundle = Bundle::from_files_deferring_vocabulary(&files, &device).unwrap();
    assert!(bundle.needs_vocabulary());
    let err = bundle.example(None, Some("I am so happy"), None).expect_err("no vocabulary yet");
    assert!(err.to_string().contains("vocabulary"), "{err}");
    assert!(bundle.set_vocabulary(b"not a vocabulary").is_err());
    // A vocabulary of 3-dimensional vectors, from a tiny GloVe file.
    let glove = emorec::text::Glove::read(std::io::Cursor::new("happy 0.1 0.2 0.3\nsad 0.3 0.2 0.1\n"), None).unwrap();
    let options = emorec::text::BuildOptions { top: 2, ..Default::default() };
    let (other, _) = emorec::text::Vocabulary::build(&glove, ["happy sad"], &options);
    let err = bundle.set_vocabulary(&other.to_bytes()).expect_err("3 dimensions, the model reads 50");
    assert!(err.to_string().contains("dimensions"), "{err}");
    assert!(bundle.needs_vocabulary());
    bundle.set_vocabulary(&read("vocab.safetensors")).unwrap();
    assert!(!bundle.needs_vocabulary());
    let (example, tokens) = bundle.example(None, Some("I am so happy"), None).unwrap();
    assert!(example.words.is_some());
    assert_eq!(tokens, ["i", "am", "so", "happy"]);
}
