use thiserror::Error;

/// What can go wrong building, feeding, saving or loading a model.
#[derive(Debug, Error)]
pub enum ModelError {
    #[error("invalid model config: {0}")]
    Config(String),
    #[error("invalid model input: {0}")]
    Input(String),
    #[error("cannot read or write {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("invalid model file: {0}")]
    Format(String),
}

impl ModelError {
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        ModelError::Io { path: path.display().to_string(), source }
    }
}
