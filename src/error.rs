//! One error type for the crate. Each layer keeps its own error (so that a
//! reader of `audio` or `text` sees only what can go wrong there); they meet
//! here, converted with `?` and with their causes kept, so that the pipeline,
//! the CLI and the wasm facade turn any failure into a message a person can
//! act on ([`report`]).

use crate::audio::AudioError;
use crate::data::DataError;
use crate::model::ModelError;
use crate::text::TextError;

/// Everything that can go wrong from bytes to a classification.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Decoding, checking or analysing audio.
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// Corpora, manifests, caches, normalisation statistics.
    #[error(transparent)]
    Data(#[from] DataError),
    /// Model configs, weights, inputs and the forward pass.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Tokenising, GloVe, vocabularies.
    #[error(transparent)]
    Text(#[from] TextError),
    /// One file of a model bundle is unusable; the cause says why.
    #[error("the model bundle's {file} is unusable: {source}")]
    Bundle {
        file: &'static str,
        #[source]
        source: Box<Error>,
    },
    /// What was passed to the pipeline cannot be classified (nothing to go
    /// on, audio without its rate, ...).
    #[error("{0}")]
    Input(String),
}

impl Error {
    /// Wraps `source` as the failure of the bundle file `file`.
    pub fn bundle(file: &'static str, source: impl Into<Error>) -> Self {
        Error::Bundle { file, source: Box::new(source.into()) }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// The message of `error` followed by each cause that adds something (a
/// cause already quoted in its parent's message is not repeated).
pub fn report(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = c.source();
    }
    message
}
