//! Utterances → [`Example`](crate::model::Example)s: cached descriptors normalised with the training
//! statistics, transcripts embedded with the pruned vocabulary.

use crate::data::norm::{NormStats, SpeakerReference};
use crate::features::FeatureMatrix;
use crate::model::batch::StatisticsMoments;
use crate::model::{ModelConfig, Sequence};
use crate::text::Vocabulary;
use crate::Result;

/// Normalised descriptors as a model sequence.
pub fn acoustic_example(m: &FeatureMatrix, norm: &NormStats) -> Result<Sequence> {
    let mut m = m.clone();
    norm.apply(&mut m)?;
    Ok(Sequence::new(m.n_frames(), m.n_columns(), m.data)?)
}

/// How a bundle reads the utterance statistics relative to their speaker
/// (`InputSpec::centre_stats`, `InputSpec::statistics_spread`).
#[derive(Debug, Clone, Copy)]
pub struct Centring<'a> {
    pub config: &'a ModelConfig,
    /// The training speakers' within-speaker deviation of each statistic:
    /// present, the centred statistics are also rescaled by it over the
    /// speaker's own deviation ([`StatisticsMoments::scale`]).
    pub spread: Option<&'a [f32]>,
    /// Which of a speaker's recordings make their mean statistics, where
    /// they are known from several (`InputSpec::speaker_reference`).
    pub reference: SpeakerReference,
}

/// A speaker's offset and (optional) scale of the utterance statistics.
pub type Shift = (Vec<f32>, Option<Vec<f32>>);

impl Centring<'_> {
    /// What an example of a speaker with these `moments` carries:
    /// [`crate::model::Example::stats_offset`] and `stats_scale`.
    pub fn shift(&self, moments: &StatisticsMoments) -> Shift {
        (moments.mean.clone(), self.spread.map(|p| moments.scale(p)))
    }
}

/// Word vectors of a transcript, and its tokens. A transcript with no words
/// (empty, only punctuation or markup) is missing text: `None`.
pub fn text_example(text: &str, vocab: &Vocabulary) -> Result<(Option<Sequence>, Vec<String>)> {
    let embedded = vocab.embed(text);
    if embedded.is_empty() {
        return Ok((None, Vec::new()));
    }
    let n = embedded.len();
    Ok((Some(Sequence::new(n, vocab.dim(), embedded.vectors)?), embedded.tokens))
}

#[cfg(feature = "cli")]
mod native {
    use std::path::PathBuf;

    use std::collections::hash_map::Entry;
    use std::collections::HashMap;

    use super::*;
    use crate::data::cache::FeatureCache;
    use crate::data::Utterance;
    use crate::features::FeatureSettings;
    use crate::model::batch::pooled_spread;
    use crate::model::Example;
    use crate::pipeline::InputSpec;

    /// Descriptors of every utterance with audio (from the cache, computing
    /// what is missing in parallel), `None` for the others. Failures are
    /// returned per utterance so that one bad file does not stop a corpus.
    pub fn compute_features(
        utts: &[Utterance],
        cache: &FeatureCache,
        settings: FeatureSettings,
    ) -> Vec<Option<std::result::Result<FeatureMatrix, String>>> {
        let paths: Vec<PathBuf> = utts.iter().filter_map(|u| u.audio.clone()).collect();
        let mut computed = cache.load_all(&paths, settings, true).into_iter();
        utts.iter()
            .map(|u| u.audio.as_ref().map(|_| computed.next().expect("one result per path").map_err(|e| e.to_string())))
            .collect()
    }

    /// Whether each utterance counts toward its speaker's statistics
    /// ([`SpeakerReference`]): with `Neutral`, a speaker's neutral
    /// utterances, or all of theirs where none of their neutral ones has
    /// features (one rule for the frame standardisation and the centred
    /// statistics, so that a speaker whose neutral files all fail to decode
    /// still gets both from their other recordings).
    pub fn in_reference(
        utts: &[Utterance],
        features: &[Option<std::result::Result<FeatureMatrix, String>>],
        reference: SpeakerReference,
    ) -> Vec<bool> {
        use crate::emotion::Emotion;
        match reference {
            SpeakerReference::All => vec![true; utts.len()],
            SpeakerReference::Neutral => {
                let with_neutral: std::collections::HashSet<(&str, &str)> = utts
                    .iter()
                    .zip(features)
                    .filter(|(u, f)| u.label == Emotion::Neutral && matches!(f, Some(Ok(_))))
                    .map(|(u, _)| u.speaker_key())
                    .collect();
                utts.iter().map(|u| u.label == Emotion::Neutral || !with_neutral.contains(&u.speaker_key())).collect()
            }
        }
    }

    /// Turns extracted descriptors into what the model reads, in place: the
    /// bundle's view ([`InputSpec::view`]), then standardised as `mode` asks,
    /// before the training statistics: by each speaker's own frames (a speaker is a
    /// corpus and a speaker id, since corpora reuse ids such as "01"; their
    /// recordings that `inputs.speaker_reference` names), or by each
    /// utterance's. With the default reference labels are not used: a new
    /// speaker's statistics can come from any of their recordings.
    pub fn prenormalize_features(
        utts: &[Utterance],
        features: &mut [Option<std::result::Result<FeatureMatrix, String>>],
        inputs: &InputSpec,
        mode: crate::data::norm::Normalization,
    ) -> Result<()> {
        use crate::data::norm::{standardize_groups, Normalization};
        for m in features.iter_mut().flatten().flatten() {
            inputs.view(m);
        }
        if mode.is_global() {
            return Ok(());
        }
        let reference = in_reference(utts, features, inputs.speaker_reference);
        let mut items: Vec<((&str, &str, usize), bool, &mut FeatureMatrix)> = Vec::new();
        for (i, (u, f)) in utts.iter().zip(features.iter_mut()).enumerate() {
            let Some(Ok(m)) = f else { continue };
            let key = match mode {
                Normalization::Speaker => {
                    let (corpus, speaker) = u.speaker_key();
                    (corpus, speaker, 0)
                }
                Normalization::Utterance | Normalization::Global => ("", "", i),
            };
            items.push((key, reference[i], m));
        }
        Ok(standardize_groups(&mut items)?)
    }

    /// Examples for the utterances at `indices`, with the modalities the model
    /// uses, and beside them the index (into `utts`) of each example's
    /// utterance, so that a result can name it: an utterance that ends up
    /// with neither modality is skipped. `centre`: set when the bundle reads
    /// the utterance statistics relative to the speaker
    /// (`InputSpec::centre_stats`); each example with audio then carries its
    /// speaker's mean statistics (and scale) over their utterances in `utts`
    /// (those `centre.reference` names: by default all, no labels used).
    pub fn examples_for(
        utts: &[Utterance],
        indices: &[usize],
        features: &[Option<std::result::Result<FeatureMatrix, String>>],
        norm: Option<&NormStats>,
        vocab: Option<&Vocabulary>,
        centre: Option<Centring>,
    ) -> Result<(Vec<Example>, Vec<usize>)> {
        let mut out = Vec::with_capacity(indices.len());
        let mut speakers = Vec::with_capacity(indices.len());
        let mut kept = Vec::with_capacity(indices.len());
        for &i in indices {
            let u = &utts[i];
            let acoustic = match (norm, features[i].as_ref()) {
                (Some(norm), Some(Ok(m))) => Some(acoustic_example(m, norm)?),
                _ => None,
            };
            let (words, tokens) = match (vocab, u.transcript.as_deref()) {
                (Some(v), Some(t)) => text_example(t, v)?,
                _ => (None, Vec::new()),
            };
            if acoustic.is_none() && words.is_none() {
                continue;
            }
            kept.push(i);
            speakers.push(u.speaker_key());
            out.push(Example { acoustic, words, label: Some(u.label), tokens, ..Default::default() });
        }
        if let (Some(centre), Some(norm)) = (centre, norm) {
            let reference = in_reference(utts, features, centre.reference);
            let mut shifts: HashMap<(&str, &str), Shift> = HashMap::new();
            for (e, key) in out.iter_mut().zip(speakers) {
                if !e.has_audio() {
                    continue;
                }
                let (offset, scale) = match shifts.entry(key) {
                    Entry::Occupied(o) => o.into_mut(),
                    Entry::Vacant(v) => {
                        v.insert(centre.shift(&speaker_moments(utts, &reference, features, norm, centre.config, key)?))
                    }
                };
                e.stats_offset = Some(offset.clone());
                e.stats_scale = scale.clone();
            }
        }
        Ok((out, kept))
    }

    /// The typical within-speaker deviation of the utterance statistics over
    /// the speakers of the utterances at `indices` (each over their
    /// utterances in `utts` that `reference` names): the prior a bundle that
    /// standardises the statistics per speaker keeps
    /// (`InputSpec::statistics_spread`).
    pub fn statistics_spread(
        utts: &[Utterance],
        indices: &[usize],
        features: &[Option<std::result::Result<FeatureMatrix, String>>],
        norm: &NormStats,
        config: &ModelConfig,
        reference: SpeakerReference,
    ) -> Result<Vec<f32>> {
        let mut keys: Vec<_> = indices.iter().map(|&i| utts[i].speaker_key()).collect();
        keys.sort_unstable();
        keys.dedup();
        let reference = in_reference(utts, features, reference);
        let moments = keys
            .into_iter()
            .map(|k| speaker_moments(utts, &reference, features, norm, config, k))
            .collect::<Result<Vec<_>>>()?;
        Ok(pooled_spread(&moments))
    }

    /// How the utterance statistics of one speaker's utterances in `utts`
    /// (those flagged in `reference`) spread.
    fn speaker_moments(
        utts: &[Utterance],
        reference: &[bool],
        features: &[Option<std::result::Result<FeatureMatrix, String>>],
        norm: &NormStats,
        config: &ModelConfig,
        key: (&str, &str),
    ) -> Result<StatisticsMoments> {
        let mut sequences = Vec::new();
        for ((u, f), &counts) in utts.iter().zip(features).zip(reference) {
            if let (true, Some(Ok(m))) = (counts && u.speaker_key() == key, f) {
                sequences.push(acoustic_example(m, norm)?);
            }
        }
        Ok(StatisticsMoments::of(&sequences, config)?)
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::emotion::Emotion;

        fn utt(speaker: &str, label: Emotion) -> Utterance {
            Utterance {
                id: format!("{speaker}-{label:?}"),
                audio: None,
                transcript: None,
                label,
                speaker: speaker.into(),
                group: String::new(),
                corpus: Some("c".into()),
            }
        }

        #[test]
        fn the_neutral_reference_falls_back_to_all_of_a_speaker_without_neutral() {
            let utts = [
                utt("a", Emotion::Neutral),
                utt("a", Emotion::Angry),
                utt("b", Emotion::Sad),
                utt("b", Emotion::Happy),
            ];
            let readable = || Some(Ok(FeatureMatrix { names: vec![], data: vec![], hop_s: 0.01, frame_s: 0.025 }));
            let features = vec![readable(), readable(), readable(), readable()];
            assert_eq!(in_reference(&utts, &features, SpeakerReference::All), vec![true; 4]);
            assert_eq!(in_reference(&utts, &features, SpeakerReference::Neutral), vec![true, false, true, true]);
        }

        #[test]
        fn a_speaker_whose_neutral_recordings_cannot_be_read_falls_back_to_the_others() {
            let utts = [utt("a", Emotion::Neutral), utt("a", Emotion::Angry), utt("a", Emotion::Sad)];
            let readable = || Some(Ok(FeatureMatrix { names: vec![], data: vec![], hop_s: 0.01, frame_s: 0.025 }));
            let features = vec![Some(Err("cannot decode".to_string())), readable(), readable()];
            assert_eq!(in_reference(&utts, &features, SpeakerReference::Neutral), vec![true, true, true]);
        }
    }
}

#[cfg(feature = "cli")]
pub use native::{compute_features, examples_for, prenormalize_features, statistics_spread};
