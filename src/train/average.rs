//! An exponential moving average of the weights over the training steps
//! (`TrainConfig::weight_average`).
//!
//! With a few hundred utterances per fold the weights after any one step
//! sit wherever the last batches pushed them, and which epoch validates
//! best on two speakers is close to chance: runs with other seeds differ by
//! several points on speakers and corpora they never heard. The average
//! over the last few hundred steps is a point between those the optimiser
//! visited, which is what an ensemble of the same model would approach, in
//! one set of weights: nothing changes for inference, the bundle or the
//! page. The averaged weights are what is validated, kept as the best model
//! and calibrated; the optimiser keeps stepping the raw ones.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::Tensor;

use crate::model::Model;

/// The running average of a model's weights.
#[derive(Debug)]
pub struct WeightAverage {
    decay: f64,
    /// Updates so far: the decay warms up over the first steps.
    steps: usize,
    model: Model,
}

impl WeightAverage {
    /// Starts the average at `model`'s current weights (the inference copy:
    /// the average takes no part in autodiff). `decay` in (0, 1): the share
    /// the average keeps at each step, so it spans about `1 / (1 - decay)`
    /// steps.
    pub fn new(model: &Model, decay: f64) -> Self {
        Self::resume(model.valid(), decay, 0)
    }

    /// Resumes an average saved with a checkpoint after `steps` updates.
    pub fn resume(average: Model, decay: f64, steps: usize) -> Self {
        assert!(decay > 0.0 && decay < 1.0, "the decay of a weight average is in (0, 1)");
        WeightAverage { decay, steps, model: average }
    }

    /// The decay at the next update: `min(decay, (1 + t) / (10 + t))` after
    /// `t` updates, so that the first steps' average does not stay at the
    /// initial weights (a fold of RAVDESS trains for about 150 steps in
    /// all, fewer than 0.99 would need to forget them).
    pub fn current_decay(&self) -> f64 {
        let t = self.steps as f64;
        self.decay.min((1.0 + t) / (10.0 + t))
    }

    /// `average = d * average + (1 - d) * model` with `d` the
    /// [current decay](Self::current_decay), parameter by parameter (both
    /// walked in the same struct order).
    pub fn update(&mut self, model: &Model) {
        let current_model = model.valid();
        let mut current = Collect(Vec::new());
        current_model.visit(&mut current);
        let mut blend = Blend { current: current.0.into_iter(), decay: self.current_decay() };
        self.steps += 1;
        // The inference copy made above holds the place while the average
        // is blended (`map` takes the module by value).
        let average = std::mem::replace(&mut self.model, current_model);
        self.model = average.map(&mut blend);
        assert!(blend.current.next().is_none(), "the average and the model have the same parameters");
    }

    /// The averaged weights, in inference mode.
    pub fn model(&self) -> &Model {
        &self.model
    }
}

/// Every float parameter's value, flattened, in visiting order.
struct Collect(Vec<Tensor<1>>);

impl ModuleVisitor for Collect {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let value = param.val();
        let n = value.shape().num_elements();
        self.0.push(value.reshape([n]));
    }
}

struct Blend {
    current: std::vec::IntoIter<Tensor<1>>,
    decay: f64,
}

impl ModuleMapper for Blend {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let current = self.current.next().expect("the model has as many parameters as the average");
        let decay = self.decay;
        param.map(|average| {
            let dims = average.dims();
            average.mul_scalar(decay) + current.reshape(dims).mul_scalar(1.0 - decay)
        })
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::Device;

    use super::*;
    use crate::model::ModelConfig;

    /// Two steps of the average against the formula, parameter by
    /// parameter, and the cap on the decay once warmed up.
    #[test]
    fn the_average_follows_the_formula() {
        let device = Device::flex();
        let config = ModelConfig { hidden: 4, attention: 3, fusion_dim: 5, ..ModelConfig::default() };
        let a = Model::new(&config, 1, &device).unwrap();
        let b = Model::new(&config, 2, &device).unwrap();
        let c = Model::new(&config, 3, &device).unwrap();
        // Resumed after 20 updates: the warm-up allows 21/30 = 0.7 at the
        // next one, then 22/31, both under the cap of 0.9.
        let mut average = WeightAverage::resume(a.clone(), 0.9, 20);
        average.update(&b);
        assert!((average.current_decay() - 22.0 / 31.0).abs() < 1e-12);
        average.update(&c);
        let (a, b, c) = (a.parameters_flat(), b.parameters_flat(), c.parameters_flat());
        let got = average.model().parameters_flat();
        assert_eq!(got.len(), a.len());
        let d = 22.0 / 31.0;
        for i in 0..a.len() {
            let (a, b, c) = (a[i] as f64, b[i] as f64, c[i] as f64);
            let want = (d * (0.7 * a + 0.3 * b) + (1.0 - d) * c) as f32;
            assert!((got[i] - want).abs() < 1e-6, "parameter {i}: {} vs {want}", got[i]);
        }
        assert_ne!(a, b, "the seeds give different weights");
        let warm = WeightAverage::resume(Model::new(&config, 1, &device).unwrap(), 0.9, 1000);
        assert_eq!(warm.current_decay(), 0.9);
    }
}
