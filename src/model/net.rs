//! The model: encoders, pooling, fusion and the linear softmax layer.

use burn::module::{Module, Param};
use burn::tensor::activation::softmax;
use burn::tensor::{Bool, Device, Tensor, TensorData};

use super::batch::{batch_stats, Batch, Padded};
use super::config::{ModelConfig, Variant};
use super::fusion::ModalityFusion;
use super::init::uniform1;
use super::layers::{dropout, tanh, Dense};
use super::lstm::{BiLstm, Recurrence};
use super::pooling::{Masks, PoolKind, Pooler};
use super::ModelError;
use crate::rng::Rng;
use crate::Emotion;

/// What every forward pass returns.
#[derive(Debug, Clone)]
pub struct ModelOutput {
    /// `[B, 4]` unnormalised scores (ang, hap, neu, sad).
    pub logits: Tensor<2>,
    /// `[B, 4]` softmax of the logits.
    pub probabilities: Tensor<2>,
    /// `[B, T]` weight of every acoustic frame (zero at padding): the learned
    /// attention with attention pooling, the uniform 1/len with mean pooling,
    /// `None` with last-block pooling, for lexical-only models, or when no item
    /// of the batch has audio.
    pub frame_attention: Option<Tensor<2>>,
    /// `[B, W]` the same for words (`None` with last-block or CLS pooling).
    pub word_attention: Option<Tensor<2>>,
    /// `[B, 2]` weight of (audio, text). MMMLA: the learned fusion weights
    /// over the modalities present. Other variants have no learned weights;
    /// they report which modalities the prediction used, normalised
    /// (MM-B with both: 0.5/0.5; one missing: 1/0; acoustic-only: 1/0).
    pub modality_weights: Tensor<2>,
    /// `[B, D]` the fused representation the output layer reads (before
    /// its dropout), in training (`rng` given: the corpus adversary reads
    /// it); `None` in inference, which has no use for it.
    pub representation: Option<Tensor<2>>,
}

/// One modality's encoder: BLSTM then pooling (lexical: optional CLS vector).
#[derive(Module, Debug)]
pub struct Encoder {
    pub blstm: BiLstm,
    pub pool: Pooler,
    /// Learned vector prepended to every item (CLS pooling only).
    pub cls: Option<Param<Tensor<1>>>,
    /// Input positions per BLSTM step (`frame_stack` for audio; 1 for words).
    #[module(skip)]
    pub stack: usize,
}

impl Encoder {
    /// `d_in`: the size of one input position (`stack` of them make a step).
    fn new(rng: &mut Rng, d_in: usize, stack: usize, kind: PoolKind, config: &ModelConfig, device: &Device) -> Self {
        let step = d_in * stack;
        let blstm = BiLstm::new(rng, step, config.hidden, config.layers, config.dropout, device);
        let pool = Pooler::new(rng, kind, config.pooled_dim(), config.attention, device);
        let cls = (kind == PoolKind::Cls).then(|| uniform1(rng, step, 1.0 / (step as f64).sqrt(), device));
        Encoder { blstm, pool, cls, stack }
    }

    /// Pooled `[B, 2H]` (zeros where the item lacks the modality) and the
    /// per-step weights over the input positions (`[B, T]`).
    fn forward(
        &self,
        input: &Padded,
        device: &Device,
        rng: Option<&mut Rng>,
        path: Recurrence,
    ) -> (Tensor<2>, Option<Tensor<2>>) {
        if self.stack > 1 {
            let (pooled, steps) = self.forward_steps(&input.stacked(self.stack), device, rng, path);
            return (pooled, steps.map(|w| unstack(w, self.stack, &input.lens, input.max_len, device)));
        }
        self.forward_steps(input, device, rng, path)
    }

    /// [`Encoder::forward`] with one input position per BLSTM step.
    fn forward_steps(
        &self,
        input: &Padded,
        device: &Device,
        rng: Option<&mut Rng>,
        path: Recurrence,
    ) -> (Tensor<2>, Option<Tensor<2>>) {
        let b = input.batch_size();
        let d = input.dim;
        let mut x = Tensor::<3>::from_data(TensorData::new(input.data.clone(), [b, input.max_len, d]), device);
        let lens: Vec<usize> = match &self.cls {
            Some(cls) => {
                x = Tensor::cat(vec![cls.val().reshape([1, 1, d]).expand([b, 1, d]), x], 1);
                input.lens.iter().map(|&l| if l > 0 { l + 1 } else { 0 }).collect()
            }
            None => input.lens.clone(),
        };
        let masks = Masks::new(&lens, x.dims()[1], device);
        let h = self.blstm.forward_with(x, &masks.valid, rng, path);
        self.pool.forward(h, &masks, path)
    }
}

/// The whole network for one [`ModelConfig`].
#[derive(Module, Debug)]
pub struct Model {
    pub acoustic: Option<Encoder>,
    pub lexical: Option<Encoder>,
    pub fusion: Option<ModalityFusion>,
    pub output: Dense,
    /// Utterance statistics (`[B, config.stats_dim()]`) → the acoustic
    /// vector's size (`acoustic_stats`).
    pub stats: Option<Dense>,
    /// Utterance statistics → the logits (`stats_head`).
    pub stats_head: Option<Dense>,
    /// Hashed character n-grams of the transcript → the logits (`ngram_buckets`).
    pub ngram_head: Option<Dense>,
    #[module(skip)]
    pub config: ModelConfig,
}

impl Model {
    /// A freshly initialised model. The weights depend only on `config` and
    /// `seed` (not on the backend or on other threads).
    pub fn new(config: &ModelConfig, seed: u64, device: &Device) -> Result<Self, ModelError> {
        config.validate()?;
        let mut rng = Rng::new(seed);
        let rng = &mut rng;
        let acoustic = config.variant.uses_audio().then(|| {
            let kind = config.acoustic_pooling.kind();
            Encoder::new(rng, config.acoustic_dim, config.frames_per_step(), kind, config, device)
        });
        let lexical = config
            .variant
            .uses_text()
            .then(|| Encoder::new(rng, config.word_dim, 1, config.lexical_pooling.kind(), config, device));
        let pooled = config.pooled_dim();
        let (fusion, out_in) = match config.variant {
            Variant::Mmmla => (Some(ModalityFusion::new(rng, pooled, config.fusion_dim, device)), config.fusion_dim),
            Variant::Mmb => (None, 2 * pooled),
            Variant::Acoustic | Variant::Lexical => (None, pooled),
        };
        let output = Dense::new(rng, out_in, Emotion::COUNT, device);
        // Drawn last, so that a model without statistics has the same
        // weights as before the option existed.
        let stats = (config.acoustic_stats && config.variant.uses_audio())
            .then(|| Dense::new(rng, config.stats_dim(), pooled, device));
        let stats_head = (config.stats_head && config.variant.uses_audio())
            .then(|| Dense::new(rng, config.stats_dim(), Emotion::COUNT, device));
        let ngram_head = config.has_ngram_head().then(|| Dense::new(rng, config.ngram_buckets, Emotion::COUNT, device));
        Ok(Model { acoustic, lexical, fusion, output, stats, stats_head, ngram_head, config: config.clone() })
    }

    /// Every parameter value in a fixed order (struct order), for comparing
    /// two models' weights regardless of parameter ids.
    pub fn parameters_flat(&self) -> Vec<f32> {
        struct Collect(Vec<f32>);
        impl burn::module::ModuleVisitor for Collect {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                let v = param.val().into_data().convert::<f32>();
                self.0.extend(v.try_into_vec::<f32>().expect("f32 parameters"));
            }
        }
        let mut c = Collect(Vec::new());
        self.visit(&mut c);
        c.0
    }

    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// The device the weights live on.
    pub fn device(&self) -> Device {
        self.output.bias.val().device()
    }

    /// Runs a padded batch. `rng` given: training mode (dropout on, masks
    /// drawn from it); `None`: inference.
    pub fn forward(&self, batch: &Batch, rng: Option<&mut Rng>) -> ModelOutput {
        self.forward_with(batch, rng, Recurrence::Auto)
    }

    /// [`Model::forward`] with the recurrence path chosen: the composite one
    /// is the reference for tests and the "before" of the benchmark.
    pub fn forward_with(&self, batch: &Batch, mut rng: Option<&mut Rng>, path: Recurrence) -> ModelOutput {
        let device = self.device();
        let b = batch.size;
        let pooled = self.config.pooled_dim();
        let lens_of = |p: &Option<Padded>| p.as_ref().map_or_else(|| vec![0; b], |p| p.lens.clone());
        let audio_lens = lens_of(&batch.acoustic);
        let text_lens = lens_of(&batch.words);

        let encode = |enc: &Option<Encoder>, input: &Option<Padded>, rng: Option<&mut Rng>| match (enc, input) {
            (Some(enc), Some(input)) => enc.forward(input, &device, rng, path),
            // Uploaded, not filled: on the GPU a fill is a dispatch.
            _ => (Tensor::<2>::from_data(TensorData::zeros::<f32, _>([b, pooled]), &device), None),
        };
        let (mut audio, frame_attention) = encode(&self.acoustic, &batch.acoustic, rng.as_deref_mut());
        let mut head = None;
        if let (Some(stats), Some((values, has))) = (&self.stats, batch_stats(batch, &self.config)) {
            if let Some(rng) = rng.as_deref_mut() {
                audio = drop_items(audio, self.config.frame_dropout, rng);
            }
            let values = Tensor::<2>::from_data(TensorData::new(values, [b, self.config.stats_dim()]), &device);
            let has = Tensor::<2>::from_data(TensorData::new(has, [b, 1]), &device);
            if let Some(h) = &self.stats_head {
                head = Some(h.forward(values.clone()) * has.clone());
            }
            audio = audio + tanh(stats.forward(values)) * has;
        }
        let (text, word_attention) = encode(&self.lexical, &batch.words, rng.as_deref_mut());
        let has_audio: Vec<bool> = audio_lens.iter().map(|&l| l > 0 && self.acoustic.is_some()).collect();
        let has_text: Vec<bool> = text_lens.iter().map(|&l| l > 0 && self.lexical.is_some()).collect();
        let (present, absent) = presence(&has_audio, &has_text, &device);
        // Whether the GPU kernels run (for the batch and the weights alike).
        #[cfg(feature = "wgpu")]
        let on_gpu = crate::model::gpu::supports(&device);
        #[cfg(not(feature = "wgpu"))]
        let on_gpu = false;
        let apart = self.config.ngram_apart && rng.is_some();
        if let (Some(h), Some(bags), false) = (&self.ngram_head, &batch.ngrams, apart) {
            let n = self.config.ngram_buckets;
            let mut dense = vec![0.0f32; b * n];
            for (i, bag) in bags.iter().enumerate() {
                bag.iter().for_each(|&(j, w)| dense[i * n + j as usize] = w);
            }
            let x = Tensor::<2>::from_data(TensorData::new(dense, [b, n]), &device);
            // Items without text get nothing from the head, not its bias.
            let keep: Vec<f32> = has_text.iter().map(|&t| if t { 1.0 } else { 0.0 }).collect();
            let keep = Tensor::<2>::from_data(TensorData::new(keep, [b, 1]), &device);
            let z = h.forward_kept(x, keep, path == Recurrence::Auto && on_gpu);
            head = Some(match head {
                Some(h) => h + z,
                None => z,
            });
        }

        // Inference on the GPU: the fusion, the output layer and the
        // softmax in two kernels.
        #[cfg(feature = "wgpu")]
        if let (Some(fusion), None, Recurrence::Auto) = (&self.fusion, &rng, path) {
            if on_gpu {
                let extra = head
                    .unwrap_or_else(|| Tensor::from_data(TensorData::zeros::<f32, _>([b, Emotion::COUNT]), &device));
                let out = fusion.classify_gpu(audio, text, present, extra, &self.output);
                return ModelOutput {
                    logits: out.logits,
                    probabilities: out.probabilities,
                    frame_attention,
                    word_attention,
                    modality_weights: out.modality_weights,
                    representation: None,
                };
            }
        }
        let (features, modality_weights) = match (&self.fusion, self.config.variant) {
            (Some(fusion), _) => fusion.forward(audio, text, absent, present),
            (None, Variant::Mmb) => {
                // Missing modality: its pooled vector is already zero.
                let count = present.clone().sum_dim(1).clamp_min(1.0);
                (Tensor::cat(vec![audio, text], 1), present / count)
            }
            (None, Variant::Lexical) => (text, present),
            (None, _) => (audio, present),
        };
        let representation = rng.is_some().then(|| features.clone());
        let mut logits = self.output.forward(dropout(features, self.config.dropout, rng));
        if let Some(head) = head {
            logits = logits + head;
        }
        let probabilities = softmax(logits.clone(), 1);
        ModelOutput { logits, probabilities, frame_attention, word_attention, modality_weights, representation }
    }
}

/// Per-step weights `[B, S]` as per-frame ones `[B, max_len]`
/// ([`unstack_weights`](super::batch::unstack_weights) on the device): each
/// of a step's `k` frames gets a `k`-th, zero at padding.
fn unstack(steps: Tensor<2>, k: usize, lens: &[usize], max_len: usize, device: &Device) -> Tensor<2> {
    let [b, s] = steps.dims();
    let frames = steps.unsqueeze_dim::<3>(2).repeat_dim(2, k).reshape([b, s * k]).slice([0..b, 0..max_len]);
    let valid: Vec<f32> =
        lens.iter().flat_map(|&l| (0..max_len).map(move |t| if t < l { 1.0 / k as f32 } else { 0.0 })).collect();
    frames * Tensor::<2>::from_data(TensorData::new(valid, [b, max_len]), device)
}

/// `x` (`[B, D]`) with each row zeroed with probability `p` (no rescaling).
fn drop_items(x: Tensor<2>, p: f64, rng: &mut Rng) -> Tensor<2> {
    if p <= 0.0 {
        return x;
    }
    let b = x.dims()[0];
    let keep: Vec<f32> = (0..b).map(|_| if rng.next_f64() < p { 0.0 } else { 1.0 }).collect();
    let keep = Tensor::<2>::from_data(TensorData::new(keep, [b, 1]), &x.device());
    x * keep
}

/// `[B, 2]` presence as 1/0 and as "absent" booleans (audio, text).
fn presence(audio: &[bool], text: &[bool], device: &Device) -> (Tensor<2>, Tensor<2, Bool>) {
    let b = audio.len();
    let mut values = Vec::with_capacity(2 * b);
    let mut absent = Vec::with_capacity(2 * b);
    for i in 0..b {
        for p in [audio[i], text[i]] {
            values.push(if p { 1.0f32 } else { 0.0 });
            absent.push(!p);
        }
    }
    (
        Tensor::from_data(TensorData::new(values, [b, 2]), device),
        Tensor::from_data(TensorData::new(absent, [b, 2]), device),
    )
}
