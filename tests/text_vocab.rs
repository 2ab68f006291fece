//! The vocabulary on a small synthetic GloVe: what it keeps, how it stores,
//! round trips, versions, damaged files, unknown words and odd transcripts.

use std::io::Cursor;

use emorec::text::{BuildOptions, Glove, Storage, TextError, Vocabulary, MAX_TOKENS, UNK, UNK_ID};

const WORDS: &[&str] = &[
    "the",
    ",",
    ".",
    "i",
    "'s",
    "n't",
    "do",
    "you",
    "it",
    "know",
    "oh",
    "no",
    "good",
    "god",
    "?",
    "!",
    "well-known",
    "--",
    "...",
    "'m",
    "ca",
    "happy",
    "sad",
    "angry",
    "rare",
    "rarer",
    "rarest",
];

/// GloVe text for WORDS, dim 6, deterministic values of varied magnitude.
fn glove_text() -> String {
    let mut s = String::new();
    for (i, w) in WORDS.iter().enumerate() {
        s.push_str(w);
        for k in 0..6 {
            let x = ((i * 7 + k * 13) % 23) as f32 / 23.0 - 0.5;
            let v = x * (1.0 + i as f32 * 0.3) * if k == 2 { 5.0 } else { 1.0 };
            s.push_str(&format!(" {v:.6}"));
        }
        s.push('\n');
    }
    s
}

fn glove() -> Glove {
    Glove::read(Cursor::new(glove_text()), None).unwrap()
}

fn build(top: usize, storage: Storage, texts: &[&str]) -> Vocabulary {
    let options = BuildOptions { top, storage, source: "test".into() };
    Vocabulary::build(&glove(), texts.iter().copied(), &options).0
}

#[test]
fn keeps_top_words_and_training_words_in_frequency_order() {
    let g = glove();
    let texts = ["I don't know, it's rarest!", "[LAUGHTER]", "unheardof"];
    let (v, report) = Vocabulary::build(
        &g,
        texts.iter().copied(),
        &BuildOptions { top: 4, storage: Storage::Int8, source: "t".into() },
    );
    let words: Vec<&str> = v.words().iter().map(String::as_str).collect();
    assert_eq!(words, [UNK, "the", ",", ".", "i", "'s", "n't", "do", "it", "know", "!", "rarest"]);
    assert_eq!(report.size, v.len());
    assert_eq!(report.from_texts, 9);
    assert_eq!(report.beyond_top, 7);
    // i do n't know , it 's rarest ! unheardof
    assert_eq!(report.coverage.tokens, 10);
    assert_eq!(report.coverage.known, 9);
    assert_eq!(report.unknown, vec![("unheardof".to_string(), 1)]);
    assert_eq!(v.dim(), 6);
}

#[test]
fn round_trip_both_storages() {
    for storage in [Storage::Int8, Storage::F16] {
        let v = build(10, storage, &["happy sad"]);
        let bytes = v.to_bytes();
        let w = Vocabulary::from_bytes(&bytes).unwrap();
        assert_eq!(w.words(), v.words());
        assert_eq!(w.dim(), v.dim());
        assert_eq!(w.storage(), storage);
        assert_eq!(w.source(), "test");
        for id in 0..v.len() as u32 {
            assert_eq!(w.vector(id), v.vector(id), "{storage:?} row {id}");
        }
        assert_eq!(w.to_bytes(), bytes, "serialisation is deterministic");
        assert_eq!(w.embed("I'm happy"), v.embed("I'm happy"));
    }
}

/// Replaces `from` by `to` (same length) in the header, keeping it valid.
fn patch(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
    assert!(header.contains(from), "{from} not in {header}");
    let mut out = bytes[..8].to_vec();
    out.extend_from_slice(header.replacen(from, to, 1).as_bytes());
    out.extend_from_slice(&bytes[8 + n..]);
    out
}

#[test]
fn wrong_version_or_format_is_refused() {
    let bytes = build(5, Storage::Int8, &[]).to_bytes();
    let v2 = patch(&bytes, "\"version\":\"1\"", "\"version\":\"2\"");
    match Vocabulary::from_bytes(&v2) {
        Err(TextError::Version { found, expected }) => {
            assert_eq!(found, "2");
            assert_eq!(expected, "1");
        }
        other => panic!("expected a version error, got {other:?}"),
    }
    let msg = Vocabulary::from_bytes(&v2).unwrap_err().to_string();
    assert!(msg.contains("version 2") && msg.contains("version 1"), "{msg}");

    let other = patch(&bytes, "emorec-vocab", "emorec-model");
    assert!(matches!(Vocabulary::from_bytes(&other), Err(TextError::Format(_))));
    let tok = patch(&bytes, "emorec-ptb-lower-1", "emorec-ptb-lower-9");
    assert!(matches!(Vocabulary::from_bytes(&tok), Err(TextError::Format(_))));
    let dtype = patch(&bytes, "\"dtype\":\"I8\"", "\"dtype\":\"U8\"");
    let msg = Vocabulary::from_bytes(&dtype).unwrap_err().to_string();
    assert!(msg.contains("storage int8 needs I8"), "{msg}");
}

#[test]
fn damaged_bytes_are_errors_not_panics() {
    let bytes = build(usize::MAX, Storage::Int8, &[]).to_bytes();
    assert!(Vocabulary::from_bytes(&[]).is_err());
    assert!(Vocabulary::from_bytes(b"not a vocabulary at all").is_err());
    assert!(Vocabulary::from_bytes(&[0xff; 64]).is_err());
    // Every truncation.
    for n in 0..bytes.len() {
        assert!(Vocabulary::from_bytes(&bytes[..n]).is_err(), "truncated to {n} bytes");
    }
    // Appended garbage.
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(Vocabulary::from_bytes(&longer).is_err());
    // Flipped bytes anywhere: any result but a panic; flips in the data
    // region (codes, scales, words) must still give a usable vocabulary or
    // an error.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..3000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut b = bytes.clone();
        let at = (state % b.len() as u64) as usize;
        b[at] ^= 1 << ((state >> 32) % 8);
        if let Ok(v) = Vocabulary::from_bytes(&b) {
            let e = v.embed("I don't know");
            assert!(e.vectors.iter().all(|x| x.is_finite()));
        }
    }
    // A scale that is NaN is refused.
    let v = build(usize::MAX, Storage::Int8, &[]);
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
    let scales_at = header.find("\"scales\"").unwrap();
    let offsets = &header[scales_at..];
    let start: usize =
        offsets[offsets.find("data_offsets\":[").unwrap() + 15..].split(',').next().unwrap().parse().unwrap();
    let mut nan = bytes.clone();
    nan[8 + n + start..8 + n + start + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    assert!(matches!(Vocabulary::from_bytes(&nan), Err(TextError::Format(_))));
    assert_eq!(v.len(), WORDS.len() + 1);
}

#[test]
fn unknown_words_get_the_mean_vector() {
    let g = glove();
    let mean = g.mean();
    for storage in [Storage::Int8, Storage::F16] {
        let v = build(usize::MAX, storage, &[]);
        assert_eq!(v.words()[0], UNK);
        assert_eq!(v.id(UNK), None, "<unk> is not a word");
        let e = v.embed("zyzzyva happy");
        assert_eq!(e.tokens, ["zyzzyva", "happy"]);
        assert_eq!(e.known, [false, true]);
        assert_eq!(e.ids[0], UNK_ID);
        assert_eq!(&e.vectors[..6], v.unk_vector().as_slice());
        for (a, b) in v.unk_vector().iter().zip(&mean) {
            assert!((a - b).abs() < 0.02, "{storage:?}: unk {a} vs GloVe mean {b}");
        }
        // An out-of-range id gives the unknown vector too.
        assert_eq!(v.vector(u32::MAX), v.unk_vector());
    }
}

#[test]
fn quantisation_error_is_bounded() {
    let g = glove();
    for storage in [Storage::Int8, Storage::F16] {
        let v = build(usize::MAX, storage, &[]);
        for (id, word) in v.words().iter().enumerate().skip(1) {
            let original = g.vector(word).unwrap();
            let decoded = v.vector(id as u32);
            let max = original.iter().fold(0f32, |m, x| m.max(x.abs()));
            for (a, b) in original.iter().zip(&decoded) {
                let bound = match storage {
                    // Half a quantisation step.
                    Storage::Int8 => max / 127.0 / 2.0 * 1.0001,
                    // Half an f16 ulp.
                    Storage::F16 => a.abs() * 2f32.powi(-11) + 1e-7,
                };
                assert!((a - b).abs() <= bound, "{storage:?} {word}: {a} vs {b}, bound {bound}");
            }
        }
        let e = v.quantization_error(&g);
        assert_eq!(e.rows, v.len());
        assert!(e.min_cosine > 0.999, "{e:?}");
    }
}

#[test]
fn empty_and_odd_transcripts() {
    let v = build(usize::MAX, Storage::Int8, &[]);
    for text in ["", "   ", "[LAUGHTER]", "[BREATHING] [GARBAGE]", "<sil>", "\u{0}\u{1}", "(stage direction"] {
        let e = v.embed(text);
        assert!(e.is_empty(), "{text:?} gave {:?}", e.tokens);
        assert!(e.vectors.is_empty() && e.known.is_empty() && e.ids.is_empty() && !e.truncated);
    }
    // Only punctuation: real tokens with their own vectors.
    let e = v.embed("?...");
    assert_eq!(e.tokens, ["?", "..."]);
    assert_eq!(e.known, [true, true]);
    // Emoji: unknown tokens, the unknown vector.
    let e = v.embed("😀");
    assert_eq!(e.known, [false]);
    // Long text stops at MAX_TOKENS.
    let e = v.embed(&"happy ".repeat(MAX_TOKENS + 10));
    assert_eq!(e.len(), MAX_TOKENS);
    assert_eq!(e.vectors.len(), MAX_TOKENS * v.dim());
    assert!(e.truncated);
}

#[test]
fn fallbacks_for_compounds_and_stretched_words() {
    let v = build(usize::MAX, Storage::Int8, &[]);
    let e = v.embed("well-known you-you I'm-I'm ohhh nooo goood sad-happy-xyzzy");
    assert_eq!(
        e.tokens,
        ["well-known", "you", "you", "i", "'m", "i", "'m", "oh", "no", "good", "sad", "happy", "xyzzy"]
    );
    assert_eq!(e.known.iter().filter(|k| !**k).count(), 1);
    assert_eq!(e.vectors.len(), e.len() * v.dim());
}

#[test]
fn glove_reader_rejects_malformed_input() {
    let bad = |s: &str| Glove::read(Cursor::new(s.to_string()), None).unwrap_err();
    assert!(bad("").to_string().contains("no word vectors"));
    assert!(bad("a 1 2\nb 1\n").to_string().contains("line 2"));
    assert!(bad("a 1 x\n").to_string().contains("not a number"));
    assert!(bad("a 1 NaN\n").to_string().contains("non-finite"));
    assert!(bad("a\n").to_string().contains("without a vector"));
    let g = Glove::read(Cursor::new("a 1 2\n\nb 3 4\na 5 6\n"), None).unwrap();
    assert_eq!(g.len(), 2);
    assert_eq!(g.vector("a"), Some(&[1.0, 2.0][..]));
    let g = Glove::read(Cursor::new(glove_text()), Some(3)).unwrap();
    assert_eq!(g.words(), ["the", ",", "."]);
}
