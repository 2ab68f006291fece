//! Bidirectional LSTM encoders that respect padding.
//!
//! burn's `BiLstm` runs its backward direction from the end of the *padded*
//! sequence, so a short item's backward states would start on padding and its
//! output would depend on the longest item in its batch. Here both directions
//! keep their state at exactly zero while they cross an item's padding
//! (`h, c <- mask_t * h, mask_t * c`), so the backward direction starts on
//! the item's last valid step from a zero state: the same as running on the
//! unpadded item (what PyTorch's packed sequences do). The forward direction
//! reaches padding only after the valid steps, so the reset cannot affect
//! them; pooling masks the padded positions.
//!
//! Two paths compute the same thing. On the CPU backends the input
//! projection of every step is one matrix product and the recurrence one
//! fused operation per layer-direction ([`fused`], forward and backward);
//! on the GPU (wgpu/WebGPU) one kernel dispatch runs a whole layer, both
//! directions and the input projection, forward only (`gpu`). Elsewhere, and for training on
//! the GPU, the cell is written out step by step
//! ([`BiLstm::forward_composite`]): without autodiff the input projection
//! is still one product per layer-direction; under autodiff every step
//! projects its own input, because every slice of a tensor that needs
//! gradients costs a full-size zero tensor in the backward pass (quadratic
//! in T), which made a training step 20 times slower than the forward pass.
//! Without burn, the host engine ([`crate::model::host`]) runs
//! [`recurrence::forward`] itself.

#[cfg(feature = "burn")]
mod blstm;
#[cfg(feature = "burn")]
pub mod fused;
#[cfg(feature = "wgpu")]
pub mod gpu;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod madd;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod panels;
pub mod recurrence;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd_gates;

#[cfg(feature = "burn")]
pub use blstm::{BiLstm, BiLstmLayer, LstmCell, Recurrence};
