//! Speed of the browser path in headless Chromium: the real-time factor of
//! ComParE_2016 LLD extraction through the facade, one thread, on one real
//! recording run repeatedly (about a second per configuration, so the normal
//! test run stays short). It prints and asserts nothing about speed:
//! `scripts/bench-wasm.sh` runs it and prints the lines.
#![cfg(target_arch = "wasm32")]

use emorec::web::FeatureExtractor;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A real TESS recording, 16 kHz mono, 2.1 s (from ../shared beside the repository).
const WAV: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/reference/opensmile/tess_YAF_chief_sad.wav"));

/// Timed runs stop after this much wall time or this many runs.
const MIN_SECONDS: f64 = 1.0;
const MAX_RUNS: usize = 500;

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`: milliseconds.
    #[wasm_bindgen(js_namespace = performance)]
    fn now() -> f64;
}

#[wasm_bindgen_test]
fn real_time_factor_in_the_browser() {
    let audio = emorec::audio::decode_bytes(WAV.to_vec(), Some("wav")).expect("decode the embedded wav");
    let audio_s = audio.samples.len() as f64 / audio.sample_rate as f64;
    let mut fx = FeatureExtractor::new();
    for deltas in [false, true] {
        // As a page does: extract, then copy the matrix out to a Float32Array.
        let mut run = || fx.extract(&audio.samples, audio.sample_rate, deltas).map(|f| f.data().length());
        run().expect("warm-up");
        let start = now();
        let mut runs = 0;
        while runs < MAX_RUNS && (now() - start) / 1e3 < MIN_SECONDS {
            run().expect("extract");
            runs += 1;
        }
        let wall_s = (now() - start) / 1e3;
        console_log!(
            "wasm (headless Chromium, 1 thread): RTF {:.0}x  [ComParE_2016 LLD{}, {audio_s:.2} s of audio x {runs} runs in {wall_s:.2} s]",
            audio_s * runs as f64 / wall_s,
            if deltas { " + deltas" } else { "" },
        );
    }
}
