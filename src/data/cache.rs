//! Feature cache: every recording's features are extracted once and kept
//! compactly (f16), keyed by the audio's content and the feature settings.
//!
//! Why by content: the same corpus lives at different paths on different
//! machines, and a re-encoded or edited file must not reuse stale features.
//! The key is SHA-256 over the file's SHA-256 and a settings string that names
//! the feature set, deltas and [`FEATURE_VERSION`]; bump that constant
//! whenever the extractor's output changes, and every old entry is ignored.
//!
//! Why f16: a 130-column matrix at 100 frames/s is 52 kB per second of audio in
//! f32; half of that in f16, with a relative error below 1e-3 (11-bit
//! mantissa) — far below the noise of the descriptors themselves. Values
//! beyond ±65504 (f16's range) are clamped; magnitudes below 6e-8 become 0.
//! The matrix returned on a miss is rounded the same way, so a cold run and a
//! warm run give bit-identical features.
//!
//! File layout (little-endian), version [`CACHE_FORMAT_VERSION`]:
//!
//! ```text
//! magic "EMOFEAT\0" | u32 version | u32 n_frames | u32 n_columns | f64 hop_s | f64 frame_s
//! u32 len + settings (UTF-8) | per column: u16 len + name (UTF-8)
//! n_frames * n_columns f16 | first 8 bytes of SHA-256 of everything before
//! ```
//!
//! Entries are written to a temporary file and renamed, so a crash or a
//! concurrent writer never leaves a partial entry under the final name; an
//! entry that is truncated or corrupt anyway fails the checks and is
//! recomputed.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use half::f16;
use sha2::{Digest, Sha256};

use super::error::{DataError, DataResult};
use crate::features::{Extractor, FeatureMatrix, FeatureSettings};

/// Version of the extractor's output. Bump whenever a change to
/// `src/features` or `src/audio` changes any feature value.
/// 2: `audio::prepare` removes DC offsets beyond `audio::DC_OFFSET_LIMIT`.
/// 3: the spectral entropy's per-bin terms in f32 (`spectralEntropy_sma`
/// and its delta differ in the last bits).
pub const FEATURE_VERSION: u32 = 3;

/// Version of the entry file layout above.
pub const CACHE_FORMAT_VERSION: u32 = 1;

const MAGIC: &[u8; 8] = b"EMOFEAT\0";
const EXTENSION: &str = "f16";

/// A directory of cached feature matrices.
#[derive(Debug, Clone)]
pub struct FeatureCache {
    dir: PathBuf,
}

/// Whether a lookup was served from the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Hit,
    /// Not there (or unreadable): computed and stored.
    Computed,
}

impl FeatureCache {
    /// A cache in `dir` (created on the first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        FeatureCache { dir: dir.into() }
    }

    /// `$EMOREC_CACHE` if set, else `.cache/emorec` under the current directory.
    pub fn default_dir() -> PathBuf {
        match std::env::var_os("EMOREC_CACHE") {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            _ => PathBuf::from(".cache").join("emorec"),
        }
    }

    /// The cache in [`FeatureCache::default_dir`].
    pub fn open_default() -> Self {
        FeatureCache::new(Self::default_dir())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What, besides the audio, determines the features.
    pub fn settings(settings: &FeatureSettings) -> String {
        format!("emorec-features v{FEATURE_VERSION} {} rate=16000", settings.describe())
    }

    /// The entry key for these audio bytes and settings (64 hex digits).
    pub fn key(audio_bytes: &[u8], settings: &FeatureSettings) -> String {
        let content = Sha256::digest(audio_bytes);
        let mut h = Sha256::new();
        h.update(content);
        h.update([0u8]);
        h.update(Self::settings(settings).as_bytes());
        hex(&h.finalize())
    }

    /// Where the entry for `key` lives: `dir/ab/abcdef….f16`.
    pub fn entry_path(&self, key: &str) -> PathBuf {
        self.dir.join(key.get(..2).unwrap_or("00")).join(format!("{key}.{EXTENSION}"))
    }

    /// The features of the recording at `audio_path`: from the cache if it
    /// holds them, else extracted and stored.
    pub fn get_or_compute(&self, audio_path: &Path, settings: FeatureSettings) -> DataResult<FeatureMatrix> {
        self.get_or_compute_with(&mut settings.into(), audio_path, settings.deltas).map(|(m, _)| m)
    }

    /// As [`FeatureCache::get_or_compute`], reusing `extractor` (one per
    /// thread when processing many files) and saying whether it was a hit.
    pub fn get_or_compute_with(
        &self,
        extractor: &mut Extractor,
        audio_path: &Path,
        deltas: bool,
    ) -> DataResult<(FeatureMatrix, Lookup)> {
        let wanted = FeatureSettings::new(extractor.set(), deltas).with_level(extractor.level_dbfs());
        let bytes = std::fs::read(audio_path).map_err(|e| DataError::io(audio_path, e))?;
        let key = Self::key(&bytes, &wanted);
        let entry = self.entry_path(&key);
        let settings = Self::settings(&wanted);
        if let Ok(stored) = std::fs::read(&entry) {
            if let Ok(m) = decode(&stored, &settings) {
                return Ok((m, Lookup::Hit));
            }
            // Corrupt, truncated or from another format version: recompute
            // and overwrite below.
        }
        let ext = audio_path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
        let path_str = audio_path.display().to_string();
        let samples = crate::audio::load_16k_bytes(bytes, ext.as_deref()).map_err(|e| e.with_path(&path_str))?;
        let m = extractor.extract(&samples, deltas).map_err(|e| e.with_path(&path_str))?;
        let encoded = encode(&m, &settings);
        self.store(&entry, &encoded)?;
        // What the next (warm) lookup will return: the f16-rounded values.
        let m = decode(&encoded, &settings).map_err(|r| DataError::format(&entry, None, r))?;
        Ok((m, Lookup::Computed))
    }

    /// Writes an entry through a temporary file in the same folder + rename.
    fn store(&self, entry: &Path, bytes: &[u8]) -> DataResult<()> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = entry.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = entry.with_extension(format!("tmp.{}.{n}", std::process::id()));
        std::fs::write(&tmp, bytes).map_err(|e| DataError::io(&tmp, e))?;
        std::fs::rename(&tmp, entry).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            DataError::io(entry, e)
        })
    }

    /// Number of entries and their total size in bytes.
    pub fn size_on_disk(&self) -> (usize, u64) {
        let mut files = 0;
        let mut bytes = 0;
        let Ok(top) = std::fs::read_dir(&self.dir) else { return (0, 0) };
        for sub in top.flatten() {
            let Ok(entries) = std::fs::read_dir(sub.path()) else { continue };
            for e in entries.flatten() {
                if e.path().extension().is_some_and(|x| x == EXTENSION) {
                    files += 1;
                    bytes += e.metadata().map(|m| m.len()).unwrap_or(0);
                }
            }
        }
        (files, bytes)
    }
}

/// Serialises `m` in the entry format (values rounded to f16, clamped to its range).
pub fn encode(m: &FeatureMatrix, settings: &str) -> Vec<u8> {
    let (n, c) = (m.n_frames(), m.n_columns());
    let mut out = Vec::with_capacity(64 + settings.len() + c * 24 + n * c * 2);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&CACHE_FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(n as u32).to_le_bytes());
    out.extend_from_slice(&(c as u32).to_le_bytes());
    out.extend_from_slice(&m.hop_s.to_le_bytes());
    out.extend_from_slice(&m.frame_s.to_le_bytes());
    out.extend_from_slice(&(settings.len() as u32).to_le_bytes());
    out.extend_from_slice(settings.as_bytes());
    for name in &m.names {
        let b = name.as_bytes();
        let b = &b[..b.len().min(u16::MAX as usize)];
        out.extend_from_slice(&(b.len() as u16).to_le_bytes());
        out.extend_from_slice(b);
    }
    let max = f16::MAX.to_f32();
    for &x in &m.data[..n * c] {
        let v = if x.is_nan() { f16::NAN } else { f16::from_f32(x.clamp(-max, max)) };
        out.extend_from_slice(&v.to_bits().to_le_bytes());
    }
    let sum = Sha256::digest(&out);
    out.extend_from_slice(&sum[..8]);
    out
}

/// Parses an entry, checking magic, version, settings, lengths and checksum.
/// Never panics: every failure is a reason.
pub fn decode(bytes: &[u8], settings: &str) -> Result<FeatureMatrix, String> {
    if bytes.len() < MAGIC.len() + 8 {
        return Err("entry too short".into());
    }
    let (body, sum) = bytes.split_at(bytes.len() - 8);
    if Sha256::digest(body)[..8] != *sum {
        return Err("checksum mismatch (corrupt or truncated entry)".into());
    }
    let mut r = Reader { bytes: body, pos: 0 };
    if r.take(8)? != MAGIC {
        return Err("not a feature cache entry".into());
    }
    let version = r.u32()?;
    if version != CACHE_FORMAT_VERSION {
        return Err(format!("entry format version {version}, expected {CACHE_FORMAT_VERSION}"));
    }
    let n = r.u32()? as usize;
    let c = r.u32()? as usize;
    let hop_s = r.f64()?;
    let frame_s = r.f64()?;
    let slen = r.u32()? as usize;
    if r.take(slen)? != settings.as_bytes() {
        return Err("entry made with other feature settings".into());
    }
    let mut names = Vec::with_capacity(c.min(4096));
    for _ in 0..c {
        let len = r.u16()? as usize;
        names.push(String::from_utf8(r.take(len)?.to_vec()).map_err(|_| "column name is not UTF-8")?);
    }
    let values = n.checked_mul(c).ok_or("frame count overflows")?;
    let raw = r.take(values.checked_mul(2).ok_or("frame count overflows")?)?;
    if r.pos != body.len() {
        return Err("trailing bytes after the data".into());
    }
    let data = raw.chunks_exact(2).map(|b| f16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f32()).collect();
    Ok(FeatureMatrix { names, data, hop_s, frame_s })
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or("entry truncated")?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn f64(&mut self) -> Result<f64, String> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(f64::from_le_bytes(a))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Outcome of a batch run over many recordings.
#[derive(Debug, Default)]
pub struct BatchReport {
    pub hits: usize,
    pub computed: usize,
    /// Recordings that failed, with the reason.
    pub failed: Vec<(PathBuf, String)>,
}

#[cfg(feature = "cli")]
impl FeatureCache {
    /// Makes sure every recording in `paths` is cached, in parallel (one
    /// extractor per thread), with a progress bar when `progress` is set.
    /// Failures are collected, not fatal: one bad file must not stop a corpus.
    pub fn fill(&self, paths: &[PathBuf], settings: FeatureSettings, progress: bool) -> BatchReport {
        let results = self.batch(paths, settings, progress, |_| ());
        let mut report = BatchReport::default();
        for (path, r) in paths.iter().zip(results) {
            match r {
                Ok(((), Lookup::Hit)) => report.hits += 1,
                Ok(((), Lookup::Computed)) => report.computed += 1,
                Err(e) => report.failed.push((path.clone(), e.to_string())),
            }
        }
        report
    }

    /// The features of every recording in `paths`, in order, through the cache.
    pub fn load_all(
        &self,
        paths: &[PathBuf],
        settings: FeatureSettings,
        progress: bool,
    ) -> Vec<DataResult<FeatureMatrix>> {
        self.batch(paths, settings, progress, |m| m).into_iter().map(|r| r.map(|(m, _)| m)).collect()
    }

    fn batch<T: Send>(
        &self,
        paths: &[PathBuf],
        settings: FeatureSettings,
        progress: bool,
        keep: impl Fn(FeatureMatrix) -> T + Sync,
    ) -> Vec<DataResult<(T, Lookup)>> {
        use indicatif::{ProgressBar, ProgressStyle};
        use rayon::prelude::*;
        let bar = if progress { ProgressBar::new(paths.len() as u64) } else { ProgressBar::hidden() };
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} files, {elapsed} elapsed, ~{eta} left") {
            bar.set_style(style);
        }
        let out = paths
            .par_iter()
            .map_init(
                || Extractor::from(settings),
                |extractor, path| {
                    let r = self.get_or_compute_with(extractor, path, settings.deltas).map(|(m, l)| (keep(m), l));
                    bar.inc(1);
                    r
                },
            )
            .collect();
        bar.finish_and_clear();
        out
    }
}
