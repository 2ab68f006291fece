//! The model the package ships, embedded at build time from `www/model/`
//! (trained by `scripts/train-shipped.sh`; its card is
//! `www/model/MODEL_CARD.md`). Embedding keeps the package one import with
//! nothing to host beside it; the files stay in `www/model/` so that
//! `emorec evaluate --model www/model` reads exactly what the page runs.

use crate::pipeline::BundleFiles;

macro_rules! model_file {
    ($name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/www/model/", $name))
    };
}

pub const META: &[u8] = model_file!("model.json");
pub const CONFIG: &[u8] = model_file!("config.toml");
pub const WEIGHTS: &[u8] = model_file!("weights.bpk");
pub const INPUTS: &[u8] = model_file!("inputs.toml");
pub const NORM: &[u8] = model_file!("norm.json");
pub const VOCAB: &[u8] = model_file!("vocab.safetensors");

pub fn files() -> BundleFiles {
    BundleFiles {
        meta: META.to_vec(),
        config: CONFIG.to_vec(),
        weights: WEIGHTS.to_vec(),
        inputs: INPUTS.to_vec(),
        norm: Some(NORM.to_vec()),
        vocab: Some(VOCAB.to_vec()),
    }
}
