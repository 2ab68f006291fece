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

    /// The class with the highest of `scores` (probabilities or logits, in
    /// output order), the last of equal ones: one rule for every place that
    /// turns a model's output into a label, so that a prediction file, the
    /// confusion matrix and the calibration error agree on ties.
    pub fn most_likely(scores: &[f32; 4]) -> Emotion {
        let best = (0..4).max_by(|&a, &b| scores[a].total_cmp(&scores[b])).unwrap_or(0);
        Self::ALL[best]
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

#[cfg(test)]
mod tests {
    use super::Emotion;

    #[test]
    fn most_likely_is_the_highest_score_and_the_last_of_a_tie() {
        assert_eq!(Emotion::most_likely(&[0.1, 0.6, 0.2, 0.1]), Emotion::Happy);
        assert_eq!(Emotion::most_likely(&[-3.0, -0.5, -2.0, -0.7]), Emotion::Happy);
        assert_eq!(Emotion::most_likely(&[0.4, 0.1, 0.4, 0.1]), Emotion::Neutral);
    }
}
