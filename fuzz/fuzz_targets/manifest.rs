//! Corpus files as `emorec prepare`/`train` read them, from memory: the CSV
//! manifest reader (every format with a header: emorec's own, MELD,
//! EmoryNLP, IEMOCAP exports), GoEmotions' TSV with its labels file,
//! DailyDialog's pair of text and emotion files, IEMOCAP's evaluation and
//! transcription texts, and normalisation statistics (`norm.json`). The
//! first byte picks the reader; for the two-file readers the rest is split
//! at the first 0xFF byte (never valid UTF-8, so never inside real text).
#![no_main]

use std::path::Path;

use emorec::data::norm::NormStats;
use emorec::data::{dailydialog, goemotions, iemocap, manifest, Manifest};
use libfuzzer_sys::fuzz_target;

/// Names that steer format detection and split names as real files do.
const NAMES: [&str; 6] =
    ["manifest.csv", "train_sent_emo.csv", "emotion-detection-trn.csv", "test_sent_emo.csv", "iemocap.csv", "dev.csv"];

fn split2(rest: &[u8]) -> (&[u8], &[u8]) {
    match rest.iter().position(|&b| b == 0xFF) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[]),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let name = Path::new(NAMES[usize::from(selector >> 3) % NAMES.len()]);
    match selector % 6 {
        0 | 1 => {
            if let Ok(m) = Manifest::read(rest, name, Path::new("/data")) {
                let _ = m.counts();
                let _ = manifest::describe(&m.utterances);
                let mut out = Vec::new();
                let _ = manifest::write_manifest(&mut out, &m.utterances, Path::new("/data"));
                // What was written reads back.
                let _ = Manifest::read(out.as_slice(), Path::new("manifest.csv"), Path::new("/data"));
                let _ = manifest::combine(vec![m]);
            }
        }
        2 => {
            let (tsv, labels) = split2(rest);
            let labels = goemotions::parse_labels(&String::from_utf8_lossy(labels));
            let _ = goemotions::read(tsv, Path::new("train.tsv"), &labels);
        }
        3 => {
            let (text, labels) = split2(rest);
            let _ = dailydialog::read(
                text,
                Path::new("dialogues_train.txt"),
                labels,
                Path::new("dialogues_emotion_train.txt"),
                "train",
            );
        }
        4 => {
            let text = String::from_utf8_lossy(rest);
            let _ = iemocap::parse_evaluation(&text);
            let _ = iemocap::parse_transcription(&text);
            let _ = iemocap::parse_id(&text);
            let _ = iemocap::speaker_of(&text);
        }
        _ => {
            let _ = NormStats::from_json(&String::from_utf8_lossy(rest));
        }
    }
});
