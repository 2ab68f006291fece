//! `Classifier`: the whole pipeline behind one call, for a page or a Web
//! Worker. Samples at any rate and an optional transcript go in; the emotion,
//! its probabilities and the attention over frames, words and modalities come
//! out as a plain JavaScript object.
//!
//! ```js
//! import init, { Classifier } from "./pkg/emorec.js";
//! await init();
//! const c = await Classifier.load("auto");           // "webgpu" | "cpu" | "auto"
//! const r = await c.classify(samples, 48000, "I can't believe it");
//! r.label; r.probabilities.ang; r.frameAttention; r.backend;
//! ```
//! (`pkg/index.js` wraps this as `Classifier.load({ backend })`.)

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::features::Extractor;
use crate::pipeline::{Bundle, BundleFiles, Calibration, Classification, Input};

use super::backend::{self, Backend, Opened};
use super::{js_error, shipped};

/// What `classify` resolves to (camelCase in JavaScript).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClassifyResult {
    /// Whether the audio holds speech (`null` without audio); audio without
    /// speech is not classified.
    pub speech: Option<bool>,
    /// Why there is no label, or why the audio was left out.
    pub reason: Option<String>,
    /// `ang`, `hap`, `neu` or `sad`; `null` when there was nothing to
    /// classify (no speech and no transcript).
    pub label: Option<String>,
    pub probabilities: Option<Probabilities>,
    /// One weight per 10 ms frame from the start of the audio (empty without
    /// audio, or for a model without frame weights).
    pub frame_attention: Vec<f32>,
    pub frame_hop_s: f64,
    /// The transcript's tokens as the model read them, and one weight each
    /// (weights empty for a model without word weights).
    pub words: Vec<String>,
    pub word_attention: Vec<f32>,
    pub modality_weights: Option<ModalityWeights>,
    /// Seconds of audio (`null` without audio).
    pub duration_s: Option<f64>,
    /// The recording as a timeline: one segment for an utterance the model
    /// reads whole (10 s), one per piece and pause for a longer recording,
    /// which is cut at its pauses; empty without audio.
    pub segments: Vec<SegmentResult>,
    pub summary: Option<SummaryResult>,
    /// How the result was reached, for a person (a long recording cut into
    /// pieces, a transcript classified on its own).
    pub notes: Vec<String>,
    /// Whether the audio was standardised by the calibration given (a model
    /// that normalises by speaker, with audio).
    pub calibrated: bool,
    /// Milliseconds.
    pub timings: Timings,
    pub backend: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Probabilities {
    pub ang: f32,
    pub hap: f32,
    pub neu: f32,
    pub sad: f32,
}

#[derive(Debug, Clone, Serialize)]
pub struct SegmentResult {
    /// Seconds from the start.
    pub start: f64,
    pub end: f64,
    pub speech: bool,
    pub reason: Option<String>,
    pub label: Option<String>,
    pub probabilities: Option<Probabilities>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SummaryResult {
    /// Seconds of audio, and of segments with speech.
    pub duration: f64,
    pub speech: f64,
    /// Share of the speech time per label (summing to 1); `null` without speech.
    pub shares: Option<Probabilities>,
    pub segments: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModalityWeights {
    pub audio: f32,
    pub text: f32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Timings {
    pub features: f64,
    pub inference: f64,
}

struct Inner {
    /// Replaced only between classifications (`setVocabulary`): each
    /// classification holds its own `Rc` across its `await`s.
    bundle: RefCell<Rc<Bundle>>,
    backend: Backend,
    /// Holds FFT plans and buffers between calls; borrowed only in the
    /// synchronous part of `classify`, never across an `await`.
    extractor: RefCell<Extractor>,
}

/// A loaded model on a chosen backend. Make one per page or worker and reuse
/// it; `classify` may be called any number of times.
#[wasm_bindgen]
pub struct Classifier {
    inner: Rc<Inner>,
    load_ms: f64,
}

#[wasm_bindgen]
impl Classifier {
    /// Loads the model shipped inside this package on `backend`: `"cpu"`,
    /// `"webgpu"` (throws when the browser has no adapter, or when this build
    /// has no WebGPU support) or `"auto"` (WebGPU when it works, else the CPU;
    /// `backend` says which ran).
    pub async fn load(backend: String) -> Result<Classifier, JsError> {
        super::install_panic_hook();
        let t0 = now_ms();
        let opened = backend::open(&backend).await?;
        let files = shipped::files(&opened);
        Self::load_opened(opened, files, false, t0).await
    }

    /// Loads a bundle written by `emorec train` (the files of its model
    /// directory, as bytes): `model.json`, `config.toml`, the weights,
    /// `inputs.toml`, and `norm.json` / `vocab.safetensors` when the model
    /// uses audio / text. The weights are `weights-f16.safetensors` on the
    /// CPU and `weights.bpk` on WebGPU; on the CPU a model with an n-gram
    /// head also needs `ngram-head-f16.safetensors` (`ngramHead`).
    #[wasm_bindgen(js_name = fromFiles)]
    #[allow(clippy::too_many_arguments)]
    pub async fn from_files(
        backend: String,
        meta: Vec<u8>,
        config: Vec<u8>,
        weights: Vec<u8>,
        inputs: Vec<u8>,
        norm: Option<Vec<u8>>,
        vocab: Option<Vec<u8>>,
        ngram_head: Option<Vec<u8>>,
    ) -> Result<Classifier, JsError> {
        Self::load_files(&backend, BundleFiles { meta, config, weights, inputs, norm, vocab, ngram_head }, true).await
    }

    async fn load_files(backend: &str, files: BundleFiles, require_vocab: bool) -> Result<Classifier, JsError> {
        super::install_panic_hook();
        let t0 = now_ms();
        Self::load_opened(backend::open(backend).await?, files, require_vocab, t0).await
    }

    /// `t0`: when loading began, so that `loadMs` counts opening the backend.
    async fn load_opened(
        opened: Opened,
        files: BundleFiles,
        require_vocab: bool,
        t0: f64,
    ) -> Result<Classifier, JsError> {
        let backend = opened.backend();
        let bundle = match opened {
            Opened::Cpu => Bundle::from_files_host(&files, !require_vocab),
            #[cfg(feature = "wgpu")]
            Opened::WebGpu(device) if require_vocab => Bundle::from_files(&files, &device),
            #[cfg(feature = "wgpu")]
            Opened::WebGpu(device) => Bundle::from_files_deferring_vocabulary(&files, &device),
        }
        .map_err(js_error)?;
        let extractor = bundle.extractor().map_err(js_error)?;
        let inner = Inner { bundle: RefCell::new(Rc::new(bundle)), backend, extractor: RefCell::new(extractor) };
        Ok(Classifier { inner: Rc::new(inner), load_ms: now_ms() - t0 })
    }

    /// Which backend runs the model: `"webgpu"` or `"cpu"`.
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.inner.backend.name().to_string()
    }

    /// Milliseconds `load` took (backend start and model parse).
    #[wasm_bindgen(getter, js_name = loadMs)]
    pub fn load_ms(&self) -> f64 {
        self.load_ms
    }

    /// The model's architecture as TOML (`config.toml`).
    #[wasm_bindgen(getter, js_name = modelConfig)]
    pub fn model_config(&self) -> String {
        self.inner.bundle.borrow().model.config().to_toml()
    }

    /// Whether the model reads text and has no vocabulary yet (the shipped
    /// model until `setVocabulary`; `pkg/index.js` does it when the first
    /// transcript comes).
    #[wasm_bindgen(getter, js_name = needsVocabulary)]
    pub fn needs_vocabulary(&self) -> bool {
        self.inner.bundle.borrow().needs_vocabulary()
    }

    /// Gives the model its vocabulary (the bytes of `vocab.safetensors`).
    /// Throws for a file that is not one, of another dimension, or while a
    /// classification is running.
    #[wasm_bindgen(js_name = setVocabulary)]
    pub fn set_vocabulary(&self, bytes: Vec<u8>) -> Result<(), JsError> {
        self.change_bundle("the vocabulary", |b| b.set_vocabulary(&bytes))
    }

    /// Whether the CPU engine waits for the model's n-gram head (the shipped
    /// model until `setNgramHead`; fetched with the vocabulary).
    #[wasm_bindgen(getter, js_name = needsNgramHead)]
    pub fn needs_ngram_head(&self) -> bool {
        self.inner.bundle.borrow().needs_ngram_head()
    }

    /// Gives the CPU engine the model's n-gram head (the bytes of
    /// `ngram-head-f16.safetensors`). Throws for a file that is not one, of
    /// another size, for a model without that head, or while a
    /// classification is running.
    #[wasm_bindgen(js_name = setNgramHead)]
    pub fn set_ngram_head(&self, bytes: Vec<u8>) -> Result<(), JsError> {
        self.change_bundle("the n-gram head", |b| b.set_ngram_head(&bytes))
    }

    /// Changes the bundle between classifications (each holds its own `Rc`).
    fn change_bundle(&self, what: &str, change: impl FnOnce(&mut Bundle) -> crate::Result<()>) -> Result<(), JsError> {
        let busy = || JsError::new(&format!("cannot set {what} while a classification is running"));
        let mut bundle = self.inner.bundle.try_borrow_mut().map_err(|_| busy())?;
        change(Rc::get_mut(&mut bundle).ok_or_else(busy)?).map_err(js_error)
    }

    /// Whether the model standardises each voice by its speaker's statistics,
    /// so that a calibration (`calibrate`) changes what it hears.
    #[wasm_bindgen(getter, js_name = normalizesBySpeaker)]
    pub fn normalizes_by_speaker(&self) -> bool {
        self.inner.bundle.borrow().normalizes_by_speaker()
    }

    /// A calibration to one person's voice from their recordings: `samples`
    /// holds them one after another, `lengths[i]` samples at `rates[i]` Hz
    /// each. Returns the calibration (plain data, JSON-serialisable), which
    /// `classify` takes back. Throws when no recording holds speech.
    pub fn calibrate(&self, samples: Vec<f32>, lengths: Vec<u32>, rates: Vec<u32>) -> Result<JsValue, JsError> {
        if lengths.len() != rates.len() || lengths.iter().map(|&n| n as usize).sum::<usize>() != samples.len() {
            return Err(JsError::new(
                "calibrate: lengths and rates must describe the samples, one entry per recording",
            ));
        }
        if lengths.is_empty() {
            return Err(JsError::new("calibrate needs at least one recording"));
        }
        let mut recordings = Vec::with_capacity(lengths.len());
        let mut at = 0;
        for (&n, &rate) in lengths.iter().zip(&rates) {
            recordings.push((&samples[at..at + n as usize], rate));
            at += n as usize;
        }
        let bundle = Rc::clone(&self.inner.bundle.borrow());
        let calibration = bundle.calibrate(&mut self.inner.extractor.borrow_mut(), &recordings).map_err(js_error)?;
        to_js(&calibration).map_err(|e| JsError::new(&e.as_string().unwrap_or_else(|| "calibrate".into())))
    }

    /// Classifies one utterance: mono `samples` at `sample_rate` Hz (an empty
    /// array or `undefined` for text only) and an optional `transcript`;
    /// `calibration` is one from `calibrate`, as JSON (used by a model that
    /// normalises by speaker, checked, and otherwise left out; `calibrated`
    /// says which).
    /// Resolves to a [`ClassifyResult`]; rejects with an `Error` saying what is
    /// wrong with the input (too short, silent-only NaN, neither audio nor
    /// text, a modality the model cannot use...).
    pub fn classify(
        &self,
        samples: Option<Vec<f32>>,
        sample_rate: Option<u32>,
        transcript: Option<String>,
        calibration: Option<String>,
    ) -> Promise {
        let inner = Rc::clone(&self.inner);
        future_to_promise(async move {
            inner
                .classify(samples, sample_rate, transcript, calibration)
                .await
                .map(|r| to_js(&r))
                .map_err(JsValue::from)?
        })
    }
}

impl Inner {
    async fn classify(
        &self,
        samples: Option<Vec<f32>>,
        sample_rate: Option<u32>,
        transcript: Option<String>,
        calibration: Option<String>,
    ) -> Result<ClassifyResult, JsError> {
        let samples = samples.filter(|s| !s.is_empty());
        let audio = match &samples {
            Some(s) => {
                Some((s.as_slice(), sample_rate.ok_or_else(|| JsError::new("audio needs its sample rate (Hz)"))?))
            }
            None => None,
        };
        let bundle = Rc::clone(&self.bundle.borrow());
        let calibration: Option<Calibration> = match calibration.filter(|_| bundle.normalizes_by_speaker()) {
            Some(json) => Some(
                serde_json::from_str(&json)
                    .map_err(|e| JsError::new(&format!("the calibration is not one from calibrate(): {e}")))?,
            ),
            None => None,
        };
        let speaker = calibration.as_ref().map(|c| bundle.check_calibration(c)).transpose().map_err(js_error)?;
        let input = Input::new(audio, transcript.as_deref()).with_calibration(speaker);
        let calibrated = speaker.is_some() && input.audio.is_some();
        let plan = bundle.plan(&input).map_err(js_error)?;
        let mut timings = Timings { features: 0.0, inference: 0.0 };
        let mut results = Vec::new();
        for piece in plan.inputs() {
            let Some(piece) = piece else {
                results.push(None);
                continue;
            };
            let t0 = now_ms();
            let prepared = bundle.prepare(&mut self.extractor.borrow_mut(), &piece).map_err(js_error)?;
            let t1 = now_ms();
            let prediction = match (&prepared.example, self.backend) {
                (None, _) => None,
                (Some(example), Backend::Cpu) => Some(bundle.model.predict(example)),
                (Some(example), Backend::WebGpu) => Some(bundle.model.predict_async(example).await),
            }
            .transpose()
            .map_err(|e| js_error(e.into()))?;
            timings.features += t1 - t0;
            timings.inference += now_ms() - t1;
            results.push(Some(bundle.result(prediction, prepared)));
        }
        let mut result = ClassifyResult::new(bundle.timeline(&plan, results), timings, self.backend);
        result.calibrated = calibrated;
        Ok(result)
    }
}

impl ClassifyResult {
    /// The library's result in the shape `index.d.ts` declares.
    fn new(c: Classification, timings: Timings, backend: Backend) -> Self {
        ClassifyResult {
            speech: c.speech,
            reason: c.reason,
            label: c.label.map(|l| l.code().to_string()),
            probabilities: c.probabilities.map(probabilities),
            frame_attention: c.frame_attention.unwrap_or_default(),
            frame_hop_s: c.frame_hop_s,
            words: c.words,
            word_attention: c.word_attention.unwrap_or_default(),
            modality_weights: c.modality_weights.map(|[audio, text]| ModalityWeights { audio, text }),
            duration_s: c.duration_s,
            segments: c
                .segments
                .into_iter()
                .map(|s| SegmentResult {
                    start: s.start,
                    end: s.end,
                    speech: s.speech,
                    reason: s.reason,
                    label: s.label.map(|l| l.code().to_string()),
                    probabilities: s.probabilities.map(probabilities),
                })
                .collect(),
            summary: c.summary.map(|s| SummaryResult {
                duration: s.duration,
                speech: s.speech,
                shares: s.shares.map(probabilities),
                segments: s.segments,
            }),
            notes: c.notes,
            calibrated: false,
            timings,
            backend: backend.name().to_string(),
        }
    }
}

fn probabilities([ang, hap, neu, sad]: [f32; 4]) -> Probabilities {
    Probabilities { ang, hap, neu, sad }
}

/// Plain objects (not `Map`s) so that `r.probabilities.ang` works.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsValue::from(JsError::new(&e.to_string())))
}

/// `performance.now()` in a page or a worker (both have it), else `Date.now()`.
fn now_ms() -> f64 {
    let perf = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance")).ok();
    let now = perf.as_ref().and_then(|p| js_sys::Reflect::get(p, &JsValue::from_str("now")).ok());
    match (perf, now.and_then(|f| f.dyn_into::<js_sys::Function>().ok())) {
        (Some(p), Some(f)) => f.call0(&p).ok().and_then(|v| v.as_f64()).unwrap_or_else(js_sys::Date::now),
        _ => js_sys::Date::now(),
    }
}
