//! IEMOCAP: builds the 4-class manifest from a user's copy of the release.
//!
//! IEMOCAP is licensed per user and cannot be shipped, so this reads the
//! official `IEMOCAP_full_release` layout in place:
//!
//! ```text
//! Session1/dialog/EmoEvaluation/Ses01F_impro01.txt    labels (one summary line per turn)
//! Session1/dialog/transcriptions/Ses01F_impro01.txt   "Ses01F_impro01_F000 [006.2901-008.2357]: Excuse me."
//! Session1/sentences/wav/Ses01F_impro01/Ses01F_impro01_F000.wav
//! ```
//!
//! Only the summary lines of EmoEvaluation (`[start - end] ID label [V, A, D]`)
//! carry the label; the per-evaluator lines after them (`C-E1: ...`,
//! `A-E1: ...`) are the annotators' votes and are skipped. The usual 4-class
//! setup keeps ang, hap+exc (merged), neu and sad: 5,531 utterances on the full
//! release (ang 1,103, hap+exc 1,636, neu 1,708, sad 1,084).
//!
//! Speaker is the session plus the gender of the person speaking the turn
//! (the F/M before the turn number: `Ses01F_impro01_M003` → `Ses01_M`; the
//! F/M after `Ses01` is the gender of whoever led the dialog, not of the
//! speaker). Group is the session folder (`Session1`).

// The parsers work everywhere; reading a release from disk is native only.
#![cfg_attr(target_arch = "wasm32", allow(unused_imports, dead_code))]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::error::{DataError, DataResult};
use super::{has_words, LabelCounts, Utterance};
use crate::Emotion;

/// One summary line of an EmoEvaluation file.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelLine {
    pub start: f64,
    pub end: f64,
    pub id: String,
    /// As written (`neu`, `exc`, `fru`, `xxx`, ...).
    pub label: String,
}

/// A line that could not be parsed: 1-based line number and why.
#[derive(Debug, Clone, PartialEq)]
pub struct BadLine {
    pub line: usize,
    pub reason: String,
}

/// The label lines of one EmoEvaluation file, and the lines that made no sense.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    pub labels: Vec<LabelLine>,
    pub bad: Vec<BadLine>,
}

/// Parses an EmoEvaluation file. Blank lines, the `%` header and the
/// per-evaluator lines (`C-E1:`, `A-F2:`, ...) are expected and skipped;
/// anything else that is not a valid summary line is reported in `bad`.
pub fn parse_evaluation(text: &str) -> Evaluation {
    let mut out = Evaluation::default();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('%') || is_evaluator_line(line) {
            continue;
        }
        match parse_label_line(line) {
            Ok(l) => out.labels.push(l),
            Err(reason) => out.bad.push(BadLine { line: i + 1, reason }),
        }
    }
    out
}

/// `C-E1:`, `A-F2:`, `C-M1:`: an evaluator's categorical or attribute vote.
fn is_evaluator_line(line: &str) -> bool {
    let Some((head, _)) = line.split_once(':') else { return false };
    let mut parts = head.splitn(2, '-');
    let (Some(kind), Some(who)) = (parts.next(), parts.next()) else { return false };
    kind.len() == 1
        && kind.chars().all(|c| c.is_ascii_uppercase())
        && !who.is_empty()
        && who.chars().all(|c| c.is_ascii_alphanumeric())
}

fn parse_label_line(line: &str) -> Result<LabelLine, String> {
    let short = || line.chars().take(60).collect::<String>();
    let rest = line.strip_prefix('[').ok_or_else(|| format!("not a label line: {:?}", short()))?;
    let (times, rest) = rest.split_once(']').ok_or_else(|| format!("no closing ']' in {:?}", short()))?;
    let (start, end) = parse_span(times).ok_or_else(|| format!("bad time span [{times}]"))?;
    let mut fields = rest.split_whitespace();
    let id = fields.next().ok_or("no utterance id after the time span")?;
    let label = fields.next().ok_or("no label after the utterance id")?;
    if parse_id(id).is_none() {
        return Err(format!("{id:?} is not an utterance id like Ses01F_impro01_F000"));
    }
    Ok(LabelLine { start, end, id: id.to_string(), label: label.to_ascii_lowercase() })
}

/// `6.2901 - 8.2357` or `006.2901-008.2357` → (start, end), both finite,
/// non-negative and in order.
fn parse_span(s: &str) -> Option<(f64, f64)> {
    let (a, b) = s.split_once('-')?;
    let a: f64 = a.trim().parse().ok()?;
    let b: f64 = b.trim().parse().ok()?;
    (a.is_finite() && b.is_finite() && a >= 0.0 && b >= a).then_some((a, b))
}

/// Session number and speaker gender of an utterance id
/// (`Ses01F_impro01_M003` → (1, 'M')), or `None` if it is not one
/// (e.g. `Ses01F_impro01_MXX0`, a line for overlapping or unassigned speech).
pub fn parse_id(id: &str) -> Option<(u32, char)> {
    let rest = id.strip_prefix("Ses")?;
    let session: u32 = rest.get(..2)?.parse().ok()?;
    if !matches!(rest.get(2..3)?, "F" | "M") || rest.get(3..4)? != "_" {
        return None;
    }
    let (_, turn) = id.rsplit_once('_')?;
    let mut chars = turn.chars();
    let gender = chars.next().filter(|c| matches!(c, 'F' | 'M'))?;
    let number = chars.as_str();
    (!number.is_empty() && number.chars().all(|c| c.is_ascii_digit())).then_some((session, gender))
}

/// `Ses01F_impro01_M003` → `Ses01_M`.
pub fn speaker_of(id: &str) -> Option<String> {
    parse_id(id).map(|(s, g)| format!("Ses{s:02}_{g}"))
}

/// The utterance lines of one transcription file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Transcription {
    /// Utterance id → transcript (as written, markup kept).
    pub lines: Vec<(String, String)>,
    /// Lines that are not utterances by design (`M: ...`, ids with `XX`).
    pub ignored: usize,
    pub bad: Vec<BadLine>,
}

/// Parses a transcription file (`ID [start-end]: text` a line).
pub fn parse_transcription(text: &str) -> Transcription {
    let mut out = Transcription::default();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let (id, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        if id.ends_with(':') || id.contains("XX") {
            // "M: [BREATHING]" or "Ses01F_impro01_MXX0 ...": speech not
            // assigned to a labelled turn.
            out.ignored += 1;
            continue;
        }
        let parsed = (|| {
            parse_id(id).ok_or_else(|| format!("{id:?} is not an utterance id"))?;
            let rest = rest.trim_start().strip_prefix('[').ok_or("no [start-end] after the id")?;
            let (times, text) = rest.split_once(']').ok_or("no closing ']'")?;
            parse_span(times).ok_or_else(|| format!("bad time span [{times}]"))?;
            let text = text.trim_start().strip_prefix(':').ok_or("no ':' after the time span")?;
            Ok::<_, String>(text.trim().to_string())
        })();
        match parsed {
            Ok(t) => out.lines.push((id.to_string(), t)),
            Err(reason) => out.bad.push(BadLine { line: i + 1, reason }),
        }
    }
    out
}

/// What [`read_iemocap`] may relax.
#[derive(Debug, Clone, Copy, Default)]
pub struct IemocapOptions {
    /// Keep utterances whose transcript has no words (only markup such as
    /// `[LAUGHTER]`); by default they are dropped.
    pub keep_wordless: bool,
}

/// The 4-class utterances of a release, and everything that was left out.
#[derive(Debug, Clone, Default)]
pub struct IemocapReport {
    pub utterances: Vec<Utterance>,
    /// Label counts per session folder (`Session1` ...).
    pub per_session: BTreeMap<String, LabelCounts>,
    /// Labelled turns outside the four classes, per label (fru, sur, xxx, ...).
    pub dropped_labels: BTreeMap<String, usize>,
    /// Dropped because the transcript has no words.
    pub dropped_wordless: usize,
    /// Kept without audio: no wav at the expected path.
    pub missing_wav: usize,
    /// Kept without transcript: no line for it in the transcription file.
    pub missing_transcript: usize,
    /// Transcript lines that are not utterances by design (`M: ...`, `XX` ids).
    pub ignored_transcript_lines: usize,
    /// Lines that could not be parsed, as `file:line: reason`.
    pub bad_lines: Vec<String>,
    /// Ids labelled twice (the second is dropped).
    pub duplicates: usize,
}

impl IemocapReport {
    pub fn counts(&self) -> LabelCounts {
        LabelCounts::of(&self.utterances)
    }
}

/// Reads `root` (the `IEMOCAP_full_release` folder): every `Session<N>` in
/// it, each dialog's EmoEvaluation and transcription, and checks for the wav.
#[cfg(not(target_arch = "wasm32"))]
pub fn read_iemocap(root: &Path, options: IemocapOptions) -> DataResult<IemocapReport> {
    let sessions = session_dirs(root)?;
    if sessions.is_empty() {
        return Err(DataError::Invalid(format!(
            "no Session1..Session5 folders in {}; pass the IEMOCAP_full_release folder",
            root.display()
        )));
    }
    let mut report = IemocapReport::default();
    let mut seen = HashSet::new();
    for (group, dir) in sessions {
        let eval_dir = dir.join("dialog").join("EmoEvaluation");
        let counts = report.per_session.entry(group.clone()).or_default();
        let mut session_utts = Vec::new();
        for eval_file in txt_files(&eval_dir)? {
            let dialog = eval_file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let evaluation = parse_evaluation(&read_text(&eval_file)?);
            for b in &evaluation.bad {
                report.bad_lines.push(format!("{}:{}: {}", eval_file.display(), b.line, b.reason));
            }
            let transcript_file = dir.join("dialog").join("transcriptions").join(format!("{dialog}.txt"));
            let transcripts: HashMap<String, String> = if transcript_file.is_file() {
                let t = parse_transcription(&read_text(&transcript_file)?);
                for b in &t.bad {
                    report.bad_lines.push(format!("{}:{}: {}", transcript_file.display(), b.line, b.reason));
                }
                report.ignored_transcript_lines += t.ignored;
                t.lines.into_iter().collect()
            } else {
                HashMap::new()
            };
            let wav_dir = dir.join("sentences").join("wav").join(&dialog);
            for l in evaluation.labels {
                let Some(label) = four_class(&l.label) else {
                    *report.dropped_labels.entry(l.label).or_default() += 1;
                    continue;
                };
                if !seen.insert(l.id.clone()) {
                    report.duplicates += 1;
                    continue;
                }
                let transcript = transcripts.get(&l.id).cloned();
                match &transcript {
                    None => report.missing_transcript += 1,
                    Some(t) if !has_words(t) && !options.keep_wordless => {
                        report.dropped_wordless += 1;
                        continue;
                    }
                    Some(_) => {}
                }
                let wav = wav_dir.join(format!("{}.wav", l.id));
                let audio = if wav.is_file() {
                    Some(super::manifest::absolute(&wav))
                } else {
                    report.missing_wav += 1;
                    None
                };
                let speaker = speaker_of(&l.id).unwrap_or_default();
                session_utts.push(Utterance {
                    id: l.id,
                    audio,
                    transcript,
                    label,
                    speaker,
                    group: group.clone(),
                    corpus: Some("iemocap".into()),
                });
            }
        }
        *counts = LabelCounts::of(&session_utts);
        report.utterances.extend(session_utts);
    }
    Ok(report)
}

/// ang, hap, exc (→ hap), neu, sad; everything else is outside the 4 classes.
fn four_class(label: &str) -> Option<Emotion> {
    match label {
        "ang" => Some(Emotion::Angry),
        "hap" | "exc" => Some(Emotion::Happy),
        "neu" => Some(Emotion::Neutral),
        "sad" => Some(Emotion::Sad),
        _ => None,
    }
}

/// `Session<N>` folders, in session order, with their names.
#[cfg(not(target_arch = "wasm32"))]
fn session_dirs(root: &Path) -> DataResult<Vec<(String, PathBuf)>> {
    let entries = std::fs::read_dir(root).map_err(|e| DataError::io(root, e))?;
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(n) = name.strip_prefix("Session").and_then(|n| n.parse::<u32>().ok()) {
            if entry.path().is_dir() {
                out.push((n, name, entry.path()));
            }
        }
    }
    out.sort();
    Ok(out.into_iter().map(|(_, name, path)| (name, path)).collect())
}

/// `*.txt` directly in `dir`, sorted; macOS `._*` resource forks skipped.
#[cfg(not(target_arch = "wasm32"))]
fn txt_files(dir: &Path) -> DataResult<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| DataError::io(dir, e))?;
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("txt"))
                && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("._"))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// The file as text; bytes that are not UTF-8 become U+FFFD rather than an error.
#[cfg(not(target_arch = "wasm32"))]
fn read_text(path: &Path) -> DataResult<String> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_speakers() {
        assert_eq!(speaker_of("Ses01F_impro01_F000").as_deref(), Some("Ses01_F"));
        assert_eq!(speaker_of("Ses01F_impro01_M013").as_deref(), Some("Ses01_M"));
        assert_eq!(speaker_of("Ses05M_script01_1b_F002").as_deref(), Some("Ses05_F"));
        assert_eq!(speaker_of("Ses01F_impro01_MXX0"), None);
        assert_eq!(speaker_of("Ses1F_impro01_M000"), None);
        assert_eq!(speaker_of(""), None);
    }

    #[test]
    fn evaluation_lines() {
        let text = "% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n\n\
            [6.2901 - 8.2357]\tSes01F_impro01_F000\tneu\t[2.5000, 2.5000, 2.5000]\n\
            C-E1:\tNeutral;\t()\n\
            A-E1:\tval 3; act 2; dom  2;\t()\n\
            [x - 9]\tSes01F_impro01_M000\tang\t[1, 2, 3]\n\
            garbage\n";
        let e = parse_evaluation(text);
        assert_eq!(e.labels.len(), 1);
        assert_eq!(e.labels[0].id, "Ses01F_impro01_F000");
        assert_eq!(e.labels[0].label, "neu");
        assert_eq!(e.bad.iter().map(|b| b.line).collect::<Vec<_>>(), vec![6, 7]);
    }

    #[test]
    fn transcription_lines() {
        let t = parse_transcription(
            "Ses01F_impro01_F000 [006.2901-008.2357]: Excuse me.\n\
             M: [BREATHING]\n\
             Ses01F_impro01_MXX0 [010.0-011.0]: [GARBAGE]\n\
             Ses01F_impro01_F001 006.2-008.2: no brackets\n",
        );
        assert_eq!(t.lines, vec![("Ses01F_impro01_F000".into(), "Excuse me.".into())]);
        assert_eq!(t.ignored, 2);
        assert_eq!(t.bad.len(), 1);
    }
}
