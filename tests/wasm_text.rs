//! The text front-end in the browser (headless Chromium, wasm-bindgen-test):
//! the same tokenizer and the same vocabulary bytes as natively.
//!
//! Run: `cargo test --release --target wasm32-unknown-unknown
//! --no-default-features --test text_wasm`. Natively this file is empty.
#![cfg(target_arch = "wasm32")]

use std::io::Cursor;

use emorec::text::{tokenize, BuildOptions, Glove, Storage, TextError, Vocabulary};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const GLOVE: &str = "the 0.1 0.2 0.3\n, 0.0 0.1 -0.1\n. 0.2 0.0 0.1\ni 0.5 -0.5 0.25\ndo 0.3 0.3 0.3\nn't -0.4 0.1 0.9\nknow 0.7 0.1 -0.2\n'm 0.1 0.1 0.1\nhappy 1.5 -2.0 0.5\n";

#[wasm_bindgen_test]
fn tokenizer_matches_native_rules() {
    let cases = [
        ("Yeah, well, donâ€™t â€œAww Pheebs!â€\u{9d} [LAUGHTER]", "yeah , well , do n't \" aww pheebs ! \""),
        ("I'm-I'm happy…", "i 'm i 'm happy ..."),
        ("can't won't", "ca n't wo n't"),
        ("", ""),
        ("[BREATHING]", ""),
        ("😀\u{0}", "😀"),
    ];
    for (input, expected) in cases {
        assert_eq!(tokenize(input).join(" "), expected, "{input:?}");
    }
}

#[wasm_bindgen_test]
fn vocabulary_round_trip_and_lookup() {
    let glove = Glove::read(Cursor::new(GLOVE), None).unwrap();
    for storage in [Storage::Int8, Storage::F16] {
        let options = BuildOptions { top: 3, storage, source: "wasm test".into() };
        let (v, _) = Vocabulary::build(&glove, ["I don't know, happy"], &options);
        let bytes = v.to_bytes();
        let w = Vocabulary::from_bytes(&bytes).unwrap();
        assert_eq!(w.words(), v.words());
        let e = w.embed("I don't know zebra");
        assert_eq!(e.tokens, ["i", "do", "n't", "know", "zebra"]);
        assert_eq!(e.known, [true, true, true, true, false]);
        assert_eq!(e.vectors.len(), 5 * 3);
        assert_eq!(&e.vectors[12..], w.unk_vector().as_slice());
        assert!(w.embed("[LAUGHTER]").is_empty());
        // Damaged bytes: an error, not a trap.
        for n in (0..bytes.len()).step_by(7) {
            assert!(Vocabulary::from_bytes(&bytes[..n]).is_err());
        }
        // Another version of the format: refused.
        let at = bytes.windows(13).position(|w| w == b"\"version\":\"1\"").unwrap();
        let mut v2 = bytes.clone();
        v2[at + 11] = b'2';
        assert!(matches!(Vocabulary::from_bytes(&v2), Err(TextError::Version { .. })));
    }
    let bad = Vocabulary::from_bytes(b"garbage");
    assert!(matches!(bad, Err(TextError::Format(_))));
}
