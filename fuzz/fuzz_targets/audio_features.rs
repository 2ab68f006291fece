//! Audio bytes as a user's file arrives (the CLI's `--audio`, the page's
//! dropped file): `decode_bytes` with a format hint, `prepare` (checks,
//! mono 16 kHz) and the ComParE 2016 extractor with deltas. The first byte
//! picks the hint (none, wav, flac, mp3, ogg); the rest is the file.
//! Errors are expected; a panic or abort is a bug.
#![no_main]

use emorec::audio::{decode_bytes, prepare};
use emorec::features::{Extractor, FeatureSet};
use libfuzzer_sys::fuzz_target;

/// Longer inputs only slow the search down: every container's header and
/// packet logic is reached in a few kilobytes.
const MAX_INPUT: usize = 64 * 1024;
/// Decoded audio beyond this is not analysed: the extractor's cost grows with
/// length, its logic does not.
const MAX_SECONDS: usize = 3;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, file)) = data.split_first() else { return };
    if file.len() > MAX_INPUT {
        return;
    }
    let hint = [None, Some("wav"), Some("flac"), Some("mp3"), Some("ogg")][usize::from(selector) % 5];
    let Ok(audio) = decode_bytes(file.to_vec(), hint) else { return };
    if audio.samples.len() > MAX_SECONDS * audio.sample_rate as usize {
        return;
    }
    let Ok(samples) = prepare(&audio.samples, audio.sample_rate) else { return };
    let mut extractor = Extractor::new(FeatureSet::Compare2016);
    if let Ok(m) = extractor.extract(&samples, selector & 0x80 != 0) {
        let _ = m;
    }
});
