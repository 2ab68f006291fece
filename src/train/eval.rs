//! Running a model over many examples.

use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor, TensorData};

use super::Evaluation;
use crate::model::{Batcher, Example, Model, ModelError};
use crate::Emotion;

/// Probabilities `[n][4]` for every example, `batch_size` at a time
/// (inference: no dropout).
pub fn predict_batches(model: &Model, examples: &[Example], batch_size: usize) -> Result<Vec<[f32; 4]>, ModelError> {
    let batcher = Batcher::new(model.config());
    let mut out = Vec::with_capacity(examples.len());
    for chunk in examples.chunks(batch_size.max(1)) {
        let refs: Vec<&Example> = chunk.iter().collect();
        let batch = batcher.batch(&refs)?;
        let p = model.forward(&batch, None).probabilities.into_data().try_into_vec::<f32>().expect("f32");
        out.extend(p.chunks(Emotion::COUNT).map(|r| [r[0], r[1], r[2], r[3]]));
    }
    Ok(out)
}

/// WA, UA, per-class recall, confusion and mean (unweighted) cross-entropy
/// over labelled examples. Pass a model in inference mode (`model.valid()`
/// when it lives on an autodiff device).
pub fn evaluate(model: &Model, examples: &[Example], batch_size: usize) -> Result<Evaluation, ModelError> {
    evaluate_at(model, examples, batch_size, 1.0)
}

/// [`evaluate`] with the logits divided by `temperature` (a bundle's
/// calibration): the same WA and UA, the loss and ECE of the probabilities
/// the bundle reports.
pub fn evaluate_at(
    model: &Model,
    examples: &[Example],
    batch_size: usize,
    temperature: f64,
) -> Result<Evaluation, ModelError> {
    Ok(evaluate_with_probabilities(model, examples, batch_size, temperature)?.0)
}

/// [`evaluate_at`], and the probabilities it scored (at `temperature`), one
/// per example in order: what `emorec evaluate --predictions` writes, from
/// the same forward pass.
pub fn evaluate_with_probabilities(
    model: &Model,
    examples: &[Example],
    batch_size: usize,
    temperature: f64,
) -> Result<(Evaluation, Vec<[f32; 4]>), ModelError> {
    let batcher = Batcher::new(model.config());
    let mut probs = Vec::with_capacity(examples.len());
    let mut truths = Vec::with_capacity(examples.len());
    let mut confusion = [[0usize; 4]; 4];
    let mut loss_sum = 0.0f64;
    for chunk in examples.chunks(batch_size.max(1)) {
        let refs: Vec<&Example> = chunk.iter().collect();
        let batch = batcher.batch(&refs)?;
        let labels =
            batch.labels.clone().ok_or_else(|| ModelError::Input("evaluation needs labelled examples".into()))?;
        let out = model.forward(&batch, None);
        let device = out.logits.device();
        let logp = log_softmax(out.logits / temperature, 1);
        let idx = Tensor::<2, Int>::from_data(
            TensorData::new(labels.iter().map(|&l| l as i64).collect::<Vec<_>>(), [labels.len(), 1]),
            &device,
        );
        let nll: f32 = logp.clone().gather(1, idx).sum().neg().into_scalar();
        loss_sum += nll as f64;
        let logp = logp.into_data().try_into_vec::<f32>().expect("f32");
        for (row, &t) in logp.chunks(4).zip(&labels) {
            let row = [row[0], row[1], row[2], row[3]];
            confusion[t][Emotion::most_likely(&row).index()] += 1;
            probs.push(row.map(f32::exp));
            truths.push(Emotion::ALL[t]);
        }
    }
    let mut e = Evaluation::from_confusion(confusion, loss_sum);
    e.ece = super::expected_calibration_error(&probs, &truths);
    Ok((e, probs))
}
