//! The text front-end as a transcript and a vocabulary file arrive:
//! `Vocabulary::from_bytes` on `vocab.safetensors` bytes, and the
//! normaliser, tokenizer and embedding on any string. The first byte picks
//! the path: even = the input is a transcript (lossy UTF-8, as the page
//! passes it), embedded with a small real vocabulary; odd = the input is a
//! vocabulary file, which, if it loads, embeds a fixed transcript.
#![no_main]

use std::sync::OnceLock;

use emorec::text::{normalize, tokenize, BuildOptions, Glove, Vocabulary};
use libfuzzer_sys::fuzz_target;

/// A vocabulary built once, through the same path `emorec vocab` takes.
fn vocabulary() -> &'static Vocabulary {
    static V: OnceLock<Vocabulary> = OnceLock::new();
    V.get_or_init(|| {
        let glove_text: String = ["happy", "sad", "angry", "the", "don't", "well-known", "я", "我"]
            .iter()
            .enumerate()
            .map(|(i, w)| format!("{w} {} 0.2 -0.3 0.4\n", i as f32 * 0.1))
            .collect();
        let glove = Glove::read(std::io::Cursor::new(glove_text), None).expect("a valid GloVe text");
        let (v, _) = Vocabulary::build(&glove, ["happy sad angry the don't well-known я 我"], &BuildOptions::default());
        // Round trip, as the bundle stores it.
        Vocabulary::from_bytes(&v.to_bytes()).expect("a vocabulary reads back")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    if selector & 1 == 0 {
        let text = String::from_utf8_lossy(rest);
        let _ = normalize::normalize(&text);
        let tokens = tokenize(&text);
        let embedded = vocabulary().embed_tokens(&tokens);
        let _ = embedded.len();
        let _ = vocabulary().coverage([text.as_ref()]);
    } else if let Ok(v) = Vocabulary::from_bytes(rest) {
        let e = v.embed("I am so happy, don't you think? 我很高兴");
        let _ = e.len();
        for id in 0..v.len().min(4) {
            let _ = v.vector(id as u32);
        }
        let _ = v.unk_vector();
        let _ = v.to_bytes();
    }
});
