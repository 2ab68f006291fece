//! emorec: multimodal speech emotion recognition that runs in the browser.
//!
//! The crate is laid out as the pipeline it implements, each layer using only
//! those before it:
//!
//! [`audio`] (decode, mix down, resample to 16 kHz, input checks) →
//! [`features`] (openSMILE-compatible ComParE_2016 descriptors) →
//! [`text`] (tokeniser, GloVe, the pruned vocabulary) →
//! [`data`] (corpora, manifests, protocols, feature cache, normalisation) →
//! [`model`] (BLSTM encoders, pooling, fusion, prediction, save/load; in
//! burn, and as plain loops in the host engine) →
//! `train` (training, checkpoints, evaluation; native, with burn) →
//! [`pipeline`] (samples and a transcript in, a [`pipeline::Classification`]
//! out, with the model bundle that carries every setting) →
//! `web` (the wasm facade) and the `emorec` command line.
//!
//! Shared by every layer: [`Emotion`] (the four classes), [`rng`] (seeded
//! generators), [`Error`] and the safetensors writer. [`report`] draws SVG
//! figures. Everything but training is plain Rust that builds for wasm32, so
//! the page runs what the command line runs; its CPU module leaves burn out
//! (cargo feature `burn`) and runs the model in the host engine, which
//! `emorec predict --backend host` runs too.

pub mod audio;
#[cfg(feature = "cli")]
pub mod bench;
pub mod data;
pub mod emotion;
pub mod error;
pub mod features;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod rng;
pub(crate) mod tensorfile;
pub mod text;
#[cfg(all(feature = "burn", not(target_arch = "wasm32")))]
pub mod train;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use emotion::Emotion;
pub use error::{Error, Result};
