//! Corpora and manifests: which utterances exist, where their audio is, what
//! was said, who said it and which emotion it carries.

//!
//! * [`manifest`]: one CSV format for every command, plus readers for the
//!   shared corpora's own manifests (TESS, RAVDESS, EMOVO, MELD, EmoryNLP);
//! * [`goemotions`], [`dailydialog`], [`emorynlp`]: the text corpora, with
//!   their label mappings and official splits;
//! * [`iemocap`]: builds a manifest from a user's IEMOCAP release;
//! * [`split`]: evaluation protocols (random, leave-one-speaker/group-out,
//!   predefined) with validation parts, deterministic for a seed;
//! * [`norm`]: per-column normalisation statistics that ship with a model;
//! * `cache` (native): features extracted once, stored as f16.

use std::fmt;

use crate::Emotion;
use std::path::PathBuf;

pub mod augment;
#[cfg(not(target_arch = "wasm32"))]
pub mod cache;
pub mod dailydialog;
pub mod emorynlp;
mod error;
pub mod goemotions;
pub mod iemocap;
pub mod manifest;
pub mod norm;
pub mod split;

pub use error::DataError;
#[cfg(not(target_arch = "wasm32"))]
pub use manifest::{load_manifest, load_manifests};
pub use manifest::{Manifest, ManifestFormat};

/// One labelled utterance, as every manifest describes it. Either modality
/// may be missing: MELD has no audio, TESS and RAVDESS have no emotional text.
#[derive(Debug, Clone, PartialEq)]
pub struct Utterance {
    /// Unique within its manifest (e.g. `Ses01F_impro01_F000`).
    pub id: String,
    /// Absolute path (manifests store it relative to themselves).
    pub audio: Option<PathBuf>,
    pub transcript: Option<String>,
    pub label: Emotion,
    pub speaker: String,
    /// Session (IEMOCAP), fold or split name: what speaker-independent
    /// protocols hold out together.
    pub group: String,
    /// The corpus the utterance comes from (`tess`, `ravdess`, `emovo`,
    /// `meld`, `goemotions`, `dailydialog`, `emorynlp`, `iemocap`), set by its
    /// reader, so that corpora can be told apart once manifests are combined
    /// (leave-one-corpus-out, per-corpus scores). `None` only for rows of an
    /// emorec manifest written without the optional `corpus` column.
    pub corpus: Option<String>,
}

impl Utterance {
    /// Who spoke it: its corpus and speaker id, since corpora reuse ids
    /// such as "01".
    pub fn speaker_key(&self) -> (&str, &str) {
        (self.corpus.as_deref().unwrap_or(""), self.speaker.as_str())
    }

    /// True when the utterance has a recording to extract acoustic features from.
    pub fn has_audio(&self) -> bool {
        self.audio.is_some()
    }

    /// True when the utterance has a transcript with at least one word.
    pub fn has_text(&self) -> bool {
        self.transcript.as_deref().is_some_and(has_words)
    }
}

/// Whether `text` contains a word once IEMOCAP-style markup (`[LAUGHTER]`,
/// `[BREATHING]`, `<...>`) and punctuation are set aside. Utterances whose
/// transcript is only markup carry nothing for a text model.
pub fn has_words(text: &str) -> bool {
    let mut depth_square = 0usize;
    let mut depth_angle = 0usize;
    for c in text.chars() {
        match c {
            '[' => depth_square += 1,
            ']' => depth_square = depth_square.saturating_sub(1),
            '<' => depth_angle += 1,
            '>' => depth_angle = depth_angle.saturating_sub(1),
            c if depth_square == 0 && depth_angle == 0 && c.is_alphanumeric() => return true,
            _ => {}
        }
    }
    false
}

/// How many utterances each class has, in [`Emotion::ALL`] order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LabelCounts(pub [usize; Emotion::COUNT]);

impl LabelCounts {
    pub fn of<'a>(utterances: impl IntoIterator<Item = &'a Utterance>) -> Self {
        let mut c = LabelCounts::default();
        for u in utterances {
            c.0[u.label.index()] += 1;
        }
        c
    }

    pub fn get(&self, e: Emotion) -> usize {
        self.0[e.index()]
    }

    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }
}

impl fmt::Display for LabelCounts {
    /// `ang 1103, hap 1636, neu 1708, sad 1084 (total 5531)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in Emotion::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{} {}", e.code(), self.0[i])?;
        }
        write!(f, " (total {})", self.total())
    }
}
