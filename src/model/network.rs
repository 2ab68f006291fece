//! Whichever engine a bundle loaded the model into.

#[cfg(feature = "burn")]
use super::Model;
use super::{Example, HostModel, ModelConfig, ModelError, Prediction};

/// A loaded model: the burn [`Model`] (any backend, WebGPU included) or the
/// plain-loop [`HostModel`] (the CPU, without burn). Both predict the same.
// One per bundle, built once and never moved in a loop: boxing buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Network {
    #[cfg(feature = "burn")]
    Burn(Model),
    Host(HostModel),
}

impl Network {
    pub fn config(&self) -> &ModelConfig {
        match self {
            #[cfg(feature = "burn")]
            Network::Burn(m) => m.config(),
            Network::Host(m) => m.config(),
        }
    }

    /// Predicts one example, blocking on the device where it must (see
    /// [`Network::predict_async`] for WebGPU in a page).
    pub fn predict(&self, example: &Example) -> Result<Prediction, ModelError> {
        match self {
            #[cfg(feature = "burn")]
            Network::Burn(m) => m.predict(example),
            Network::Host(m) => m.predict(example),
        }
    }

    /// [`Network::predict`] for devices that cannot block.
    pub async fn predict_async(&self, example: &Example) -> Result<Prediction, ModelError> {
        match self {
            #[cfg(feature = "burn")]
            Network::Burn(m) => m.predict_async(example).await,
            Network::Host(m) => m.predict(example),
        }
    }

    /// The burn model, for training, evaluation in batches and the
    /// benchmarks; an error for a bundle loaded into the host engine.
    #[cfg(feature = "burn")]
    pub fn burn(&self) -> Result<&Model, ModelError> {
        match self {
            Network::Burn(m) => Ok(m),
            Network::Host(_) => Err(ModelError::Input(
                "this bundle was loaded into the host engine; batch evaluation and training need the burn model".into(),
            )),
        }
    }
}
