//! Figures for people: confusion matrices, training curves and attention
//! over frames and words, as standalone SVG.
//!
//! SVG is written directly rather than through a plotting crate so that the
//! figures need no fonts or system libraries, build for wasm unchanged, and
//! open in any browser.

mod svg;

pub use svg::{attention_svg, confusion_svg, curves_svg, Series};
