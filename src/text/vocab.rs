//! The vocabulary the model ships: a pruned, quantised slice of GloVe, and
//! the lookup from a transcript to one vector per token.
//!
//! Which words: every GloVe word the training transcripts use, plus the `top`
//! most frequent GloVe words (so everyday words a user types are covered even
//! when no training transcript had them). Entry 0 is `<unk>`, the mean of all
//! GloVe vectors, which every word outside the vocabulary maps to. The
//! remaining entries follow GloVe's frequency order.

use std::collections::{HashMap, HashSet};

use super::glove::Glove;
use super::quant::{decode_row, encode_row, ErrorMeter, QuantError, Storage};
use super::tokenize::{split_compound, tokenize};

/// The word of entry 0, the vector for every unknown token.
pub const UNK: &str = "<unk>";
/// Id of [`UNK`].
pub const UNK_ID: u32 = 0;
/// [`Vocabulary::embed`] keeps at most this many tokens of a transcript (a
/// spoken utterance has a few dozen); the rest is dropped and
/// [`Embedded::truncated`] is set, so a pasted book cannot exhaust memory.
pub const MAX_TOKENS: usize = 1024;

/// A pruned, compactly stored embedding table.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    pub(crate) dim: usize,
    pub(crate) words: Vec<String>,
    pub(crate) index: HashMap<String, u32>,
    pub(crate) storage: Storage,
    /// Row codes: i8 (as bytes) or little-endian f16, `len() x dim`.
    pub(crate) codes: Vec<u8>,
    /// One scale per row for int8, empty for f16.
    pub(crate) scales: Vec<f32>,
    /// Where the vectors came from, for people reading the file.
    pub(crate) source: String,
}

/// What to keep and how to store it.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// How many of GloVe's most frequent words to keep besides those the
    /// training texts use.
    pub top: usize,
    pub storage: Storage,
    /// Recorded in the file's metadata (e.g. the GloVe file name).
    pub source: String,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions { top: 20_000, storage: Storage::Int8, source: "glove.6B.50d".into() }
    }
}

/// Token counts over some texts: how many tokens the vocabulary knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Coverage {
    pub tokens: usize,
    pub known: usize,
}

impl Coverage {
    /// Share of tokens that have their own vector (1 when there are none).
    pub fn ratio(&self) -> f64 {
        if self.tokens == 0 {
            1.0
        } else {
            self.known as f64 / self.tokens as f64
        }
    }
}

/// What [`Vocabulary::build`] did.
#[derive(Debug, Clone)]
pub struct BuildReport {
    /// Entries, `<unk>` included.
    pub size: usize,
    /// Words kept because a training text uses them.
    pub from_texts: usize,
    /// Of those, words outside GloVe's top `top`.
    pub beyond_top: usize,
    /// Training tokens, and how many GloVe knows.
    pub coverage: Coverage,
    /// Distinct training tokens GloVe does not know, most frequent first.
    pub unknown: Vec<(String, usize)>,
    /// Stored rows against GloVe's f32 rows (the `<unk>` row included).
    pub error: QuantError,
}

/// A transcript as the model reads it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Embedded {
    /// The tokens whose vectors are used: GloVe-style tokens, where a
    /// hyphenated compound GloVe lacks appears as its parts (`you-you` →
    /// `you`, `you`) and a stretched word as the word (`ohhh` → `oh`).
    pub tokens: Vec<String>,
    /// Vocabulary ids, [`UNK_ID`] for unknown tokens.
    pub ids: Vec<u32>,
    /// `tokens.len() x dim`, row-major.
    pub vectors: Vec<f32>,
    /// Whether each token has its own vector (false: the `<unk>` vector).
    pub known: Vec<bool>,
    /// Tokens beyond [`MAX_TOKENS`] were dropped.
    pub truncated: bool,
}

impl Embedded {
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// No tokens: empty text, or only markup, spaces or controls. The model
    /// treats this as a missing transcript (audio only).
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

/// The tokens a lookup uses for `token`, given each known word's frequency
/// rank (lower = more frequent): the token itself when known; else the
/// parts of a hyphenated compound (`you-you` → `you`, `you`); else, for a
/// word stretched by repeated letters (`ohhh`, `nooo`, `goood`), the most
/// frequent known word among its shortenings; else the token itself (unknown).
fn expand(token: &str, rank: impl Fn(&str) -> Option<usize>) -> Vec<String> {
    if rank(token).is_some() {
        return vec![token.to_string()];
    }
    if let Some(parts) = split_compound(token) {
        if !parts.is_empty() {
            return parts
                .into_iter()
                .map(|p| {
                    if rank(p).is_some() {
                        p.to_string()
                    } else {
                        unstretch(p, &rank).unwrap_or_else(|| p.to_string())
                    }
                })
                .collect();
        }
    }
    vec![unstretch(token, &rank).unwrap_or_else(|| token.to_string())]
}

/// `nooo` → `no`, `goood` → `good`, `ohh` → `oh`: squeezes runs of one
/// letter (to two, or to one) and keeps the most frequent known result.
fn unstretch(token: &str, rank: impl Fn(&str) -> Option<usize>) -> Option<String> {
    if !token.chars().all(char::is_alphabetic) {
        return None;
    }
    let squeeze = |max_long: usize, max_double: usize| -> String {
        let mut out = String::with_capacity(token.len());
        let chars: Vec<char> = token.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let run = chars[i..].iter().take_while(|&&c| c == chars[i]).count();
            let keep = if run >= 3 {
                max_long
            } else if run == 2 {
                max_double
            } else {
                1
            };
            out.extend(std::iter::repeat_n(chars[i], keep));
            i += run;
        }
        out
    };
    [squeeze(2, 2), squeeze(1, 2), squeeze(1, 1)]
        .into_iter()
        .filter(|c| c != token)
        .filter_map(|c| rank(&c).map(|r| (r, c)))
        .min()
        .map(|(_, c)| c)
}

impl Vocabulary {
    /// Builds the vocabulary from GloVe and the training transcripts.
    pub fn build<'a>(
        glove: &Glove,
        texts: impl IntoIterator<Item = &'a str>,
        options: &BuildOptions,
    ) -> (Vocabulary, BuildReport) {
        let mut needed: HashSet<usize> = HashSet::new();
        let mut unknown: HashMap<String, usize> = HashMap::new();
        let mut coverage = Coverage::default();
        for text in texts {
            for token in tokenize(text) {
                for t in expand(&token, |w| glove.rank(w)) {
                    coverage.tokens += 1;
                    match glove.rank(&t) {
                        Some(r) => {
                            coverage.known += 1;
                            needed.insert(r);
                        }
                        None => *unknown.entry(t.to_string()).or_default() += 1,
                    }
                }
            }
        }
        let top = options.top.min(glove.len());
        let beyond_top = needed.iter().filter(|&&r| r >= top).count();
        let from_texts = needed.len();
        let mut ranks: Vec<usize> = needed.into_iter().filter(|&r| r >= top).collect();
        ranks.extend(0..top);
        ranks.sort_unstable();
        // A source that has a word spelt like our unknown marker: drop it.
        ranks.retain(|&r| glove.words()[r] != UNK);

        let dim = glove.dim();
        let mut words = Vec::with_capacity(ranks.len() + 1);
        let mut codes = Vec::with_capacity((ranks.len() + 1) * options.storage.row_bytes(dim));
        let mut scales = Vec::new();
        let mut meter = ErrorMeter::new();
        let mut decoded = vec![0f32; dim];
        let mean = glove.mean();
        let rows = std::iter::once((UNK.to_string(), mean.as_slice()))
            .chain(ranks.iter().map(|&r| (glove.words()[r].clone(), glove.row(r))));
        for (i, (word, row)) in rows.enumerate() {
            encode_row(options.storage, row, &mut codes, &mut scales);
            decode_row(options.storage, &codes, &scales, i, &mut decoded);
            meter.add(row, &decoded);
            words.push(word);
        }
        let vocab = Vocabulary::from_parts(dim, words, options.storage, codes, scales, options.source.clone());
        let mut unknown: Vec<(String, usize)> = unknown.into_iter().collect();
        unknown.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let report =
            BuildReport { size: vocab.len(), from_texts, beyond_top, coverage, unknown, error: meter.finish() };
        (vocab, report)
    }

    /// Assembles a vocabulary; the caller guarantees consistent sizes.
    pub(crate) fn from_parts(
        dim: usize,
        words: Vec<String>,
        storage: Storage,
        codes: Vec<u8>,
        scales: Vec<f32>,
        source: String,
    ) -> Vocabulary {
        let index = words.iter().enumerate().map(|(i, w)| (w.clone(), i as u32)).collect();
        Vocabulary { dim, words, index, storage, codes, scales, source }
    }

    /// Values per vector.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Entries, `<unk>` included.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Never true for a loaded or built vocabulary (it has `<unk>`).
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    pub fn storage(&self) -> Storage {
        self.storage
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Words by id; id 0 is [`UNK`].
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Id of a token (already tokenised, lower-case); `None` if unknown.
    /// `<unk>` itself is not a word: looking it up gives `None`.
    pub fn id(&self, token: &str) -> Option<u32> {
        self.index.get(token).copied().filter(|&i| i != UNK_ID)
    }

    pub fn contains(&self, token: &str) -> bool {
        self.id(token).is_some()
    }

    /// The decoded vector of entry `id` (`<unk>`'s for an id out of range).
    pub fn vector(&self, id: u32) -> Vec<f32> {
        let mut out = vec![0f32; self.dim];
        let id = if (id as usize) < self.len() { id } else { UNK_ID };
        decode_row(self.storage, &self.codes, &self.scales, id as usize, &mut out);
        out
    }

    /// The vector every unknown token gets.
    pub fn unk_vector(&self) -> Vec<f32> {
        self.vector(UNK_ID)
    }

    /// Tokenises `text` and looks every token up. Empty or markup-only text
    /// gives an empty [`Embedded`] (the model treats it as no transcript).
    pub fn embed(&self, text: &str) -> Embedded {
        self.embed_tokens(&tokenize(text))
    }

    /// Looks up tokens that are already tokenised.
    pub fn embed_tokens(&self, tokens: &[String]) -> Embedded {
        let mut e = Embedded::default();
        let mut row = vec![0f32; self.dim];
        'outer: for token in tokens {
            for t in expand(token, |w| self.id(w).map(|i| i as usize)) {
                if e.tokens.len() == MAX_TOKENS {
                    e.truncated = true;
                    break 'outer;
                }
                let id = self.id(&t);
                let id_or_unk = id.unwrap_or(UNK_ID);
                decode_row(self.storage, &self.codes, &self.scales, id_or_unk as usize, &mut row);
                e.tokens.push(t);
                e.ids.push(id_or_unk);
                e.known.push(id.is_some());
                e.vectors.extend_from_slice(&row);
            }
        }
        e
    }

    /// How many tokens of `texts` have their own vector here.
    pub fn coverage<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> Coverage {
        let mut c = Coverage::default();
        for text in texts {
            for token in tokenize(text) {
                for t in expand(&token, |w| self.id(w).map(|i| i as usize)) {
                    c.tokens += 1;
                    c.known += self.contains(&t) as usize;
                }
            }
        }
        c
    }

    /// Stored rows against GloVe's f32 rows, for every word of this
    /// vocabulary that GloVe has (and `<unk>` against GloVe's mean).
    pub fn quantization_error(&self, glove: &Glove) -> QuantError {
        let mut meter = ErrorMeter::new();
        let mut decoded = vec![0f32; self.dim];
        let mean = glove.mean();
        for (i, word) in self.words.iter().enumerate() {
            let original = if i == UNK_ID as usize { Some(mean.as_slice()) } else { glove.vector(word) };
            if let Some(original) = original.filter(|o| o.len() == self.dim) {
                decode_row(self.storage, &self.codes, &self.scales, i, &mut decoded);
                meter.add(original, &decoded);
            }
        }
        meter.finish()
    }
}
