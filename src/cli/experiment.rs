//! What `train` and `cv` share: reading a config and manifests, choosing the
//! utterances a variant can use, splitting them by protocol, turning a fold
//! into examples (statistics and vocabulary fitted on its training part only)
//! and training and testing one fold.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use burn::tensor::Device;
use clap::Args;

use emorec::data::augment::AugmentConfig;
use emorec::data::cache::FeatureCache;
use emorec::data::norm::{NormStats, DEFAULT_STD_FLOOR};
use emorec::data::split::{Fold, Protocol, ValidationPolicy};
use emorec::data::{load_manifests, Utterance};
use emorec::features::FeatureMatrix;
// Atomic so that a run killed here and resumed never leaves a half-written file.
use emorec::model::io::write_atomic;
use emorec::model::Network;
use emorec::pipeline::{
    compute_features, examples_for, prenormalize_features, statistics_spread, Bundle, Centring, InputSpec,
};
use emorec::text::{BuildOptions, Glove, Vocabulary};
use emorec::train::{
    evaluate_at, expected_calibration_error, fit_temperature, predict_batches, train_views, Bars, Evaluation, Origin,
    TrainConfig, TrainReport,
};

/// Options common to `train` and `cv`.
#[derive(Args, Clone)]
pub struct ExperimentArgs {
    /// Training config (TOML; see configs/).
    #[arg(long)]
    pub config: PathBuf,
    /// Manifests: emorec CSV, the shared TESS/RAVDESS/EMOVO manifest.csv, MELD's CSVs,
    /// GoEmotions' TSVs, DailyDialog's dialogues_*.txt or EmoryNLP's CSVs.
    #[arg(long, required = true, num_args = 1..)]
    pub manifest: Vec<PathBuf>,
    /// random (80/20, seeded), loso (leave one speaker out), logo (leave one
    /// group out: IEMOCAP sessions), loco (leave one corpus out), predefined
    /// (groups train/dev/test: the text corpora's own splits).
    #[arg(long, default_value = "random")]
    pub protocol: String,
    /// For loso: put the speakers into this many folds instead of one fold each.
    #[arg(long)]
    pub speaker_folds: Option<usize>,
    /// Share of the training speakers (or, with too few, of each class's
    /// training utterances) held out for validation: early stopping and
    /// the temperature. Leaving a corpus out with the default, a fold may
    /// validate on one speaker.
    #[arg(long, default_value_t = ValidationPolicy::default().fraction, value_parser = validation_fraction)]
    pub validation_fraction: f64,
    /// Where the training part spans corpora, take each validation speaker
    /// from the corpus with the most speakers still in training (so that
    /// TESS's two voices stay in training when RAVDESS is left out).
    #[arg(long)]
    pub validation_spread: bool,
    /// Overrides the config's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Overrides the config's epoch limit.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// cpu (flex) or wgpu (needs a build with `--features wgpu`).
    #[arg(long, default_value = "cpu")]
    pub backend: String,
    /// Continue an interrupted run from its last checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// GloVe vectors for the vocabulary of text models.
    #[arg(long, default_value = "../shared/data/glove/glove.6B.50d.top100k.txt.gz")]
    pub glove: PathBuf,
    /// Most frequent GloVe words kept beside the training words.
    #[arg(long, default_value_t = 20_000)]
    pub vocab_top: usize,
    /// Feature cache directory (default: $EMOREC_CACHE or .cache/emorec).
    #[arg(long)]
    pub cache: Option<PathBuf>,
}

/// The calibrated probabilities and true labels of one corpus's test
/// utterances.
#[derive(Default)]
pub struct CorpusPredictions {
    pub probs: Vec<[f32; 4]>,
    pub labels: Vec<emorec::Emotion>,
}

impl CorpusPredictions {
    /// Appends `part`'s predictions to `into`'s of the same corpus (folds or
    /// perturbed copies pooled into one table).
    pub fn pool(into: &mut BTreeMap<String, CorpusPredictions>, part: BTreeMap<String, CorpusPredictions>) {
        for (corpus, p) in part {
            let all = into.entry(corpus).or_default();
            all.probs.extend(p.probs);
            all.labels.extend(p.labels);
        }
    }
}

/// What one fold gives: its training, its test scores and, per corpus, its
/// test predictions.
pub struct FoldOutcome {
    pub report: TrainReport,
    pub test: Option<Evaluation>,
    pub by_corpus: BTreeMap<String, CorpusPredictions>,
    /// The same, on the perturbed copies of the test audio
    /// (`[perturbed_test]`; empty without).
    pub perturbed: BTreeMap<String, CorpusPredictions>,
}

/// Where the validation copies' augmentation streams start
/// (`draw_streams`' copy number): far from the training copies' 1, 2, ...
const CALIBRATION_COPIES: usize = 1000;

/// Where the perturbed test copies' streams start: apart from the training
/// and validation copies'.
const TEST_COPIES: usize = 2000;

/// Everything loaded once per experiment.
pub struct Experiment {
    pub config: TrainConfig,
    pub utts: Vec<Utterance>,
    pub features: Vec<Extracted>,
    pub inputs: InputSpec,
    pub glove: Option<Glove>,
    pub device: Device,
    pub folds: Vec<Fold>,
    /// How the folds were drawn, to draw them again with another seed
    /// ([`Experiment::folds_with_seed`]).
    protocol: Protocol,
    policy: ValidationPolicy,
    /// Most frequent GloVe words kept in the vocabulary beside the training words.
    pub vocab_top: usize,
    /// The last fold's perturbed test copies (`[perturbed_test]`) and the
    /// test utterances they were made for: drawn from the config's seed,
    /// they are the same for every member of a seed ensemble, which then
    /// decodes and extracts them once per fold instead of once per member.
    perturbed_test_copies: std::sync::Mutex<Option<PerturbedCopies>>,
}

/// One utterance's descriptors: `None` without audio, an error where they
/// could not be extracted.
type Extracted = Option<std::result::Result<FeatureMatrix, String>>;

/// The test utterances with audio, and one feature set per perturbed copy.
type PerturbedCopies = (Vec<usize>, Vec<std::sync::Arc<Vec<Extracted>>>);

#[allow(deprecated)] // ndarray: deprecated upstream, kept for comparison with flex.
pub fn device(name: &str) -> Result<Device> {
    match name {
        "cpu" | "flex" => Ok(Device::flex()),
        "ndarray" => Ok(Device::ndarray()),
        #[cfg(feature = "wgpu")]
        "wgpu" => Ok(Device::wgpu(Default::default())),
        other => bail!(
            "unknown backend {other:?}: cpu, ndarray{}",
            if cfg!(feature = "wgpu") { ", wgpu" } else { " (wgpu needs a build with --features wgpu)" }
        ),
    }
}

impl Experiment {
    pub fn load(args: &ExperimentArgs) -> Result<Self> {
        let text =
            std::fs::read_to_string(&args.config).with_context(|| format!("cannot read {}", args.config.display()))?;
        let mut config = TrainConfig::from_toml(&text).with_context(|| format!("in {}", args.config.display()))?;
        if let Some(s) = args.seed {
            config.seed = s;
        }
        if let Some(e) = args.epochs {
            config.epochs = e;
        }
        config.resume = args.resume;
        let variant = config.model.variant;

        let all = load_manifests(&args.manifest)?;
        // Keep what the variant can use: audio for acoustic models, words for
        // lexical ones, either for the multimodal ones.
        let utts: Vec<Utterance> = all
            .into_iter()
            .filter(|u| {
                let a = variant.uses_audio() && u.audio.is_some();
                let t = variant.uses_text() && u.transcript.as_deref().is_some_and(emorec::data::has_words);
                a || t
            })
            .collect();
        if utts.is_empty() {
            bail!("no utterance in the manifests has what a {variant:?} model needs");
        }
        eprintln!("{} utterances: {}", utts.len(), emorec::data::LabelCounts::of(&utts));

        let inputs = if variant.uses_audio() {
            InputSpec::for_acoustic_dim(config.model.acoustic_dim)?
                .with_level(config.level_dbfs)
                .with_normalization(config.normalize)
                .with_log_energy(config.log_energy)
                .with_centred_stats(config.centre_stats)
                .with_speaker_reference(config.speaker_reference)
        } else {
            InputSpec::new(emorec::features::FeatureSet::Compare2016, false)
        };
        let features = if variant.uses_audio() {
            let cache = args.cache.clone().map(FeatureCache::new).unwrap_or_else(FeatureCache::open_default);
            eprintln!("acoustic features (cache: {})", cache.dir().display());
            let mut f = compute_features(&utts, &cache, inputs.settings()?);
            if !config.normalize.is_global() {
                eprintln!("standardising the descriptors by {}", config.normalize.name());
            }
            prenormalize_features(&utts, &mut f, &inputs, config.normalize)?;
            let failed = f.iter().filter(|r| matches!(r, Some(Err(_)))).count();
            if failed > 0 {
                eprintln!("warning: {failed} recording(s) could not be read; they are used without audio");
            }
            f
        } else {
            vec![None; utts.len()]
        };
        let glove = if variant.uses_text() {
            eprintln!("reading GloVe from {}", args.glove.display());
            Some(
                Glove::open(&args.glove, None)
                    .with_context(|| format!("cannot read GloVe at {}", args.glove.display()))?,
            )
        } else {
            None
        };

        let mut utts = utts;
        let protocol = Protocol::from_name(&args.protocol)?;
        if let (Protocol::LeaveOneSpeakerOut, Some(k)) = (&protocol, args.speaker_folds) {
            group_speakers(&mut utts, k);
        }
        let protocol = match (protocol, args.speaker_folds) {
            (Protocol::LeaveOneSpeakerOut, Some(_)) => Protocol::SpeakerFolds,
            (p, _) => p,
        };
        let policy = ValidationPolicy {
            fraction: args.validation_fraction,
            spread_corpora: args.validation_spread,
            ..ValidationPolicy::default()
        };
        let folds = protocol.folds(&utts, config.seed, policy)?;
        Ok(Experiment {
            config,
            utts,
            features,
            inputs,
            glove,
            device: device(&args.backend)?,
            folds,
            protocol,
            policy,
            vocab_top: args.vocab_top,
            perturbed_test_copies: Default::default(),
        })
    }

    /// The protocol's folds with validation parts drawn by `seed`: a seed
    /// ensemble's member trains on its own (`TrainConfig::members`). The
    /// test parts are the protocol's own, the same for every seed (refused
    /// where they are not: a random split).
    pub fn folds_with_seed(&self, seed: u64) -> Result<Vec<Fold>> {
        let folds = self.protocol.folds(&self.utts, seed, self.policy)?;
        if folds.len() != self.folds.len() || folds.iter().zip(&self.folds).any(|(a, b)| a.test != b.test) {
            bail!(
                "members > 1 need a protocol whose test parts do not depend on the seed (loso, loco, logo, predefined)"
            );
        }
        Ok(folds)
    }

    /// The utterances at `indices` that have audio, and their samples at
    /// 16 kHz (`None` where a recording cannot be read), decoded once for
    /// every augmented copy.
    fn decode_audio(&self, indices: &[usize]) -> (Vec<usize>, Vec<Option<Vec<f32>>>) {
        use rayon::prelude::*;
        let with_audio: Vec<usize> = indices.iter().copied().filter(|&i| self.utts[i].audio.is_some()).collect();
        let decoded = with_audio
            .par_iter()
            .map(|&i| self.utts[i].audio.as_deref().and_then(|p| emorec::audio::load_16k(p).ok()))
            .collect();
        (with_audio, decoded)
    }

    /// The features of every utterance, with those of the decoded audio
    /// ([`Experiment::decode_audio`]) replaced by a copy augmented by
    /// `augment` (`copy` 1, 2, ...; seeded by `seed`, the copy and the
    /// utterance or speaker). Babble comes from another decoded utterance.
    fn augmented_features(
        &self,
        (with_audio, decoded): &(Vec<usize>, Vec<Option<Vec<f32>>>),
        augment_config: &AugmentConfig,
        copy: usize,
        seed: u64,
    ) -> Result<Vec<Extracted>> {
        use emorec::data::augment::{augment, draw_streams};
        use rayon::prelude::*;
        let settings = self.inputs.settings()?;
        let computed: Vec<(usize, Extracted)> = with_audio
            .par_iter()
            .enumerate()
            .map_init(
                || emorec::features::Extractor::from(settings),
                |extractor, (k, &i)| {
                    // Unreadable: the clean features stay.
                    let Some(x) = decoded[k].as_deref() else { return (i, None) };
                    let who = self.utts[i].speaker_key();
                    let (mut rng, mut samples) = draw_streams(augment_config, seed, copy, i, who);
                    let other = rng.below(decoded.len());
                    let babble = decoded[other].as_deref().filter(|_| other != k);
                    let (y, _) = augment(x, babble, augment_config, &mut rng, samples.as_mut());
                    let m = emorec::audio::prepare(&y, emorec::audio::TARGET_RATE)
                        .map_err(|e| e.to_string())
                        .and_then(|y| extractor.extract(&y, settings.deltas).map_err(|e| e.to_string()));
                    (i, Some(m))
                },
            )
            .collect();
        // Standardised as the clean features were, each copy on its own (a
        // speaker's augmented recordings by their own statistics, as a speaker
        // recorded on that channel would be).
        let mut copies: Vec<Extracted> = vec![None; self.utts.len()];
        for (i, m) in computed {
            copies[i] = m;
        }
        prenormalize_features(&self.utts, &mut copies, &self.inputs, self.config.normalize)?;
        let mut features = self.features.clone();
        for (i, m) in copies.into_iter().enumerate() {
            if m.is_some() {
                features[i] = m;
            }
        }
        Ok(features)
    }

    /// Trains on a fold's training part, stops early on its validation part,
    /// writes the bundle into `out/best` and tests on its test part.
    pub fn run_fold(&self, fold: &Fold, out: &Path) -> Result<FoldOutcome> {
        self.run_fold_seeded(fold, self.config.seed, out)
    }

    /// [`Experiment::run_fold`] with `seed` for the weights, the shuffling
    /// and the augmented copies in place of the config's.
    pub fn run_fold_seeded(&self, fold: &Fold, seed: u64, out: &Path) -> Result<FoldOutcome> {
        let config = TrainConfig { seed, ..self.config.clone() };
        let variant = self.config.model.variant;
        let norm = if variant.uses_audio() {
            let train_mats = fold.train.iter().filter_map(|&i| self.features[i].as_ref().and_then(|r| r.as_ref().ok()));
            Some(NormStats::fit(train_mats, DEFAULT_STD_FLOOR)?)
        } else {
            None
        };
        let vocab = match &self.glove {
            Some(glove) => {
                let texts = fold.train.iter().filter_map(|&i| self.utts[i].transcript.as_deref());
                let options = BuildOptions { top: self.vocab_top, ..BuildOptions::default() };
                let (vocab, report) = Vocabulary::build(glove, texts, &options);
                eprintln!(
                    "vocabulary: {} words, {:.1}% of training tokens known",
                    report.size,
                    report.coverage.ratio() * 100.0
                );
                Some(vocab)
            }
            None => None,
        };
        let spread = match (&norm, self.inputs.centre_stats && self.config.standardise_stats) {
            (Some(norm), true) => Some(statistics_spread(
                &self.utts,
                &fold.train,
                &self.features,
                norm,
                &self.config.model,
                self.inputs.speaker_reference,
            )?),
            _ => None,
        };
        let inputs = InputSpec { statistics_spread: spread, ..self.inputs.clone() };
        let centring = Centring {
            config: &self.config.model,
            spread: inputs.statistics_spread.as_deref(),
            reference: inputs.speaker_reference,
        };
        let centre = inputs.centre_stats.then_some(centring);
        // The examples of the utterances at `idx` from `features` (the clean
        // ones or an augmented copy's).
        let make = |idx: &[usize], features: &[Extracted]| {
            examples_for(&self.utts, idx, features, norm.as_ref(), vocab.as_ref(), centre)
        };
        let (train_set, train_kept) = make(&fold.train, &self.features)?;
        let (valid_set, valid_kept) = make(&fold.valid, &self.features)?;
        let (test_set, _) = make(&fold.test, &self.features)?;
        eprintln!(
            "fold {}: {} train, {} validation, {} test examples",
            fold.name,
            train_set.len(),
            valid_set.len(),
            test_set.len()
        );
        let mut views = vec![train_set];
        if self.config.augment.copies > 0 {
            let audio = self.decode_audio(&fold.train);
            for copy in 1..=self.config.augment.copies {
                eprintln!("augmented copy {copy}/{} of the training audio", self.config.augment.copies);
                let features = self.augmented_features(&audio, &self.config.augment, copy, seed)?;
                let (set, _) = make(&fold.train, &features)?;
                views.push(set);
            }
        }
        let view_refs: Vec<&[_]> = views.iter().map(Vec::as_slice).collect();
        let origins = origins(&self.utts, &train_kept);
        let report = train_views(&config, &view_refs, &origins, &valid_set, out, &self.device, &mut Bars::new())?;
        // Calibration: one temperature fitted on the validation part (and its
        // perturbed copies, with `[calibration]`).
        let temperature = if valid_set.is_empty() {
            None
        } else {
            let make_valid = |features: &[_]| make(&fold.valid, features).map(|(s, _)| s).map_err(Into::into);
            Some(self.calibrate(&report.model, (&valid_set, &valid_kept), make_valid, &fold.valid, seed, out)?)
        };
        let inputs = InputSpec { temperature, ..inputs.clone() };
        let bundle = Bundle { model: Network::Burn(report.model.clone()), inputs, norm, vocab };
        bundle.save(&report.model_dir)?;
        let test = if test_set.is_empty() {
            None
        } else {
            Some(evaluate_at(bundle.model.burn()?, &test_set, self.config.batch_size, temperature.unwrap_or(1.0))?)
        };
        write_figures(&report, test.as_ref(), out)?;
        if let Some(t) = &test {
            write_atomic(&out.join("test.json"), serde_json::to_string_pretty(&t.to_json())?.as_bytes())?;
        }
        let by_corpus = self.test_by_corpus(&fold.test, &bundle, &self.features, &out.join("test-predictions.csv"))?;
        let perturbed = self.test_perturbed(fold, &bundle, out)?;
        Ok(FoldOutcome { report, test, by_corpus, perturbed })
    }

    /// [`Experiment::test_by_corpus`] on each perturbed copy of the fold's
    /// test audio (`[perturbed_test]`; the test utterances with audio, text
    /// alone being what it was), pooled over the copies; each copy's
    /// probabilities before calibration go to
    /// `out/test-perturbed-<copy>-predictions.csv`.
    fn test_perturbed(&self, fold: &Fold, bundle: &Bundle, out: &Path) -> Result<BTreeMap<String, CorpusPredictions>> {
        let c = &self.config.perturbed_test;
        let mut pooled: BTreeMap<String, CorpusPredictions> = BTreeMap::new();
        let test: Vec<usize> = fold.test.iter().copied().filter(|&i| self.utts[i].audio.is_some()).collect();
        if c.copies == 0 || !self.config.model.variant.uses_audio() || test.is_empty() {
            return Ok(pooled);
        }
        for (copy, features) in self.perturbed_test_features(&test)?.iter().enumerate() {
            let csv = out.join(format!("test-perturbed-{}-predictions.csv", copy + 1));
            CorpusPredictions::pool(&mut pooled, self.test_by_corpus(&test, bundle, features, &csv)?);
        }
        Ok(pooled)
    }

    /// The features of each perturbed copy of the `test` utterances
    /// (those with audio), made once and kept until another fold's test
    /// part asks.
    fn perturbed_test_features(&self, test: &[usize]) -> Result<Vec<std::sync::Arc<Vec<Extracted>>>> {
        let mut kept = self.perturbed_test_copies.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((for_test, copies)) = kept.as_ref() {
            if for_test == test {
                eprintln!("perturbed copies of the test audio: as for the previous member");
                return Ok(copies.clone());
            }
        }
        *kept = None;
        let c = &self.config.perturbed_test;
        let audio = self.decode_audio(test);
        let mut copies = Vec::with_capacity(c.copies);
        for copy in 1..=c.copies {
            eprintln!("perturbed copy {copy}/{} of the test audio", c.copies);
            copies.push(std::sync::Arc::new(self.augmented_features(
                &audio,
                c,
                TEST_COPIES + copy,
                self.config.seed,
            )?));
        }
        *kept = Some((test.to_vec(), copies.clone()));
        Ok(copies)
    }

    /// The temperature of a trained model, fitted on its validation part
    /// and, with `[calibration]` copies, on copies of it in which each
    /// validation speaker is a new voice through a new channel
    /// ([`TrainConfig::calibration`]). Writes both temperatures and what
    /// each part scored to `out/calibration.json`, and the validation
    /// utterances' probabilities before calibration to
    /// `out/validation-predictions.csv`.
    fn calibrate(
        &self,
        model: &emorec::model::Model,
        (valid_set, valid_kept): (&[emorec::model::Example], &[usize]),
        make_valid: impl Fn(&[Extracted]) -> Result<Vec<emorec::model::Example>>,
        valid: &[usize],
        seed: u64,
        out: &Path,
    ) -> Result<f64> {
        let batch = self.config.batch_size;
        let probs = predict_batches(model, valid_set, batch)?;
        let labels: Vec<_> = valid_set.iter().filter_map(|e| e.label).collect();
        let rows = valid_kept.iter().map(|&i| &self.utts[i]).zip(probs.iter().copied());
        write_predictions(&out.join("validation-predictions.csv"), rows)?;
        let clean_t = fit_temperature(&probs, &labels);
        let clean = Evaluation::from_probabilities(&probs, &labels);
        let (mut all_probs, mut all_labels) = (probs, labels);
        let copies = self.config.calibration.copies;
        if copies > 0 && self.config.model.variant.uses_audio() {
            let audio = self.decode_audio(valid);
            for copy in 1..=copies {
                eprintln!("perturbed copy {copy}/{copies} of the validation audio, for the temperature");
                // Copies numbered apart from the training audio's, so no
                // validation voice repeats a training copy's draw.
                let features =
                    self.augmented_features(&audio, &self.config.calibration, CALIBRATION_COPIES + copy, seed)?;
                let set = make_valid(&features)?;
                all_probs.extend(predict_batches(model, &set, batch)?);
                all_labels.extend(set.iter().filter_map(|e| e.label));
            }
        }
        let t = fit_temperature(&all_probs, &all_labels);
        let perturbed = (copies > 0).then(|| {
            let n = clean.n;
            Evaluation::from_probabilities(&all_probs[n..], &all_labels[n..])
        });
        let calibrated: Vec<[f32; 4]> = all_probs.iter().map(|p| emorec::model::calibrate(*p, t)).collect();
        eprintln!(
            "calibration: temperature {t:.3} (validation speakers alone {clean_t:.3}), validation UA {:.1}%{}, ECE {:.3} -> {:.3}",
            clean.ua * 100.0,
            perturbed.as_ref().map(|e| format!(" (perturbed copies {:.1}%)", e.ua * 100.0)).unwrap_or_default(),
            expected_calibration_error(&all_probs, &all_labels),
            expected_calibration_error(&calibrated, &all_labels)
        );
        let json = serde_json::json!({
            "temperature": t,
            "validation_temperature": clean_t,
            "validation": { "n": clean.n, "ua": clean.ua, "ece": clean.ece },
            "perturbed_copies": perturbed.map(|e| serde_json::json!({ "copies": copies, "n": e.n, "ua": e.ua, "ece": e.ece })),
        });
        write_atomic(&out.join("calibration.json"), serde_json::to_string_pretty(&json)?.as_bytes())?;
        Ok(t)
    }

    /// The bundle's calibrated probabilities and the labels of the `test`
    /// utterances (a fold's), per corpus, so that folds whose test parts mix
    /// corpora (speaker folds over several) can still be scored per corpus.
    /// `features`: the clean ones or a perturbed copy's. Every utterance's
    /// probabilities before calibration go to `predictions` (a CSV), so that
    /// another calibration can be scored on them later without training
    /// again.
    fn test_by_corpus(
        &self,
        test: &[usize],
        bundle: &Bundle,
        features: &[Extracted],
        predictions: &Path,
    ) -> Result<BTreeMap<String, CorpusPredictions>> {
        let mut by_corpus: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for &i in test {
            let corpus = self.utts[i].corpus.clone().unwrap_or_else(|| "(no corpus)".into());
            by_corpus.entry(corpus).or_default().push(i);
        }
        let t = bundle.inputs.temperature.unwrap_or(1.0);
        let centre = bundle.centring();
        let mut out = BTreeMap::new();
        let mut rows = Vec::with_capacity(test.len());
        for (corpus, idx) in by_corpus {
            let (set, kept) =
                examples_for(&self.utts, &idx, features, bundle.norm.as_ref(), bundle.vocab.as_ref(), centre)?;
            if set.is_empty() {
                continue;
            }
            let probs = predict_batches(bundle.model.burn()?, &set, self.config.batch_size)?;
            rows.extend(kept.iter().map(|&i| &self.utts[i]).zip(probs.iter().copied()));
            let probs = probs.into_iter().map(|p| emorec::model::calibrate(p, t)).collect();
            let labels = set.iter().filter_map(|e| e.label).collect();
            out.insert(corpus, CorpusPredictions { probs, labels });
        }
        write_predictions(predictions, rows.into_iter())?;
        Ok(out)
    }
}

/// One CSV row per utterance: who, what it is, what the model said.
pub fn write_predictions<'a>(path: &Path, rows: impl Iterator<Item = (&'a Utterance, [f32; 4])>) -> Result<()> {
    let write = || -> Result<(), csv::Error> {
        let mut w = csv::Writer::from_path(path)?;
        let classes = emorec::Emotion::ALL.map(|e| format!("p_{}", e.code()));
        w.write_record(
            ["id", "corpus", "speaker", "label", "predicted"].iter().copied().chain(classes.iter().map(String::as_str)),
        )?;
        for (u, p) in rows {
            let who = [u.id.as_str(), u.corpus.as_deref().unwrap_or(""), u.speaker.as_str()];
            let what = [u.label.code(), emorec::Emotion::most_likely(&p).code()];
            let probabilities = p.map(|v| format!("{v:.6}"));
            w.write_record(who.into_iter().chain(what).chain(probabilities.iter().map(String::as_str)))?;
        }
        w.flush()?;
        Ok(())
    };
    write().with_context(|| format!("cannot write the predictions to {}", path.display()))
}

/// Every corpus's test utterances (pooled over the folds by `cv`: each
/// utterance is tested once, by a model that never heard its speaker or,
/// leaving corpora out, its corpus), scored together.
pub fn corpus_table(pooled: &BTreeMap<String, CorpusPredictions>) -> String {
    let mut md = String::from(
        "\nPer corpus, test utterances pooled over folds:\n\n| corpus | n | WA | UA | ang | hap | neu | sad | ECE |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for (corpus, p) in pooled {
        let e = Evaluation::from_probabilities(&p.probs, &p.labels);
        let _ = writeln!(md, "| {corpus} | {} | {} | {:.3} |", e.n, accuracy_cells(&e), e.ece);
    }
    md
}

/// WA, UA and the four per-class recalls as Markdown table cells, in
/// percent ("-" for a class the test part does not have).
pub fn accuracy_cells(e: &Evaluation) -> String {
    let pct = |x: f64| if x.is_nan() { "-".to_string() } else { format!("{:.1}%", x * 100.0) };
    [e.wa, e.ua, e.per_class[0], e.per_class[1], e.per_class[2], e.per_class[3]].map(pct).join(" | ")
}

/// The corpus and speaker of each utterance at `kept`, numbered in order of
/// first appearance (for `balance = "corpus"` and `"speaker"`).
fn origins(utts: &[Utterance], kept: &[usize]) -> Vec<Origin> {
    let mut corpora = std::collections::HashMap::new();
    let mut speakers = std::collections::HashMap::new();
    kept.iter()
        .map(|&i| {
            let key = utts[i].speaker_key();
            let n = corpora.len() as u32;
            let corpus = *corpora.entry(key.0).or_insert(n);
            let n = speakers.len() as u32;
            Origin { corpus, speaker: *speakers.entry(key).or_insert(n) }
        })
        .collect()
}

/// Assigns speakers (sorted by name) round-robin to `k` groups, so that a
/// leave-one-group-out run is a k-fold speaker-independent cross-validation.
fn group_speakers(utts: &mut [Utterance], k: usize) {
    let mut speakers: Vec<String> = utts.iter().map(|u| u.speaker.clone()).collect();
    speakers.sort();
    speakers.dedup();
    let k = k.max(1);
    for u in utts.iter_mut() {
        let i = speakers.binary_search(&u.speaker).expect("speaker listed");
        u.group = format!("speakers-{}", i % k + 1);
    }
}

/// Training curves and, with a test set, its confusion matrix.
fn write_figures(report: &TrainReport, test: Option<&Evaluation>, out: &Path) -> Result<()> {
    use emorec::report::{confusion_svg, curves_svg, Series};
    let h = &report.history;
    let series = |name: &str, f: &dyn Fn(&emorec::train::EpochLog) -> f64| Series {
        name: name.to_string(),
        points: h.iter().map(|e| (e.epoch as f64, f(e))).collect(),
    };
    let curves = [
        series("train loss", &|e| e.train_loss),
        series("val loss", &|e| e.val_loss),
        series("val WA", &|e| e.val_wa),
        series("val UA", &|e| e.val_ua),
    ];
    write_atomic(&out.join("curves.svg"), curves_svg(&curves, "Training", "epoch", "loss / accuracy").as_bytes())?;
    if let Some(t) = test {
        let rows: Vec<Vec<usize>> = t.confusion.iter().map(|r| r.to_vec()).collect();
        let title = format!("Test: WA {:.1}%, UA {:.1}%", t.wa * 100.0, t.ua * 100.0);
        let svg = confusion_svg(&rows, &["ang", "hap", "neu", "sad"], &title);
        write_atomic(&out.join("confusion.svg"), svg.as_bytes())?;
    }
    Ok(())
}

/// `--validation-fraction`: a share strictly between 0 and 1.
fn validation_fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(f) if f > 0.0 && f < 1.0 => Ok(f),
        _ => Err(format!("{text:?} is not a share strictly between 0 and 1 (e.g. 0.2)")),
    }
}
