//! The training checkpoint: everything a killed run needs to continue as if
//! it had never stopped.
//!
//! One file, `checkpoint.bin`, written to a temporary name and renamed, so it
//! is always either the previous epoch's or this epoch's, never a mix:
//!
//! ```text
//! "EMORECKP"  u32 LE format version (2)
//! u64 LE length + JSON  TrainState (epoch, RNG, early stopping, history)
//! u64 LE length + bytes model parameters (burnpack, with parameter ids)
//! u64 LE length + bytes Adam state (burnpack, keyed by parameter id)
//! u64 LE length + bytes the weight average (burnpack; length 0 without one)
//! ```
//!
//! Version 1, without the last part, still loads (no average).
//!
//! `tests/train_kill.rs` kills `emorec train` at random moments, some of them
//! inside this write, and checks that the resumed run ends as an uninterrupted
//! one. To land a kill inside the write reliably, it sets
//! [`PAUSE_ENV`]: the writer then pauses that many milliseconds halfway
//! through the temporary file and again before the rename. Unset (always,
//! outside that test) the write runs at full speed.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::EpochLog;
use crate::model::io::write_atomic_paced;
use crate::model::ModelError;
use crate::rng::Rng;

pub const CHECKPOINT_FILE: &str = "checkpoint.bin";
const MAGIC: &[u8; 8] = b"EMORECKP";
const VERSION: u32 = 2;

/// Milliseconds to pause inside each checkpoint write (for the kill test).
pub const PAUSE_ENV: &str = "EMOREC_TEST_CHECKPOINT_PAUSE_MS";

fn pause() -> std::time::Duration {
    let ms = std::env::var(PAUSE_ENV).ok().and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(0);
    std::time::Duration::from_millis(ms)
}

/// Training progress besides the weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Epochs completed (the next epoch to run).
    pub epoch: usize,
    /// The generator as the next epoch will find it.
    pub rng: Rng,
    /// Best validation UA so far (-1 before the first validation).
    pub best_ua: f64,
    /// Epoch (1-based) of the best validation UA, 0 before any.
    pub best_epoch: usize,
    pub epochs_since_best: usize,
    pub history: Vec<EpochLog>,
    /// The training config as TOML, to refuse resuming a different run.
    pub model_config: String,
}

pub struct Checkpoint {
    pub state: TrainState,
    pub model: Vec<u8>,
    pub optimizer: Vec<u8>,
    /// The running average of the weights (`TrainConfig::weight_average`).
    pub average: Option<Vec<u8>>,
}

impl Checkpoint {
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        let state = serde_json::to_vec(&self.state).expect("state serialises");
        let average = self.average.as_deref().unwrap_or_default();
        let mut out = Vec::with_capacity(state.len() + self.model.len() + self.optimizer.len() + average.len() + 48);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        for part in [&state[..], &self.model, &self.optimizer, average] {
            out.extend_from_slice(&(part.len() as u64).to_le_bytes());
            out.extend_from_slice(part);
        }
        write_atomic_paced(path, &out, pause())
    }

    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let bytes = std::fs::read(path).map_err(|e| ModelError::io(path, e))?;
        let bad = |m: &str| ModelError::Format(format!("{}: {m}", path.display()));
        if bytes.len() < 12 || &bytes[..8] != MAGIC {
            return Err(bad("not an emorec checkpoint"));
        }
        let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
        let count = match version {
            1 => 3,
            VERSION => 4,
            _ => return Err(bad(&format!("checkpoint version {version}, this build reads 1 to {VERSION}"))),
        };
        let mut rest = &bytes[12..];
        let mut parts = Vec::new();
        for _ in 0..count {
            if rest.len() < 8 {
                return Err(bad("truncated"));
            }
            let len = u64::from_le_bytes(rest[..8].try_into().expect("8 bytes")) as usize;
            rest = &rest[8..];
            if rest.len() < len {
                return Err(bad("truncated"));
            }
            parts.push(rest[..len].to_vec());
            rest = &rest[len..];
        }
        let average = if count == 4 { parts.pop().filter(|a| !a.is_empty()) } else { None };
        let optimizer = parts.pop().expect("3 parts");
        let model = parts.pop().expect("3 parts");
        let state = serde_json::from_slice(&parts[0]).map_err(|e| bad(&e.to_string()))?;
        Ok(Checkpoint { state, model, optimizer, average })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> TrainState {
        TrainState {
            epoch: 2,
            rng: Rng::new(5),
            best_ua: 0.5,
            best_epoch: 1,
            epochs_since_best: 1,
            history: Vec::new(),
            model_config: "variant = \"acoustic\"".into(),
        }
    }

    /// A checkpoint round-trips with and without an average, and one
    /// written in version 1 (three parts) still loads, without one.
    #[test]
    fn versions_one_and_two_load() {
        let dir = std::env::temp_dir().join(format!("emorec-checkpoint-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(CHECKPOINT_FILE);
        for average in [None, Some(vec![7u8, 8, 9])] {
            let ck = Checkpoint { state: state(), model: vec![1, 2], optimizer: vec![3], average: average.clone() };
            ck.save(&path).unwrap();
            let back = Checkpoint::load(&path).unwrap();
            assert_eq!((back.state, back.model, back.optimizer, back.average), (state(), vec![1, 2], vec![3], average));
        }
        let json = serde_json::to_vec(&state()).unwrap();
        let mut v1 = MAGIC.to_vec();
        v1.extend_from_slice(&1u32.to_le_bytes());
        for part in [&json[..], &[1, 2], &[3]] {
            v1.extend_from_slice(&(part.len() as u64).to_le_bytes());
            v1.extend_from_slice(part);
        }
        std::fs::write(&path, &v1).unwrap();
        let back = Checkpoint::load(&path).unwrap();
        assert_eq!((back.model, back.optimizer, back.average), (vec![1, 2], vec![3], None));
        v1[8..12].copy_from_slice(&3u32.to_le_bytes());
        std::fs::write(&path, &v1).unwrap();
        let err = Checkpoint::load(&path).err().expect("version 3 is refused").to_string();
        assert!(err.contains("version 3"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
