//! The fused recurrence's GPU kernel on WebGPU (headless Chromium's
//! SwiftShader adapter, in a dedicated Web Worker as the page runs the
//! model) against the composite step-by-step path on the same device:
//! padding, both directions, two layers, hidden sizes below and above a
//! workgroup's 256 threads (at 300, some threads take two hidden units). The shipped model end to end is
//! `wasm_classifier`'s WebGPU test.
//!
//! Run: `cargo test --release --target wasm32-unknown-unknown
//! --no-default-features --features wgpu --test wasm_fused_lstm`.
#![cfg(all(target_arch = "wasm32", feature = "wgpu"))]

mod lstm_support;

use burn::tensor::{Device, Tensor};
use emorec::model::lstm::{fused, BiLstm};
use emorec::rng::Rng;
use lstm_support::{inputs, max_diff, padding_is_zero};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

async fn values(t: Tensor<3>) -> Vec<f32> {
    let data = t.into_data_async().await.expect("read back from the GPU");
    data.convert::<f32>().try_into_vec::<f32>().expect("f32")
}

#[wasm_bindgen_test]
async fn fused_and_composite_agree_on_webgpu() {
    let device = Device::wgpu_options().init_async().await.expect("a WebGPU adapter");
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
