//! One error type for the library, so that the CLI and the wasm facade can
//! turn every failure into a message a person can act on.

use std::fmt;

/// Everything that can go wrong between bytes on disk and a feature matrix.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input could not be read (missing file, permissions, ...).
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
    /// The bytes are not audio we can decode (corrupt, truncated, unknown format).
    #[error("cannot decode audio{}: {reason}", origin(.path))]
    Decode { path: Option<String>, reason: String },
    /// Decoded fine, but the samples cannot be used (no samples, NaN, too long, ...).
    #[error("unusable audio{}: {reason}", origin(.path))]
    InvalidAudio { path: Option<String>, reason: String },
    /// A caller passed an argument outside its domain.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

fn origin(path: &Option<String>) -> String {
    match path {
        Some(p) => format!(" in {p}"),
        None => String::new(),
    }
}

impl Error {
    /// Attaches the file name to errors raised on in-memory samples.
    pub fn with_path(self, p: &str) -> Self {
        match self {
            Error::Decode { path: None, reason } => Error::Decode { path: Some(p.to_string()), reason },
            Error::InvalidAudio { path: None, reason } => {
                Error::InvalidAudio { path: Some(p.to_string()), reason }
            }
            other => other,
        }
    }

    pub(crate) fn invalid_audio(reason: impl fmt::Display) -> Self {
        Error::InvalidAudio { path: None, reason: reason.to_string() }
    }

    pub(crate) fn decode(reason: impl fmt::Display) -> Self {
        Error::Decode { path: None, reason: reason.to_string() }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
