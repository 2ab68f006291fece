//! The model the package ships, embedded at build time from `www/model/`
//! (trained by `scripts/train-shipped.sh`; its card is
//! `www/model/MODEL_CARD.md`). Embedding keeps the package one import with
//! nothing to host beside it; the files stay in `www/model/` so that
//! `emorec evaluate --model www/model` reads exactly what the page runs.
//! The CPU engine reads the f16 weights (`weights-f16.safetensors`), the
//! WebGPU module burn's `weights.bpk` (it embeds both: its CPU fallback is
//! the host engine too). The vocabulary is not embedded: a quarter of the
//! download, needed only with a transcript, it ships beside the module
//! (`pkg/vocab.safetensors`) and `pkg/index.js` fetches it the first time a
//! transcript comes. So does the n-gram head's file
//! (`pkg/ngram-head-f16.safetensors`), which only transcripts use.

use super::backend::Opened;
use crate::pipeline::BundleFiles;

macro_rules! model_file {
    ($name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/www/model/", $name))
    };
}

pub const META: &[u8] = model_file!("model.json");
pub const CONFIG: &[u8] = model_file!("config.toml");
pub const HOST_WEIGHTS: &[u8] = model_file!("weights-f16.safetensors");
#[cfg(feature = "wgpu")]
pub const WEIGHTS: &[u8] = model_file!("weights.bpk");
pub const INPUTS: &[u8] = model_file!("inputs.toml");
pub const NORM: &[u8] = model_file!("norm.json");

/// The embedded files for the backend opened; `vocab` and `ngram_head` are
/// `None` (see the module doc).
pub fn files(opened: &Opened) -> BundleFiles {
    let weights = match opened {
        Opened::Cpu => HOST_WEIGHTS,
        #[cfg(feature = "wgpu")]
        Opened::WebGpu(_) => WEIGHTS,
    };
    BundleFiles {
        meta: META.to_vec(),
        config: CONFIG.to_vec(),
        weights: weights.to_vec(),
        inputs: INPUTS.to_vec(),
        norm: Some(NORM.to_vec()),
        vocab: None,
        ngram_head: None,
    }
}
