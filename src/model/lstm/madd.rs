//! The multiply-add the browser modules' vector kernels ([`super::panels`],
//! [`super::simd_gates`]) are written with, so that one kernel serves both
//! CPU modules: WebAssembly relaxed SIMD's `f32x4.relaxed_madd` (one
//! `vfmadd` on x86 with FMA) in the module built with `+relaxed-simd`, a
//! separate multiply and add in the plain SIMD128 module (which Firefox and
//! Safari load: they do not enable relaxed SIMD by default).
//!
//! `relaxed_madd` may round once or twice, as the engine chooses; the plain
//! pair rounds twice, as the scalar code does, so in the plain module the
//! gates' vector `exp` gives the scalar one's values to the bit.

use core::arch::wasm32::v128;

/// `a * b + c`.
#[inline(always)]
pub fn madd(a: v128, b: v128, c: v128) -> v128 {
    #[cfg(target_feature = "relaxed-simd")]
    {
        core::arch::wasm32::f32x4_relaxed_madd(a, b, c)
    }
    #[cfg(not(target_feature = "relaxed-simd"))]
    {
        core::arch::wasm32::f32x4_add(core::arch::wasm32::f32x4_mul(a, b), c)
    }
}

/// `c - a * b`.
#[inline(always)]
pub fn nmadd(a: v128, b: v128, c: v128) -> v128 {
    #[cfg(target_feature = "relaxed-simd")]
    {
        core::arch::wasm32::f32x4_relaxed_nmadd(a, b, c)
    }
    #[cfg(not(target_feature = "relaxed-simd"))]
    {
        core::arch::wasm32::f32x4_sub(c, core::arch::wasm32::f32x4_mul(a, b))
    }
}
