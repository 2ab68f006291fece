//! The host engine (`model::host`, what the page's CPU module runs without
//! burn) against the burn model: every variant and pooling, missing
//! modalities and the frame cap, to 1e-5 in f32; the shipped models with the
//! f16 weights the page carries, through the whole pipeline on real
//! recordings; the weights files themselves (current, refused where they do
//! not fit).

mod common;
mod model_support;

use std::path::Path;

use burn::tensor::Device;
use emorec::model::host::weights::{to_safetensors, Precision, FILE, NGRAM_HEAD_FILE};
use emorec::model::{
    AcousticPooling, Example, HostModel, LexicalPooling, Model, ModelConfig, Prediction, Sequence, Variant,
};
use emorec::pipeline::{Bundle, BundleFiles, Input};
use model_support::*;

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "lengths");
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// The largest difference between two predictions of one example, over the
/// probabilities, the attention and the modality weights.
fn prediction_diff(a: &Prediction, b: &Prediction) -> f32 {
    assert_eq!(a.frame_attention.is_some(), b.frame_attention.is_some(), "frame attention present in one only");
    assert_eq!(a.word_attention.is_some(), b.word_attention.is_some(), "word attention present in one only");
    let opt = |x: &Option<Vec<f32>>, y: &Option<Vec<f32>>| match (x, y) {
        (Some(x), Some(y)) => max_diff(x, y),
        _ => 0.0,
    };
    max_diff(&a.probabilities, &b.probabilities)
        .max(max_diff(&a.modality_weights, &b.modality_weights))
        .max(opt(&a.frame_attention, &b.frame_attention))
        .max(opt(&a.word_attention, &b.word_attention))
}

#[test]
fn every_variant_and_pooling_matches_burn() {
    let data = dataset(6, 3);
    let audio_only = Example { words: None, ..data[0].clone() };
    let text_only = Example { acoustic: None, ..data[1].clone() };
    let device = Device::flex();
    let mut checked = 0;
    for base in all_configs() {
        for (layers, stats, cap, ngrams, frame_stack) in
            [(1, false, 0, 0, 0), (2, true, 0, 64, 3), (1, true, 5, 0, 2), (1, false, 0, 0, 4)]
        {
            let ngram_buckets = if base.variant.uses_text() { ngrams } else { 0 };
            let acoustic_stats = stats || base.stats_head;
            let config =
                ModelConfig { layers, acoustic_stats, max_frames: cap, ngram_buckets, frame_stack, ..base.clone() };
            let model = Model::new(&config, 11, &device).unwrap();
            let host = HostModel::from_model(&model).unwrap();
            for example in data.iter().chain([&audio_only, &text_only]) {
                match (model.predict(example), host.predict(example)) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!(a.label, b.label, "{config:?}");
                        // Attention stays per frame whatever the frames per step.
                        if let (Some(w), Some(s)) = (&a.frame_attention, &example.acoustic) {
                            assert_eq!(w.len(), if cap > 0 { s.len.min(cap) } else { s.len }, "{config:?}");
                        }
                        let d = prediction_diff(&a, &b);
                        assert!(d <= 1e-5, "{config:?}: the engines differ by {d}");
                        checked += 1;
                    }
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                    (a, b) => panic!("{config:?}: burn {a:?}, host {b:?}"),
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} predictions compared");
}

/// The n-gram head (`ngram_buckets`): the engines agree, the transcript's
/// spelling changes the output, and an item without text ignores it.
#[test]
fn the_ngram_head_matches_burn_and_reads_the_tokens() {
    let data = dataset(4, 9);
    let config = ModelConfig {
        ngram_buckets: 32,
        ..tiny(Variant::Mmmla, AcousticPooling::Attention, LexicalPooling::Attention)
    };
    let model = Model::new(&config, 3, &Device::flex()).unwrap();
    let host = HostModel::from_model(&model).unwrap();
    let plain = Model::new(&ModelConfig { ngram_buckets: 0, ..config.clone() }, 3, &Device::flex()).unwrap();
    for e in &data {
        let respelled = Example { tokens: vec!["something".into(), "else".into()], ..e.clone() };
        let audio_only = Example { words: None, ..e.clone() };
        for x in [e, &respelled, &audio_only] {
            let (a, b) = (model.predict(x).unwrap(), host.predict(x).unwrap());
            let d = prediction_diff(&a, &b);
            assert!(d <= 1e-5, "the engines differ by {d}");
        }
        let (a, b) = (model.predict(e).unwrap(), model.predict(&respelled).unwrap());
        assert!(max_diff(&a.probabilities, &b.probabilities) > 1e-6, "the tokens change nothing");
        // The same weights apart from the head (drawn last): without text
        // the head adds nothing.
        let (a, b) = (model.predict(&audio_only).unwrap(), plain.predict(&audio_only).unwrap());
        assert!(max_diff(&a.probabilities, &b.probabilities) < 1e-6, "the head reads an item without text");
    }
}

#[test]
fn voiced_statistics_match_burn() {
    // The ComParE_2016 layout (130 columns), F0 zero in a third of the frames
    // before an affine map, as the normalisation leaves it.
    let mut rng = emorec::rng::Rng::new(5);
    let examples: Vec<Example> = (0..4)
        .map(|i| {
            let len = 20 + 7 * i;
            let mut data: Vec<f32> = (0..len * 130).map(|_| rng.uniform(-1.0, 1.0) as f32).collect();
            for t in (0..len).step_by(3) {
                data[t * 130] = -2.0;
            }
            Example { acoustic: Some(Sequence::new(len, 130, data).unwrap()), ..Default::default() }
        })
        .collect();
    for variant in [Variant::Acoustic, Variant::Mmmla] {
        let base = tiny(variant, AcousticPooling::Attention, LexicalPooling::Attention);
        let config =
            ModelConfig { acoustic_dim: 130, word_dim: W_DIM, acoustic_stats: true, voiced_stats: true, ..base };
        let model = Model::new(&config, 7, &Device::flex()).unwrap();
        let host = HostModel::from_model(&model).unwrap();
        let plain = Model::new(&ModelConfig { voiced_stats: false, ..config.clone() }, 7, &Device::flex()).unwrap();
        for e in &examples {
            let (a, b) = (model.predict(e).unwrap(), host.predict(e).unwrap());
            let d = prediction_diff(&a, &b);
            assert!(d <= 1e-5, "{config:?}: the engines differ by {d}");
            let p = plain.predict(e).unwrap();
            assert!(max_diff(&a.probabilities, &p.probabilities) > 1e-6, "the voiced statistics change nothing");
        }
        // A speaker's mean statistics subtracted (`centre_stats`), with a head
        // from the statistics to the logits: both engines alike, and the
        // offset matters.
        let config = ModelConfig { stats_head: true, ..config };
        let model = Model::new(&config, 7, &Device::flex()).unwrap();
        let host = HostModel::from_model(&model).unwrap();
        let offset =
            emorec::model::batch::mean_statistics(examples.iter().filter_map(|e| e.acoustic.as_ref()), &config)
                .unwrap();
        for e in &examples {
            let centred = Example { stats_offset: Some(offset.clone()), ..e.clone() };
            let (a, b) = (model.predict(&centred).unwrap(), host.predict(&centred).unwrap());
            let d = prediction_diff(&a, &b);
            assert!(d <= 1e-5, "{config:?}, centred: the engines differ by {d}");
            let p = model.predict(e).unwrap();
            assert!(max_diff(&a.probabilities, &p.probabilities) > 1e-6, "the offset changes nothing");
        }
        // Divided by a speaker's deviation too (`statistics_spread`).
        let scale: Vec<f32> = (0..config.stats_dim()).map(|j| 0.5 + 0.1 * (j % 11) as f32).collect();
        for e in &examples {
            let centred = Example { stats_offset: Some(offset.clone()), ..e.clone() };
            let scaled = Example { stats_scale: Some(scale.clone()), ..centred.clone() };
            let (a, b) = (model.predict(&scaled).unwrap(), host.predict(&scaled).unwrap());
            let d = prediction_diff(&a, &b);
            assert!(d <= 1e-5, "{config:?}, standardised: the engines differ by {d}");
            let p = model.predict(&centred).unwrap();
            assert!(max_diff(&a.probabilities, &p.probabilities) > 1e-6, "the scale changes nothing");
        }
        let wrong = Example { stats_offset: Some(vec![0.0; 3]), ..examples[0].clone() };
        assert!(model.predict(&wrong).is_err() && host.predict(&wrong).is_err(), "an offset of the wrong size");
    }
}

fn shipped_dirs() -> [std::path::PathBuf; 2] {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("www");
    [root.join("model"), root.join("model-speaker")]
}

#[test]
fn the_shipped_f16_weights_are_current() {
    for dir in shipped_dirs() {
        let bundle = Bundle::load(&dir, &Device::flex()).expect("the shipped model loads");
        let want = bundle.model.burn().unwrap().host_weights(Precision::F16);
        // The n-gram head's file is there exactly when the model has the head.
        for (name, want) in [(FILE, Some(want.network)), (NGRAM_HEAD_FILE, want.ngram_head)] {
            assert!(
                std::fs::read(dir.join(name)).ok() == want,
                "{} does not match weights.bpk: run `cargo run --release -- export-weights {}`",
                dir.join(name).display(),
                dir.display()
            );
        }
    }
}

/// The page's numbers (host engine, f16 weights) against burn's (f32) on
/// real recordings with their transcripts, through the whole pipeline.
#[test]
fn the_shipped_models_predict_the_same_with_f16_weights() {
    let files: Vec<_> = common::reference_files()
        .into_iter()
        .filter(|f| !f.generated)
        .step_by(3)
        .map(|f| common::reference_dir().join(format!("{}.wav", f.name)))
        .collect();
    assert!(!files.is_empty(), "no reference recordings");
    for dir in shipped_dirs() {
        let burn = Bundle::load(&dir, &Device::flex()).unwrap();
        let host = Bundle::load_host(&dir).unwrap();
        let (mut ea, mut eb) = (burn.extractor().unwrap(), host.extractor().unwrap());
        let mut worst = 0.0f32;
        for f in &files {
            let audio = emorec::audio::decode_file(f).unwrap();
            let input = Input::new(Some((&audio.samples, audio.sample_rate)), Some("I never said that to anyone"));
            let a = burn.classify(&mut ea, &input).unwrap();
            let b = host.classify(&mut eb, &input).unwrap();
            assert_eq!(a.speech, b.speech, "{}", f.display());
            if let (Some(pa), Some(pb)) = (a.probabilities, b.probabilities) {
                assert_eq!(a.label, b.label, "{}: {pa:?} vs {pb:?}", f.display());
                worst = worst.max(max_diff(&pa, &pb));
            }
        }
        println!("{}: f16 host engine within {worst} of burn f32 over {} recordings", dir.display(), files.len());
        assert!(worst <= 1e-3, "{}: f16 weights move a probability by {worst}", dir.display());
    }
}

#[test]
fn each_engine_refuses_the_others_weights_with_a_clear_error() {
    let dir = &shipped_dirs()[0];
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let files = |weights: Vec<u8>| BundleFiles {
        meta: read("model.json"),
        config: read("config.toml"),
        weights,
        inputs: read("inputs.toml"),
        norm: Some(read("norm.json")),
        vocab: None,
        ngram_head: None,
    };
    let e = Bundle::from_files_host(&files(read("weights.bpk")), true).err().unwrap();
    assert!(emorec::error::report(&e).contains("weights-f16.safetensors"), "{}", emorec::error::report(&e));
    let e = Bundle::from_files_deferring_vocabulary(&files(read(FILE)), &Device::flex()).err().unwrap();
    assert!(emorec::error::report(&e).contains("weights.bpk"), "{}", emorec::error::report(&e));
    // Weights of another config: a clear error naming the parameter.
    let other = Model::new(&ModelConfig { hidden: 8, ..ModelConfig::default() }, 1, &Device::flex()).unwrap();
    let e = Bundle::from_files_host(&files(other.host_weights(Precision::F16).network), true).err().unwrap();
    let msg = emorec::error::report(&e);
    assert!(msg.contains("shape") || msg.contains("no parameter"), "{msg}");
    // Truncated.
    let mut cut = read(FILE);
    cut.truncate(cut.len() / 2);
    assert!(Bundle::from_files_host(&files(cut), true).is_err());
    // And the right one loads, deferring the vocabulary and the n-gram head.
    let mut b = Bundle::from_files_host(&files(read(FILE)), true).unwrap();
    assert!(b.needs_vocabulary() && b.needs_ngram_head());
    for bad in [read(FILE), read(NGRAM_HEAD_FILE)[..100].to_vec()] {
        let e = emorec::error::report(&b.set_ngram_head(&bad).unwrap_err());
        assert!(e.contains(NGRAM_HEAD_FILE), "{e}");
    }
    b.set_ngram_head(&read(NGRAM_HEAD_FILE)).unwrap();
    assert!(!b.needs_ngram_head());
}

#[test]
fn the_n_gram_head_comes_in_its_own_file_or_inside_an_older_weights_file() {
    let dir = &shipped_dirs()[0];
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let files = |weights: Vec<u8>, ngram_head: Option<Vec<u8>>| BundleFiles {
        meta: read("model.json"),
        config: read("config.toml"),
        weights,
        inputs: read("inputs.toml"),
        norm: Some(read("norm.json")),
        vocab: Some(read("vocab.safetensors")),
        ngram_head,
    };
    let burn = Bundle::load(dir, &Device::flex()).unwrap();
    assert!(burn.model.config().ngram_buckets > 0, "the shipped model has an n-gram head");
    // Without its file the bundle is refused, naming the file.
    let e = emorec::error::report(&Bundle::from_files_host(&files(read(FILE), None), false).err().unwrap());
    assert!(e.contains(NGRAM_HEAD_FILE), "{e}");
    // With it, or with the head inside the main file (as bundles written
    // before the split have it), the same predictions.
    let split = Bundle::from_files_host(&files(read(FILE), Some(read(NGRAM_HEAD_FILE))), false).unwrap();
    let whole = to_safetensors(&burn.model.burn().unwrap().named_parameters(), Precision::F16);
    let old = Bundle::from_files_host(&files(whole, None), false).unwrap();
    let input = Input::new(None, Some("sooo annoyed with this, ugh!!"));
    let (a, b) = (
        split.classify(&mut split.extractor().unwrap(), &input).unwrap(),
        old.classify(&mut old.extractor().unwrap(), &input).unwrap(),
    );
    assert_eq!(a.probabilities, b.probabilities);
    // The head matters: without it the transcript is an error, not a guess.
    let mut deferred = Bundle::from_files_host(&files(read(FILE), None), true).unwrap();
    let e = emorec::error::report(&deferred.classify(&mut deferred.extractor().unwrap(), &input).err().unwrap());
    assert!(e.contains(NGRAM_HEAD_FILE), "{e}");
    deferred.set_ngram_head(&read(NGRAM_HEAD_FILE)).unwrap();
    assert_eq!(deferred.classify(&mut deferred.extractor().unwrap(), &input).unwrap().probabilities, a.probabilities);
}
