//! One manifest format for every command, and readers for the shared corpora's
//! own manifests.
//!
//! The emorec manifest is a CSV with the columns [`COLUMNS`]
//! (`id,audio,transcript,label,speaker,group`). `audio` is relative to the
//! manifest's folder, so a manifest and its recordings can move together; a
//! row may leave `audio` empty (text only) or `transcript` empty (audio only).
//! Quoting is standard CSV (RFC 4180): transcripts contain commas and quotes.
//!
//! [`load_manifest`] also reads, unchanged, the formats the shared data comes
//! in, told apart by their header:
//!
//! * TESS and RAVDESS `manifest.csv` (`path,speaker,...,label4,transcript,...`):
//!   `label4` empty → row skipped; id = `path` without extension; group = speaker.
//!   Their transcripts are fixed carrier phrases that carry no emotion.
//! * MELD `{train,dev,test}_sent_emo.csv`: neutral/joy/anger/sadness → neu/hap/
//!   ang/sad, other emotions skipped; no audio; group = the split named by the
//!   file (`train`, `dev`, `test`); id = `{split}_dia{D}_utt{U}`.
//!
//! Rows whose label is outside the four classes are skipped and counted per
//! label ([`Manifest::skipped`]), never silently.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use super::error::{DataError, DataResult};
use super::{LabelCounts, Utterance};
use crate::Emotion;

/// The columns of an emorec manifest, in the order they are written.
pub const COLUMNS: [&str; 6] = ["id", "audio", "transcript", "label", "speaker", "group"];

/// Which layout a manifest file has; detected from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestFormat {
    /// `id,audio,transcript,label,speaker,group` (what this crate writes).
    Emorec,
    /// The shared TESS / RAVDESS `manifest.csv`.
    CorpusAudio,
    /// MELD's `*_sent_emo.csv`.
    Meld,
}

impl ManifestFormat {
    pub fn name(self) -> &'static str {
        match self {
            ManifestFormat::Emorec => "emorec",
            ManifestFormat::CorpusAudio => "TESS/RAVDESS",
            ManifestFormat::Meld => "MELD",
        }
    }
}

/// A manifest as read: its utterances plus what was left out.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Short name of the corpus (`tess`, `ravdess`, `meld`, or the manifest's
    /// name): the prefix ids get when combined manifests would collide.
    pub corpus: String,
    pub format: ManifestFormat,
    pub utterances: Vec<Utterance>,
    /// Rows skipped because their label is not one of the four classes, per label.
    pub skipped: BTreeMap<String, usize>,
}

impl Manifest {
    pub fn counts(&self) -> LabelCounts {
        LabelCounts::of(&self.utterances)
    }

    pub fn skipped_total(&self) -> usize {
        self.skipped.values().sum()
    }

    /// Reads a manifest of any supported format from `reader`.
    ///
    /// `name` is the file's path (for messages, the corpus name and MELD's
    /// split); `base_dir` is what relative audio paths are relative to.
    pub fn read<R: Read>(reader: R, name: &Path, base_dir: &Path) -> DataResult<Manifest> {
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
                     MELD *_sent_emo.csv (Utterance, Speaker, Emotion, Dialogue_ID, Utterance_ID, ...)",
                    header.join(","),
                    COLUMNS.join(",")
                ),
            )
        })?;
        let corpus = corpus_name(format, name);
        let split = meld_split(name);
        let mut out = Manifest { corpus, format, utterances: Vec::new(), skipped: BTreeMap::new() };
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
                ManifestFormat::Emorec => emorec_row(&field, base_dir),
                ManifestFormat::CorpusAudio => corpus_row(&field, base_dir),
                ManifestFormat::Meld => meld_row(&field, &split),
            };
            let row = row.map_err(|reason| DataError::format(name, line, reason))?;
            match row {
                Row::Keep(u) => {
                    if !seen.insert(u.id.clone()) {
                        return Err(DataError::format(name, line, format!("duplicate id {:?}", u.id)));
                    }
                    out.utterances.push(u);
                }
                Row::Skip(label) => {
                    let label = if label.is_empty() { "(none)".to_string() } else { label };
                    *out.skipped.entry(label).or_default() += 1;
                }
            }
        }
        Ok(out)
    }

    /// Reads the manifest file at `path` (audio relative to its folder).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load(path: &Path) -> DataResult<Manifest> {
        let file = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
        let abs = absolute(path);
        let base = abs.parent().map(Path::to_path_buf).unwrap_or_default();
        Manifest::read(std::io::BufReader::new(file), path, &base)
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

/// Concatenates manifests, keeping ids unique.
///
/// When no id occurs in two manifests, ids stay as they are. Otherwise every
/// id is prefixed with its corpus (`tess/…`, `ravdess/…`), so that ids stay
/// predictable (all or none of a combination are prefixed); if even that
/// collides (two manifests of the same corpus name), it is an error.
pub fn combine(manifests: Vec<Manifest>) -> DataResult<Vec<Utterance>> {
    let mut seen = HashSet::new();
    let collide = manifests.iter().flat_map(|m| &m.utterances).any(|u| !seen.insert(u.id.as_str()));
    let mut out = Vec::with_capacity(manifests.iter().map(|m| m.utterances.len()).sum());
    let mut ids = HashSet::new();
    for m in manifests {
        for mut u in m.utterances {
            if collide {
                u.id = format!("{}/{}", m.corpus, u.id);
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
pub fn write_manifest<W: Write>(writer: W, utterances: &[Utterance], base_dir: &Path) -> DataResult<()> {
    let name = Path::new("<manifest>");
    let mut w = csv::WriterBuilder::new().from_writer(writer);
    w.write_record(COLUMNS).map_err(|e| csv_error(name, e))?;
    let base = absolute(base_dir);
    for u in utterances {
        let audio = u.audio.as_deref().map(|a| relative_path(&absolute(a), &base)).unwrap_or_default();
        let record = [
            u.id.as_str(),
            audio.as_str(),
            u.transcript.as_deref().unwrap_or(""),
            u.label.code(),
            u.speaker.as_str(),
            u.group.as_str(),
        ];
        w.write_record(record).map_err(|e| csv_error(name, e))?;
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

enum Row {
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
    if let Some(c) = all(&COLUMNS) {
        return Some((ManifestFormat::Emorec, c));
    }
    if let Some(c) = all(&["path", "speaker", "label4", "transcript"]) {
        return Some((ManifestFormat::CorpusAudio, c));
    }
    if let Some(c) = all(&["Utterance", "Speaker", "Emotion", "Dialogue_ID", "Utterance_ID"]) {
        return Some((ManifestFormat::Meld, c));
    }
    None
}

fn emorec_row(field: &dyn Fn(&str) -> String, base: &Path) -> Result<Row, String> {
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
    }))
}

fn corpus_row(field: &dyn Fn(&str) -> String, base: &Path) -> Result<Row, String> {
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

/// `train_sent_emo.csv` → `train`.
fn meld_split(name: &Path) -> String {
    let stem = name.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = stem.strip_suffix("_sent_emo").unwrap_or(&stem);
    stem.split('_').next().unwrap_or(stem).to_string()
}

fn corpus_name(format: ManifestFormat, name: &Path) -> String {
    if format == ManifestFormat::Meld {
        return "meld".into();
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

fn csv_error(name: &Path, e: csv::Error) -> DataError {
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
