//! emorec: multimodal speech emotion recognition that runs in the browser.
//!
//! The crate is laid out as the pipeline it implements:
//! [`audio`] (decode, mix down, resample to 16 kHz) → [`features`]
//! (openSMILE-compatible low-level descriptors) → model → web.
//! Everything up to the features is plain Rust with no model framework, so it
//! runs natively, in a page or in a Web Worker.

pub mod audio;
pub mod data;
#[cfg(feature = "cli")]
pub mod bench;
pub mod error;
pub mod features;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod text;
#[cfg(not(target_arch = "wasm32"))]
pub mod train;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use error::{Error, Result};
