//! One manifest format for every command, and readers for the shared corpora's
//! own manifests.
//!
//! The emorec manifest is a CSV with the columns [`COLUMNS`]
//! (`id,audio,transcript,label,speaker,group`) and, optionally, a seventh,
//! `corpus` ([`CORPUS_COLUMN`]): manifests written before it existed still
//! read, and one is written only when some utterance knows its corpus.
//! `audio` is relative to the manifest's folder, so a manifest and its
//! recordings can move together; a row may leave `audio` empty (text only) or
//! `transcript` empty (audio only). Quoting is standard CSV (RFC 4180):
//! transcripts contain commas and quotes.
//!
//! [`load_manifest`] also reads, unchanged, the formats the shared data comes
//! in. CSVs are told apart by their header:
//!
//! * TESS, RAVDESS and EMOVO `manifest.csv` (`path,speaker,...,label4,transcript,...`):
//!   `label4` empty → row skipped; id = `path` without extension; group = speaker;
//!   corpus = the manifest's folder name. Their transcripts are fixed carrier
//!   phrases that carry no emotion (EMOVO has none at all).
//! * MELD `{train,dev,test}_sent_emo.csv`: neutral/joy/anger/sadness → neu/hap/
//!   ang/sad, other emotions skipped; no audio; group = the split named by the
//!   file (`train`, `dev`, `test`); id = `{split}_dia{D}_utt{U}`.
//! * EmoryNLP `emorynlp_{train,dev,test}_final.csv`: see [`super::emorynlp`].
//!
//! The text corpora without a CSV header are told apart by file name (only
//! [`Manifest::load`] reads them, because each needs a file beside it):
//! GoEmotions `*.tsv` ([`super::goemotions`], needs `labels.txt`) and
//! DailyDialog `dialogues_{split}.txt` ([`super::dailydialog`], needs
//! `dialogues_emotion_{split}.txt`).
//!
//! Every corpus with official splits carries them in `group` as `train`,
//! `dev`, `test` (DailyDialog's `validation` becomes `dev`), which is what
//! the `predefined` protocol selects on.
//!
//! Rows whose label is outside the four classes are skipped and counted per
//! label ([`Manifest::skipped`]), rows left out for any other reason are
//! counted per reason ([`Manifest::left_out`]): never silently.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use super::error::{DataError, DataResult};
use super::{LabelCounts, Utterance};
use crate::Emotion;

/// The columns every emorec manifest has, in the order they are written.
pub const COLUMNS: [&str; 6] = ["id", "audio", "transcript", "label", "speaker", "group"];

/// [`Manifest::left_out`] key of text-corpus rows whose text has no word
/// (empty, only punctuation, or only masks such as GoEmotions' `[NAME]`).
pub const LEFT_OUT_NO_WORDS: &str = "no words in the text";

/// The optional seventh column of an emorec manifest: [`Utterance::corpus`].
pub const CORPUS_COLUMN: &str = "corpus";

/// Which layout a manifest file has; detected from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestFormat {
    /// `id,audio,transcript,label,speaker,group` (what this crate writes).
    Emorec,
    /// The shared TESS / RAVDESS / EMOVO `manifest.csv`.
    CorpusAudio,
    /// MELD's `*_sent_emo.csv`.
    Meld,
    /// EmoryNLP's `emorynlp_*_final.csv`.
    EmoryNlp,
    /// GoEmotions' `{train,dev,test}.tsv` (with `labels.txt`).
    GoEmotions,
    /// DailyDialog's `dialogues_{split}.txt` (with `dialogues_emotion_{split}.txt`).
    DailyDialog,
}

impl ManifestFormat {
    pub fn name(self) -> &'static str {
        match self {
            ManifestFormat::Emorec => "emorec",
            ManifestFormat::CorpusAudio => "TESS/RAVDESS/EMOVO",
            ManifestFormat::Meld => "MELD",
            ManifestFormat::EmoryNlp => "EmoryNLP",
            ManifestFormat::GoEmotions => "GoEmotions",
            ManifestFormat::DailyDialog => "DailyDialog",
        }
    }
}

/// A manifest as read: its utterances plus what was left out.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Short name of the corpus (`tess`, `ravdess`, `emovo`, `meld`,
    /// `emorynlp`, `goemotions`, `dailydialog`, or the manifest's name): the
    /// prefix ids get when combined manifests would collide.
    pub corpus: String,
    pub format: ManifestFormat,
    pub utterances: Vec<Utterance>,
    /// Rows skipped because their label is not one of the four classes, per label.
    pub skipped: BTreeMap<String, usize>,
    /// Rows (or turns) with a usable label left out for another reason, per
    /// reason: GoEmotions rows whose labels map to two classes, EmoryNLP
    /// training rows that occur in MELD's test split, DailyDialog dialogues
    /// whose turns and labels do not pair up.
    pub left_out: BTreeMap<String, usize>,
    /// What a person should know about how the file was read (which MELD
    /// test file the overlap was checked against, which lines were left out
    /// and why); `emorec prepare manifest` prints them.
    pub notes: Vec<String>,
}

impl Manifest {
    pub fn counts(&self) -> LabelCounts {
        LabelCounts::of(&self.utterances)
    }

    pub fn skipped_total(&self) -> usize {
        self.skipped.values().sum()
    }

    pub fn left_out_total(&self) -> usize {
        self.left_out.values().sum()
    }

    /// An empty manifest of `format` for `corpus`, for readers to fill.
    pub(crate) fn empty(corpus: &str, format: ManifestFormat) -> Manifest {
        Manifest {
            corpus: corpus.to_string(),
            format,
            utterances: Vec::new(),
            skipped: BTreeMap::new(),
            left_out: BTreeMap::new(),
            notes: Vec::new(),
        }
    }

    /// Adds `u`, or fails naming `line` when its id is already taken.
    pub(crate) fn push(
        &mut self,
        u: Utterance,
        seen: &mut HashSet<String>,
        name: &Path,
        line: Option<u64>,
    ) -> DataResult<()> {
        if !seen.insert(u.id.clone()) {
            return Err(DataError::format(name, line, format!("duplicate id {:?}", u.id)));
        }
        self.utterances.push(u);
        Ok(())
    }

    /// Adds a text-only utterance of a text corpus, or counts it under
    /// [`LEFT_OUT_NO_WORDS`] when its transcript has no word ([`has_words`]):
    /// with no audio either, it would carry nothing for any model.
    ///
    /// [`has_words`]: super::has_words
    pub(crate) fn push_text(
        &mut self,
        u: Utterance,
        seen: &mut HashSet<String>,
        name: &Path,
        line: Option<u64>,
    ) -> DataResult<()> {
        if u.audio.is_none() && !u.has_text() {
            *self.left_out.entry(LEFT_OUT_NO_WORDS.to_string()).or_default() += 1;
            return Ok(());
        }
        self.push(u, seen, name, line)
    }

    /// Counts a row skipped for its label (`(none)` when it has none).
    pub(crate) fn skip(&mut self, label: String) {
        let label = if label.is_empty() { "(none)".to_string() } else { label };
        *self.skipped.entry(label).or_default() += 1;
    }

    /// Reads a manifest of any supported format from `reader`.
    ///
    /// `name` is the file's path (for messages, the corpus name and MELD's
    /// split); `base_dir` is what relative audio paths are relative to.
    ///
    /// Only formats with a CSV header are read here; GoEmotions and
    /// DailyDialog need a second file and are read by [`Manifest::load`]. An
    /// EmoryNLP training split read here is not checked against MELD's test
    /// split (there is no folder to find it in): a note says so, and
    /// [`Manifest::load`] or [`super::emorynlp::load`] do check it.
    pub fn read<R: Read>(reader: R, name: &Path, base_dir: &Path) -> DataResult<Manifest> {
        let mut m = Manifest::read_csv(reader, name, base_dir)?;
        if m.format == ManifestFormat::EmoryNlp && m.utterances.iter().any(|u| u.group == "train") {
            m.notes.push(format!(
                "{}: read from a stream, so its utterances that also occur in MELD's test split were not \
                 looked for; load it from its file to leave them out",
                name.display()
            ));
        }
        Ok(m)
    }

    /// [`Manifest::read`] without the note on EmoryNLP's unchecked overlap.
    fn read_csv<R: Read>(reader: R, name: &Path, base_dir: &Path) -> DataResult<Manifest> {
        let mut csv = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(reader);
        let header: Vec<String> = csv
            .byte_headers()
            .map_err(|e| csv_error(name, e))?
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().trim_start_matches('\u{feff}').to_string())
            .collect();
        let (format, cols) = detect(&header).ok_or_else(|| {
            DataError::format(
                name,
                Some(1),
                format!(
                    "unrecognised manifest header [{}]; expected one of: emorec ({}), \
                     TESS/RAVDESS manifest.csv (path, speaker, label4, transcript, ...), \
                     MELD *_sent_emo.csv (Utterance, Speaker, Emotion, Dialogue_ID, Utterance_ID, ...), \
                     EmoryNLP emorynlp_*_final.csv (Utterance, Speaker, Emotion, Scene_ID, Utterance_ID, Season, Episode, ...)",
                    header.join(","),
                    COLUMNS.join(",")
                ),
            )
        })?;
        let corpus = corpus_name(format, name);
        let split = meld_split(name);
        let split = if format == ManifestFormat::EmoryNlp { super::emorynlp::split_of(name) } else { split };
        let mut out = Manifest::empty(&corpus, format);
        let mut seen = HashSet::new();
        let mut record = csv::ByteRecord::new();
        loop {
            match csv.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => return Err(csv_error(name, e)),
            }
            let line = record.position().map(|p| p.line());
            let field = |key: &str| -> String {
                cols.get(key)
                    .and_then(|&i| record.get(i))
                    .map(|b| String::from_utf8_lossy(b).trim().to_string())
                    .unwrap_or_default()
            };
            let row = match format {
                ManifestFormat::Emorec => emorec_row(&field, base_dir, cols.contains_key(CORPUS_COLUMN)),
                ManifestFormat::CorpusAudio => corpus_row(&field, base_dir, &corpus),
                ManifestFormat::Meld => meld_row(&field, &split),
                ManifestFormat::EmoryNlp => super::emorynlp::row(&field, &split),
                ManifestFormat::GoEmotions | ManifestFormat::DailyDialog => unreachable!("not detected from a header"),
            };
            match row.map_err(|reason| DataError::format(name, line, reason))? {
                // EmoryNLP is text only: a line without words is left out, as
                // in the other text corpora (MELD keeps its old behaviour).
                Row::Keep(u) if format == ManifestFormat::EmoryNlp => out.push_text(u, &mut seen, name, line)?,
                Row::Keep(u) => out.push(u, &mut seen, name, line)?,
                Row::Skip(label) => out.skip(label),
            }
        }
        Ok(out)
    }

    /// Reads the manifest file at `path` (audio relative to its folder), of
    /// any supported format: GoEmotions (`*.tsv`) and DailyDialog
    /// (`dialogues_*.txt`) by file name, the others by their CSV header.
    /// An EmoryNLP training split leaves out what occurs in MELD's test split
    /// (found as [`super::emorynlp::find_meld_test`] says).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load(path: &Path) -> DataResult<Manifest> {
        if super::goemotions::is_goemotions_path(path) {
            return super::goemotions::load(path);
        }
        if super::dailydialog::is_dailydialog_path(path) {
            return super::dailydialog::load(path);
        }
        let file = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
        let abs = absolute(path);
        let base = abs.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut m = Manifest::read_csv(std::io::BufReader::new(file), path, &base)?;
        if m.format == ManifestFormat::EmoryNlp {
            super::emorynlp::apply_meld_test_overlap(&mut m, path, None)?;
        }
        Ok(m)
    }
}

/// Reads one manifest (any supported format) and returns its utterances.
#[cfg(not(target_arch = "wasm32"))]
pub fn load_manifest(path: impl AsRef<Path>) -> DataResult<Vec<Utterance>> {
    Ok(Manifest::load(path.as_ref())?.utterances)
}

/// Reads several manifests and combines them with [`combine`].
#[cfg(not(target_arch = "wasm32"))]
pub fn load_manifests<P: AsRef<Path>>(paths: &[P]) -> DataResult<Vec<Utterance>> {
    let manifests = paths.iter().map(|p| Manifest::load(p.as_ref())).collect::<DataResult<Vec<_>>>()?;
    combine(manifests)
}

/// Concatenates manifests, keeping ids unique and speakers apart.
///
/// When no id occurs in two manifests, ids stay as they are. Otherwise every
/// id is prefixed with its corpus (`tess/…`, `ravdess/…`), so that ids stay
/// predictable (all or none of a combination are prefixed); if even that
/// collides (two manifests of the same corpus name), it is an error.
///
/// Speakers follow the same rule, by corpus rather than by manifest: when one
/// speaker name occurs in two different corpora (EMOVO's `f1` and another
/// corpus's `f1`), every speaker becomes `corpus/speaker`, so that
/// leave-one-speaker-out never holds out two people as one. Manifests of the
/// same corpus (MELD's train and test) share speakers on purpose and are left
/// alone. An utterance's corpus is [`Utterance::corpus`], else its
/// manifest's.
pub fn combine(manifests: Vec<Manifest>) -> DataResult<Vec<Utterance>> {
    let mut seen = HashSet::new();
    let collide = manifests.iter().flat_map(|m| &m.utterances).any(|u| !seen.insert(u.id.as_str()));
    let corpus_of = |m: &Manifest, u: &Utterance| u.corpus.clone().unwrap_or_else(|| m.corpus.clone());
    let mut speaker_corpus: HashMap<&str, String> = HashMap::new();
    let mut speakers_collide = false;
    for m in &manifests {
        for u in &m.utterances {
            let c = corpus_of(m, u);
            match speaker_corpus.get(u.speaker.as_str()) {
                Some(prev) if *prev != c => speakers_collide = true,
                Some(_) => {}
                None => {
                    speaker_corpus.insert(&u.speaker, c);
                }
            }
        }
    }
    let mut out = Vec::with_capacity(manifests.iter().map(|m| m.utterances.len()).sum());
    let mut ids = HashSet::new();
    for m in manifests {
        let prefixes: Vec<String> = m.utterances.iter().map(|u| corpus_of(&m, u)).collect();
        for (mut u, prefix) in m.utterances.into_iter().zip(prefixes) {
            if collide {
                u.id = format!("{}/{}", m.corpus, u.id);
            }
            if speakers_collide {
                u.speaker = format!("{prefix}/{}", u.speaker);
            }
            if !ids.insert(u.id.clone()) {
                return Err(DataError::Invalid(format!(
                    "id {:?} occurs in two manifests even with the corpus prefix; give the manifests distinct names",
                    u.id
                )));
            }
            out.push(u);
        }
    }
    Ok(out)
}

/// Writes `utterances` as an emorec manifest. Audio paths are written
/// relative to `base_dir` (the folder the manifest will be in) with `/`.
/// The `corpus` column is written only when some utterance has a corpus, so
/// that manifests of corpus-less utterances stay as older versions wrote them.
pub fn write_manifest<W: Write>(writer: W, utterances: &[Utterance], base_dir: &Path) -> DataResult<()> {
    let name = Path::new("<manifest>");
    let mut w = csv::WriterBuilder::new().from_writer(writer);
    let with_corpus = utterances.iter().any(|u| u.corpus.is_some());
    let mut header: Vec<&str> = COLUMNS.to_vec();
    if with_corpus {
        header.push(CORPUS_COLUMN);
    }
    w.write_record(&header).map_err(|e| csv_error(name, e))?;
    let base = absolute(base_dir);
    for u in utterances {
        let audio = u.audio.as_deref().map(|a| relative_path(&absolute(a), &base)).unwrap_or_default();
        let mut record = vec![
            u.id.as_str(),
            audio.as_str(),
            u.transcript.as_deref().unwrap_or(""),
            u.label.code(),
            u.speaker.as_str(),
            u.group.as_str(),
        ];
        if with_corpus {
            record.push(u.corpus.as_deref().unwrap_or(""));
        }
        w.write_record(&record).map_err(|e| csv_error(name, e))?;
    }
    w.flush().map_err(|e| DataError::io(name, e))?;
    Ok(())
}

/// Writes an emorec manifest at `path` (through a temporary file and a
/// rename, so a crash never leaves half a manifest).
#[cfg(not(target_arch = "wasm32"))]
pub fn save_manifest(path: impl AsRef<Path>, utterances: &[Utterance]) -> DataResult<()> {
    let path = path.as_ref();
    let abs = absolute(path);
    let base = abs.parent().map(Path::to_path_buf).unwrap_or_default();
    if !base.as_os_str().is_empty() {
        std::fs::create_dir_all(&base).map_err(|e| DataError::io(&base, e))?;
    }
    let tmp = abs.with_extension("csv.partial");
    let file = std::fs::File::create(&tmp).map_err(|e| DataError::io(&tmp, e))?;
    let mut buf = std::io::BufWriter::new(file);
    write_manifest(&mut buf, utterances, &base)?;
    buf.flush().map_err(|e| DataError::io(&tmp, e))?;
    drop(buf);
    std::fs::rename(&tmp, &abs).map_err(|e| DataError::io(path, e))
}

/// Per-label counts as text, e.g. for a command's summary.
pub fn describe(utterances: &[Utterance]) -> String {
    LabelCounts::of(utterances).to_string()
}

/// What a reader makes of one row.
pub(crate) enum Row {
    Keep(Utterance),
    /// Not one of the four classes: the label as found.
    Skip(String),
}

/// Which format a header is, and where each needed column is.
fn detect(header: &[String]) -> Option<(ManifestFormat, HashMap<&'static str, usize>)> {
    let find = |name: &str| header.iter().position(|h| h == name);
    let all = |names: &[&'static str]| -> Option<HashMap<&'static str, usize>> {
        names.iter().map(|&n| find(n).map(|i| (n, i))).collect()
    };
    if let Some(mut c) = all(&COLUMNS) {
        if let Some(i) = find(CORPUS_COLUMN) {
            c.insert(CORPUS_COLUMN, i);
        }
        return Some((ManifestFormat::Emorec, c));
    }
    if let Some(c) = all(&["path", "speaker", "label4", "transcript"]) {
        return Some((ManifestFormat::CorpusAudio, c));
    }
    if let Some(c) = all(&["Utterance", "Speaker", "Emotion", "Dialogue_ID", "Utterance_ID"]) {
        return Some((ManifestFormat::Meld, c));
    }
    if let Some(c) = all(&super::emorynlp::COLUMNS) {
        return Some((ManifestFormat::EmoryNlp, c));
    }
    None
}

fn emorec_row(field: &dyn Fn(&str) -> String, base: &Path, has_corpus: bool) -> Result<Row, String> {
    let id = field("id");
    if id.is_empty() {
        return Err("empty id".into());
    }
    let label = field("label");
    let Some(label) = Emotion::from_code(&label).filter(|_| is_four_class_code(&label)) else {
        return Ok(Row::Skip(label));
    };
    let audio = field("audio");
    let transcript = field("transcript");
    Ok(Row::Keep(Utterance {
        id,
        audio: (!audio.is_empty()).then(|| resolve(base, &audio)),
        transcript: (!transcript.is_empty()).then_some(transcript),
        label,
        speaker: field("speaker"),
        group: field("group"),
        corpus: Some(field(CORPUS_COLUMN)).filter(|c| has_corpus && !c.is_empty()),
    }))
}

fn corpus_row(field: &dyn Fn(&str) -> String, base: &Path, corpus: &str) -> Result<Row, String> {
    let path = field("path");
    if path.is_empty() {
        return Err("empty path".into());
    }
    let label = field("label4");
    let Some(label) = Emotion::from_code(&label).filter(|_| is_four_class_code(&label)) else {
        return Ok(Row::Skip(label));
    };
    let id = match path.rfind('.') {
        Some(dot) if !path[dot..].contains('/') => path[..dot].to_string(),
        _ => path.clone(),
    };
    let speaker = speaker_from_folder(&path, field("speaker"));
    let transcript = field("transcript");
    Ok(Row::Keep(Utterance {
        id,
        audio: Some(resolve(base, &path)),
        transcript: (!transcript.is_empty()).then_some(transcript),
        label,
        group: speaker.clone(),
        speaker,
        corpus: Some(corpus.to_string()),
    }))
}

/// The shared TESS manifest has one file named `OA_bite_neutral` (the
/// original corpus's typo) whose speaker column says `OA`, though it sits in
/// `OAF_neutral/`: left alone it would be a one-utterance "speaker" and a
/// bogus leave-one-speaker-out fold. When the top folder is `SPEAKER_...` and
/// its SPEAKER extends the given one, the folder's is taken.
fn speaker_from_folder(path: &str, speaker: String) -> String {
    let folder = path.split('/').next().unwrap_or("");
    match folder.split_once('_') {
        Some((prefix, _)) if prefix.len() > speaker.len() && prefix.starts_with(&speaker) && !speaker.is_empty() => {
            prefix.to_string()
        }
        _ => speaker,
    }
}

fn meld_row(field: &dyn Fn(&str) -> String, split: &str) -> Result<Row, String> {
    let emotion = field("Emotion");
    let label = match emotion.to_ascii_lowercase().as_str() {
        "neutral" => Emotion::Neutral,
        "joy" => Emotion::Happy,
        "anger" => Emotion::Angry,
        "sadness" => Emotion::Sad,
        _ => return Ok(Row::Skip(emotion)),
    };
    let (dia, utt) = (field("Dialogue_ID"), field("Utterance_ID"));
    if dia.parse::<u64>().is_err() || utt.parse::<u64>().is_err() {
        return Err(format!("Dialogue_ID {dia:?} and Utterance_ID {utt:?} must be numbers"));
    }
    let transcript = field("Utterance");
    Ok(Row::Keep(Utterance {
        id: format!("{split}_dia{dia}_utt{utt}"),
        audio: None,
        transcript: (!transcript.is_empty()).then_some(transcript),
        label,
        speaker: field("Speaker"),
        group: split.to_string(),
        corpus: Some("meld".into()),
    }))
}

/// The codes a manifest may use for the four classes. `exc` counts as happy
/// (IEMOCAP's merge); anything else (fru, sur, calm, ...) is skipped.
fn is_four_class_code(code: &str) -> bool {
    matches!(
        code.trim().to_ascii_lowercase().as_str(),
        "ang" | "angry" | "anger" | "hap" | "happy" | "exc" | "excited" | "joy" | "neu" | "neutral" | "sad" | "sadness"
    )
}

/// The name a corpus gives one of its official parts, as the `predefined`
/// protocol expects it: `validation` (DailyDialog) and `valid`/`val` become
/// `dev`; anything else stays as it is, lower-cased.
pub(crate) fn official_split(name: &str) -> String {
    match name.to_ascii_lowercase().as_str() {
        "validation" | "valid" | "val" => "dev".to_string(),
        other => other.to_string(),
    }
}

/// The file name of `path` as text (empty when it has none).
pub(crate) fn file_name(path: &Path) -> String {
    path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// `train_sent_emo.csv` → `train`.
fn meld_split(name: &Path) -> String {
    let stem = name.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = stem.strip_suffix("_sent_emo").unwrap_or(&stem);
    stem.split('_').next().unwrap_or(stem).to_string()
}

fn corpus_name(format: ManifestFormat, name: &Path) -> String {
    match format {
        ManifestFormat::Meld => return "meld".into(),
        ManifestFormat::EmoryNlp => return "emorynlp".into(),
        ManifestFormat::GoEmotions => return "goemotions".into(),
        ManifestFormat::DailyDialog => return "dailydialog".into(),
        ManifestFormat::Emorec | ManifestFormat::CorpusAudio => {}
    }
    let stem = name.file_stem().map(|s| s.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    if stem == "manifest" || stem.is_empty() {
        let abs = absolute(name);
        if let Some(dir) = abs.parent().and_then(|p| p.file_name()) {
            return dir.to_string_lossy().to_ascii_lowercase();
        }
    }
    stem
}

pub(crate) fn csv_error(name: &Path, e: csv::Error) -> DataError {
    let line = e.position().map(|p| p.line());
    let reason = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("{len} fields where the header has {expected_len} (a quote not closed?)")
        }
        _ => e.to_string(),
    };
    DataError::format(name, line, reason)
}

/// `base/rel`, made absolute and without `.`/`..` (an absolute `rel` is kept).
fn resolve(base: &Path, rel: &str) -> PathBuf {
    normalize(&base.join(rel))
}

/// The absolute form of `p` (against the current directory), without `.` and
/// `..` components. Lexical only: symlinks are not resolved and the path need
/// not exist.
pub(crate) fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        normalize(p)
    } else {
        let cwd = std::env::current_dir().unwrap_or_default();
        normalize(&cwd.join(p))
    }
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `target` relative to `base` (both absolute and normalised), with `/`
/// separators; absolute when they share no root (another drive).
fn relative_path(target: &Path, base: &Path) -> String {
    let t: Vec<Component> = target.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let shares_root = common > 0 && matches!(t[0], Component::RootDir | Component::Prefix(_));
    if !shares_root {
        return target.to_string_lossy().into_owned();
    }
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(t[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        let r = |t: &str, b: &str| relative_path(Path::new(t), Path::new(b));
        assert_eq!(r("/a/b/c.wav", "/a"), "b/c.wav");
        assert_eq!(r("/a/b/c.wav", "/a/x/y"), "../../b/c.wav");
        assert_eq!(r("/a/b/c.wav", "/a/b"), "c.wav");
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
    }

    #[test]
    fn meld_split_from_name() {
        assert_eq!(meld_split(Path::new("x/train_sent_emo.csv")), "train");
        assert_eq!(meld_split(Path::new("dev_sent_emo.csv")), "dev");
        assert_eq!(meld_split(Path::new("test.csv")), "test");
    }
}
