//! What can go wrong between bytes on disk and a feature matrix: the audio
//! front-end and the descriptors share it, since the extractor re-checks what
//! [`super::prepare`] checks for callers that skip it.

use std::fmt;

/// Everything that can go wrong between bytes on disk and a feature matrix.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
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

impl AudioError {
    /// Attaches the file name to errors raised on in-memory samples.
    pub fn with_path(self, p: &str) -> Self {
        match self {
            AudioError::Decode { path: None, reason } => AudioError::Decode { path: Some(p.to_string()), reason },
            AudioError::InvalidAudio { path: None, reason } => {
                AudioError::InvalidAudio { path: Some(p.to_string()), reason }
            }
            other => other,
        }
    }

    pub(crate) fn invalid_audio(reason: impl fmt::Display) -> Self {
        AudioError::InvalidAudio { path: None, reason: reason.to_string() }
    }

    pub(crate) fn decode(reason: impl fmt::Display) -> Self {
        AudioError::Decode { path: None, reason: reason.to_string() }
    }
}

pub type AudioResult<T> = std::result::Result<T, AudioError>;
