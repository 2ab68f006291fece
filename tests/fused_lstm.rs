//! The fused recurrence (one operation per layer-direction on the CPU
//! backends, forward and backward) against the composite step-by-step path:
//! same outputs, same gradients, same dropout, padding included, and the
//! shipped model's encoders unchanged.

mod lstm_support;

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use emorec::model::lstm::{fused, BiLstm};
use emorec::pipeline::Bundle;
use emorec::rng::Rng;
use lstm_support::{inputs, max_diff, padding_is_zero};

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_into_vec::<f32>().unwrap()
}

#[allow(deprecated)] // ndarray: the browser's CPU backend
fn cpu_devices() -> [Device; 2] {
    [Device::flex(), Device::ndarray()]
}

#[test]
fn the_cpu_backends_take_the_fused_path() {
    for device in cpu_devices() {
        assert!(fused::supports(&device), "{device:?}");
        assert!(fused::supports(&device.clone().autodiff()), "{device:?} with autodiff");
    }
}

/// Fused and composite outputs of a two-layer BLSTM of `hidden` units on
/// `device`, padding included, agree to 1e-5; padded positions are zero.
fn assert_paths_agree(device: &Device, hidden: usize) {
    let blstm = BiLstm::new(&mut Rng::new(3), 5, hidden, 2, 0.0, device);
    let (x, valid) = inputs(5, device);
    let fused_out = values(blstm.forward(x.clone(), &valid, None));
    let composite = values(blstm.forward_composite(x, &valid, None));
    let diff = max_diff(&fused_out, &composite);
    assert!(diff <= 1e-5, "{device:?}, hidden {hidden}: fused and composite differ by {diff}");
    // The item without steps gives zeros; so does every padded step.
    assert!(padding_is_zero(&fused_out, 2 * hidden));
}

#[test]
fn fused_and_composite_agree_with_padding_and_two_layers() {
    for device in cpu_devices() {
        assert_paths_agree(&device, 8);
    }
}

#[test]
fn dropout_draws_the_same_units_on_both_paths() {
    let device = Device::flex();
    let blstm = BiLstm::new(&mut Rng::new(5), 4, 6, 3, 0.4, &device);
    let (x, valid) = inputs(4, &device);
    let mut rng_a = Rng::new(99);
    let mut rng_b = Rng::new(99);
    let a = values(blstm.forward(x.clone(), &valid, Some(&mut rng_a)));
    let b = values(blstm.forward_composite(x.clone(), &valid, Some(&mut rng_b)));
    assert!(max_diff(&a, &b) <= 1e-5);
    assert_eq!(rng_a.next_u64(), rng_b.next_u64(), "both paths drew as many numbers");
    let without = values(blstm.forward(x, &valid, None));
    assert!(max_diff(&a, &without) > 1e-3, "dropout changed nothing");
}

/// Every parameter's gradient of a random linear loss over the outputs.
fn gradients(blstm: &BiLstm, fused: bool, device: &Device) -> Vec<Vec<f32>> {
    let (x, valid) = inputs(5, device);
    let out = if fused { blstm.forward(x, &valid, None) } else { blstm.forward_composite(x, &valid, None) };
    let [b, t, w] = out.dims();
    let mut rng = Rng::new(21);
    let weights: Vec<f32> = (0..b * t * w).map(|_| rng.next_f64() as f32 - 0.5).collect();
    let loss = (out * Tensor::<3>::from_data(TensorData::new(weights, [b, t, w]), device)).sum();
    let grads = loss.backward();
    struct Collect<'a>(&'a burn::tensor::Gradients, Vec<Vec<f32>>);
    impl burn::module::ModuleVisitor for Collect<'_> {
        fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
            let g = param.val().grad(self.0).expect("every parameter has a gradient");
            self.1.push(values(g));
        }
    }
    let mut c = Collect(&grads, Vec::new());
    blstm.visit(&mut c);
    c.1
}

#[test]
fn fused_backward_gives_the_composite_gradients() {
    for device in cpu_devices() {
        let device = device.autodiff();
        let blstm = BiLstm::new(&mut Rng::new(8), 5, 8, 2, 0.0, &device);
        let fused_grads = gradients(&blstm, true, &device);
        let composite = gradients(&blstm, false, &device);
        assert_eq!(fused_grads.len(), 12, "two layers x two directions x three parameters");
        for (i, (f, c)) in fused_grads.iter().zip(&composite).enumerate() {
            let scale = c.iter().map(|v| v.abs()).fold(1e-3, f32::max);
            let diff = max_diff(f, c);
            assert!(diff <= 1e-4 * scale.max(1.0), "{device:?} parameter {i}: gradients differ by {diff}");
        }
    }
}

/// The shipped model's two encoders give the same on both paths on `device`.
fn assert_shipped_encoders_agree(device: &Device) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www/model");
    let bundle = Bundle::load(&dir, device).expect("the shipped model loads");
    let model = bundle.model.burn().expect("loaded into burn");
    let acoustic = model.acoustic.as_ref().expect("the shipped model hears audio");
    let lexical = model.lexical.as_ref().expect("the shipped model reads text");
    for (blstm, d) in [(&acoustic.blstm, model.config().acoustic_dim), (&lexical.blstm, 50)] {
        let (x, valid) = inputs(d, device);
        let diff = max_diff(
            &values(blstm.forward(x.clone(), &valid, None)),
            &values(blstm.forward_composite(x, &valid, None)),
        );
        assert!(diff <= 1e-5, "{device:?}: shipped encoder differs by {diff}");
    }
}

#[test]
fn the_shipped_models_encoders_are_unchanged() {
    for device in cpu_devices() {
        assert_shipped_encoders_agree(&device);
    }
}

/// The GPU kernel (burn's wgpu backend; needs an adapter, e.g. Mesa's
/// lavapipe) against the composite path on the same device.
#[cfg(feature = "wgpu")]
mod gpu {
    use super::*;

    fn gpu() -> Device {
        Device::wgpu(Default::default())
    }

    #[test]
    fn the_gpu_takes_the_fused_path_for_inference_only() {
        assert!(fused::supports(&gpu()));
        assert!(!fused::supports(&gpu().autodiff()), "no backward kernel: training keeps the composite path");
    }

    /// Hidden sizes below, at and above the 256 threads of a workgroup
    /// (at 300, some threads take two hidden units).
    #[test]
    fn fused_and_composite_agree_on_the_gpu() {
        for hidden in [8, 64, 300] {
            assert_paths_agree(&gpu(), hidden);
        }
    }

    /// Training on the GPU keeps the composite path, also where the batch
    /// is on the plain device and only the weights need gradients.
    #[test]
    fn training_on_the_gpu_keeps_the_composite_path() {
        let device = gpu().autodiff();
        let blstm = BiLstm::new(&mut Rng::new(8), 5, 8, 2, 0.0, &device);
        assert_eq!(gradients(&blstm, true, &device).len(), 12);
        let (x, valid) = inputs(5, &gpu());
        let out = values(blstm.forward(x.clone(), &valid, None));
        let diff = max_diff(&out, &values(blstm.forward_composite(x, &valid, None)));
        assert!(diff <= 1e-5);
    }

    #[test]
    fn the_shipped_models_encoders_are_unchanged_on_the_gpu() {
        assert_shipped_encoders_agree(&gpu());
    }
}
