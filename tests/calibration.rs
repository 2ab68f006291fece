//! Calibration to one's voice (`Bundle::calibrate`, `pipeline::Calibration`):
//! the shipped speaker-normalised model (www/model-speaker) standardises a
//! voice by statistics from that speaker's other recordings; the calibration
//! is plain data that survives JSON, and one made for other features or of
//! another version is refused with a reason.

mod common;

use std::path::Path;

use burn::tensor::Device;
use emorec::pipeline::{Bundle, Calibration, Input, Speaker};
use emorec::Emotion;

#[allow(deprecated)]
fn bundle(dir: &str) -> Bundle {
    Bundle::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &Device::ndarray()).expect("the shipped model loads")
}

fn ravdess(actor: u32, emotion: u32, statement: u32) -> emorec::audio::Audio {
    let intensity = if emotion == 1 { 1 } else { 2 };
    let rel =
        format!("data/ravdess/Actor_{actor:02}/03-01-{emotion:02}-{intensity:02}-{statement:02}-01-{actor:02}.flac");
    emorec::audio::decode_file(&common::shared_path(&rel)).unwrap()
}

#[test]
fn a_calibration_normalises_the_speaker_and_survives_json() {
    let speaker = bundle("www/model-speaker");
    assert!(speaker.normalizes_by_speaker());
    assert!(!bundle("www/model").normalizes_by_speaker(), "the main model is for uncalibrated use");
    let mut extractor = speaker.extractor().unwrap();
    // Ordinary speech of actor 03 (neutral and calm), and silence, which is left out.
    let own: Vec<_> = [(1, 1), (1, 2), (2, 1), (2, 2)].iter().map(|&(e, s)| ravdess(3, e, s)).collect();
    let silence = vec![0.0f32; 48_000];
    let mut recordings: Vec<(&[f32], u32)> = own.iter().map(|a| (a.samples.as_slice(), a.sample_rate)).collect();
    recordings.push((&silence, 16_000));
    let calibration = speaker.calibrate(&mut extractor, &recordings).unwrap();
    assert_eq!((calibration.recordings, calibration.used), (5, 4));
    let seconds: f64 = own.iter().map(|a| a.duration_s()).sum();
    assert!((calibration.seconds - seconds).abs() < 0.01, "{} vs {seconds}", calibration.seconds);
    let json = serde_json::to_string(&calibration).unwrap();
    let back: Calibration = serde_json::from_str(&json).unwrap();
    assert_eq!(back, calibration);
    assert!(json.contains("\"format\":\"emorec-calibration\""));

    // With it, the model hears the utterance against the speaker's own voice:
    // the same as passing the statistics, and not the same as the recording
    // standing for its speaker.
    let angry = ravdess(3, 5, 1);
    let audio = Some((angry.samples.as_slice(), angry.sample_rate));
    let checked = speaker.check_calibration(&back).unwrap();
    let calibrated =
        speaker.classify(&mut extractor, &Input::new(audio, None).with_calibration(Some(checked))).unwrap();
    let direct = speaker.speaker_stats(&mut extractor, &recordings).unwrap();
    let by_stats = Speaker { stats: &direct, statistics: calibration.statistics.as_deref(), spread: None };
    let by_stats = speaker.classify(&mut extractor, &Input::new(audio, None).with_calibration(Some(by_stats))).unwrap();
    assert_eq!(calibrated.probabilities, by_stats.probabilities);
    // The shipped model reads its utterance statistics against the
    // speaker's mean, which the calibration carries and bare descriptor
    // statistics do not.
    assert!(speaker.centres_statistics());
    assert_eq!(back.statistics.as_ref().map(Vec::len), Some(speaker.model.config().stats_dim()));
    let e = speaker.classify(&mut extractor, &Input::new(audio, None).with_speaker(Some(&direct))).unwrap_err();
    assert!(e.to_string().contains("calibrate again"), "{e}");
    let alone = speaker.classify(&mut extractor, &Input::new(audio, None)).unwrap();
    let moved = calibrated
        .probabilities
        .unwrap()
        .iter()
        .zip(alone.probabilities.unwrap())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(moved > 0.01, "the calibration changed nothing ({moved})");
}

#[test]
fn a_wrong_calibration_is_refused_with_the_reason() {
    let speaker = bundle("www/model-speaker");
    let mut extractor = speaker.extractor().unwrap();
    let a = ravdess(5, 1, 1);
    let good = speaker.calibrate(&mut extractor, &[(a.samples.as_slice(), a.sample_rate)]).unwrap();
    let refused = |c: Calibration, want: &str| {
        let e = speaker.check_calibration(&c).unwrap_err().to_string();
        assert!(e.contains("cannot be used") && e.contains(want), "{e}");
    };
    refused(Calibration { version: 99, ..good.clone() }, "version 99");
    refused(Calibration { format: "emorec-norm".into(), ..good.clone() }, "format");
    refused(Calibration { features: "set=compare2016 deltas=false".into(), ..good.clone() }, "features");
    let mut short = good.clone();
    short.stats.mean.pop();
    refused(short, "incomplete");
    let mut nan = good.clone();
    nan.stats.std[3] = f64::NAN;
    refused(nan, "not finite");
    let mut renamed = good.clone();
    renamed.stats.columns[0] = "something else".into();
    refused(renamed, "descriptors");
    refused(Calibration { statistics: None, ..good.clone() }, "calibrate again");
    let mut short = good;
    short.statistics.as_mut().unwrap().pop();
    refused(short, "utterance statistics' mean");

    let silence = vec![0.0f32; 48_000];
    let e = speaker.calibrate(&mut extractor, &[(&silence, 16_000)]).unwrap_err().to_string();
    assert!(e.contains("holds speech"), "{e}");
}

/// A speaker's mean utterance statistics (`centre_stats`) come out the same
/// from training's path (`prenormalize_features` and `examples_for` over a
/// speaker's utterances) and from a calibration on the same recordings, and
/// the pipeline builds the same example from them as training does.
#[test]
fn centred_statistics_are_the_same_in_training_and_calibration() {
    use emorec::data::norm::Normalization;
    use emorec::data::Utterance;
    use emorec::pipeline::{examples_for, prenormalize_features};
    let speaker = bundle("www/model-speaker");
    let mut extractor = speaker.extractor().unwrap();
    let own: Vec<_> = [(1, 1), (3, 2), (4, 1), (5, 2)].iter().map(|&(e, s)| ravdess(7, e, s)).collect();
    let recordings: Vec<(&[f32], u32)> = own.iter().map(|a| (a.samples.as_slice(), a.sample_rate)).collect();
    let calibration = speaker.calibrate(&mut extractor, &recordings).unwrap();
    let statistics = calibration.statistics.clone().expect("the shipped model centres its statistics");

    let utts: Vec<Utterance> = (0..own.len())
        .map(|i| Utterance {
            id: i.to_string(),
            audio: None,
            transcript: None,
            label: Emotion::Neutral,
            speaker: "07".into(),
            group: String::new(),
            corpus: Some("ravdess".into()),
        })
        .collect();
    let raw: Vec<_> = recordings
        .iter()
        .map(|&(x, rate)| {
            let x = emorec::audio::prepare(x, rate).unwrap();
            speaker.features(&mut extractor, &x).unwrap().0
        })
        .collect();
    let mut features: Vec<_> = raw.iter().map(|m| Some(Ok(m.clone()))).collect();
    prenormalize_features(&utts, &mut features, &speaker.inputs, Normalization::Speaker).unwrap();
    let all: Vec<usize> = (0..utts.len()).collect();
    let config = speaker.model.config();
    let (trained, _) = examples_for(&utts, &all, &features, speaker.norm.as_ref(), None, speaker.centring()).unwrap();
    let offset = trained[0].stats_offset.as_ref().expect("an offset in training");
    let diff = offset.iter().zip(&statistics).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(diff < 1e-4, "training and calibration differ by {diff}");
    assert!(trained.iter().all(|e| e.stats_offset.as_ref() == Some(offset)), "one offset per speaker");

    let checked = speaker.check_calibration(&calibration).unwrap();
    let (example, _) = speaker.example(Some(&raw[2]), None, Some(checked)).unwrap();
    let frames = example.acoustic.as_ref().unwrap().data.iter().zip(&trained[2].acoustic.as_ref().unwrap().data);
    let diff = frames.map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(diff < 1e-4, "the frames differ by {diff}");

    // Standardised too (`statistics_spread`, here an arbitrary prior): the
    // calibration carries the deviation, and the pipeline scales the
    // statistics as training does.
    let mut standardising = bundle("www/model-speaker");
    let prior: Vec<f32> = (0..config.stats_dim()).map(|j| 0.2 + 0.01 * (j % 7) as f32).collect();
    standardising.inputs.statistics_spread = Some(prior);
    let calibration = standardising.calibrate(&mut extractor, &recordings).unwrap();
    assert_eq!(calibration.used, own.len());
    let (trained, _) =
        examples_for(&utts, &all, &features, standardising.norm.as_ref(), None, standardising.centring()).unwrap();
    let scale = trained[0].stats_scale.clone().expect("a scale in training");
    assert!(scale.iter().any(|&s| (s - 1.0).abs() > 0.1), "the scale does something");
    let checked = standardising.check_calibration(&calibration).unwrap();
    let (example, _) = standardising.example(Some(&raw[2]), None, Some(checked)).unwrap();
    let got = example.stats_scale.expect("a scale in classification");
    let diff = got.iter().zip(&scale).map(|(a, b)| ((a - b) / b).abs()).fold(0.0, f32::max);
    assert!(diff < 1e-3, "training and calibration scale the statistics differently (relative {diff})");
    let e = standardising.check_calibration(&Calibration { statistics_spread: None, ..calibration }).unwrap_err();
    assert!(e.to_string().contains("deviation") && e.to_string().contains("calibrate again"), "{e}");
}
