//! The model family of the reference system: BLSTM encoders over
//! acoustic frames and over word embeddings, four poolings (last block, CLS,
//! mean, context attention), two fusions (MM-B concatenation, MMMLA
//! attention over modalities) and a linear softmax layer.
//!
//! Two engines run it. [`Model`] is written in burn (cargo feature `burn`):
//! training, evaluation, every backend, WebGPU in the page. [`HostModel`]
//! is the same forward pass as plain loops, with no tensor library: the
//! page's CPU module runs it without linking burn ([`host`]). [`Network`]
//! is whichever a bundle loaded; both give the same [`Prediction`]. Padding never changes an item's output (see [`lstm`] and
//! [`pooling`]), either modality may be missing, and every forward pass
//! returns the attention weights per frame, per word and per modality.

pub mod batch;
pub mod config;
mod error;
#[cfg(feature = "burn")]
pub mod fusion;
#[cfg(feature = "wgpu")]
pub mod gpu;
pub mod host;
#[cfg(feature = "burn")]
mod init;
pub mod io;
#[cfg(feature = "burn")]
pub mod layers;
pub mod lstm;
#[cfg(feature = "burn")]
pub mod net;
mod network;
#[cfg(feature = "burn")]
pub mod pooling;
pub mod predict;

pub use batch::{Batch, Batcher, Example, Padded, Sequence};
pub use config::{AcousticPooling, LexicalPooling, ModelConfig, PoolKind, Variant};
pub use error::ModelError;
pub use host::HostModel;
#[cfg(feature = "burn")]
pub use lstm::Recurrence;
#[cfg(feature = "burn")]
pub use net::{Model, ModelOutput};
pub use network::Network;
pub use predict::{calibrate, Prediction};
