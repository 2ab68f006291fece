//! A speaker's own statistics, from their unlabelled recordings: what a
//! bundle trained with speaker normalisation standardises their later
//! recordings by (the CLI's `predict --speaker`, `evaluate --normalize
//! speaker`; in the browser, calibration to one's voice).

use super::Bundle;
use crate::data::norm::{group_stats, NormStats};
use crate::features::{speech_presence_after_gain, Extractor};
use crate::{audio, Error, Result};

impl Bundle {
    /// Statistics of the bundle's raw descriptors over every recording (mono
    /// samples and their rate) that holds speech; recordings the speech gate
    /// rejects are left out, since silence or noise says nothing about the
    /// voice. Fails when none holds speech or the model does not hear.
    pub fn speaker_stats(&self, extractor: &mut Extractor, recordings: &[(&[f32], u32)]) -> Result<NormStats> {
        if self.norm.is_none() {
            return Err(Error::Input("this model reads no audio: it has no use for a speaker's statistics".into()));
        }
        let mut speech = Vec::with_capacity(recordings.len());
        for &(samples, rate) in recordings {
            let x = audio::prepare(samples, rate)?;
            let (m, gain_db) = self.features(extractor, &x)?;
            if speech_presence_after_gain(&m, gain_db).speech {
                speech.push(m);
            }
        }
        if speech.is_empty() {
            return Err(Error::Input(format!(
                "none of the {} recording(s) for the speaker's statistics holds speech",
                recordings.len()
            )));
        }
        Ok(group_stats(&speech)?)
    }
}
