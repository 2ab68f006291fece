//! How fast the model runs on the CPU backends, with the fused recurrence
//! and with the composite step-by-step one, measured in the same run:
//!
//! - inference with the shipped model on one 5 s utterance (500 frames of
//!   130 descriptors and 12 words), as the page classifies it, and the same
//!   in the host engine (plain loops, what the page's CPU module runs);
//! - one training step (forward, backward, Adam) at the reference size: 16
//!   utterances of 400 frames and 20 words, MMMLA with 2 BLSTM layers of 128.
//!
//! Each setting runs once untimed, then `runs` timed times; the median is
//! reported.

use std::fmt;
use std::time::Instant;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::Device;

use crate::model::{Batch, Batcher, Example, HostModel, Model, ModelConfig, Recurrence, Sequence};
use crate::rng::Rng;
use crate::Emotion;

/// One row: a task on a backend, both paths.
#[derive(Debug, Clone)]
pub struct ModelBenchRow {
    pub task: &'static str,
    pub backend: &'static str,
    pub composite_ms: f64,
    pub fused_ms: f64,
}

#[derive(Debug, Clone)]
pub struct ModelBenchReport {
    pub runs: usize,
    pub rows: Vec<ModelBenchRow>,
    /// The shipped model's inference on the same utterance in the host engine.
    pub host_ms: f64,
}

fn sequence(rng: &mut Rng, len: usize, dim: usize) -> Sequence {
    Sequence::new(len, dim, rng.uniform_vec(len * dim, -1.0, 1.0)).expect("a whole number of rows")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    median(
        (0..runs.max(1))
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect(),
    )
}

fn inference(model: &Model, batch: &Batch, path: Recurrence) {
    let out = model.forward_with(batch, None, path);
    let _ = out.probabilities.into_data();
}

fn training_step(config: &ModelConfig, device: &Device, batch: &Batch, runs: usize, path: Recurrence) -> f64 {
    let mut model = Some(Model::new(config, 1, &device.clone().autodiff()).expect("a valid config"));
    let mut optim = AdamConfig::new().init();
    let mut rng = Rng::new(2);
    time(runs, || {
        let m = model.take().expect("the model is put back after every step");
        let out = m.forward_with(batch, Some(&mut rng), path);
        let loss = burn::tensor::activation::log_softmax(out.logits, 1).mean().neg();
        let grads = GradientsParams::from_grads(loss.backward(), &m);
        let m = optim.step(1e-3, m, grads);
        let _ = m.output.bias.val().into_data();
        model = Some(m);
    })
}

/// Runs every setting; `shipped` is the model the page ships (its weights
/// only matter for realism, not for speed).
pub fn bench_model(shipped: &Model, runs: usize, progress: &mut dyn FnMut(&str)) -> ModelBenchReport {
    let mut rng = Rng::new(1);
    let shipped_config = shipped.config().clone();
    let utterance = Example {
        acoustic: Some(sequence(&mut rng, 500, shipped_config.acoustic_dim)),
        words: Some(sequence(&mut rng, 12, shipped_config.word_dim)),
        label: Some(Emotion::Neutral),
        tokens: (0..12).map(|i| format!("word{i}")).collect(),
        ..Default::default()
    };
    let one = Batcher::new(&shipped_config).batch(&[&utterance]).expect("one utterance batches");
    let reference = ModelConfig::default();
    let examples: Vec<Example> = (0..16)
        .map(|i| Example {
            acoustic: Some(sequence(&mut rng, 400, reference.acoustic_dim)),
            words: Some(sequence(&mut rng, 20, reference.word_dim)),
            label: Emotion::from_index(i % 4),
            tokens: (0..20).map(|i| format!("word{i}")).collect(),
            ..Default::default()
        })
        .collect();
    let refs: Vec<&Example> = examples.iter().collect();
    let sixteen = Batcher::new(&reference).batch(&refs).expect("the reference batch");
    progress("inference in the host engine");
    let host = HostModel::from_model(shipped).expect("the host engine reads every model");
    let host_ms = time(runs, || {
        host.predict(&utterance).expect("the utterance has audio");
    });
    let mut rows = Vec::new();
    #[allow(deprecated)] // ndarray: kept for comparison with flex
    let backends = [("flex", Device::flex()), ("ndarray", Device::ndarray())];
    for (name, device) in backends {
        progress(&format!("inference on {name}"));
        let model = shipped.clone().to_device(&device);
        let composite_ms = time(runs, || inference(&model, &one, Recurrence::Composite));
        let fused_ms = time(runs, || inference(&model, &one, Recurrence::Auto));
        rows.push(ModelBenchRow {
            task: "inference, shipped model, one 5 s utterance",
            backend: name,
            composite_ms,
            fused_ms,
        });
        progress(&format!("training step on {name}"));
        let train_runs = runs.clamp(1, 5);
        let composite_ms = training_step(&reference, &device, &sixteen, train_runs, Recurrence::Composite);
        let fused_ms = training_step(&reference, &device, &sixteen, train_runs, Recurrence::Auto);
        rows.push(ModelBenchRow {
            task: "training step, reference size (16 x 400 frames, 2 x 128)",
            backend: name,
            composite_ms,
            fused_ms,
        });
    }
    ModelBenchReport { runs, rows, host_ms }
}

impl fmt::Display for ModelBenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "| task | backend | composite (ms) | fused (ms) | speed-up |")?;
        writeln!(f, "|---|---|---:|---:|---:|")?;
        for r in &self.rows {
            writeln!(
                f,
                "| {} | {} | {:.1} | {:.1} | {:.1}x |",
                r.task,
                r.backend,
                r.composite_ms,
                r.fused_ms,
                r.composite_ms / r.fused_ms
            )?;
        }
        writeln!(
            f,
            "| inference, shipped model, one 5 s utterance | host engine (plain loops, no burn; the page's CPU module) | | {:.1} | |",
            self.host_ms
        )?;
        write!(
            f,
            "median of {} run(s) per inference setting, up to 5 per training setting; \
             natively the fused recurrence splits a large batch over the cores, as flex's own operations do",
            self.runs
        )
    }
}
