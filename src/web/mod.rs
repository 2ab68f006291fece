//! The browser facade: thin wasm-bindgen layers over the library. No logic
//! lives here; every library error reaches JavaScript as a thrown `Error`
//! carrying the library's message.
//!
//! - [`Classifier`]: audio and/or a transcript in, an emotion with its
//!   attention out, on WebGPU or the CPU (what the demo page and `pkg/` use);
//! - [`FeatureExtractor`]: ComParE_2016 descriptors only.

mod backend;
mod classifier;
mod features;
pub mod shipped;

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

pub use classifier::{Classifier, ClassifyResult};
pub use features::{FeatureExtractor, Features};

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A panic in wasm aborts with an opaque `RuntimeError: unreachable`. The hook
/// keeps the panic's message so that the JavaScript wrapper can rethrow the
/// `RuntimeError` as an `Error` that says what went wrong ([`last_panic`]).
pub(crate) fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()));
            previous(info);
        }))
    });
}

/// The message of the last panic (see [`install_panic_hook`]), if any. After
/// a panic the module's state may be broken: load a new one.
#[wasm_bindgen(js_name = lastPanic)]
pub fn last_panic() -> Option<String> {
    LAST_PANIC.with(|p| p.borrow().clone())
}
