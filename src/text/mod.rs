//! The text front-end: transcript → GloVe-style tokens → word vectors.
//!
//! - [`normalize`]: repair mis-encoded text (MELD's `â€™`), ASCII quotes and
//!   dashes, strip non-speech markup (IEMOCAP's `[LAUGHTER]`, stage
//!   directions);
//! - [`tokenize`]: lower-case Penn-Treebank tokens as GloVe 6B was trained on;
//! - [`glove`]: GloVe's text format (a build-time input);
//! - [`ngrams`]: hashed character n-grams of the tokens, for the n-gram head;
//! - [`Vocabulary`]: the pruned, quantised, versioned table the model ships,
//!   loaded from bytes so it works the same natively and in wasm.
//!
//! Nothing here panics on odd input: empty, markup-only, emoji or control
//! characters give a defined (possibly empty) token list, and damaged
//! vocabulary files give a [`TextError`].

pub mod format;
pub mod glove;
pub mod ngrams;
pub mod normalize;
pub mod quant;
pub mod tokenize;
pub mod vocab;

pub use glove::Glove;
pub use quant::{QuantError, Storage};
pub use tokenize::{split_compound, tokenize};
pub use vocab::{BuildOptions, BuildReport, Coverage, Embedded, Vocabulary, MAX_TOKENS, UNK, UNK_ID};

/// Everything that can go wrong in the text front-end.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    /// The GloVe input is unreadable or malformed.
    #[error("GloVe: {0}")]
    Glove(String),
    /// The bytes are not a vocabulary this crate wrote, or are damaged.
    #[error("not a usable emorec vocabulary: {0}")]
    Format(String),
    /// A vocabulary of another version of the format.
    #[error(
        "emorec-vocab version {found} is not supported (this build reads version {expected}); \
         rebuild it with `emorec vocab build`"
    )]
    Version { found: String, expected: &'static str },
}
