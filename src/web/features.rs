//! Descriptors alone, for pages that want the features rather than a label:
//! a thin wasm-bindgen layer over [`crate::audio`] and [`crate::features`].
//! Samples go in as a `Float32Array`, a feature matrix comes out, and every
//! library error reaches JavaScript as a thrown `Error` carrying its message.
//!
//! ```js
//! import init, { FeatureExtractor } from "./pkg/emorec.js";
//! await init();
//! const fx = new FeatureExtractor();          // reuse it: it holds FFT plans
//! const f = fx.extract(samples, 16000, true); // throws on unusable audio
//! f.names; f.nFrames; f.nColumns; f.data;     // data: Float32Array, row-major
//! f.free(); fx.free();
//! ```

use js_sys::{Array, Float32Array, JsString};
use wasm_bindgen::prelude::*;

use crate::audio;
use crate::features::{Extractor, FeatureMatrix, FeatureSet};

/// Computes openSMILE's ComParE_2016 low-level descriptors in the page or in a
/// Web Worker. Make one and reuse it across recordings.
#[wasm_bindgen]
pub struct FeatureExtractor {
    extractor: Extractor,
}

impl Default for FeatureExtractor {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl FeatureExtractor {
    #[wasm_bindgen(constructor)]
    pub fn new() -> FeatureExtractor {
        FeatureExtractor { extractor: Extractor::new(FeatureSet::Compare2016) }
    }

    /// The feature set's name (`"compare2016"`).
    #[wasm_bindgen(getter, js_name = featureSet)]
    pub fn feature_set(&self) -> String {
        FeatureSet::Compare2016.name().to_string()
    }

    /// Descriptors of mono `samples` at `sample_rate` Hz, one row per 10 ms;
    /// with `deltas`, each descriptor's delta follows (`<name>_de` columns).
    /// Throws on audio the extractor cannot use (too short, NaN, bad rate).
    pub fn extract(&mut self, samples: &[f32], sample_rate: u32, deltas: bool) -> Result<Features, JsError> {
        let x = audio::prepare(samples, sample_rate)?;
        Ok(Features { matrix: self.extractor.extract(&x, deltas)? })
    }
}

/// A feature matrix handed to JavaScript. Each getter copies out of wasm
/// memory, so read `data` once and keep the array.
#[wasm_bindgen]
pub struct Features {
    matrix: FeatureMatrix,
}

#[wasm_bindgen]
impl Features {
    /// Column names, exactly as openSMILE writes them.
    #[wasm_bindgen(getter)]
    pub fn names(&self) -> Array {
        self.matrix.names.iter().map(|n| JsString::from(n.as_str())).collect()
    }

    #[wasm_bindgen(getter, js_name = nFrames)]
    pub fn n_frames(&self) -> usize {
        self.matrix.n_frames()
    }

    #[wasm_bindgen(getter, js_name = nColumns)]
    pub fn n_columns(&self) -> usize {
        self.matrix.n_columns()
    }

    /// `nFrames * nColumns` values, frame after frame.
    #[wasm_bindgen(getter)]
    pub fn data(&self) -> Float32Array {
        Float32Array::from(self.matrix.data.as_slice())
    }

    /// Seconds between frame starts (0.01).
    #[wasm_bindgen(getter, js_name = hopSeconds)]
    pub fn hop_seconds(&self) -> f64 {
        self.matrix.hop_s
    }

    /// Seconds each frame spans (the longest analysis window, 0.06).
    #[wasm_bindgen(getter, js_name = frameSeconds)]
    pub fn frame_seconds(&self) -> f64 {
        self.matrix.frame_s
    }

    /// One column by name, or `undefined` when there is no such column.
    pub fn column(&self, name: &str) -> Option<Float32Array> {
        let j = self.matrix.column_index(name)?;
        Some(Float32Array::from(self.matrix.column(j).as_slice()))
    }

    /// The openSMILE-style CSV (`start,end,<names...>`), e.g. for a download.
    #[wasm_bindgen(js_name = toCsv)]
    pub fn to_csv(&self) -> Result<String, JsError> {
        let mut out = Vec::new();
        self.matrix.write_csv(&mut out)?;
        Ok(String::from_utf8(out)?)
    }
}
