//! The vocabulary file: one safetensors file, data only, with a version.
//!
//! Tensors:
//! - `embeddings`: `I8 [V, dim]` (int8 storage) or `F16 [V, dim]`;
//! - `scales`: `F32 [V]`, one per row (int8 storage only);
//! - `words`: `U8 [n]`, the words in id order as UTF-8, each followed by
//!   `\n` (GloVe words contain no whitespace). Keeping the word list inside
//!   the file means one self-describing download for the browser.
//!
//! `__metadata__`: `format` = `emorec-vocab`, `version` = `1`, `dim`,
//! `size`, `storage` (`int8`/`f16`), `unk` (the unknown-word policy),
//! `tokenizer` (the tokenisation rules the words follow) and `source`.
//! Readers refuse any other format or version rather than guess.

use std::collections::BTreeMap;

use safetensors::{Dtype, SafeTensors};

use super::quant::Storage;
use super::vocab::{Vocabulary, UNK};
use super::TextError;

/// The `format` metadata value of a vocabulary file.
pub const FORMAT: &str = "emorec-vocab";
/// The only version this build reads and writes.
pub const VERSION: &str = "1";
/// The `tokenizer` metadata value: which rules made the words. Bumped when
/// `tokenize` changes in a way that changes tokens.
pub const TOKENIZER: &str = "emorec-ptb-lower-1";
/// The `unk` metadata value.
pub const UNK_POLICY: &str = "mean of all source vectors, entry 0 <unk>";

impl Vocabulary {
    /// The file's bytes (safetensors). Deterministic: the same vocabulary
    /// always gives the same bytes (sorted header keys), so builds can be
    /// compared by checksum.
    pub fn to_bytes(&self) -> Vec<u8> {
        let v = self.len();
        let mut words = Vec::with_capacity(self.words.iter().map(|w| w.len() + 1).sum());
        for w in &self.words {
            words.extend_from_slice(w.as_bytes());
            words.push(b'\n');
        }
        let scales: Vec<u8> = self.scales.iter().flat_map(|s| s.to_le_bytes()).collect();
        let dtype = match self.storage {
            Storage::Int8 => "I8",
            Storage::F16 => "F16",
        };
        // Largest alignment first, as safetensors writers do.
        let mut tensors: Vec<(&str, &str, Vec<usize>, &[u8])> = Vec::new();
        if self.storage == Storage::Int8 {
            tensors.push(("scales", "F32", vec![v], &scales));
        }
        tensors.push(("embeddings", dtype, vec![v, self.dim], &self.codes));
        tensors.push(("words", "U8", vec![words.len()], &words));

        let metadata: BTreeMap<&str, String> = [
            ("format", FORMAT.to_string()),
            ("version", VERSION.to_string()),
            ("dim", self.dim.to_string()),
            ("size", v.to_string()),
            ("storage", self.storage.name().to_string()),
            ("unk", UNK_POLICY.to_string()),
            ("tokenizer", TOKENIZER.to_string()),
            ("source", self.source.clone()),
        ]
        .into_iter()
        .collect();
        crate::tensorfile::write(&metadata, &tensors)
    }

    /// Reads a vocabulary file. Wrong format, wrong version, inconsistent
    /// shapes, non-finite scales or a bad word list are errors, never panics.
    pub fn from_bytes(bytes: &[u8]) -> Result<Vocabulary, TextError> {
        let bad = |m: String| TextError::Format(m);
        let (_, header) =
            SafeTensors::read_metadata(bytes).map_err(|e| bad(format!("not a safetensors file ({e})")))?;
        let st = SafeTensors::deserialize(bytes).map_err(|e| bad(format!("not a safetensors file ({e})")))?;
        let meta = header.metadata().clone().unwrap_or_default();
        let get = |k: &str| meta.get(k).map(String::as_str);
        if get("format") != Some(FORMAT) {
            return Err(bad(format!("metadata format is {:?}, expected {FORMAT:?}", get("format").unwrap_or(""))));
        }
        match get("version") {
            Some(VERSION) => {}
            found => {
                return Err(TextError::Version { found: found.unwrap_or("(none)").to_string(), expected: VERSION })
            }
        }
        if let Some(t) = get("tokenizer").filter(|&t| t != TOKENIZER) {
            return Err(bad(format!("words were made by tokenizer {t:?}, this build tokenises as {TOKENIZER:?}")));
        }
        let dim: usize = get("dim")
            .and_then(|d| d.parse().ok())
            .filter(|&d| d > 0)
            .ok_or_else(|| bad("metadata dim is missing or not a positive number".into()))?;
        let storage = get("storage")
            .and_then(Storage::from_name)
            .ok_or_else(|| bad(format!("unknown storage {:?}", get("storage").unwrap_or(""))))?;

        let emb = st.tensor("embeddings").map_err(|_| bad("no `embeddings` tensor".into()))?;
        let want = match storage {
            Storage::Int8 => Dtype::I8,
            Storage::F16 => Dtype::F16,
        };
        if emb.dtype() != want {
            return Err(bad(format!("embeddings are {:?}, storage {} needs {want:?}", emb.dtype(), storage.name())));
        }
        let [v, d] = emb.shape() else {
            return Err(bad(format!("embeddings have shape {:?}, expected [size, dim]", emb.shape())));
        };
        let v = *v;
        if *d != dim || v == 0 {
            return Err(bad(format!("embeddings have shape {:?}, metadata says dim {dim}", emb.shape())));
        }
        if get("size").and_then(|s| s.parse::<usize>().ok()) != Some(v) {
            return Err(bad(format!("metadata size {:?} does not match {v} rows", get("size").unwrap_or(""))));
        }
        let codes = emb.data().to_vec();

        let scales = match storage {
            Storage::Int8 => {
                let t = st.tensor("scales").map_err(|_| bad("int8 storage without a `scales` tensor".into()))?;
                if t.dtype() != Dtype::F32 || t.shape() != [v] {
                    return Err(bad(format!("scales are {:?} {:?}, expected F32 [{v}]", t.dtype(), t.shape())));
                }
                let s: Vec<f32> =
                    t.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
                // 127 * scale must stay finite too.
                if s.iter().any(|x| !(0.0..=f32::MAX / 128.0).contains(x)) {
                    return Err(bad("scales must be finite and non-negative".into()));
                }
                s
            }
            Storage::F16 => Vec::new(),
        };

        let w = st.tensor("words").map_err(|_| bad("no `words` tensor".into()))?;
        if w.dtype() != Dtype::U8 {
            return Err(bad(format!("words are {:?}, expected U8", w.dtype())));
        }
        let text = std::str::from_utf8(w.data()).map_err(|e| bad(format!("word list is not UTF-8 ({e})")))?;
        let Some(body) = text.strip_suffix('\n').or(if text.is_empty() { Some("") } else { None }) else {
            return Err(bad("word list does not end with a newline".into()));
        };
        let words: Vec<String> = body.split('\n').map(str::to_string).collect();
        if words.len() != v {
            return Err(bad(format!("{} words for {v} embedding rows", words.len())));
        }
        if words[0] != UNK {
            return Err(bad(format!("entry 0 is {:?}, expected {UNK:?}", words[0])));
        }
        let mut seen = std::collections::HashSet::with_capacity(v);
        for word in &words {
            if word.is_empty() || word.chars().any(char::is_whitespace) {
                return Err(bad(format!("invalid word {word:?} in the word list")));
            }
            if !seen.insert(word.as_str()) {
                return Err(bad(format!("word {word:?} appears twice")));
            }
        }
        if storage == Storage::F16 {
            // Decoded values must be finite too.
            let nonfinite = codes.chunks_exact(2).any(|b| !half::f16::from_le_bytes([b[0], b[1]]).is_finite());
            if nonfinite {
                return Err(bad("embeddings contain non-finite values".into()));
            }
        }
        let source = get("source").unwrap_or("").to_string();
        Ok(Vocabulary::from_parts(dim, words, storage, codes, scales, source))
    }
}
