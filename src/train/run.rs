//! The training loop.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::grad_clipping::GradientClippingConfig;
use burn::module::{Module, Param};
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::store::ModuleRecord;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Bytes, Device, Tensor, TensorData};

use super::balance::{example_weights, Origin};
use super::checkpoint::{Checkpoint, TrainState, CHECKPOINT_FILE};
use super::head::{fit_linear_head, HeadFit, HeadSettings, LinearHead};
use super::{evaluate, Balance, EpochLog, Evaluation, Progress, TrainConfig, WeightAverage};
use crate::model::io::{remove_stray_temps, write_atomic};
use crate::model::layers::Dense;
use crate::model::{Batch, Batcher, Example, Model, ModelError};
use crate::rng::Rng;

/// Sub-directory of `out_dir` holding the best model so far (a model
/// directory: `Model::load_dir` reads it).
pub use crate::model::io::BEST_DIR;

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct TrainReport {
    /// Epochs completed in all (including those before a resume).
    pub epochs: usize,
    /// 1-based epoch of the best validation UA (the last epoch without a
    /// validation set).
    pub best_epoch: usize,
    /// Validation metrics of the best model (`None` without a validation set).
    pub best: Option<Evaluation>,
    pub history: Vec<EpochLog>,
    pub stopped_early: bool,
    /// The best model's directory.
    pub model_dir: PathBuf,
    /// The best model, in inference mode on the training device's backend.
    pub model: Model,
}

/// Trains `config.model` on `train`, validating on `valid` after every epoch
/// (early stopping on UA), and writes into `out_dir`:
/// `train.toml` (the config), `checkpoint.bin` (every epoch), `best/` (the
/// best model), `log.csv` and `log.jsonl`. With `config.resume` and a
/// checkpoint in `out_dir`, continues where it stopped; otherwise starts over.
///
/// `device` is a plain device (`Device::flex()`, `Device::wgpu(..)`); the
/// autodiff decorator is added here.
pub fn train(
    config: &TrainConfig,
    train: &[Example],
    valid: &[Example],
    out_dir: &Path,
    device: &Device,
    progress: &mut dyn Progress,
) -> Result<TrainReport, ModelError> {
    train_views(config, &[train], &[], valid, out_dir, device, progress)
}

/// [`train`] over several views of the same training set (the clean one
/// first, then augmented copies: the same utterances in the same order),
/// one view per epoch in turn, so that each epoch hears every utterance under
/// other conditions. `origins` (parallel to each view, or empty) says which
/// corpus and speaker each example comes from, for `balance = "corpus"` and
/// `"speaker"`. Loss weights come from the first view.
pub fn train_views(
    config: &TrainConfig,
    views: &[&[Example]],
    origins: &[Origin],
    valid: &[Example],
    out_dir: &Path,
    device: &Device,
    progress: &mut dyn Progress,
) -> Result<TrainReport, ModelError> {
    config.validate()?;
    let Some(&first) = views.first() else {
        return Err(ModelError::Input("no training examples".into()));
    };
    if views.iter().any(|v| v.len() != first.len()) {
        return Err(ModelError::Input("every view of the training set needs the same examples".into()));
    }
    let train = first;
    if views.iter().any(|v| v.iter().any(|e| e.label.is_none())) || valid.iter().any(|e| e.label.is_none()) {
        return Err(ModelError::Input("every training and validation example needs a label".into()));
    }
    if train.is_empty() {
        return Err(ModelError::Input("no training examples".into()));
    }
    if !origins.is_empty() && origins.len() != train.len() {
        return Err(ModelError::Input(format!(
            "{} origins for {} training examples: one per example, or none",
            origins.len(),
            train.len()
        )));
    }
    std::fs::create_dir_all(out_dir).map_err(|e| ModelError::io(out_dir, e))?;
    // A run killed while writing left its temporary files; this run owns
    // the directory, so they go (nothing reads them, but they would pile up
    // with every kill).
    for dir in [out_dir.to_path_buf(), out_dir.join(BEST_DIR)] {
        let n = remove_stray_temps(&dir)?;
        if n > 0 {
            progress.message(&format!("removed {n} unfinished temporary file(s) from {}", dir.display()));
        }
    }
    write_atomic(&out_dir.join("train.toml"), config.to_toml().as_bytes())?;

    let ad = device.clone().autodiff();
    let model_toml = config.model.to_toml();
    let ckpt_path = out_dir.join(CHECKPOINT_FILE);
    let weights = example_weights(train, config.balance, origins);
    let mut fresh = || -> Result<_, ModelError> {
        let mut model = Model::new(&config.model, config.seed, &ad)?;
        if config.head_epochs > 0 {
            model = with_fitted_head(model, config, train, &weights, &ad, progress)?;
        }
        let state = TrainState {
            epoch: 0,
            rng: Rng::derive(config.seed, 1),
            best_ua: -1.0,
            best_epoch: 0,
            epochs_since_best: 0,
            history: Vec::new(),
            model_config: model_toml.clone(),
        };
        Ok((model, adam(config).init(), state))
    };
    let (mut model, mut optim, mut state, saved_average) = if config.resume && ckpt_path.exists() {
        let ck = Checkpoint::load(&ckpt_path)?;
        if ck.state.model_config != model_toml {
            return Err(ModelError::Config(format!(
                "{} was written for another model config; remove it or turn resume off",
                ckpt_path.display()
            )));
        }
        let record =
            ModuleRecord::from_bytes(Bytes::from_bytes_vec(ck.model)).map_err(|e| ModelError::Format(e.to_string()))?;
        let model = Model::new(&config.model, config.seed, &ad)?
            .try_load_record(record)
            .map_err(|e| ModelError::Format(e.to_string()))?;
        let optim = adam(config)
            .init()
            .from_bytes(Bytes::from_bytes_vec(ck.optimizer))
            .map_err(|e| ModelError::Format(e.to_string()))?;
        progress.message(&format!("resuming after epoch {}", ck.state.epoch));
        (model, optim, ck.state, ck.average)
    } else {
        let (model, optim, state) = fresh()?;
        (model, optim, state, None)
    };
    let mut average = match (config.weight_average > 0.0, saved_average) {
        (false, _) => None,
        (true, Some(bytes)) => {
            let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes))
                .map_err(|e| ModelError::Format(e.to_string()))?;
            let saved = Model::new(&config.model, config.seed, device)?
                .try_load_record(record)
                .map_err(|e| ModelError::Format(e.to_string()))?;
            // Every epoch takes the same number of steps.
            let steps = state.epoch * first.len().div_ceil(config.batch_size);
            Some(WeightAverage::resume(saved, config.weight_average, steps))
        }
        (true, None) => {
            if state.epoch > 0 {
                progress.message("the checkpoint has no weight average: it starts again from the resumed weights");
            }
            Some(WeightAverage::new(&model, config.weight_average))
        }
    };

    // A head kept apart takes no part in the training forward pass: its
    // bags of n-grams would be hashed for nothing.
    let batcher = match config.model.ngram_apart {
        true => Batcher::new(&config.model).without_ngrams(),
        false => Batcher::new(&config.model),
    };
    let mut adversary = CorpusAdversary::new(config, origins);
    let mut stopped_early = false;
    while state.epoch < config.epochs {
        if config.patience > 0 && state.epochs_since_best >= config.patience && !valid.is_empty() {
            stopped_early = true;
            break;
        }
        let start = Instant::now();
        let epoch = state.epoch + 1;
        let train = views[(epoch - 1) % views.len()];
        let rng = &mut state.rng;
        let order = epoch_order(train, config.balance, rng);
        let batches = order.len().div_ceil(config.batch_size);
        progress.epoch_start(epoch, batches);
        let mut loss_sum = 0.0;
        for chunk in order.chunks(config.batch_size) {
            let refs: Vec<&Example> = chunk.iter().map(|&i| &train[i]).collect();
            let mut batch = batcher.batch(&refs)?;
            hide_modalities(&mut batch, config.modality_dropout, rng);
            let out = model.forward(&batch, Some(rng));
            let labels = batch.labels.as_deref().expect("labelled");
            let item_weights: Vec<f64> = chunk.iter().map(|&i| weights[i]).collect();
            let mut loss = weighted_cross_entropy(out.logits, labels, &item_weights, config.label_smoothing);
            let value: f32 = loss.clone().into_scalar();
            if let (Some(adv), Some(representation)) = (adversary.as_mut(), out.representation) {
                loss = loss + adv.loss(representation, chunk);
            }
            let mut grads = loss.backward();
            let model_grads = GradientsParams::from_module(&mut grads, &model);
            if let Some(adv) = adversary.as_mut() {
                adv.step(config.lr, &mut grads);
            }
            model = optim.step(config.lr, model, model_grads);
            if let Some(average) = average.as_mut() {
                average.update(&model);
            }
            loss_sum += value as f64;
            progress.batch_done(value as f64);
        }
        let train_loss = loss_sum / batches as f64;

        // What is validated and kept: the average where there is one.
        let kept = match &average {
            Some(average) => average.model().clone(),
            None => model.valid(),
        };
        let eval = if valid.is_empty() { None } else { Some(evaluate(&kept, valid, config.batch_size)?) };
        let val_ua = eval.as_ref().map_or(f64::NAN, |e| e.ua);
        let best = match &eval {
            Some(_) => val_ua > state.best_ua,
            None => true,
        };
        if best {
            state.best_ua = if val_ua.is_nan() { -1.0 } else { val_ua };
            state.best_epoch = epoch;
            state.epochs_since_best = 0;
            kept.save_dir(&out_dir.join(BEST_DIR))?;
            if let Some(e) = &eval {
                write_atomic(
                    &out_dir.join(BEST_DIR).join("valid.json"),
                    serde_json::to_string_pretty(&e.to_json()).expect("json").as_bytes(),
                )?;
            }
        } else {
            state.epochs_since_best += 1;
        }
        let log = EpochLog {
            epoch,
            train_loss,
            val_loss: eval.as_ref().map_or(f64::NAN, |e| e.loss),
            val_wa: eval.as_ref().map_or(f64::NAN, |e| e.wa),
            val_ua,
            seconds: start.elapsed().as_secs_f64(),
            best,
        };
        state.history.push(log.clone());
        state.epoch = epoch;
        // Checkpoint first, then the logs, which are rewritten from the
        // checkpoint's history: a kill between the two only delays the logs.
        let ck = Checkpoint {
            state: state.clone(),
            model: model.to_bytes()?,
            optimizer: optim.into_bytes().map_err(|e| ModelError::Format(e.to_string()))?.to_vec(),
            average: average.as_ref().map(|a| a.model().to_bytes()).transpose()?,
        };
        ck.save(&ckpt_path)?;
        write_logs(out_dir, &state.history)?;
        progress.epoch_end(&log);
    }
    if stopped_early {
        progress.message(&format!(
            "early stop: no better validation UA for {} epochs (best {:.2}% at epoch {})",
            config.patience,
            100.0 * state.best_ua,
            state.best_epoch
        ));
    }
    write_logs(out_dir, &state.history)?;

    let model_dir = out_dir.join(BEST_DIR);
    let best_model = Model::load_dir(&model_dir, device)?;
    let best = if valid.is_empty() { None } else { Some(evaluate(&best_model, valid, config.batch_size)?) };
    Ok(TrainReport {
        epochs: state.epoch,
        best_epoch: state.best_epoch,
        best,
        history: state.history,
        stopped_early,
        model_dir,
        model: best_model,
    })
}

/// `model` with its linear heads (statistics, n-grams) fitted alone first
/// (`head_epochs`).
fn with_fitted_head(
    mut model: Model,
    config: &TrainConfig,
    train: &[Example],
    weights: &[f64],
    device: &Device,
    progress: &mut dyn Progress,
) -> Result<Model, ModelError> {
    if model.stats_head.is_none() && model.ngram_head.is_none() {
        return Err(ModelError::Config("head_epochs needs a model with stats_head or ngram_buckets".into()));
    }
    let settings = HeadSettings {
        epochs: config.head_epochs,
        batch_size: config.batch_size,
        lr: config.lr,
        epsilon: config.epsilon,
        weight_decay: config.weight_decay,
    };
    let mut rng = Rng::derive(config.seed, 2);
    if let Some(head) = &model.stats_head {
        let fitted = fit_head(head, "statistics", device, progress, config.head_epochs, |init| {
            fit_linear_head(LinearHead::Statistics, &config.model, train, weights, settings, init, &mut rng)
        })?;
        model.stats_head = Some(fitted);
    }
    if let Some(head) = &model.ngram_head {
        let fitted = fit_head(head, "n-gram", device, progress, config.head_epochs, |init| {
            let settings = HeadSettings { weight_decay: config.weight_decay + config.ngram_weight_decay, ..settings };
            fit_linear_head(LinearHead::Ngrams, &config.model, train, weights, settings, init, &mut rng)
        })?;
        model.ngram_head = Some(fitted);
    }
    Ok(model)
}

/// `head` refitted by `fit` (from its current weights), with a progress line.
fn fit_head(
    head: &Dense,
    what: &str,
    device: &Device,
    progress: &mut dyn Progress,
    epochs: usize,
    fit: impl FnOnce((&[f32], &[f32])) -> Result<HeadFit, ModelError>,
) -> Result<Dense, ModelError> {
    let read = |t: Tensor<2>| t.into_data().convert::<f32>().try_into_vec::<f32>();
    let weight = read(head.weight.val()).map_err(|e| ModelError::Format(format!("{e:?}")))?;
    let bias = read(head.bias.val().unsqueeze_dim(0)).map_err(|e| ModelError::Format(format!("{e:?}")))?;
    let [d, c] = head.weight.val().dims();
    let start = Instant::now();
    let fit = fit((&weight, &bias))?;
    progress.message(&format!(
        "{what} head fitted alone: {epochs} epochs, training loss {:.4}, {:.1} s",
        fit.loss,
        start.elapsed().as_secs_f64()
    ));
    Ok(Dense {
        weight: Param::from_data(TensorData::new(fit.weight, [d, c]), device),
        bias: Param::from_data(TensorData::new(fit.bias, [c]), device),
    })
}

/// The corpus adversary of `TrainConfig::corpus_adversary`: a linear
/// classifier of the training corpus on the fused representation, trained
/// on it as is, whose gradient reaches the network reversed and scaled.
struct CorpusAdversary {
    /// Made at the first batch, when the representation's width is known.
    head: Option<Dense>,
    optim: burn::optim::ModuleOptimizer,
    /// Each training example's corpus, numbered 0..corpora.
    corpus: Vec<usize>,
    corpora: usize,
    weight: f32,
    seed: u64,
}

impl CorpusAdversary {
    /// `None` where the config asks for none or the training set has one corpus.
    fn new(config: &TrainConfig, origins: &[Origin]) -> Option<Self> {
        if config.corpus_adversary <= 0.0 {
            return None;
        }
        let mut ids: Vec<u32> = origins.iter().map(|o| o.corpus).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() < 2 {
            return None;
        }
        let corpus = origins.iter().map(|o| ids.binary_search(&o.corpus).expect("listed")).collect();
        Some(CorpusAdversary {
            head: None,
            optim: adam(config).init(),
            corpus,
            corpora: ids.len(),
            weight: config.corpus_adversary as f32,
            seed: config.seed,
        })
    }

    /// The adversary's cross-entropy on the batch of examples `chunk`, read
    /// from a copy of `representation` that passes its gradient back times
    /// `-weight` (its value is the representation's: `(1 + w) r' - w r`
    /// with `r'` detached).
    fn loss(&mut self, representation: Tensor<2>, chunk: &[usize]) -> Tensor<1> {
        let w = self.weight;
        let [b, d] = representation.dims();
        let device = representation.device();
        let reversed = representation.clone().detach().mul_scalar(1.0 + w) - representation.mul_scalar(w);
        let (seed, corpora) = (self.seed, self.corpora);
        let head = self.head.get_or_insert_with(|| Dense::new(&mut Rng::derive(seed, 7), d, corpora, &device));
        let labels: Vec<usize> = chunk.iter().map(|&i| self.corpus[i]).collect();
        weighted_cross_entropy(head.forward(reversed), &labels, &vec![1.0; b], 0.0)
    }

    /// One optimiser step of the head on its share of `grads`.
    fn step(&mut self, lr: f64, grads: &mut burn::tensor::Gradients) {
        if let Some(head) = self.head.take() {
            let g = GradientsParams::from_module(grads, &head);
            self.head = Some(self.optim.step(lr, head, g));
        }
    }
}

fn adam(config: &TrainConfig) -> AdamConfig {
    let clip = (config.grad_clip > 0.0).then_some(GradientClippingConfig::Norm(config.grad_clip as f32));
    let decay = (config.weight_decay > 0.0).then(|| WeightDecayConfig::new(config.weight_decay as f32));
    AdamConfig::new().with_epsilon(config.epsilon as f32).with_grad_clipping(clip).with_weight_decay(decay)
}

/// The order of training examples for one epoch: a shuffle, or with
/// balanced sampling N draws with replacement, each class equally likely.
fn epoch_order(train: &[Example], balance: Balance, rng: &mut Rng) -> Vec<usize> {
    match balance {
        Balance::Sampling => {
            let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); 4];
            for (i, e) in train.iter().enumerate() {
                by_class[e.label.expect("labelled").index()].push(i);
            }
            let classes: Vec<&Vec<usize>> = by_class.iter().filter(|c| !c.is_empty()).collect();
            (0..train.len())
                .map(|_| {
                    let c = classes[rng.below(classes.len())];
                    c[rng.below(c.len())]
                })
                .collect()
        }
        Balance::Weights | Balance::None | Balance::Corpus | Balance::Speaker => {
            let mut order: Vec<usize> = (0..train.len()).collect();
            rng.shuffle(&mut order);
            order
        }
    }
}

/// Modality dropout: with probability `p` per item that has both
/// modalities, hide one of them (a fair coin) by setting its length to 0.
fn hide_modalities(batch: &mut Batch, p: f64, rng: &mut Rng) {
    if p <= 0.0 {
        return;
    }
    let (Some(a), Some(w)) = (batch.acoustic.as_mut(), batch.words.as_mut()) else { return };
    for i in 0..batch.size {
        if a.lens[i] > 0 && w.lens[i] > 0 && rng.next_f64() < p {
            if rng.next_f64() < 0.5 {
                a.lens[i] = 0;
            } else {
                w.lens[i] = 0;
            }
        }
    }
}

/// `-sum_b w_b log p_b(y_b) / sum_b w_b` (PyTorch's weighted mean, with a
/// weight per item). `smoothing`: the share of each item's target spread
/// evenly over the classes (its weight stays the same).
pub(crate) fn weighted_cross_entropy(
    logits: Tensor<2>,
    labels: &[usize],
    weights: &[f64],
    smoothing: f64,
) -> Tensor<1> {
    let [b, c] = logits.dims();
    let device = logits.device();
    let mut target = vec![0.0f32; b * c];
    let mut total = 0.0f64;
    for (i, (&l, &w)) in labels.iter().zip(weights).enumerate() {
        let row = &mut target[i * c..(i + 1) * c];
        row.fill((w * smoothing / c as f64) as f32);
        row[l] += (w * (1.0 - smoothing)) as f32;
        total += w;
    }
    let target = Tensor::<2>::from_data(TensorData::new(target, [b, c]), &device);
    (log_softmax(logits, 1) * target).sum().neg().div_scalar(total.max(1e-12) as f32)
}

fn write_logs(out_dir: &Path, history: &[EpochLog]) -> Result<(), ModelError> {
    let mut csv = String::from(EpochLog::CSV_HEADER);
    csv.push('\n');
    let mut jsonl = String::new();
    for h in history {
        csv.push_str(&h.csv());
        csv.push('\n');
        jsonl.push_str(&serde_json::to_string(h).expect("json"));
        jsonl.push('\n');
    }
    write_atomic(&out_dir.join("log.csv"), csv.as_bytes())?;
    write_atomic(&out_dir.join("log.jsonl"), jsonl.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loss against hand-computed values: class weights, then smoothing.
    #[test]
    fn weighted_cross_entropy_with_and_without_smoothing() {
        let device = Device::flex();
        let logits = [0.5f32, -1.0, 2.0, 0.0, 1.0, 1.0, -0.5, 0.25];
        let log_p: Vec<Vec<f64>> = logits
            .chunks(4)
            .map(|z| {
                let m = z.iter().map(|&v| (v as f64).exp()).sum::<f64>().ln();
                z.iter().map(|&v| v as f64 - m).collect()
            })
            .collect();
        // Per item: 0.5 for the first, 2 for the second.
        let weights = [0.5, 2.0];
        let labels = [2, 1];
        let loss = |smoothing: f64| {
            let t = Tensor::<2>::from_data(TensorData::new(logits.to_vec(), [2, 4]), &device);
            let value: f32 = weighted_cross_entropy(t, &labels, &weights, smoothing).into_scalar();
            value as f64
        };
        let plain = (0.5 * -log_p[0][2] + 2.0 * -log_p[1][1]) / 2.5;
        assert!((loss(0.0) - plain).abs() < 1e-5, "{} vs {plain}", loss(0.0));
        let e = 0.2;
        let smoothed = |i: usize, l: usize| {
            -(0..4).map(|k| (e / 4.0 + if k == l { 1.0 - e } else { 0.0 }) * log_p[i][k]).sum::<f64>()
        };
        let want = (0.5 * smoothed(0, 2) + 2.0 * smoothed(1, 1)) / 2.5;
        assert!((loss(e) - want).abs() < 1e-5, "{} vs {want}", loss(e));
    }
}
