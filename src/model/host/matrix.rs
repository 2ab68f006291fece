//! The host engine's products `y += x W`: natively `matrixmultiply` (AVX2
//! kernels, chosen at run time), in the browser's modules the panel kernel
//! of [`crate::model::lstm::panels`] (`matrixmultiply`'s SIMD128 kernel,
//! which repacks both operands on every call, took 2.1 ms for the shipped
//! model's input projection in node, against 1.7 ms packed once, 1.3 ms
//! with relaxed SIMD's fused multiply-adds).
//!
//! [`Matrix`] keeps a layer's weights in the layout its product reads, so
//! that the browser's modules pack the LSTM's input weights once, when the
//! model loads, instead of on every call.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use crate::model::lstm::panels::Panels;

/// `y += x W`: `x [rows, d_in]`, `w [d_in, d_out]`, `y [rows, d_out]`, all
/// row-major (lengths checked by the caller), `W` read in place.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub(super) fn add_product(y: &mut [f32], x: &[f32], w: &[f32], rows: usize, d_in: usize, d_out: usize) {
    assert!(y.len() == rows * d_out && x.len() == rows * d_in && w.len() == d_in * d_out, "product shapes");
    // SAFETY: x is [rows, d_in], w is [d_in, d_out] and y is [rows, d_out],
    // all row-major and contiguous (lengths checked above); y aliases
    // neither input.
    unsafe {
        matrixmultiply::sgemm(
            rows,
            d_in,
            d_out,
            1.0,
            x.as_ptr(),
            d_in as isize,
            1,
            w.as_ptr(),
            d_out as isize,
            1,
            1.0,
            y.as_mut_ptr(),
            d_out as isize,
            1,
        );
    }
}

/// `y += x W` in the browser's modules: `W` packed per call (0.1 ms of a
/// 5 s utterance's products were packing before [`Matrix`] kept the LSTM's
/// weights packed; the dense layers left here are small).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(super) fn add_product(y: &mut [f32], x: &[f32], w: &[f32], rows: usize, d_in: usize, d_out: usize) {
    Panels::new(w, d_in, d_out).add_product(y, x, rows);
}

/// Weights `[d_in, d_out]` as [`add_product`] reads them: row-major
/// natively, packed in the browser's modules.
#[derive(Debug, Clone)]
pub struct Matrix {
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    w: Vec<f32>,
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    w: Panels,
    d_in: usize,
    d_out: usize,
}

impl Matrix {
    /// `w`, `[d_in, d_out]` row-major.
    pub fn new(w: Vec<f32>, d_in: usize, d_out: usize) -> Self {
        assert_eq!(w.len(), d_in * d_out, "W must be [d_in, d_out]");
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        let w = Panels::new(&w, d_in, d_out);
        Matrix { w, d_in, d_out }
    }

    pub fn d_in(&self) -> usize {
        self.d_in
    }

    pub fn d_out(&self) -> usize {
        self.d_out
    }

    /// `y [rows, d_out] += x [rows, d_in] W`, row-major.
    pub fn add_product(&self, y: &mut [f32], x: &[f32], rows: usize) {
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        add_product(y, x, &self.w, rows, self.d_in, self.d_out);
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        self.w.add_product(y, x, rows);
    }
}
