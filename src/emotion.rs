//! The four classes every model in this crate predicts. They live at crate
//! level because every layer speaks of them: the readers that map a corpus's
//! labels, the model's output order, the metrics and the result a page shows.

use std::fmt;

/// The four classes every model in this crate predicts (IEMOCAP's usual
/// 4-class setup, with "excited" merged into happy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Emotion {
    Angry,
    Happy,
    Neutral,
    Sad,
}

impl Emotion {
    pub const ALL: [Emotion; 4] = [Emotion::Angry, Emotion::Happy, Emotion::Neutral, Emotion::Sad];
    pub const COUNT: usize = 4;

    /// Position in model outputs: ang 0, hap 1, neu 2, sad 3.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(i: usize) -> Option<Emotion> {
        Self::ALL.get(i).copied()
    }

    /// The short code used in manifests and JSON: ang, hap, neu, sad.
    pub fn code(self) -> &'static str {
        match self {
            Emotion::Angry => "ang",
            Emotion::Happy => "hap",
            Emotion::Neutral => "neu",
            Emotion::Sad => "sad",
        }
    }

    /// Reads a 4-class code (ang/hap/neu/sad, also exc → hap, as IEMOCAP
    /// studies merge them). Other labels are not part of the 4 classes.
    pub fn from_code(code: &str) -> Option<Emotion> {
        match code.trim().to_ascii_lowercase().as_str() {
            "ang" | "angry" | "anger" => Some(Emotion::Angry),
            "hap" | "happy" | "exc" | "excited" | "joy" => Some(Emotion::Happy),
            "neu" | "neutral" => Some(Emotion::Neutral),
            "sad" | "sadness" => Some(Emotion::Sad),
            _ => None,
        }
    }
}

impl fmt::Display for Emotion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
