//! Recordings longer than the model reads at once (`pipeline::timeline`):
//! a two-minute recording made of real utterances from the shared corpora,
//! with pauses between them and a stretch of silence inserted, gives a
//! timeline of many segments with the silence as a no-speech gap, on the
//! library and on `emorec predict --json` / `--csv`.

mod common;

use std::path::Path;

use burn::tensor::Device;
use emorec::pipeline::{Bundle, Classification, Input};
use serde_json::Value;

#[allow(deprecated)]
fn shipped() -> Bundle {
    Bundle::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("www/model"), &Device::ndarray())
        .expect("the shipped model loads")
}

/// About two minutes at 16 kHz: 32 TESS and RAVDESS utterances with 0.8 s
/// pauses, and 12 s of digital silence from `SILENCE_AT` s. Also returns
/// where each utterance starts and ends.
fn long_recording() -> (Vec<f32>, Vec<(f64, f64)>) {
    let manifest = std::fs::read_to_string(common::shared_path("data/tess/manifest.csv")).unwrap();
    let tess: Vec<String> =
        manifest.lines().skip(2).step_by(57).take(16).map(|l| l.split(',').next().unwrap().into()).collect();
    let ravdess: Vec<String> =
        (1..=16).map(|a| format!("ravdess/Actor_{a:02}/03-01-0{}-01-01-01-{a:02}.flac", 1 + a % 5)).collect();
    let mut x = Vec::new();
    let mut spans = Vec::new();
    let pause = vec![0.0f32; 12_800];
    for (i, path) in tess.iter().map(|p| format!("tess/{p}")).zip(ravdess).flat_map(|(a, b)| [a, b]).enumerate() {
        if i == 14 {
            x.extend(vec![0.0f32; 16_000 * SILENCE_S as usize]);
        }
        let audio = emorec::audio::decode_file(&common::shared_path(&format!("data/{path}"))).unwrap();
        let y = emorec::audio::prepare(&audio.samples, audio.sample_rate).unwrap();
        let start = x.len() as f64 / 16_000.0;
        x.extend(y);
        spans.push((start, x.len() as f64 / 16_000.0));
        x.extend_from_slice(&pause);
    }
    (x, spans)
}

const SILENCE_S: f64 = 12.0;

fn check_timeline(c: &Classification, utterances: &[(f64, f64)], duration: f64) {
    assert_eq!(c.duration_s, Some(duration));
    assert!(c.segments.len() >= 20, "{} segments", c.segments.len());
    assert_eq!(c.segments[0].start, 0.0);
    assert!((c.segments.last().unwrap().end - duration).abs() < 1e-9);
    for w in c.segments.windows(2) {
        assert_eq!(w[0].end, w[1].start, "segments are contiguous");
    }
    for s in &c.segments {
        let pause = s.reason.as_deref().is_some_and(|r| r.starts_with("a pause"));
        assert!(pause || s.end - s.start <= 10.0 + 1e-9, "a piece longer than the model reads: {s:?}");
        assert_eq!(s.speech, s.label.is_some(), "{s:?}");
        assert_eq!(s.speech, s.probabilities.is_some(), "{s:?}");
        assert_eq!(s.speech, s.reason.is_none(), "{s:?}");
    }
    // The inserted silence lies inside one no-speech gap.
    let silence_start = utterances[13].1 + 0.8;
    let gap = c
        .segments
        .iter()
        .find(|s| !s.speech && s.start <= silence_start + 0.2 && s.end >= silence_start + SILENCE_S - 0.2)
        .unwrap_or_else(|| {
            panic!("no no-speech gap over {silence_start:.1}-{:.1} s: {:?}", silence_start + SILENCE_S, c.segments)
        });
    assert!(gap.reason.as_deref().unwrap().contains("pause"), "{gap:?}");
    // Every utterance's middle lies in a segment with speech.
    for &(a, b) in utterances {
        let mid = (a + b) / 2.0;
        let s = c.segments.iter().find(|s| s.start <= mid && mid < s.end).unwrap();
        assert!(s.speech, "the utterance at {a:.1}-{b:.1} s fell in {s:?}");
    }
    let summary = c.summary.as_ref().unwrap();
    assert_eq!(summary.segments, c.segments.len());
    let speech: f64 = c.segments.iter().filter(|s| s.speech).map(|s| s.end - s.start).sum();
    assert!((summary.speech - speech).abs() < 1e-6);
    let shares = summary.shares.unwrap();
    assert!((shares.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{shares:?}");
    assert!(shares.iter().filter(|&&v| v > 0.0).count() >= 2, "a mix of emotions gets more than one label: {shares:?}");
    let p = c.probabilities.unwrap();
    assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    assert_eq!(c.label.unwrap().index(), (0..4).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap());
    assert_eq!(c.speech, Some(true));
    assert_eq!(c.modality_weights, Some([1.0, 0.0]), "the label is the audio segments' alone");
    let frames = c.frame_attention.as_ref().unwrap();
    assert_eq!(frames.len(), (duration / 0.01).ceil() as usize);
    let in_gap = &frames[((gap.start / 0.01) as usize)..((gap.end / 0.01) as usize).min(frames.len())];
    assert!(in_gap.iter().all(|&w| w == 0.0), "no attention in the gap");
    assert!(c.notes.iter().any(|n| n.contains("cut at its pauses")), "{:?}", c.notes);
}

#[test]
fn a_long_recording_is_a_timeline_with_its_gaps() {
    let (x, utterances) = long_recording();
    let duration = x.len() as f64 / 16_000.0;
    assert!((100.0..150.0).contains(&duration), "{duration} s");
    let bundle = shipped();
    let mut extractor = bundle.extractor().unwrap();
    let c = bundle.classify(&mut extractor, &Input::new(Some((&x, 16_000)), None)).unwrap();
    check_timeline(&c, &utterances, duration);
    assert!(c.words.is_empty());

    // Each segment is what classifying its stretch alone gives.
    let s = c.segments.iter().find(|s| s.speech).unwrap();
    let piece = &x[(s.start * 16_000.0).round() as usize..(s.end * 16_000.0).round() as usize];
    let alone = bundle.classify(&mut extractor, &Input::new(Some((piece, 16_000)), None)).unwrap();
    assert_eq!(alone.label, s.label);
    assert_eq!(alone.probabilities, s.probabilities);

    // With a transcript, the segments are heard alone and the text is
    // classified once, on its own, and said so.
    let t =
        bundle.classify(&mut extractor, &Input::new(Some((&x, 16_000)), Some("I can't believe you did that"))).unwrap();
    assert_eq!(t.segments, c.segments);
    let text = bundle.classify(&mut extractor, &Input::new(None, Some("I can't believe you did that"))).unwrap();
    assert_eq!((&t.words, &t.word_attention), (&text.words, &text.word_attention));
    assert!(t.notes.iter().any(|n| n.contains("transcript") && n.contains("on its own")), "{:?}", t.notes);
}

#[test]
fn a_long_silence_is_no_speech_throughout() {
    let bundle = shipped();
    let mut extractor = bundle.extractor().unwrap();
    let x = vec![0.0f32; 16_000 * 30];
    let c = bundle.classify(&mut extractor, &Input::new(Some((&x, 16_000)), None)).unwrap();
    assert_eq!(c.speech, Some(false));
    assert_eq!(c.label, None);
    assert!(c.segments.len() >= 3 && c.segments.iter().all(|s| !s.speech), "{:?}", c.segments);
    assert!(c.reason.as_deref().unwrap().contains("no speech"), "{:?}", c.reason);
    assert_eq!(c.summary.unwrap().shares, None);
}

/// A 16-bit mono WAV.
fn wav16(samples: &[f32], rate: u32) -> Vec<u8> {
    let data: Vec<u8> =
        samples.iter().flat_map(|&v| ((v.clamp(-1.0, 1.0) * 32767.0).round() as i16).to_le_bytes()).collect();
    let mut out = Vec::with_capacity(44 + data.len());
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend(data);
    out
}

#[test]
fn predict_prints_the_timeline_as_json_and_csv() {
    let (x, utterances) = long_recording();
    let path = std::env::temp_dir().join(format!("emorec-timeline-{}.wav", std::process::id()));
    std::fs::write(&path, wav16(&x, 16_000)).unwrap();
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("www/model");
    let run = |flag: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_emorec"))
            .args(["predict", "--model", model.to_str().unwrap(), "--audio", path.to_str().unwrap(), flag])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let json: Value = serde_json::from_str(&run("--json")).unwrap();
    let csv = run("--csv");
    std::fs::remove_file(&path).ok();

    let segments = json["segments"].as_array().unwrap();
    assert!(segments.len() >= 20);
    let first = &segments[0];
    for key in ["start", "end", "speech", "label", "probabilities", "reason"] {
        assert!(first.get(key).is_some(), "segment has no {key}: {first}");
    }
    assert!(segments
        .iter()
        .any(|s| s["speech"] == false && s["end"].as_f64().unwrap() - s["start"].as_f64().unwrap() > 10.0));
    assert!(json["summary"]["shares"].as_array().unwrap().len() == 4);
    assert!(json["notes"][0].as_str().unwrap().contains("segments"));
    let speech_segments = segments.iter().filter(|s| s["speech"] == true).count();
    assert!(speech_segments >= utterances.len() / 2, "{speech_segments} segments with speech");

    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "start,end,speech,label,ang,hap,neu,sad,reason");
    assert_eq!(rows.len(), segments.len() + 1);
    for (row, s) in rows[1..].iter().zip(segments) {
        let cols: Vec<&str> = row.splitn(9, ',').collect();
        assert_eq!(cols[2], s["speech"].to_string(), "{row}");
        assert_eq!(cols[3], s["label"].as_str().unwrap_or(""), "{row}");
    }
}
