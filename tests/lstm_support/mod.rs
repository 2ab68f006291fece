//! The padded batch the fused-recurrence tests run on, natively
//! (`fused_lstm`) and in the browser (`wasm_fused_lstm`).
#![allow(dead_code)]

use burn::tensor::{Device, Tensor, TensorData};
use emorec::rng::Rng;

/// Three items of 9, 4 and 0 valid steps (the last lacks the modality).
pub const LENS: [usize; 3] = [9, 4, 0];
pub const STEPS: usize = 9;

/// Random inputs `[B, STEPS, d]` for the items of [`LENS`], zero on padding,
/// and their valid-step mask `[B, STEPS]`.
pub fn inputs(d: usize, device: &Device) -> (Tensor<3>, Tensor<2>) {
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

pub fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// Whether every padded position of a BLSTM output of `width` per step is
/// zero, as both paths leave them.
pub fn padding_is_zero(out: &[f32], width: usize) -> bool {
    LENS.iter()
        .enumerate()
        .all(|(item, &len)| out[(item * STEPS + len) * width..(item + 1) * STEPS * width].iter().all(|&v| v == 0.0))
}
