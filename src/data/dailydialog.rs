//! DailyDialog (Li et al., IJCNLP 2017): written everyday dialogues, one a
//! line in `dialogues_{split}.txt` with turns ended by `__eou__`, and one
//! emotion label per turn in `dialogues_emotion_{split}.txt` (0 none,
//! 1 anger, 2 disgust, 3 fear, 4 happiness, 5 sadness, 6 surprise).
//!
//! # Label mapping
//!
//! 1 anger → ang, 4 happiness → hap, 0 none → neu, 5 sadness → sad; disgust,
//! fear and surprise are skipped. "None" is the annotators' "no emotion",
//! the nearest thing DailyDialog has to neutral; it is about 85 % of turns,
//! so a model trained on DailyDialog alone sees very few ang and sad turns.
//!
//! # Pairing turns with labels
//!
//! Line N of the text file must have as many turns as line N of the label
//! file has labels. The two files having different numbers of lines, or a
//! label that is not 0-6, is an error naming the file and line (the files do
//! not belong together or are damaged). A single dialogue whose counts
//! differ is left out whole (which label belongs to which turn cannot be
//! known), counted in [`Manifest::left_out`] and named, file and line, in
//! [`Manifest::notes`]: the released training file has one such dialogue
//! (line 7852: 12 turns, 11 labels), and it would be wrong to refuse the
//! whole corpus for it.
//!
//! # What the utterances look like
//!
//! id = `{split}_dia{D}_utt{U}` (D the 0-based line, U the 0-based turn, as
//! MELD's ids), group = `train`, `dev` (the `validation` file) or `test`,
//! speaker = `{split}_dia{D}_A` or `_B`: the two people of a dialogue take
//! turns, and DailyDialog names nobody, so each dialogue has its own pair.
//! The text is released tokenised (`Say , Jim ,`), which the tokenizer
//! reads as it would untokenised text, except that curly apostrophes were
//! split off (`I ’ ll`, `don ’ t`): those are joined back (`I’ll`), or GloVe
//! would see a quote and the word `ll`.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::error::{DataError, DataResult};
use super::manifest::{file_name, official_split, Manifest, ManifestFormat};
use super::Utterance;
use crate::Emotion;

/// DailyDialog's label names, by label number.
pub const LABEL_NAMES: [&str; 7] = ["none", "anger", "disgust", "fear", "happiness", "sadness", "surprise"];

/// [`Manifest::left_out`] key of turns of dialogues whose turn and label counts differ.
pub const LEFT_OUT_MISMATCH: &str = "dialogue's turn and label counts differ";

/// The class a DailyDialog label number maps to; `None` for 2, 3, 6 (and
/// numbers outside 0-6, which [`read`] rejects before asking).
pub fn map_label(label: u8) -> Option<Emotion> {
    match label {
        0 => Some(Emotion::Neutral),
        1 => Some(Emotion::Angry),
        4 => Some(Emotion::Happy),
        5 => Some(Emotion::Sad),
        _ => None,
    }
}

/// `dialogues_train.txt` → `Some("train")`; also for the label file
/// (`dialogues_emotion_train.txt`). `None` for other names, including the
/// dialogue-act files (`dialogues_act_*.txt`), which carry no emotion.
fn split_of_name(name: &str) -> Option<&str> {
    let stem = name.strip_prefix("dialogues_")?.strip_suffix(".txt")?;
    let stem = stem.strip_prefix("emotion_").unwrap_or(stem);
    (!stem.is_empty() && !stem.starts_with("act_")).then_some(stem)
}

/// True for `dialogues_{split}.txt` and `dialogues_emotion_{split}.txt`.
pub fn is_dailydialog_path(path: &Path) -> bool {
    split_of_name(&file_name(path)).is_some()
}

/// The (text, labels) files of the split that `path` names (either of them).
pub fn pair_paths(path: &Path) -> Option<(PathBuf, PathBuf)> {
    let name = file_name(path);
    let split = split_of_name(&name)?;
    let dir = path.parent().unwrap_or(Path::new(""));
    Some((dir.join(format!("dialogues_{split}.txt")), dir.join(format!("dialogues_emotion_{split}.txt"))))
}

/// Joins curly apostrophes that the release split off a word (`I ’ ll` →
/// `I’ll`, `don ’ t` → `don’t`, `Jim ’ s` → `Jim’s`). Only between a word
/// and a clitic, so quotes (`’ hello ’`) stay apart.
pub fn join_split_apostrophes(text: &str) -> String {
    const CLITICS: [&str; 7] = ["s", "t", "ll", "re", "ve", "d", "m"];
    let words: Vec<&str> = text.split(' ').collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let next_is_clitic = words.get(i + 2).is_some_and(|c| CLITICS.contains(&c.to_ascii_lowercase().as_str()));
        let word_before = w.chars().last().is_some_and(char::is_alphanumeric);
        if words.get(i + 1) == Some(&"’") && next_is_clitic && word_before {
            out.push(format!("{w}’{}", words[i + 2]));
            i += 3;
        } else {
            out.push(w.to_string());
            i += 1;
        }
    }
    out.join(" ")
}

/// Reads one split: `text` is the dialogue file, `labels` its emotion file,
/// each with its path for messages; `split` the official split's name
/// (`validation` is stored as `dev`).
pub fn read<R1: Read, R2: Read>(
    mut text: R1,
    text_name: &Path,
    mut labels: R2,
    labels_name: &Path,
    split: &str,
) -> DataResult<Manifest> {
    let read_all = |r: &mut dyn Read, name: &Path| -> DataResult<String> {
        let mut bytes = Vec::new();
        r.read_to_end(&mut bytes).map_err(|e| DataError::io(name, e))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    };
    let text_body = read_all(&mut text, text_name)?;
    let labels_body = read_all(&mut labels, labels_name)?;
    let text_lines: Vec<&str> = text_body.lines().collect();
    let label_lines: Vec<&str> = labels_body.lines().collect();
    if text_lines.len() != label_lines.len() {
        let (longer, n) = if text_lines.len() > label_lines.len() {
            (text_name, label_lines.len())
        } else {
            (labels_name, text_lines.len())
        };
        return Err(DataError::format(
            longer,
            Some(n as u64 + 1),
            format!(
                "{} has {} dialogues (lines) but {} has {}: the files do not belong together",
                text_name.display(),
                text_lines.len(),
                labels_name.display(),
                label_lines.len()
            ),
        ));
    }
    let split = official_split(split);
    let mut m = Manifest::empty("dailydialog", ManifestFormat::DailyDialog);
    let mut seen = HashSet::new();
    for (d, (turns_line, labels_line)) in text_lines.iter().zip(&label_lines).enumerate() {
        let line_no = Some(d as u64 + 1);
        let mut codes = Vec::new();
        for tok in labels_line.split_whitespace() {
            let code: u8 =
                tok.parse().ok().filter(|&c: &u8| c <= 6).ok_or_else(|| {
                    DataError::format(labels_name, line_no, format!("label {tok:?} is not one of 0-6"))
                })?;
            codes.push(code);
        }
        let mut turns: Vec<&str> = turns_line.split("__eou__").collect();
        // The text after the last `__eou__` is a turn only if it has text.
        if turns.last().is_some_and(|t| t.trim().is_empty()) {
            turns.pop();
        }
        if turns.len() != codes.len() {
            *m.left_out.entry(LEFT_OUT_MISMATCH.to_string()).or_default() += turns.len();
            m.notes.push(format!(
                "{} line {d1}: {} turns but {} labels in {} line {d1}; dialogue left out",
                text_name.display(),
                turns.len(),
                codes.len(),
                labels_name.display(),
                d1 = d + 1
            ));
            continue;
        }
        for (t, (turn, &code)) in turns.iter().zip(&codes).enumerate() {
            let Some(label) = map_label(code) else {
                m.skip(LABEL_NAMES[code as usize].to_string());
                continue;
            };
            // A turn without words (empty, only `...`) is counted, not kept.
            let turn = join_split_apostrophes(turn.trim());
            let u = Utterance {
                id: format!("{split}_dia{d}_utt{t}"),
                audio: None,
                transcript: Some(turn),
                label,
                speaker: format!("{split}_dia{d}_{}", if t % 2 == 0 { 'A' } else { 'B' }),
                group: split.clone(),
                corpus: Some("dailydialog".into()),
            };
            m.push_text(u, &mut seen, text_name, line_no)?;
        }
    }
    Ok(m)
}

/// Reads the split that `path` names: `dialogues_{split}.txt` or its
/// `dialogues_emotion_{split}.txt`; the other file must lie beside it.
#[cfg(not(target_arch = "wasm32"))]
pub fn load(path: &Path) -> DataResult<Manifest> {
    let (text_path, labels_path) = pair_paths(path).ok_or_else(|| {
        DataError::format(
            path,
            None,
            "not a DailyDialog file: expected dialogues_{split}.txt or dialogues_emotion_{split}.txt",
        )
    })?;
    let split = split_of_name(&file_name(path)).unwrap_or_default().to_string();
    let open = |p: &Path| std::fs::File::open(p).map_err(|e| DataError::io(p, e));
    let text = open(&text_path)?;
    let labels = open(&labels_path)?;
    read(std::io::BufReader::new(text), &text_path, std::io::BufReader::new(labels), &labels_path, &split)
}
