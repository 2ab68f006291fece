//! The model family of the reference system, in burn: BLSTM encoders over
//! acoustic frames and over word embeddings, four poolings (last block, CLS,
//! mean, context attention), two fusions (MM-B concatenation, MMMLA
//! attention over modalities) and a linear softmax layer.
//!
//! Everything here compiles for wasm32: the page runs the same forward pass
//! as training. Padding never changes an item's output (see [`lstm`] and
//! [`pooling`]), either modality may be missing, and every forward pass
//! returns the attention weights per frame, per word and per modality.

pub mod batch;
pub mod config;
mod error;
pub mod fusion;
mod init;
pub mod io;
pub mod layers;
pub mod lstm;
pub mod net;
pub mod pooling;
pub mod predict;

pub use batch::{Batch, Batcher, Example, Padded, Sequence};
pub use config::{AcousticPooling, LexicalPooling, ModelConfig, Variant};
pub use error::ModelError;
pub use lstm::Recurrence;
pub use net::{Model, ModelOutput};
pub use predict::{calibrate, Prediction};
