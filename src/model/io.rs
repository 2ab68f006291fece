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
//! The browser gets the same three files (embedded in the wasm, see
//! `web::shipped`) and calls [`Model::from_files`]; nothing here touches the
//! file system on wasm.

#[cfg(not(target_arch = "wasm32"))]
use std::path::Path;

use burn::module::Module;
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, Device};
use serde::{Deserialize, Serialize};

use super::{Model, ModelConfig, ModelError};
use crate::Emotion;

pub const FORMAT_NAME: &str = "emorec-model";
pub const FORMAT_VERSION: u32 = 1;
pub const CONFIG_FILE: &str = "config.toml";
pub const WEIGHTS_FILE: &str = "weights.bpk";
pub const META_FILE: &str = "model.json";

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
        let meta: ModelMeta =
            serde_json::from_slice(meta).map_err(|e| ModelError::Format(format!("{META_FILE}: {e}")))?;
        meta.check()?;
        let config = std::str::from_utf8(config).map_err(|e| ModelError::Format(format!("{CONFIG_FILE}: {e}")))?;
        Model::from_bytes(&ModelConfig::from_toml(config)?, weights, device)
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
/// and a rename (atomic on POSIX file systems).
#[cfg(not(target_arch = "wasm32"))]
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ModelError> {
    use std::io::Write;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp{}", std::process::id()));
    let mut f = std::fs::File::create(&tmp).map_err(|e| ModelError::io(&tmp, e))?;
    f.write_all(bytes).map_err(|e| ModelError::io(&tmp, e))?;
    f.sync_all().map_err(|e| ModelError::io(&tmp, e))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| ModelError::io(path, e))
}
