//! The model bundle: a directory (or, in the browser, a set of fetched files)
//! with `config.toml` and the weights (written by [`Model::save_dir`]; the
//! host engine's `weights-f16.safetensors` beside them, and its
//! `ngram-head-f16.safetensors` for a model with an n-gram head),
//! `inputs.toml`, `norm.json` when the model hears audio and
//! `vocab.safetensors` when it reads text.

use std::borrow::Cow;
#[cfg(not(target_arch = "wasm32"))]
use std::path::Path;

#[cfg(feature = "burn")]
use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::examples::{acoustic_example, text_example};
use super::Speaker;
use crate::data::norm::{group_stats, NormStats, Normalization, SpeakerReference};
use crate::features::{FeatureMatrix, FeatureSet, FeatureSettings};
use crate::model::batch::{spread_scale, StatisticsMoments};
use crate::model::host::weights as host_weights;
#[cfg(feature = "burn")]
use crate::model::Model;
use crate::model::{io, Example, HostModel, ModelError, Network};
use crate::text::Vocabulary;
use crate::{Error, Result};

pub const INPUTS_FILE: &str = "inputs.toml";
pub const NORM_FILE: &str = "norm.json";
pub const VOCAB_FILE: &str = "vocab.safetensors";
const INPUTS_VERSION: u32 = 1;

/// What the model expects as input, so that a bundle is self-describing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputSpec {
    pub version: u32,
    /// Acoustic feature set (`compare2016`).
    pub feature_set: String,
    /// Descriptors followed by their deltas (130 columns instead of 65).
    pub deltas: bool,
    /// The loud-frame level each recording is scaled to before analysis
    /// (dBFS); absent in bundles that read recordings at their own level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level_dbfs: Option<f64>,
    /// The temperature the model's logits are divided by (fitted on
    /// validation data, see `train::fit_temperature`), so that reported
    /// probabilities match how often the model is right; absent: 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Whose statistics standardise the descriptors before `norm.json`'s
    /// (see [`Normalization`]); absent: none (global).
    #[serde(default, skip_serializing_if = "Normalization::is_global")]
    pub normalize: Normalization,
    /// The energy descriptors on a log scale (`features::log_energies`),
    /// before any statistics; absent: linear, as extracted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub log_energy: bool,
    /// The speaker's mean utterance statistics are subtracted from each
    /// utterance's (a calibration carries them); absent: not.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub centre_stats: bool,
    /// Which of a speaker's recordings make their statistics when they are
    /// known from several (training and evaluation on a corpus; a page's
    /// calibration is its recordings); absent: all of them.
    #[serde(default, skip_serializing_if = "SpeakerReference::is_all")]
    pub speaker_reference: SpeakerReference,
    /// With `centre_stats`: the training speakers' within-speaker deviation
    /// of each utterance statistic. Present, the centred statistics are also
    /// multiplied by this over the speaker's own deviation, pooled with this
    /// as a prior (`StatisticsMoments::scale`; a calibration carries the
    /// deviation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistics_spread: Option<Vec<f32>>,
}

impl InputSpec {
    pub fn new(set: FeatureSet, deltas: bool) -> Self {
        InputSpec {
            version: INPUTS_VERSION,
            feature_set: set.name().to_string(),
            deltas,
            level_dbfs: None,
            temperature: None,
            normalize: Normalization::Global,
            log_energy: false,
            centre_stats: false,
            speaker_reference: SpeakerReference::All,
            statistics_spread: None,
        }
    }

    pub fn with_log_energy(self, log_energy: bool) -> Self {
        InputSpec { log_energy, ..self }
    }

    pub fn with_centred_stats(self, centre_stats: bool) -> Self {
        InputSpec { centre_stats, ..self }
    }

    pub fn with_speaker_reference(self, speaker_reference: SpeakerReference) -> Self {
        InputSpec { speaker_reference, ..self }
    }

    /// Extracted descriptors as the model reads them, before any statistics:
    /// what training, calibration and classification all do to them first.
    pub fn view(&self, m: &mut FeatureMatrix) {
        if self.log_energy {
            crate::features::log_energies(m);
        }
    }

    /// The descriptors' description for a calibration: the extractor's
    /// settings and the view, since statistics of one are no use for another.
    pub fn describe(&self) -> Result<String> {
        let log = if self.log_energy { " log-energy" } else { "" };
        Ok(format!("{}{log}", self.settings()?.describe()))
    }

    pub fn with_level(self, level_dbfs: Option<f64>) -> Self {
        InputSpec { level_dbfs, ..self }
    }

    pub fn with_normalization(self, normalize: Normalization) -> Self {
        InputSpec { normalize, ..self }
    }

    pub fn set(&self) -> Result<FeatureSet> {
        Ok(FeatureSet::from_name(&self.feature_set)?)
    }

    /// How the model's descriptors are computed, for the extractor and the
    /// feature cache alike.
    pub fn settings(&self) -> Result<FeatureSettings> {
        Ok(FeatureSettings::new(self.set()?, self.deltas).with_level(self.level_dbfs))
    }

    /// The feature settings a model config implies: 65 columns without deltas,
    /// 130 with.
    pub fn for_acoustic_dim(dim: usize) -> std::result::Result<Self, ModelError> {
        match dim {
            65 => Ok(Self::new(FeatureSet::Compare2016, false)),
            130 => Ok(Self::new(FeatureSet::Compare2016, true)),
            d => {
                Err(ModelError::Config(format!("acoustic_dim = {d}: ComParE_2016 gives 65 columns (130 with deltas)")))
            }
        }
    }

    fn from_toml(text: &str) -> std::result::Result<Self, ModelError> {
        let spec: InputSpec =
            basic_toml::from_str(text).map_err(|e| ModelError::Config(format!("{INPUTS_FILE}: {e}")))?;
        if spec.version != INPUTS_VERSION {
            return Err(ModelError::Config(format!(
                "{INPUTS_FILE} has version {}, this build reads {INPUTS_VERSION}",
                spec.version
            )));
        }
        Ok(spec)
    }
}

/// The files of a bundle, read by whoever can: the file system natively,
/// `include_bytes!` or `fetch` in the browser.
pub struct BundleFiles {
    pub meta: Vec<u8>,
    pub config: Vec<u8>,
    /// `weights.bpk` for burn, `weights-f16.safetensors` for the host engine.
    pub weights: Vec<u8>,
    pub inputs: Vec<u8>,
    pub norm: Option<Vec<u8>>,
    pub vocab: Option<Vec<u8>>,
    /// The host engine's n-gram head (`ngram-head-f16.safetensors`), for a
    /// model with one; burn reads it from `weights.bpk`.
    pub ngram_head: Option<Vec<u8>>,
}

/// Whether `weights` is a safetensors file (the host engine's) rather than
/// burn's record: safetensors opens with its header's length, then `{`.
fn is_safetensors(weights: &[u8]) -> bool {
    weights.len() > 8 && weights[8] == b'{'
}

/// A trained model with everything its inputs need.
pub struct Bundle {
    pub model: Network,
    pub inputs: InputSpec,
    pub norm: Option<NormStats>,
    pub vocab: Option<Vocabulary>,
}

impl Bundle {
    /// Writes the model, inputs, statistics and vocabulary into `dir`.
    /// The host engine's weights (f16) go beside burn's.
    #[cfg(all(feature = "burn", not(target_arch = "wasm32")))]
    pub fn save(&self, dir: &Path) -> Result<()> {
        let model = self.model.burn()?;
        model.save_dir(dir)?;
        let host = model.host_weights(host_weights::Precision::F16);
        io::write_atomic(&dir.join(host_weights::FILE), &host.network)?;
        if let Some(head) = &host.ngram_head {
            io::write_atomic(&dir.join(host_weights::NGRAM_HEAD_FILE), head)?;
        }
        let inputs = basic_toml::to_string(&self.inputs).map_err(|e| ModelError::Config(e.to_string()))?;
        crate::model::io::write_atomic(&dir.join(INPUTS_FILE), inputs.as_bytes())?;
        if let Some(norm) = &self.norm {
            crate::model::io::write_atomic(&dir.join(NORM_FILE), norm.to_json().as_bytes())?;
        }
        if let Some(vocab) = &self.vocab {
            crate::model::io::write_atomic(&dir.join(VOCAB_FILE), &vocab.to_bytes())?;
        }
        Ok(())
    }

    /// Reads a bundle written by [`Bundle::save`] into burn on `device`. A
    /// training directory (with its `best/` model) is accepted as well.
    #[cfg(all(feature = "burn", not(target_arch = "wasm32")))]
    pub fn load(dir: &Path, device: &Device) -> Result<Self> {
        Bundle::from_files(&Self::read_dir(dir, io::WEIGHTS_FILE)?, device)
    }

    /// [`Bundle::load`] into the host engine (`weights-f16.safetensors`).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load_host(dir: &Path) -> Result<Self> {
        Bundle::from_files_host(&Self::read_dir(dir, host_weights::FILE)?, false)
    }

    /// Where the bundle in `dir` lies: `dir` itself, or a training
    /// directory's `best/`.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn dir_in(dir: &Path) -> std::path::PathBuf {
        let best = dir.join(io::BEST_DIR);
        if best.join(INPUTS_FILE).is_file() {
            best
        } else {
            dir.to_path_buf()
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn read_dir(dir: &Path, weights: &str) -> Result<BundleFiles> {
        use crate::model::io::{CONFIG_FILE, META_FILE};
        let dir = Self::dir_in(dir);
        let read = |name: &str| std::fs::read(dir.join(name)).map_err(|e| ModelError::io(&dir.join(name), e));
        let optional = |name: &str| if dir.join(name).is_file() { read(name).map(Some) } else { Ok(None) };
        Ok(BundleFiles {
            meta: read(META_FILE)?,
            config: read(CONFIG_FILE)?,
            weights: read(weights)?,
            inputs: read(INPUTS_FILE)?,
            norm: optional(NORM_FILE)?,
            vocab: optional(VOCAB_FILE)?,
            ngram_head: optional(host_weights::NGRAM_HEAD_FILE)?,
        })
    }

    /// A bundle from its files' contents, in burn on `device`. A model that
    /// hears audio needs `norm`, one that reads text needs `vocab`.
    #[cfg(feature = "burn")]
    pub fn from_files(files: &BundleFiles, device: &Device) -> Result<Self> {
        Self::from_files_with(files, device, true)
    }

    /// A bundle from its files' contents in the host engine: `weights` is
    /// `weights-f16.safetensors`. `defer_vocabulary`: as
    /// [`Bundle::from_files_deferring_vocabulary`], for the n-gram head's
    /// file as well ([`Bundle::set_ngram_head`]).
    pub fn from_files_host(files: &BundleFiles, defer_vocabulary: bool) -> Result<Self> {
        let config = io::read_config(&files.meta, &files.config)?;
        if !is_safetensors(&files.weights) {
            return Err(Error::bundle(
                host_weights::FILE,
                ModelError::Format(
                    "the CPU engine without burn reads weights-f16.safetensors (written beside weights.bpk by \
                     `emorec train`); this is not one"
                        .into(),
                ),
            ));
        }
        let mut model = HostModel::from_safetensors(&config, &files.weights)?;
        match &files.ngram_head {
            Some(bytes) if model.needs_ngram_head() => model.set_ngram_head(bytes)?,
            None if model.needs_ngram_head() && !defer_vocabulary => {
                return Err(Error::bundle(
                    host_weights::NGRAM_HEAD_FILE,
                    ModelError::Format(format!(
                        "the model's config has an n-gram head, and the bundle has neither this file nor the head \
                         in {}",
                        host_weights::FILE
                    )),
                ))
            }
            _ => {}
        }
        Self::from_parts(Network::Host(model), files, !defer_vocabulary)
    }

    /// As [`Bundle::from_files`], but a model that reads text may come
    /// without its vocabulary, to be given later ([`Bundle::set_vocabulary`]):
    /// the page fetches it only once a transcript is given (it is a quarter
    /// of the download). Until then a transcript is an error that says so.
    #[cfg(feature = "burn")]
    pub fn from_files_deferring_vocabulary(files: &BundleFiles, device: &Device) -> Result<Self> {
        Self::from_files_with(files, device, false)
    }

    /// Whether the model reads text and its vocabulary is not loaded yet.
    pub fn needs_vocabulary(&self) -> bool {
        self.model.config().variant.uses_text() && self.vocab.is_none()
    }

    /// Whether the host engine still waits for the n-gram head's file
    /// (deferred like the vocabulary; burn's `weights.bpk` holds the head).
    pub fn needs_ngram_head(&self) -> bool {
        match &self.model {
            Network::Host(m) => m.needs_ngram_head(),
            #[cfg(feature = "burn")]
            Network::Burn(_) => false,
        }
    }

    /// Refuses a transcript while a file that only text needs is deferred
    /// and not given yet, naming each such file.
    fn check_text_files(&self) -> Result<()> {
        let missing: Vec<String> = [
            (self.needs_vocabulary(), format!("its vocabulary ({VOCAB_FILE})")),
            (self.needs_ngram_head(), format!("its n-gram head ({})", host_weights::NGRAM_HEAD_FILE)),
        ]
        .into_iter()
        .filter_map(|(missing, what)| missing.then_some(what))
        .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let verb = if missing.len() > 1 { "are" } else { "is" };
        Err(Error::Input(format!("the model reads text, but {} {verb} not loaded yet", missing.join(" and "))))
    }

    /// Gives the host engine the n-gram head (`ngram-head-f16.safetensors`).
    pub fn set_ngram_head(&mut self, bytes: &[u8]) -> Result<()> {
        match &mut self.model {
            // Its errors name the file.
            Network::Host(m) => Ok(m.set_ngram_head(bytes)?),
            #[cfg(feature = "burn")]
            Network::Burn(_) => Err(Error::bundle(
                host_weights::NGRAM_HEAD_FILE,
                ModelError::Format("this bundle runs in burn, whose weights.bpk holds the n-gram head".into()),
            )),
        }
    }

    /// Gives a model that reads text its vocabulary (`vocab.safetensors`),
    /// which must embed words in the model's word dimension.
    pub fn set_vocabulary(&mut self, bytes: &[u8]) -> Result<()> {
        let vocab = Vocabulary::from_bytes(bytes).map_err(|e| Error::bundle(VOCAB_FILE, e))?;
        let want = self.model.config().word_dim;
        if vocab.dim() != want {
            return Err(Error::bundle(
                VOCAB_FILE,
                ModelError::Format(format!("its vectors have {} dimensions, the model reads {want}", vocab.dim())),
            ));
        }
        self.vocab = Some(vocab);
        Ok(())
    }

    #[cfg(feature = "burn")]
    fn from_files_with(files: &BundleFiles, device: &Device, require_vocab: bool) -> Result<Self> {
        if is_safetensors(&files.weights) {
            return Err(Error::bundle(
                io::WEIGHTS_FILE,
                ModelError::Format("this is the host engine's weights-f16.safetensors; burn reads weights.bpk".into()),
            ));
        }
        let model = Model::from_files(&files.meta, &files.config, &files.weights, device)?;
        Self::from_parts(Network::Burn(model), files, require_vocab)
    }

    fn from_parts(model: Network, files: &BundleFiles, require_vocab: bool) -> Result<Self> {
        let inputs =
            InputSpec::from_toml(&String::from_utf8_lossy(&files.inputs)).map_err(|e| Error::bundle(INPUTS_FILE, e))?;
        let variant = model.config().variant;
        let missing =
            |name: &str| ModelError::Format(format!("the {variant:?} model needs {name}, and the bundle has none"));
        let norm = if variant.uses_audio() {
            let bytes = files.norm.as_deref().ok_or_else(|| missing(NORM_FILE))?;
            let text = String::from_utf8_lossy(bytes);
            Some(NormStats::from_json(&text).map_err(|e| Error::bundle(NORM_FILE, e))?)
        } else {
            None
        };
        let mut bundle = Bundle { model, inputs, norm, vocab: None };
        if variant.uses_text() {
            match files.vocab.as_deref() {
                Some(bytes) => bundle.set_vocabulary(bytes)?,
                None if require_vocab => return Err(missing(VOCAB_FILE).into()),
                None => {}
            }
        }
        Ok(bundle)
    }

    /// Builds the model's input from raw descriptors (un-normalised) and a
    /// transcript; either may be missing. Returns the example and the tokens
    /// the words came from. `speaker`: the speaker's own statistics, for a
    /// bundle that normalises by speaker (without them, the utterance
    /// stands for its speaker: its own statistics stand in); other bundles
    /// ignore them.
    pub fn example(
        &self,
        features: Option<&FeatureMatrix>,
        transcript: Option<&str>,
        speaker: Option<Speaker>,
    ) -> Result<(Example, Vec<String>)> {
        let acoustic = match (features, &self.norm) {
            (Some(m), Some(norm)) => {
                let m = self.prenormalize(m, speaker.map(|s| s.stats))?;
                Some(acoustic_example(&m, norm)?)
            }
            _ => None,
        };
        let (stats_offset, stats_scale) = match (&acoustic, self.centring()) {
            (Some(seq), Some(centring)) => match speaker {
                Some(Speaker { statistics: Some(mean), spread, .. }) => {
                    let scale = match (centring.spread, spread) {
                        (Some(prior), Some((std, n))) => Some(spread_scale(std, n, prior)),
                        (Some(_), None) => return Err(calibrate_again("deviation")),
                        (None, _) => None,
                    };
                    (Some(mean.to_vec()), scale)
                }
                Some(Speaker { statistics: None, .. }) => return Err(calibrate_again("mean")),
                None => {
                    let (offset, scale) = centring.shift(&StatisticsMoments::of([seq], self.model.config())?);
                    (Some(offset), scale)
                }
            },
            _ => (None, None),
        };
        if transcript.is_some() {
            self.check_text_files()?;
        }
        let (words, tokens) = match (transcript, &self.vocab) {
            (Some(t), Some(vocab)) => text_example(t, vocab)?,
            _ => (None, Vec::new()),
        };
        let example = Example { acoustic, words, label: None, stats_offset, stats_scale, tokens: tokens.clone() };
        Ok((example, tokens))
    }

    /// Extracted descriptors as the model reads them ([`InputSpec::view`]),
    /// standardised as the bundle's [`Normalization`] asks, before the
    /// training statistics.
    pub fn prenormalize<'m>(
        &self,
        m: &'m FeatureMatrix,
        speaker: Option<&NormStats>,
    ) -> Result<Cow<'m, FeatureMatrix>> {
        // As it is: no copy on the path every linear, global bundle takes.
        if !self.inputs.log_energy && self.inputs.normalize.is_global() {
            return Ok(Cow::Borrowed(m));
        }
        let mut m = m.clone();
        self.inputs.view(&mut m);
        let stats = match (self.inputs.normalize, speaker) {
            (Normalization::Global, _) => return Ok(Cow::Owned(m)),
            (Normalization::Speaker, Some(stats)) => Cow::Borrowed(stats),
            (Normalization::Utterance | Normalization::Speaker, _) => Cow::Owned(group_stats([&m])?),
        };
        stats.apply(&mut m)?;
        Ok(Cow::Owned(m))
    }
}

/// Refuses a calibration made before its bundle read the speaker's `what`
/// of the utterance statistics.
fn calibrate_again(what: &str) -> Error {
    Error::Input(format!(
        "this model also needs the {what} of the speaker's utterance statistics, which a calibration made by \
         this version carries (Bundle::calibrate): calibrate again"
    ))
}
