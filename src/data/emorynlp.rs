//! EmoryNLP (Zahiri & Choi, AAAI-W 2018): Friends transcripts with seven
//! emotions, `emorynlp_{train,dev,test}_final.csv` with the columns
//! `Utterance,Speaker,Emotion,Scene_ID,Utterance_ID,Season,Episode,Start_Time,End_Time`.
//! Read by [`Manifest::read`]/[`Manifest::load`], detected from that header.
//!
//! # Label mapping
//!
//! Mad → ang, Joyful → hap, Neutral → neu, Sad → sad; Peaceful, Powerful
//! and Scared are skipped (no class of ours is calm contentment, confidence
//! or fear).
//!
//! # Overlap with MELD's test split
//!
//! MELD and EmoryNLP transcribe the same show, and some lines are in both.
//! A model trained on EmoryNLP's training split and tested on MELD's test
//! split would have seen those lines, with labels, so they are left out of
//! EmoryNLP's training split (not of its dev and test: they train nothing).
//! A line matches when its [`overlap_key`] (the text front-end's tokens,
//! which repair MELD's mis-encoded `â€™`, lower-cased, punctuation dropped)
//! equals that of any utterance of MELD's test file, whatever its emotion.
//! Matching on text alone also removes short common lines ("Okay.", "Yeah.")
//! that were said in other scenes; that loses a few training lines but never
//! lets a test line through. Matching within the same season and episode was
//! tried and rejected: the two corpora number some episodes differently
//! (MELD's s6e1 is EmoryNLP's s3e6), so it misses real overlaps.
//!
//! The MELD test file is found as [`find_meld_test`] says, or given to
//! [`load`]; reading a training split without one is an error, since the
//! overlap cannot be ruled out otherwise. The number left out is in
//! [`Manifest::left_out`] under [`LEFT_OUT_IN_MELD_TEST`], and a note names
//! the MELD file.
//!
//! # What the utterances look like
//!
//! id = `{split}_s{Season}_e{Episode}_c{Scene_ID}_u{Utterance_ID}`, group =
//! the split, speaker = the `Speaker` list (`['Rachel Green']`) as names
//! joined by ` & ` (a few lines are said by several people).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

#[cfg(not(target_arch = "wasm32"))]
use super::error::{DataError, DataResult};
#[cfg(not(target_arch = "wasm32"))]
use super::manifest::{csv_error, file_name};
use super::manifest::{official_split, Manifest, Row};
use super::Utterance;
use crate::Emotion;

/// The header columns that identify an EmoryNLP file (and that the reader uses).
pub const COLUMNS: [&str; 7] = ["Utterance", "Speaker", "Emotion", "Scene_ID", "Utterance_ID", "Season", "Episode"];

/// [`Manifest::left_out`] key of training utterances found in MELD's test split.
pub const LEFT_OUT_IN_MELD_TEST: &str = "occurs in MELD's test split";

/// The class an EmoryNLP emotion maps to.
pub fn map_label(emotion: &str) -> Option<Emotion> {
    match emotion.trim().to_ascii_lowercase().as_str() {
        "mad" => Some(Emotion::Angry),
        "joyful" => Some(Emotion::Happy),
        "neutral" => Some(Emotion::Neutral),
        "sad" => Some(Emotion::Sad),
        _ => None,
    }
}

/// `emorynlp_train_final.csv` → `train` (also without the `emorynlp_`
/// prefix or `_final` suffix; `validation` → `dev`).
pub(crate) fn split_of(name: &Path) -> String {
    let stem = name.file_stem().map(|s| s.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let stem = stem.strip_prefix("emorynlp_").unwrap_or(&stem);
    let stem = stem.strip_suffix("_final").unwrap_or(stem);
    official_split(stem)
}

/// `['Rachel Green']`, `["Phoebe's Assistant"]`, `['Ross Geller', 'Rachel Green']`
/// → `Rachel Green`, `Phoebe's Assistant`, `Ross Geller & Rachel Green`.
/// Text that is not such a list is kept as it is (trimmed).
pub fn parse_speakers(field: &str) -> String {
    let inner = field.trim();
    let Some(inner) = inner.strip_prefix('[').and_then(|s| s.strip_suffix(']')) else {
        return inner.to_string();
    };
    let mut names = Vec::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' || c == '"' {
            let name: String = chars.by_ref().take_while(|&x| x != c).collect();
            names.push(name.trim().to_string());
        }
    }
    if names.is_empty() {
        inner.trim().to_string()
    } else {
        names.join(" & ")
    }
}

pub(crate) fn row(field: &dyn Fn(&str) -> String, split: &str) -> Result<Row, String> {
    let emotion = field("Emotion");
    let Some(label) = map_label(&emotion) else {
        return Ok(Row::Skip(emotion));
    };
    let mut nums = Vec::new();
    for col in ["Season", "Episode", "Scene_ID", "Utterance_ID"] {
        let v = field(col);
        nums.push(v.parse::<u64>().map_err(|_| format!("{col} {v:?} must be a number"))?);
    }
    let transcript = field("Utterance");
    Ok(Row::Keep(Utterance {
        id: format!("{split}_s{}_e{}_c{}_u{}", nums[0], nums[1], nums[2], nums[3]),
        audio: None,
        transcript: (!transcript.is_empty()).then_some(transcript),
        label,
        speaker: parse_speakers(&field("Speaker")),
        group: split.to_string(),
        corpus: Some("emorynlp".into()),
    }))
}

/// What two transcripts must share to count as the same line: the text
/// front-end's tokens (mojibake repaired, lower-cased, markup dropped)
/// that contain a letter or digit, joined by spaces. Empty when there are
/// none; empty keys never match.
pub fn overlap_key(text: &str) -> String {
    crate::text::tokenize(text)
        .into_iter()
        .filter(|t| t.chars().any(char::is_alphanumeric))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The [`overlap_key`]s of every utterance of a MELD CSV (all emotions).
#[cfg(not(target_arch = "wasm32"))]
pub fn meld_keys(path: &Path) -> DataResult<HashSet<String>> {
    let file = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
    let mut csv = csv::ReaderBuilder::new().from_reader(std::io::BufReader::new(file));
    let col = csv
        .byte_headers()
        .map_err(|e| csv_error(path, e))?
        .iter()
        .position(|h| String::from_utf8_lossy(h).trim().trim_start_matches('\u{feff}') == "Utterance")
        .ok_or_else(|| DataError::format(path, Some(1), "no Utterance column: not a MELD *_sent_emo.csv"))?;
    let mut keys = HashSet::new();
    for record in csv.byte_records() {
        let record = record.map_err(|e| csv_error(path, e))?;
        let key = overlap_key(&String::from_utf8_lossy(record.get(col).unwrap_or_default()));
        if !key.is_empty() {
            keys.insert(key);
        }
    }
    Ok(keys)
}

/// Where MELD's `test_sent_emo.csv` is looked for, given an EmoryNLP file:
/// the shared data's layout (`text/emorynlp/` beside `meld/`:
/// `../../meld/`), then `../meld/`, then the EmoryNLP file's own folder.
pub fn meld_test_candidates(emorynlp_file: &Path) -> Vec<PathBuf> {
    let dir = super::manifest::absolute(emorynlp_file).parent().map(Path::to_path_buf).unwrap_or_default();
    let name = "test_sent_emo.csv";
    let mut out = Vec::new();
    if let Some(up2) = dir.parent().and_then(Path::parent) {
        out.push(up2.join("meld").join(name));
    }
    if let Some(up1) = dir.parent() {
        out.push(up1.join("meld").join(name));
    }
    out.push(dir.join(name));
    out
}

/// The first of [`meld_test_candidates`] that is a file.
#[cfg(not(target_arch = "wasm32"))]
pub fn find_meld_test(emorynlp_file: &Path) -> Option<PathBuf> {
    meld_test_candidates(emorynlp_file).into_iter().find(|p| p.is_file())
}

/// Leaves out of `m` the training utterances whose [`overlap_key`] is in
/// `keys`; returns how many, also added to [`Manifest::left_out`].
pub fn remove_overlap(m: &mut Manifest, keys: &HashSet<String>) -> usize {
    let before = m.utterances.len();
    m.utterances.retain(|u| {
        u.group != "train"
            || !u.transcript.as_deref().map(overlap_key).is_some_and(|k| !k.is_empty() && keys.contains(&k))
    });
    let removed = before - m.utterances.len();
    if removed > 0 {
        *m.left_out.entry(LEFT_OUT_IN_MELD_TEST.to_string()).or_default() += removed;
    }
    removed
}

/// For a manifest read from the EmoryNLP file `path`: when it has training
/// utterances, removes those in MELD's test split (`meld_test`, else
/// [`find_meld_test`]) and notes how many; an error when no MELD test file
/// is found.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn apply_meld_test_overlap(m: &mut Manifest, path: &Path, meld_test: Option<&Path>) -> DataResult<()> {
    if !m.utterances.iter().any(|u| u.group == "train") {
        return Ok(());
    }
    let meld = match meld_test {
        Some(p) => p.to_path_buf(),
        None => find_meld_test(path).ok_or_else(|| {
            let looked: Vec<String> = meld_test_candidates(path).iter().map(|p| p.display().to_string()).collect();
            DataError::format(
                path,
                None,
                format!(
                    "EmoryNLP's training split shares lines with MELD's test split, which must be left out, \
                     but MELD's test_sent_emo.csv was not found (looked for {}); put it there or read the \
                     file with emorec::data::emorynlp::load(path, Some(meld_test))",
                    looked.join(", ")
                ),
            )
        })?,
    };
    let keys = meld_keys(&meld)?;
    let removed = remove_overlap(m, &keys);
    m.notes.push(format!(
        "{}: left out {removed} training utterance(s) whose text occurs in MELD's test split ({})",
        file_name(path),
        meld.display()
    ));
    Ok(())
}

/// Reads the EmoryNLP file at `path`; a training split leaves out what
/// occurs in MELD's test split, read from `meld_test` or, when `None`,
/// found by [`find_meld_test`].
#[cfg(not(target_arch = "wasm32"))]
pub fn load(path: &Path, meld_test: Option<&Path>) -> DataResult<Manifest> {
    let file = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
    let m = Manifest::read(std::io::BufReader::new(file), path, Path::new(""))?;
    if m.format != super::ManifestFormat::EmoryNlp {
        return Err(DataError::format(path, Some(1), format!("a {} file, not EmoryNLP", m.format.name())));
    }
    let mut m = m;
    m.notes.clear();
    apply_meld_test_overlap(&mut m, path, meld_test)?;
    Ok(m)
}
