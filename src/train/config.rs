//! How to train: optimiser, batches, class balance, early stopping. A
//! training config file (`configs/*.toml`) holds these keys at the top and
//! the model in a `[model]` table.

use serde::{Deserialize, Serialize};

use crate::data::augment::AugmentConfig;
use crate::data::norm::{Normalization, SpeakerReference};
use crate::model::config::{is_zero, is_zero_usize};
use crate::model::{ModelConfig, ModelError};

/// How the loss copes with unequal class sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Balance {
    /// Cross-entropy weighted by inverse class frequency,
    /// `w_c = N / (C n_c)`, normalised by the weights in the batch (as
    /// PyTorch's weighted `CrossEntropyLoss`).
    Weights,
    /// Unweighted loss; each epoch draws N training examples with replacement,
    /// every class equally likely.
    Sampling,
    /// Plain cross-entropy over the data as it is.
    None,
    /// Cross-entropy weighted so that every (corpus, class) pair of the
    /// training set weighs the same: a large corpus of few voices does not
    /// outweigh the others (see `train::balance`).
    Corpus,
    /// As `Corpus`, with every (speaker, class) pair weighing the same.
    Speaker,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Upper bound on epochs.
    pub epochs: usize,
    pub batch_size: usize,
    /// Adam learning rate.
    pub lr: f64,
    /// Adam epsilon (PyTorch's default, burn's is 1e-5).
    pub epsilon: f64,
    /// Gradient clipping by global norm per parameter tensor (0: off).
    pub grad_clip: f64,
    /// L2 penalty on every weight, added to its gradient (Adam's
    /// `weight_decay`; 0: off): a few hundred utterances per fold are
    /// memorised within a dozen epochs without it.
    #[serde(skip_serializing_if = "is_zero")]
    pub weight_decay: f64,
    /// Seeds weights, shuffling, dropout and sampling.
    pub seed: u64,
    /// Stop after this many epochs without a better validation UA (0: never).
    pub patience: usize,
    pub balance: Balance,
    /// Probability, per training example and epoch, of hiding one of its two
    /// modalities (which one: a fair coin), so a multimodal model also learns
    /// to predict from audio only or text only. 0: off.
    pub modality_dropout: f64,
    /// Continue from `out_dir/checkpoint.bin` when it exists.
    pub resume: bool,
    /// Scale every recording so that its loud frames sit at this level
    /// (dBFS) before analysis, in training and in the bundle it writes (see
    /// `audio::level`); absent: recordings are read at their own level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level_dbfs: Option<f64>,
    /// Whose statistics standardise the descriptors before the training
    /// statistics (`global`: none; `utterance`; `speaker`: each training
    /// speaker's own, and in the bundle it writes).
    #[serde(skip_serializing_if = "Normalization::is_global")]
    pub normalize: Normalization,
    /// The energy descriptors on a log scale before any statistics
    /// (`features::log_energies`), in training and in the bundle it writes.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub log_energy: bool,
    /// With speaker normalisation and `acoustic_stats`: each speaker's mean
    /// utterance statistics (over all their recordings, no labels) are
    /// subtracted from each utterance's, in training and in the bundle it
    /// writes (`InputSpec::centre_stats`), so the statistics say how an
    /// utterance departs from the speaker's usual one.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub centre_stats: bool,
    /// With speaker normalisation: which of each speaker's recordings make
    /// their statistics (`all`, or `neutral`: their neutral recordings, as a
    /// page's calibration is ordinary speech), in training and in the bundle
    /// it writes (`InputSpec::speaker_reference`).
    #[serde(skip_serializing_if = "SpeakerReference::is_all")]
    pub speaker_reference: SpeakerReference,
    /// With `centre_stats`: the centred statistics are also rescaled by the
    /// training speakers' typical deviation of each over the speaker's own
    /// (`InputSpec::statistics_spread`), so that a speaker who varies little
    /// counts as much as one who varies much.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub standardise_stats: bool,
    /// Epochs the utterance-statistics head (`stats_head`) is fitted alone,
    /// as a softmax regression, before the network trains (0: off; see
    /// `train::head`).
    #[serde(skip_serializing_if = "is_zero_usize")]
    pub head_epochs: usize,
    /// L2 added to `weight_decay` while the n-gram head is fitted alone: its
    /// thousands of inputs fit any training set exactly without it (the
    /// statistics head needs none).
    #[serde(skip_serializing_if = "is_zero")]
    pub ngram_weight_decay: f64,
    /// Share of each training target spread evenly over the classes (label
    /// smoothing; 0: off): the network is then never rewarded for a
    /// probability near 1, which on voices and corpora it never heard is
    /// overconfidence (the temperature, fitted on validation speakers from
    /// the training corpora, cannot see that shift).
    #[serde(skip_serializing_if = "is_zero")]
    pub label_smoothing: f64,
    /// Weight of a corpus adversary (0: off): a linear classifier learns
    /// from the fused representation which training corpus an utterance
    /// comes from, and its gradient reaches the network reversed and
    /// scaled by this weight (domain-adversarial training), so that the
    /// representation keeps less of what tells the corpora apart. Needs
    /// two or more training corpora; the adversary is not part of the
    /// model (nothing shipped changes) and restarts on a resumed run.
    #[serde(skip_serializing_if = "is_zero")]
    pub corpus_adversary: f64,
    /// Decay of an exponential moving average of the weights over the
    /// training steps (0: off; 0.99 spans about 100 steps): the average is
    /// what is validated, kept and shipped (`train::average`).
    #[serde(skip_serializing_if = "is_zero")]
    pub weight_average: f64,
    /// Networks `cv` trains per fold, member m with seed `seed + m` for
    /// everything the seed draws (the validation speakers, so each member
    /// trains on other speakers; the augmented voices; the weights and the
    /// shuffling), each calibrated on its own validation part; their
    /// probabilities for the fold's test utterances, which the protocol fixes,
    /// are averaged (1: one network). With a dozen training speakers which
    /// two validate moves a held-out result by points: a seed ensemble does
    /// not hang on that draw. A bundle holds one network, so `train` takes
    /// only 1.
    #[serde(skip_serializing_if = "is_one")]
    pub members: usize,
    /// Waveform augmentation of the training audio (`[augment]`; off unless
    /// `copies` > 0).
    pub augment: AugmentConfig,
    /// Perturbed copies of the validation audio the temperature is also
    /// fitted on (`[calibration]`, the same keys as `[augment]`; off unless
    /// `copies` > 0). Validation speakers come from the training corpora,
    /// recorded as they were, so a temperature fitted on them alone has
    /// never seen the model meet an unfamiliar voice or microphone; on
    /// copies in which each validation speaker is a new voice through a new
    /// channel it has, and the temperature rises. Training is unchanged.
    /// (Leaving corpora out this helps a little; a language never heard
    /// costs more than any channel: see the README.)
    #[serde(skip_serializing_if = "AugmentConfig::is_off")]
    pub calibration: AugmentConfig,
    /// Perturbed copies of the test audio, scored beside the recordings as
    /// they are (`[perturbed_test]`, the same keys as `[augment]`; off
    /// unless `copies` > 0): the shared corpora are clean studio
    /// recordings, so how a model fares through another microphone, room or
    /// line shows only on copies of them through a simulated one. Drawn
    /// from the config's seed (not a member's), so that every member of an
    /// ensemble and every config run with that seed hears the same copies.
    /// Training is unchanged.
    #[serde(skip_serializing_if = "AugmentConfig::is_off")]
    pub perturbed_test: AugmentConfig,
    pub model: ModelConfig,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 50,
            batch_size: 16,
            lr: 1e-3,
            epsilon: 1e-8,
            grad_clip: 0.0,
            weight_decay: 0.0,
            seed: 42,
            patience: 10,
            balance: Balance::Weights,
            modality_dropout: 0.0,
            resume: false,
            level_dbfs: None,
            normalize: Normalization::Global,
            log_energy: false,
            centre_stats: false,
            speaker_reference: SpeakerReference::All,
            standardise_stats: false,
            head_epochs: 0,
            ngram_weight_decay: 0.0,
            label_smoothing: 0.0,
            corpus_adversary: 0.0,
            weight_average: 0.0,
            members: 1,
            augment: AugmentConfig::default(),
            calibration: AugmentConfig::default(),
            perturbed_test: AugmentConfig::default(),
            model: ModelConfig::default(),
        }
    }
}

fn is_one(x: &usize) -> bool {
    *x == 1
}

impl TrainConfig {
    pub fn from_toml(text: &str) -> Result<Self, ModelError> {
        let c: TrainConfig = toml::from_str(text).map_err(|e| ModelError::Config(e.to_string()))?;
        c.validate()?;
        Ok(c)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a TrainConfig always serialises")
    }

    pub fn validate(&self) -> Result<(), ModelError> {
        self.model.validate()?;
        let bad = |m: &str| Err(ModelError::Config(m.to_string()));
        if self.batch_size == 0 {
            return bad("batch_size must be positive");
        }
        // Written so that NaN fails too.
        let positive = |x: f64| x > 0.0;
        let non_negative = |x: f64| x >= 0.0;
        if !positive(self.lr)
            || !positive(self.epsilon)
            || !non_negative(self.grad_clip)
            || !non_negative(self.weight_decay)
        {
            return bad("lr and epsilon must be positive, grad_clip and weight_decay not negative");
        }
        if !(0.0..=1.0).contains(&self.modality_dropout) {
            return bad("modality_dropout must be in [0, 1]");
        }
        if !(0.0..1.0).contains(&self.label_smoothing) {
            return bad("label_smoothing must be in [0, 1)");
        }
        if !non_negative(self.corpus_adversary) || !self.corpus_adversary.is_finite() {
            return bad("corpus_adversary must be a finite weight, 0 or more (0: off)");
        }
        if !(0.0..1.0).contains(&self.weight_average) {
            return bad("weight_average must be in [0, 1) (0: off)");
        }
        if self.members == 0 {
            return bad("members must be at least 1");
        }
        if self.centre_stats && !(self.model.acoustic_stats && self.normalize == Normalization::Speaker) {
            return bad("centre_stats needs acoustic_stats and normalize = \"speaker\"");
        }
        if !self.speaker_reference.is_all() && self.normalize != Normalization::Speaker {
            return bad("speaker_reference needs normalize = \"speaker\"");
        }
        if self.standardise_stats && !self.centre_stats {
            return bad("standardise_stats needs centre_stats");
        }
        if self.head_epochs > 0 && !(self.model.stats_head || self.model.ngram_buckets > 0) {
            return bad("head_epochs needs a model with stats_head or ngram_buckets");
        }
        if self.model.ngram_apart && self.head_epochs == 0 {
            return bad("ngram_apart needs head_epochs: the network never trains the head it keeps apart");
        }
        Ok(())
    }
}
