//! Errors of the data layer. Each names the file (and line, where there is
//! one) so that a person can find and fix the input.

use std::path::Path;

/// What can go wrong reading corpora, manifests, caches and statistics.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    /// A file was read but its content is not what it should be.
    #[error("{path}{}: {reason}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Format { path: String, line: Option<u64>, reason: String },
    /// A caller asked for something that cannot be done with this data.
    #[error("{0}")]
    Invalid(String),
    /// Decoding audio or extracting features failed.
    #[error(transparent)]
    Audio(#[from] crate::audio::AudioError),
}

impl DataError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        DataError::Io { path: path.display().to_string(), source }
    }

    pub(crate) fn format(path: &Path, line: Option<u64>, reason: impl Into<String>) -> Self {
        DataError::Format { path: path.display().to_string(), line, reason: reason.into() }
    }
}

pub type DataResult<T> = std::result::Result<T, DataError>;
