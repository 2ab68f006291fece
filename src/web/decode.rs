//! `decodeAudio`: an audio file's bytes to mono samples, in a page or a Web
//! Worker, by the same decoder the command line uses ([`crate::audio::decode_bytes`]).
//!
//! Why not the browser's own decoder: `AudioContext.decodeAudioData` does not
//! exist in Web Workers, resamples everything to the context's rate, and
//! decodes MP3 and Vorbis differently from browser to browser. This one runs
//! anywhere wasm runs, keeps the file's own rate, and gives the page exactly
//! the samples `emorec predict` reads from the same file, so both agree.
//!
//! ```js
//! import init, { decodeAudio } from "./pkg/emorec.js";
//! await init();
//! const d = decodeAudio(new Uint8Array(await file.arrayBuffer()), file.name);
//! const samples = d.samples, rate = d.sampleRate; // Float32Array (mono), Hz
//! d.free();
//! ```
//! (`pkg/index.js` wraps this as `decode(fileOrBytes)`, which also takes a
//! `Blob` and frees the result.)

use js_sys::Float32Array;
use wasm_bindgen::prelude::*;

use super::js_error;
use crate::audio::{self, Audio};

/// Decodes a WAV (8/16/24/32-bit integer or float PCM), FLAC, MP3 or Ogg
/// Vorbis file to mono samples (channels averaged) at the file's own rate.
///
/// `name_hint` is the file's name (`File.name`) or just its extension: the
/// extension speeds up the probe (the content decides the format), and error
/// messages name the file. Throws an `Error` with the library's message for
/// empty input, bytes that are not a supported format, or a stream in which
/// nothing decodes. A valid file with no audio in it gives zero samples.
#[wasm_bindgen(js_name = decodeAudio)]
pub fn decode_audio(bytes: Vec<u8>, name_hint: Option<String>) -> Result<DecodedAudio, JsError> {
    super::install_panic_hook();
    let name = name_hint.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let extension = name.map(|n| n.rsplit('.').next().unwrap_or(n).to_ascii_lowercase());
    let audio = audio::decode_bytes(bytes, extension.as_deref()).map_err(|e| match name {
        // A bare extension ("flac") is a hint, not a name worth quoting.
        Some(n) if n.contains('.') => e.with_path(n),
        _ => e,
    });
    audio.map(|audio| DecodedAudio { audio }).map_err(|e| js_error(e.into()))
}

/// Decoded audio handed to JavaScript. `samples` copies out of wasm memory
/// on every read, so read it once (and `free()` this when done).
#[wasm_bindgen]
pub struct DecodedAudio {
    audio: Audio,
}

#[wasm_bindgen]
impl DecodedAudio {
    /// Mono samples: integer PCM in [-1, 1), float PCM as stored.
    #[wasm_bindgen(getter)]
    pub fn samples(&self) -> Float32Array {
        Float32Array::from(self.audio.samples.as_slice())
    }

    /// The file's sample rate in Hz (not resampled).
    #[wasm_bindgen(getter, js_name = sampleRate)]
    pub fn sample_rate(&self) -> u32 {
        self.audio.sample_rate
    }

    /// Seconds of audio.
    #[wasm_bindgen(getter, js_name = durationS)]
    pub fn duration_s(&self) -> f64 {
        self.audio.duration_s()
    }

    /// What the decoder had to put up with, one sentence each: a file that
    /// stops before its header says (only the part before the cut is in
    /// `samples`), damaged packets skipped. Empty for a sound file.
    #[wasm_bindgen(getter)]
    pub fn warnings(&self) -> Vec<String> {
        self.audio.warnings.clone()
    }
}
