//! Saving and loading models.
//!
//! A model directory holds three files:
//! - `config.toml`: the [`ModelConfig`] that rebuilds the network;
//! - `weights.bpk`: the parameters as a burn record in burnpack (a plain
//!   tensor container: names, dtypes, shapes, little-endian data; nothing
//!   executable is ever deserialised);
//! - `model.json`: `{"format": "emorec-model", "version": 1, "labels": [...]}`,
//!   so an incompatible future layout is refused instead of misread.
//!
//! A bundle adds `weights-f16.safetensors`, the same parameters for the
//! host engine (see [`super::host::weights`]). The browser gets these files
//! (embedded in the wasm, see `web::shipped`): its WebGPU module calls
//! [`Model::from_files`], its CPU module [`super::HostModel`]'s loader;
//! nothing here touches the file system on wasm.

#[cfg(not(target_arch = "wasm32"))]
use std::path::Path;

#[cfg(feature = "burn")]
use burn::module::Module;
#[cfg(feature = "burn")]
use burn::store::ModuleRecord;
#[cfg(feature = "burn")]
use burn::tensor::{Bytes, Device};
use serde::{Deserialize, Serialize};

#[cfg(feature = "burn")]
use super::Model;
use super::{ModelConfig, ModelError};
use crate::Emotion;

pub const FORMAT_NAME: &str = "emorec-model";
pub const FORMAT_VERSION: u32 = 1;
pub const CONFIG_FILE: &str = "config.toml";
pub const WEIGHTS_FILE: &str = "weights.bpk";
pub const META_FILE: &str = "model.json";
/// Where a training directory keeps its best model (a bundle of its own).
pub const BEST_DIR: &str = "best";

/// Contents of `model.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    pub format: String,
    pub version: u32,
    /// Class order of the outputs.
    pub labels: Vec<String>,
}

impl Default for ModelMeta {
    fn default() -> Self {
        ModelMeta {
            format: FORMAT_NAME.into(),
            version: FORMAT_VERSION,
            labels: Emotion::ALL.iter().map(|e| e.code().to_string()).collect(),
        }
    }
}

impl ModelMeta {
    pub fn check(&self) -> Result<(), ModelError> {
        if self.format != FORMAT_NAME || self.version != FORMAT_VERSION {
            return Err(ModelError::Format(format!(
                "{} version {} (this build reads {FORMAT_NAME} version {FORMAT_VERSION})",
                self.format, self.version
            )));
        }
        Ok(())
    }
}

/// The config a model's `model.json` and `config.toml` describe, for
/// either engine. Refuses a `model.json` of another format or version.
pub fn read_config(meta: &[u8], config: &[u8]) -> Result<ModelConfig, ModelError> {
    let meta: ModelMeta = serde_json::from_slice(meta).map_err(|e| ModelError::Format(format!("{META_FILE}: {e}")))?;
    meta.check()?;
    let config = std::str::from_utf8(config).map_err(|e| ModelError::Format(format!("{CONFIG_FILE}: {e}")))?;
    ModelConfig::from_toml(config)
}

#[cfg(feature = "burn")]
impl Model {
    /// The parameters as burnpack bytes (what `weights.bpk` holds).
    pub fn to_bytes(&self) -> Result<Vec<u8>, ModelError> {
        let bytes = self.clone().into_record().into_bytes().map_err(|e| ModelError::Format(e.to_string()))?;
        Ok(bytes.to_vec())
    }

    /// Rebuilds a model from its config and `weights.bpk` bytes. Works in the
    /// browser (no file system); every parameter must be present with the
    /// shape the config implies.
    pub fn from_bytes(config: &ModelConfig, weights: &[u8], device: &Device) -> Result<Self, ModelError> {
        let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(weights.to_vec()))
            .map_err(|e| ModelError::Format(e.to_string()))?;
        Model::new(config, 0, device)?.try_load_record(record).map_err(|e| ModelError::Format(e.to_string()))
    }

    /// Writes `config.toml`, `weights.bpk` and `model.json` into `dir`
    /// (created if needed). Each file is written to a temporary name and
    /// renamed, so a crash never leaves a half-written file under the real name.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn save_dir(&self, dir: &Path) -> Result<(), ModelError> {
        std::fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, e))?;
        write_atomic(&dir.join(CONFIG_FILE), self.config().to_toml().as_bytes())?;
        write_atomic(&dir.join(WEIGHTS_FILE), &self.to_bytes()?)?;
        let meta = serde_json::to_string_pretty(&ModelMeta::default()).expect("meta serialises");
        write_atomic(&dir.join(META_FILE), meta.as_bytes())
    }

    /// Rebuilds a model from the three files [`Model::save_dir`] writes,
    /// already read (from disk natively, embedded or fetched in the browser).
    /// Refuses a `model.json` of another format or version.
    pub fn from_files(meta: &[u8], config: &[u8], weights: &[u8], device: &Device) -> Result<Self, ModelError> {
        let config = read_config(meta, config)?;
        Model::from_bytes(&config, weights, device).map_err(|e| match e {
            ModelError::Format(m) => ModelError::Format(format!("{WEIGHTS_FILE}: {m}")),
            other => other,
        })
    }

    /// Loads a directory written by [`Model::save_dir`].
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load_dir(dir: &Path, device: &Device) -> Result<Self, ModelError> {
        let read = |name: &str| {
            let p = dir.join(name);
            std::fs::read(&p).map_err(|e| ModelError::io(&p, e))
        };
        Model::from_files(&read(META_FILE)?, &read(CONFIG_FILE)?, &read(WEIGHTS_FILE)?, device)
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory
/// and a rename (atomic on POSIX file systems): a reader, or a run resumed
/// after a kill, finds either the old file or the new one, never a mix.
///
/// The temporary file is synced before the rename and the directory after
/// it, so that after a power cut too the name holds complete data: without
/// the first sync a file system may commit the rename before the data; without
/// the second, the rename itself may be lost. A process killed before the
/// rename leaves its temporary file (`.NAME.tmpPID`) behind, harmless since
/// no one reads it; [`remove_stray_temps`] clears such files away.
#[cfg(not(target_arch = "wasm32"))]
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ModelError> {
    write_atomic_paced(path, bytes, std::time::Duration::ZERO)
}

/// [`write_atomic`] that sleeps `pause` after writing the first half of the
/// bytes and again before the rename, so that a test can kill a process
/// while it writes (see `train::checkpoint`); with a zero pause it is
/// [`write_atomic`].
#[cfg(not(target_arch = "wasm32"))]
pub fn write_atomic_paced(path: &Path, bytes: &[u8], pause: std::time::Duration) -> Result<(), ModelError> {
    use std::io::Write;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}{TEMP_INFIX}{}", std::process::id()));
    let mut f = std::fs::File::create(&tmp).map_err(|e| ModelError::io(&tmp, e))?;
    let (head, tail) = bytes.split_at(if pause.is_zero() { bytes.len() } else { bytes.len() / 2 });
    f.write_all(head).map_err(|e| ModelError::io(&tmp, e))?;
    if !pause.is_zero() {
        f.flush().map_err(|e| ModelError::io(&tmp, e))?;
        std::thread::sleep(pause);
    }
    f.write_all(tail).map_err(|e| ModelError::io(&tmp, e))?;
    f.sync_all().map_err(|e| ModelError::io(&tmp, e))?;
    drop(f);
    if !pause.is_zero() {
        std::thread::sleep(pause);
    }
    std::fs::rename(&tmp, path).map_err(|e| ModelError::io(path, e))?;
    sync_dir(path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")))
}

/// What a temporary file's name carries between the real name and the pid.
#[cfg(not(target_arch = "wasm32"))]
const TEMP_INFIX: &str = ".tmp";

/// Makes a rename in `dir` durable. Only POSIX systems can open a
/// directory for syncing; elsewhere the rename is left to the file system.
#[cfg(not(target_arch = "wasm32"))]
fn sync_dir(dir: &Path) -> Result<(), ModelError> {
    #[cfg(unix)]
    std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| ModelError::io(dir, e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Whether `name` is a temporary file of [`write_atomic`]: `.NAME.tmpPID`.
#[cfg(not(target_arch = "wasm32"))]
pub fn is_stray_temp(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('.') else { return false };
    match rest.rfind(TEMP_INFIX) {
        Some(i) => {
            let pid = &rest[i + TEMP_INFIX.len()..];
            i > 0 && !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// Removes the temporary files that killed writers left in `dir` (not
/// recursive) and returns how many. Call it only where no other process
/// writes into `dir` at the same time (a training run owns its directory).
/// A missing directory holds none.
#[cfg(not(target_arch = "wasm32"))]
pub fn remove_stray_temps(dir: &Path) -> Result<usize, ModelError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(ModelError::io(dir, e)),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry.map_err(|e| ModelError::io(dir, e))?;
        let stray = entry.file_name().to_str().is_some_and(is_stray_temp);
        if stray && entry.file_type().is_ok_and(|t| t.is_file()) {
            std::fs::remove_file(entry.path()).map_err(|e| ModelError::io(&entry.path(), e))?;
            removed += 1;
        }
    }
    Ok(removed)
}
