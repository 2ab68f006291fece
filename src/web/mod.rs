//! The browser facade: thin wasm-bindgen layers over the library that convert
//! types at the boundary. No logic lives here; every library error reaches JavaScript as a thrown `Error`
//! carrying the library's message.
//!
//! - [`Classifier`]: audio and/or a transcript in, an emotion with its
//!   attention out, on WebGPU or the CPU (what the demo page and `pkg/` use);
//! - [`FeatureExtractor`]: ComParE_2016 descriptors only;
//! - [`decode_audio`] (`decodeAudio`): a WAV, FLAC, MP3 or Ogg file's bytes to
//!   mono samples, in a page or a worker (where Web Audio cannot decode).

mod backend;
mod classifier;
mod decode;
mod features;
pub mod shipped;

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

pub use classifier::{Classifier, ClassifyResult};
pub use decode::{decode_audio, DecodedAudio};
pub use features::{FeatureExtractor, Features};

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A library error as the `Error` JavaScript receives: its message with every
/// cause that adds to it.
pub(crate) fn js_error(e: crate::Error) -> JsError {
    JsError::new(&crate::error::report(&e))
}

/// A panic in wasm aborts with an opaque `RuntimeError: unreachable`. The hook
/// keeps the panic's message so that the JavaScript wrapper can rethrow the
/// `RuntimeError` as an `Error` that says what went wrong ([`last_panic`]),
/// and prints it with its stack to the browser console (devtools), then calls
/// whatever hook was installed before.
pub(crate) fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()));
            console_error_panic_hook::hook(info);
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
