//! GoEmotions (Demszky et al., ACL 2020): Reddit comments with 27 emotions
//! plus neutral, as released: `{train,dev,test}.tsv` with the columns text,
//! comma-separated label ids, comment id (no header, no quoting), and
//! `labels.txt` naming the ids one a line.
//!
//! # Label mapping
//!
//! Each of the 28 labels maps to one of the four classes or to none:
//!
//! * ang: `anger`, `annoyance` (annoyance is mild anger, and IEMOCAP's
//!   "angry" includes irritation);
//! * hap: `joy`, `amusement`, `excitement`, `love`, `pride`, `relief`: the
//!   writer's own pleasant state, what IEMOCAP's happy + excited cover.
//!   Left out although positive: `admiration` and `approval` (evaluations of
//!   someone else's post: "great point", "agreed"), `gratitude` (mostly the
//!   formula "thanks", which would teach a lexical model a shortcut),
//!   `optimism` and `caring` (hope and concern, most often about a sad
//!   situation: "hope you feel better"), `desire`;
//! * neu: `neutral`;
//! * sad: `sadness`, `grief`, `disappointment`.
//!
//! A row may carry several labels. It is kept only when **every** label maps
//! and all map to the same class ("joy,amusement" → hap). A row with a label
//! outside the mapping ("joy,surprise") is skipped, because its annotators
//! saw more than our class in it; a row whose labels map to two classes
//! ("anger,sadness", "neutral,joy") is left out as ambiguous.
//!
//! Each file is one official split: group = `train`, `dev`, `test` (from the
//! file name); id = `{split}_{comment id}`; speaker = `reddit` for every row,
//! since the release names no authors (a speaker-independent protocol cannot
//! be run inside GoEmotions). Texts keep their `[NAME]`/`[RELIGION]` masks,
//! which the text front-end drops as markup.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::error::{DataError, DataResult};
#[cfg(not(target_arch = "wasm32"))]
use super::manifest::file_name;
use super::manifest::{official_split, Manifest, ManifestFormat};
use super::Utterance;
use crate::Emotion;

/// GoEmotions labels mapped to ang.
pub const ANGRY: &[&str] = &["anger", "annoyance"];
/// GoEmotions labels mapped to hap.
pub const HAPPY: &[&str] = &["joy", "amusement", "excitement", "love", "pride", "relief"];
/// GoEmotions labels mapped to neu.
pub const NEUTRAL: &[&str] = &["neutral"];
/// GoEmotions labels mapped to sad.
pub const SAD: &[&str] = &["sadness", "grief", "disappointment"];

/// [`Manifest::skipped`] key of multi-label rows with a label outside the mapping.
pub const SKIPPED_SEVERAL: &str = "(several labels, some outside the four)";
/// [`Manifest::left_out`] key of rows whose labels map to different classes.
pub const LEFT_OUT_CONFLICT: &str = "labels map to different classes";

/// The class a GoEmotions label name maps to (see the module's table).
pub fn map_label(name: &str) -> Option<Emotion> {
    let name = name.trim();
    [(ANGRY, Emotion::Angry), (HAPPY, Emotion::Happy), (NEUTRAL, Emotion::Neutral), (SAD, Emotion::Sad)]
        .into_iter()
        .find(|(names, _)| names.contains(&name))
        .map(|(_, e)| e)
}

/// True for a `.tsv` file: the only TSV format this crate reads.
pub fn is_goemotions_path(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("tsv"))
}

/// The label names of `labels.txt`, one a line (blank lines ignored), in id order.
pub fn parse_labels(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

/// Reads one split from `reader`; `name` is its path (for messages and the
/// split), `labels` the names of the label ids ([`parse_labels`]).
pub fn read<R: Read>(mut reader: R, name: &Path, labels: &[String]) -> DataResult<Manifest> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|e| DataError::io(name, e))?;
    let text = String::from_utf8_lossy(&bytes);
    let split = official_split(&name.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default());
    let mut m = Manifest::empty("goemotions", ManifestFormat::GoEmotions);
    let mut seen = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = Some(i as u64 + 1);
        if line.trim().is_empty() {
            continue;
        }
        // The text may hold a tab of its own; the last two fields never do.
        let mut fields = line.rsplitn(3, '\t');
        let (Some(comment), Some(ids), Some(body)) = (fields.next(), fields.next(), fields.next()) else {
            return Err(DataError::format(
                name,
                line_no,
                "expected three tab-separated fields: text, comma-separated label ids, comment id",
            ));
        };
        let comment = comment.trim();
        if comment.is_empty() {
            return Err(DataError::format(name, line_no, "empty comment id"));
        }
        let mut names = Vec::new();
        for id in ids.split(',') {
            let n: usize = id.trim().parse().map_err(|_| {
                DataError::format(name, line_no, format!("label id {id:?} is not a number (label ids: {ids:?})"))
            })?;
            let label = labels.get(n).ok_or_else(|| {
                DataError::format(
                    name,
                    line_no,
                    format!(
                        "label id {n} is not in labels.txt ({} labels, ids 0-{})",
                        labels.len(),
                        labels.len().saturating_sub(1)
                    ),
                )
            })?;
            names.push(label.as_str());
        }
        let mapped: Vec<Option<Emotion>> = names.iter().map(|n| map_label(n)).collect();
        if mapped.iter().any(Option::is_none) {
            m.skip(if names.len() == 1 { names[0].to_string() } else { SKIPPED_SEVERAL.to_string() });
            continue;
        }
        let classes: HashSet<Emotion> = mapped.into_iter().flatten().collect();
        if classes.len() > 1 {
            *m.left_out.entry(LEFT_OUT_CONFLICT.to_string()).or_default() += 1;
            continue;
        }
        let label = classes.into_iter().next().expect("at least one label id");
        let body = body.trim();
        let u = Utterance {
            id: format!("{split}_{comment}"),
            audio: None,
            transcript: (!body.is_empty()).then(|| body.to_string()),
            label,
            speaker: "reddit".into(),
            group: split.clone(),
            corpus: Some("goemotions".into()),
        };
        m.push_text(u, &mut seen, name, line_no)?;
    }
    Ok(m)
}

/// Where the `labels.txt` for the split at `path` is: beside it.
pub fn labels_path(path: &Path) -> PathBuf {
    path.parent().unwrap_or(Path::new("")).join("labels.txt")
}

/// Reads the split at `path` with the `labels.txt` beside it.
#[cfg(not(target_arch = "wasm32"))]
pub fn load(path: &Path) -> DataResult<Manifest> {
    let labels_file = labels_path(path);
    let text = std::fs::read_to_string(&labels_file).map_err(|e| DataError::Io {
        path: labels_file.display().to_string(),
        source: std::io::Error::new(
            e.kind(),
            format!("{e} (GoEmotions' labels.txt names the label ids of {}; it must lie beside it)", file_name(path)),
        ),
    })?;
    let labels = parse_labels(&text);
    if labels.is_empty() {
        return Err(DataError::format(&labels_file, None, "no label names"));
    }
    let file = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
    read(std::io::BufReader::new(file), path, &labels)
}
