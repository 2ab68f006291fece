//! The training checkpoint: everything a killed run needs to continue as if
//! it had never stopped.
//!
//! One file, `checkpoint.bin`, written to a temporary name and renamed, so it
//! is always either the previous epoch's or this epoch's, never a mix:
//!
//! ```text
//! "EMORECKP"  u32 LE format version (1)
//! u64 LE length + JSON  TrainState (epoch, RNG, early stopping, history)
//! u64 LE length + bytes model parameters (burnpack, with parameter ids)
//! u64 LE length + bytes Adam state (burnpack, keyed by parameter id)
//! ```
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
const VERSION: u32 = 1;

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
}

impl Checkpoint {
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        let state = serde_json::to_vec(&self.state).expect("state serialises");
        let mut out = Vec::with_capacity(state.len() + self.model.len() + self.optimizer.len() + 40);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        for part in [&state, &self.model, &self.optimizer] {
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
        if version != VERSION {
            return Err(bad(&format!("checkpoint version {version}, this build reads {VERSION}")));
        }
        let mut rest = &bytes[12..];
        let mut parts = Vec::new();
        for _ in 0..3 {
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
        let optimizer = parts.pop().expect("3 parts");
        let model = parts.pop().expect("3 parts");
        let state = serde_json::from_slice(&parts[0]).map_err(|e| bad(&e.to_string()))?;
        Ok(Checkpoint { state, model, optimizer })
    }
}
