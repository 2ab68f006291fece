//! What a model is: variant, pooling, sizes. Read from and written to TOML
//! (`configs/*.toml`, and `config.toml` inside every saved model directory),
//! so that a saved model says how to rebuild itself.

use serde::{Deserialize, Serialize};

use super::ModelError;
use crate::features::compare::col;

/// Which modalities the model uses and how it fuses them (the four model
/// families of the reference system).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// BLSTM over acoustic frames only.
    Acoustic,
    /// BLSTM over word embeddings only.
    Lexical,
    /// MM-B: both encoders, pooled vectors concatenated, linear softmax.
    Mmb,
    /// MMMLA: attention pooling in each modality, then attention-based
    /// modality fusion, linear softmax.
    Mmmla,
}

impl Variant {
    pub fn uses_audio(self) -> bool {
        !matches!(self, Variant::Lexical)
    }
    pub fn uses_text(self) -> bool {
        !matches!(self, Variant::Acoustic)
    }
    /// What an input must have for this variant to say anything, for error
    /// messages.
    pub fn needs(self) -> &'static str {
        match self {
            Variant::Acoustic => "audio",
            Variant::Lexical => "a transcript with words",
            _ => "audio or a transcript with words",
        }
    }
}

/// How the acoustic BLSTM outputs become one utterance vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AcousticPooling {
    /// Final state of each direction: forward output at the last valid frame
    /// and backward output at frame 0.
    Last,
    /// Masked mean over valid frames.
    Mean,
    /// Context-based attention over valid frames.
    Attention,
}

/// How the lexical BLSTM outputs become one utterance vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LexicalPooling {
    /// As [`AcousticPooling::Last`], over words.
    Last,
    /// A learned vector is prepended to the words; the BLSTM output at that
    /// position is the utterance vector.
    Cls,
    /// Masked mean over valid words.
    Mean,
    /// Context-based attention over valid words.
    Attention,
}

/// Which pooling an encoder uses, whichever its modality (CLS is pooling at
/// position 0 after the encoder prepended its learned vector): what both
/// engines build from [`AcousticPooling`] and [`LexicalPooling`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolKind {
    Last,
    Cls,
    Mean,
    Attention,
}

impl AcousticPooling {
    pub fn kind(self) -> PoolKind {
        match self {
            AcousticPooling::Last => PoolKind::Last,
            AcousticPooling::Mean => PoolKind::Mean,
            AcousticPooling::Attention => PoolKind::Attention,
        }
    }
}

impl LexicalPooling {
    pub fn kind(self) -> PoolKind {
        match self {
            LexicalPooling::Last => PoolKind::Last,
            LexicalPooling::Cls => PoolKind::Cls,
            LexicalPooling::Mean => PoolKind::Mean,
            LexicalPooling::Attention => PoolKind::Attention,
        }
    }
}

/// Everything needed to build a model with the same parameter shapes.
///
/// Defaults follow the reference system: two BLSTM layers of 128 units per
/// direction, attention size 64.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelConfig {
    pub variant: Variant,
    pub acoustic_pooling: AcousticPooling,
    pub lexical_pooling: LexicalPooling,
    /// Acoustic input size: 65 ComParE_2016 LLDs, 130 with deltas.
    pub acoustic_dim: usize,
    /// Word embedding size (50 for GloVe 6B 50d).
    pub word_dim: usize,
    /// LSTM units per direction (pooled vectors have 2 x hidden values).
    pub hidden: usize,
    /// Stacked BLSTM layers per encoder.
    pub layers: usize,
    /// Size of the attention projection (W in u^T tanh(W h + b)).
    pub attention: usize,
    /// Common size the modality vectors are projected to before fusion (MMMLA).
    pub fusion_dim: usize,
    /// Dropout between BLSTM layers and before the output layer (training only).
    pub dropout: f64,
    /// Frames beyond this many are dropped (the first `max_frames` are kept;
    /// 1000 frames = 10 s at the 10 ms hop). 0: no cap. (A number rather than
    /// an option because TOML cannot write "none".)
    pub max_frames: usize,
    /// Words beyond this many are dropped. 0: no cap.
    pub max_words: usize,
    /// Adds the utterance's statistics (mean and standard deviation of every
    /// descriptor over its frames, the "functionals" that utterance-level
    /// classifiers read) to the acoustic vector through a learned projection,
    /// beside the BLSTM's pooled view: whole-utterance level and range
    /// statistics are what generalises best across speakers in the seed's
    /// own baselines, and the BLSTM has to rediscover them from frames.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub acoustic_stats: bool,
    /// With `acoustic_stats`: also the mean and deviation of the voicing
    /// descriptors (F0, voicing probability, jitter, shimmer, HNR and their
    /// deltas) over the voiced frames alone, and the share of voiced frames.
    /// Over all frames those columns mix "how much is voiced" with "how the
    /// voice sounds" (they are zero where there is no voice), and utterance
    /// classifiers such as ComParE's functionals read them on voiced frames
    /// only. Needs the ComParE_2016 layout (65 or 130 columns).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub voiced_stats: bool,
    /// With `acoustic_stats`: the statistics also reach the logits straight,
    /// through one linear layer added to the output layer's scores. Beside
    /// the BLSTM, the statistics only enter through a vector the frame path
    /// shares, and a BLSTM that memorises its training speakers drowns them;
    /// a linear classifier on the same statistics generalises to new actors
    /// better than the whole network (README, linear baseline), and this
    /// puts that classifier inside the network.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stats_head: bool,
    /// Training only: the probability that an item's pooled BLSTM vector is
    /// left out (zeroed, not rescaled, as modality dropout leaves a modality
    /// out), so that the utterance statistics learn to carry the decision on
    /// their own instead of leaning on what the frame path memorises.
    #[serde(skip_serializing_if = "is_zero")]
    pub frame_dropout: f64,
    /// For a model that reads text: the buckets of hashed character n-grams
    /// of the tokens (`text::ngrams`) that reach the logits straight through
    /// one linear layer beside the word BLSTM (0: none). GloVe knows words,
    /// not spelling; the n-grams err on other lines than the BLSTM does.
    #[serde(skip_serializing_if = "is_zero_usize")]
    pub ngram_buckets: usize,
    /// Training only: the network trains without the n-gram head's scores,
    /// which join them at inference (and in validation, so early stopping
    /// picks the epoch where the two together do best). Trained together,
    /// the word BLSTM only learns what the head (fitted alone first) leaves
    /// and ends where the head is; apart, the two are an ensemble of models
    /// that err on different lines.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ngram_apart: bool,
    /// The acoustic BLSTM reads this many consecutive frames at once, side
    /// by side as one input row (0 or 1: one frame per step). Descriptors
    /// at a 10 ms hop change little from frame to frame; stacking gives each
    /// step a wider window and the recurrence, which cannot run in
    /// parallel over time, a k times shorter sequence. The attention over
    /// the audio is reported per frame still (each frame of a step its
    /// share).
    #[serde(skip_serializing_if = "is_zero_usize")]
    pub frame_stack: usize,
}

/// serde's `skip_serializing_if` for a count whose default is 0.
pub(crate) fn is_zero_usize(x: &usize) -> bool {
    *x == 0
}

/// The most n-gram buckets a config may ask for (a 4 MB head in f32).
pub const MAX_NGRAM_BUCKETS: usize = 1 << 18;

/// The most frames `frame_stack` may put side by side (160 ms).
pub const MAX_FRAME_STACK: usize = 16;

/// serde's `skip_serializing_if` for a number whose default is 0 (the
/// training config uses it too).
pub(crate) fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            variant: Variant::Mmmla,
            acoustic_pooling: AcousticPooling::Attention,
            lexical_pooling: LexicalPooling::Attention,
            acoustic_dim: 130,
            word_dim: 50,
            hidden: 128,
            layers: 2,
            attention: 64,
            fusion_dim: 128,
            dropout: 0.2,
            max_frames: 1000,
            max_words: 0,
            acoustic_stats: false,
            voiced_stats: false,
            stats_head: false,
            frame_dropout: 0.0,
            ngram_buckets: 0,
            ngram_apart: false,
            frame_stack: 0,
        }
    }
}

impl ModelConfig {
    /// Parses a TOML config and checks it.
    pub fn from_toml(text: &str) -> Result<Self, ModelError> {
        let config: ModelConfig = basic_toml::from_str(text).map_err(|e| ModelError::Config(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    pub fn to_toml(&self) -> String {
        basic_toml::to_string(self).expect("a ModelConfig always serialises")
    }

    /// Rejects sizes that would build a broken model.
    pub fn validate(&self) -> Result<(), ModelError> {
        let bad = |m: &str| Err(ModelError::Config(m.to_string()));
        if self.hidden == 0 || self.layers == 0 || self.attention == 0 || self.fusion_dim == 0 {
            return bad("hidden, layers, attention and fusion_dim must be positive");
        }
        if self.variant.uses_audio() && self.acoustic_dim == 0 {
            return bad("acoustic_dim must be positive");
        }
        if self.variant.uses_text() && self.word_dim == 0 {
            return bad("word_dim must be positive");
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad("dropout must be in [0, 1)");
        }
        if self.voiced_stats
            && !(self.acoustic_stats && (self.acoustic_dim == col::COUNT || self.acoustic_dim == 2 * col::COUNT))
        {
            return bad("voiced_stats needs acoustic_stats and the ComParE_2016 descriptors (acoustic_dim 65 or 130)");
        }
        if self.stats_head && !self.acoustic_stats {
            return bad("stats_head needs acoustic_stats");
        }
        if !(0.0..1.0).contains(&self.frame_dropout) {
            return bad("frame_dropout must be in [0, 1)");
        }
        if self.frame_dropout > 0.0 && !self.acoustic_stats {
            return bad("frame_dropout needs acoustic_stats (without them nothing is left of the audio)");
        }
        if self.ngram_buckets > 0 && !self.variant.uses_text() {
            return bad("ngram_buckets needs a variant that reads text");
        }
        if self.ngram_apart && self.ngram_buckets == 0 {
            return bad("ngram_apart needs ngram_buckets");
        }
        if self.ngram_buckets > MAX_NGRAM_BUCKETS {
            return bad(&format!("ngram_buckets must be at most {MAX_NGRAM_BUCKETS}"));
        }
        if self.frame_stack > MAX_FRAME_STACK {
            return bad(&format!("frame_stack must be at most {MAX_FRAME_STACK}"));
        }
        Ok(())
    }

    /// Whether the model has the n-gram head (`ngram_buckets`, which only a
    /// variant that reads text uses).
    pub fn has_ngram_head(&self) -> bool {
        self.ngram_buckets > 0 && self.variant.uses_text()
    }

    /// Size of the utterance statistics vector (`acoustic_stats`; 0 without).
    pub fn stats_dim(&self) -> usize {
        if !self.acoustic_stats {
            return 0;
        }
        let voiced = match self.voiced_stats {
            true => 2 * self.voicing_columns().len() + 1,
            false => 0,
        };
        2 * self.acoustic_dim + voiced
    }

    /// The voicing descriptors' columns in the input, F0 first (F0, voicing
    /// probability, jitter local and DDP, shimmer, HNR: the ComParE_2016
    /// columns that are zero where there is no voice), and their deltas when
    /// the input has them; for `voiced_stats`.
    pub fn voicing_columns(&self) -> Vec<usize> {
        let lld = col::VOICING..col::AUDSPEC_L1;
        match self.acoustic_dim == 2 * col::COUNT {
            true => lld.clone().chain(lld.map(|c| c + col::COUNT)).collect(),
            false => lld.collect(),
        }
    }

    /// Frames per acoustic BLSTM step (`frame_stack`, at least 1).
    pub fn frames_per_step(&self) -> usize {
        self.frame_stack.max(1)
    }

    /// Size of the acoustic BLSTM's input rows: `frames_per_step` frames.
    pub fn acoustic_step_dim(&self) -> usize {
        self.acoustic_dim * self.frames_per_step()
    }

    /// Size of the pooled vector of one encoder.
    pub fn pooled_dim(&self) -> usize {
        2 * self.hidden
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_round_trip_and_defaults() {
        let c = ModelConfig::from_toml("variant = \"mmb\"\nacoustic_pooling = \"mean\"\nhidden = 8").unwrap();
        assert_eq!(c.variant, Variant::Mmb);
        assert_eq!(c.acoustic_pooling, AcousticPooling::Mean);
        assert_eq!(c.hidden, 8);
        assert_eq!(c.layers, 2);
        assert_eq!(ModelConfig::from_toml(&c.to_toml()).unwrap(), c);
        assert!(ModelConfig::from_toml("variant = \"bogus\"").is_err());
        assert!(ModelConfig::from_toml("hiden = 3").is_err());
        assert!(ModelConfig::from_toml("dropout = 1.5").is_err());
    }
}
