//! The model's GPU kernels on WebGPU (headless Chromium's SwiftShader
//! adapter, in a dedicated Web Worker as the page runs the model) against
//! the composite tensor operations on the same device: the BLSTM layer
//! kernel (padding, both directions, two layers, hidden sizes below and
//! above a workgroup's 256 threads: at 300, some threads take two hidden
//! units), and a whole small model through the pooling and fusion kernels
//! (padding, missing modalities). Then the shipped model on WebGPU against
//! the same weights on the CPU. The shipped model end to end, through the
//! page's classifier, is `wasm_classifier`'s WebGPU test.
//!
//! Run: `cargo test --release --target wasm32-unknown-unknown
//! --no-default-features --features wgpu --test wasm_fused_lstm`.
#![cfg(all(target_arch = "wasm32", feature = "wgpu"))]

mod lstm_support;

use burn::tensor::{Device, Tensor};
use emorec::model::lstm::{fused, BiLstm};
use emorec::model::{gpu, Batcher, Example, Model, ModelConfig, ModelOutput, Recurrence, Sequence};
use emorec::rng::Rng;
use lstm_support::{inputs, max_diff, padding_is_zero};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

thread_local! {
    /// burn's wgpu runtime can be initialised once per worker; the tests
    /// share the device.
    static WEBGPU: std::cell::RefCell<Option<Device>> = const { std::cell::RefCell::new(None) };
}

/// The WebGPU device, initialised by the first test that asks.
async fn webgpu() -> Device {
    if let Some(device) = WEBGPU.with(|d| d.borrow().clone()) {
        return device;
    }
    let device = Device::wgpu_options().init_async().await.expect("a WebGPU adapter");
    WEBGPU.with(|d| *d.borrow_mut() = Some(device.clone()));
    device
}

async fn values(t: Tensor<3>) -> Vec<f32> {
    let data = t.into_data_async().await.expect("read back from the GPU");
    data.convert::<f32>().try_into_vec::<f32>().expect("f32")
}

#[wasm_bindgen_test]
async fn fused_and_composite_agree_on_webgpu() {
    let device = webgpu().await;
    assert!(fused::supports(&device));
    for hidden in [8, 64, 300] {
        let blstm = BiLstm::new(&mut Rng::new(3), 5, hidden, 2, 0.0, &device);
        let (x, valid) = inputs(5, &device);
        let fused_out = values(blstm.forward(x.clone(), &valid, None)).await;
        let composite = values(blstm.forward_composite(x, &valid, None)).await;
        let diff = max_diff(&fused_out, &composite);
        console_log!("hidden {hidden}: fused and composite within {diff}");
        assert!(diff <= 1e-5, "hidden {hidden}: fused and composite differ by {diff}");
        assert!(padding_is_zero(&fused_out, 2 * hidden));
    }
}

/// Every output of a forward pass, read back: logits, probabilities,
/// modality weights, frame and word attention (empty where absent).
async fn outputs(out: ModelOutput) -> [Vec<f32>; 5] {
    async fn read(t: Option<Tensor<2>>) -> Vec<f32> {
        match t {
            Some(t) => {
                let data = t.into_data_async().await.expect("read back from the GPU");
                data.convert::<f32>().try_into_vec::<f32>().expect("f32")
            }
            None => Vec::new(),
        }
    }
    [
        read(Some(out.logits)).await,
        read(Some(out.probabilities)).await,
        read(Some(out.modality_weights)).await,
        read(out.frame_attention).await,
        read(out.word_attention).await,
    ]
}

/// The largest difference between two forward passes' outputs; panics where
/// one has an output the other lacks.
async fn output_diff(a: ModelOutput, b: ModelOutput) -> f32 {
    let (a, b) = (outputs(a).await, outputs(b).await);
    let names = ["logits", "probabilities", "modality weights", "frame attention", "word attention"];
    let mut worst = 0.0f32;
    for ((x, y), name) in a.iter().zip(&b).zip(names) {
        assert_eq!(x.len(), y.len(), "{name}: present in one output only, or of another size");
        assert!(x.iter().all(|v| v.is_finite()), "{name}: not finite");
        worst = worst.max(max_diff(x, y));
    }
    worst
}

/// `len` random rows of `dim` values in ±2.
fn sequence(rng: &mut Rng, len: usize, dim: usize) -> Option<Sequence> {
    let data = (0..len * dim).map(|_| (rng.next_f64() * 4.0 - 2.0) as f32).collect();
    Some(Sequence::new(len, dim, data).expect("a sequence"))
}

/// Three utterances of different lengths (so two are padded): audio and
/// text, audio only, text only.
fn utterances(config: &ModelConfig, frames: usize, words: usize) -> Vec<Example> {
    let mut rng = Rng::new(5);
    let tokens =
        |n: usize| ["so", "happy", "today", "really", "not", "again", "!"].iter().take(n).map(|s| s.to_string());
    vec![
        Example {
            acoustic: sequence(&mut rng, frames, config.acoustic_dim),
            words: sequence(&mut rng, words, config.word_dim),
            tokens: tokens(words).collect(),
            ..Example::default()
        },
        Example { acoustic: sequence(&mut rng, frames / 2, config.acoustic_dim), ..Example::default() },
        Example {
            words: sequence(&mut rng, words - 1, config.word_dim),
            tokens: tokens(words - 1).collect(),
            ..Example::default()
        },
    ]
}

/// The fused pooling and fusion kernels (with the layer kernel) against the
/// composite tensor operations on the same device, on a small MMMLA model
/// with an n-gram head: a padded batch where one item lacks text and one
/// audio, and batches with one modality only (the other input absent).
#[wasm_bindgen_test]
async fn fused_model_and_composite_agree_on_webgpu() {
    let device = webgpu().await;
    assert!(gpu::supports(&device));
    let config = ModelConfig {
        acoustic_dim: 5,
        word_dim: 4,
        hidden: 8,
        layers: 2,
        attention: 6,
        fusion_dim: 7,
        max_frames: 0,
        ngram_buckets: 64,
        ..ModelConfig::default()
    };
    let model = Model::new(&config, 9, &device).expect("a model");
    let examples = utterances(&config, 9, 4);
    let batcher = Batcher::new(&config);
    let batches = [
        batcher.batch(&examples.iter().collect::<Vec<_>>()).expect("a batch"),
        batcher.batch(&[&examples[1]]).expect("audio only"),
        batcher.batch(&[&examples[2]]).expect("text only"),
    ];
    for (i, batch) in batches.iter().enumerate() {
        let fused = model.forward_with(batch, None, Recurrence::Auto);
        let composite = model.forward_with(batch, None, Recurrence::Composite);
        let diff = output_diff(fused, composite).await;
        console_log!("batch {i}: fused and composite within {diff}");
        assert!(diff <= 1e-3, "batch {i}: fused and composite differ by {diff}");
    }
}

/// The shipped model on WebGPU (fused kernels) against the same weights on
/// the CPU (burn's ndarray backend): probabilities, frame and word
/// attention and modality weights, for a padded batch with a missing
/// modality in two of its items.
// ndarray is deprecated upstream, but it is the browser's CPU backend (see
// `web::backend`).
#[allow(deprecated)]
#[wasm_bindgen_test]
async fn the_shipped_model_on_webgpu_agrees_with_the_cpu() {
    const META: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/www/model/model.json"));
    const CONFIG: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/www/model/config.toml"));
    const WEIGHTS: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/www/model/weights.bpk"));
    let gpu_device = webgpu().await;
    let on = |device: &Device| Model::from_files(META, CONFIG, WEIGHTS, device).expect("the shipped model loads");
    let (gpu_model, cpu_model) = (on(&gpu_device), on(&Device::ndarray()));
    let config = gpu_model.config().clone();
    let examples = utterances(&config, 300, 7);
    let batch = Batcher::new(&config).batch(&examples.iter().collect::<Vec<_>>()).expect("a batch");
    let diff = output_diff(gpu_model.forward(&batch, None), cpu_model.forward(&batch, None)).await;
    console_log!("shipped model: WebGPU and CPU within {diff}");
    assert!(diff <= 1e-3, "the shipped model on WebGPU and the CPU differ by {diff}");
}
