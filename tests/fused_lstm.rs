//! The fused recurrence (one operation per layer-direction on the CPU
//! backends, forward and backward) against the composite step-by-step path:
//! same outputs, same gradients, same dropout, padding included, and the
//! shipped model's encoders unchanged.

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use emorec::model::lstm::{fused, BiLstm};
use emorec::pipeline::Bundle;
use emorec::rng::Rng;

/// Three items of 9, 4 and 0 valid steps (the last lacks the modality).
const LENS: [usize; 3] = [9, 4, 0];
const STEPS: usize = 9;

fn inputs(d: usize, device: &Device) -> (Tensor<3>, Tensor<2>) {
    let mut rng = Rng::new(11);
    let b = LENS.len();
    let mut x = vec![0.0f32; b * STEPS * d];
    let mut valid = vec![0.0f32; b * STEPS];
    for (item, &len) in LENS.iter().enumerate() {
        for t in 0..len {
            valid[item * STEPS + t] = 1.0;
            for j in 0..d {
                x[(item * STEPS + t) * d + j] = (rng.next_f64() * 4.0 - 2.0) as f32;
            }
        }
    }
    (
        Tensor::from_data(TensorData::new(x, [b, STEPS, d]), device),
        Tensor::from_data(TensorData::new(valid, [b, STEPS]), device),
    )
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_into_vec::<f32>().unwrap()
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
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

#[test]
fn fused_and_composite_agree_with_padding_and_two_layers() {
    for device in cpu_devices() {
        let blstm = BiLstm::new(&mut Rng::new(3), 5, 8, 2, 0.0, &device);
        let (x, valid) = inputs(5, &device);
        let fused_out = values(blstm.forward(x.clone(), &valid, None));
        let composite = values(blstm.forward_composite(x, &valid, None));
        let diff = max_diff(&fused_out, &composite);
        assert!(diff <= 1e-5, "{device:?}: fused and composite differ by {diff}");
        // The item without steps gives zeros; so does every padded step.
        assert!(fused_out[2 * STEPS * 16..].iter().all(|&v| v == 0.0));
        assert!(fused_out[(STEPS + 4) * 16..2 * STEPS * 16].iter().all(|&v| v == 0.0));
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

#[test]
fn the_shipped_models_encoders_are_unchanged() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www/model");
    for device in cpu_devices() {
        let bundle = Bundle::load(&dir, &device).expect("the shipped model loads");
        let model = bundle.model.burn().expect("loaded into burn");
        let acoustic = model.acoustic.as_ref().expect("the shipped model hears audio");
        let lexical = model.lexical.as_ref().expect("the shipped model reads text");
        for (blstm, d) in [(&acoustic.blstm, model.config().acoustic_dim), (&lexical.blstm, 50)] {
            let (x, valid) = inputs(d, &device);
            let diff = max_diff(
                &values(blstm.forward(x.clone(), &valid, None)),
                &values(blstm.forward_composite(x, &valid, None)),
            );
            assert!(diff <= 1e-5, "{device:?}: shipped encoder differs by {diff}");
        }
    }
}
