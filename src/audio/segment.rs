//! Long recordings cut where the speaker pauses, into pieces the model can
//! take whole.
//!
//! The model reads at most its `max_frames` (10 s for every shipped config);
//! before this existed, a 148 s recording was classified from its first 10 s
//! without a word. [`split`] covers the whole recording with spans instead:
//! *sound* spans, each at most `max_s` long, which the pipeline classifies one
//! by one (each passes the speech gate on its own, so noise between
//! sentences is "no speech" too), and *pauses*, where nothing comes within
//! [`ACTIVE_RANGE_DB`] of the recording's loud level, which are not
//! classified at all.
//!
//! Why pauses rather than fixed windows: emotion is expressed, labelled and
//! learned per utterance, and the training utterances are whole sentences
//! with silence around them. Cutting at pauses gives the model what it was
//! trained on; fixed windows would cut words in half and give it fragments
//! that start and end mid-syllable. Speech with no pause longer than
//! `max_s` is cut at its quietest 10 ms within the last [`CUT_SEARCH_S`]
//! before the limit, which in speech is almost always a gap between words.
//!
//! Every level is relative to the recording's own loud level (as the speech
//! gate's), so the same recording 20 dB louder or quieter is cut at the same
//! places.

use super::level::{frame_rms, loud_of};
use super::TARGET_RATE;

/// Frames within this many dB of the recording's loud level (95th percentile
/// of frame RMS) are sound; the rest is pause. The same range the speech gate
/// calls active (`features::speech::ACTIVE_RANGE_DB`).
pub const ACTIVE_RANGE_DB: f64 = 35.0;

/// Quieter stretches shorter than this are part of the sound around them
/// (a stop consonant, a breath between words), not a pause.
pub const MIN_PAUSE_S: f64 = 0.5;

/// Sound shorter than this between pauses (a click, a cough) is pause.
pub const MIN_SOUND_S: f64 = 0.25;

/// Sound spans are widened by this much into the pause on each side, so that
/// soft onsets and decays stay with their word, as in the training corpora's
/// own cuts.
pub const PAD_S: f64 = 0.1;

/// A span longer than the limit is cut at its quietest frame within this many
/// seconds before the limit.
pub const CUT_SEARCH_S: f64 = 2.0;

const HOP: usize = 160;
const FRAME: usize = 400;

/// A stretch of the recording, in samples at 16 kHz (`start..end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    /// Sound to classify; `false` for a pause.
    pub sound: bool,
}

impl Span {
    pub fn start_s(&self) -> f64 {
        self.start as f64 / f64::from(TARGET_RATE)
    }

    pub fn end_s(&self) -> f64 {
        self.end as f64 / f64::from(TARGET_RATE)
    }
}

/// Spans covering `samples_16k` from start to end, in order, with no gap or
/// overlap; see the module documentation. A recording no longer than `max_s`
/// is one sound span (it is an utterance, classified whole as before), and so
/// is every recording with no frame above the pause range (digital silence
/// is cut into `max_s` pieces so that the speech gate can say what it is).
pub fn split(samples_16k: &[f32], max_s: f64) -> Vec<Span> {
    let n = samples_16k.len();
    let max_len = ((max_s * f64::from(TARGET_RATE)) as usize).max(FRAME);
    if n <= max_len {
        return vec![Span { start: 0, end: n, sound: true }];
    }
    let rms = frame_rms(samples_16k);
    let db: Vec<f64> = rms.iter().map(|&r| 20.0 * r.max(1e-10).log10()).collect();
    let loud = loud_of(&mut rms.clone());
    let mut active: Vec<bool> = db.iter().map(|&d| d >= loud - ACTIVE_RANGE_DB).collect();
    close_runs(&mut active, false, frames(MIN_PAUSE_S), true);
    close_runs(&mut active, true, frames(MIN_SOUND_S), false);
    let runs = runs_of(&active);
    if runs.is_empty() {
        return cut(Span { start: 0, end: n, sound: true }, &db, max_len);
    }
    let pad = (PAD_S * f64::from(TARGET_RATE)) as usize;
    let mut sound: Vec<(usize, usize)> =
        runs.iter().map(|&(a, b)| ((a * HOP).saturating_sub(pad), ((b - 1) * HOP + FRAME + pad).min(n))).collect();
    for i in 1..sound.len() {
        if sound[i].0 < sound[i - 1].1 {
            let mid = (sound[i].0 + sound[i - 1].1) / 2;
            sound[i - 1].1 = mid;
            sound[i].0 = mid;
        }
    }
    let mut spans = Vec::new();
    let mut at = 0;
    for (a, b) in sound {
        if a > at {
            spans.push(Span { start: at, end: a, sound: false });
        }
        spans.extend(cut(Span { start: a, end: b, sound: true }, &db, max_len));
        at = b;
    }
    if at < n {
        spans.push(Span { start: at, end: n, sound: false });
    }
    spans
}

fn frames(seconds: f64) -> usize {
    (seconds * f64::from(TARGET_RATE) / HOP as f64).round() as usize
}

/// Sets to `to` every run of `value` shorter than `min` frames that has
/// frames of the other value on both sides (runs at either end stay: a
/// recording may start or end in a pause of any length).
fn close_runs(active: &mut [bool], value: bool, min: usize, to: bool) {
    let mut t = 0;
    while t < active.len() {
        if active[t] != value {
            t += 1;
            continue;
        }
        let start = t;
        while t < active.len() && active[t] == value {
            t += 1;
        }
        let inner = start > 0 && t < active.len();
        if inner && t - start < min {
            active[start..t].iter_mut().for_each(|a| *a = to);
        }
    }
}

/// The `[start, end)` frame runs where `active` holds.
fn runs_of(active: &[bool]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut t = 0;
    while t < active.len() {
        if !active[t] {
            t += 1;
            continue;
        }
        let start = t;
        while t < active.len() && active[t] {
            t += 1;
        }
        runs.push((start, t));
    }
    runs
}

/// `span` in pieces of at most `max_len` samples, each cut at the quietest
/// frame within [`CUT_SEARCH_S`] before the limit.
fn cut(span: Span, db: &[f64], max_len: usize) -> Vec<Span> {
    let search = ((CUT_SEARCH_S * f64::from(TARGET_RATE)) as usize).min(max_len / 2);
    let mut pieces = Vec::new();
    let mut start = span.start;
    while span.end - start > max_len {
        let limit = start + max_len;
        let (lo, hi) = ((limit - search).div_ceil(HOP), limit / HOP);
        let quietest = (lo..=hi.min(db.len().saturating_sub(1)))
            .min_by(|&a, &b| db[a].total_cmp(&db[b]))
            .map_or(limit, |t| (t * HOP + FRAME / 2).clamp(start + 1, limit));
        pieces.push(Span { start, end: quietest, sound: true });
        start = quietest;
    }
    pieces.push(Span { start, end: span.end, sound: true });
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Syllable-like bursts (a 4 Hz modulated tone) for `s` seconds.
    fn speechlike(s: f64, amplitude: f32) -> Vec<f32> {
        let n = (s * 16_000.0) as usize;
        (0..n)
            .map(|i| {
                let t = i as f32 / 16_000.0;
                amplitude * (0.55 + 0.45 * (std::f32::consts::TAU * 4.0 * t).sin()) * (t * 1400.0).sin()
            })
            .collect()
    }

    fn covers(spans: &[Span], n: usize) {
        assert_eq!(spans.first().unwrap().start, 0);
        assert_eq!(spans.last().unwrap().end, n);
        for w in spans.windows(2) {
            assert_eq!(w[0].end, w[1].start, "{spans:?}");
        }
        assert!(spans.iter().all(|s| s.end > s.start), "{spans:?}");
    }

    #[test]
    fn a_short_recording_is_one_span() {
        let x = speechlike(4.0, 0.1);
        assert_eq!(split(&x, 10.0), vec![Span { start: 0, end: x.len(), sound: true }]);
    }

    #[test]
    fn pauses_separate_sounds_and_long_sound_is_cut() {
        let mut x = speechlike(3.0, 0.1);
        x.extend(vec![0.0; 32_000]); // 2 s pause
        x.extend(speechlike(25.0, 0.1)); // no pause: cut into pieces of at most 10 s
        x.extend(vec![1e-6; 48_000]); // 3 s near silence at the end
        let spans = split(&x, 10.0);
        covers(&spans, x.len());
        let pauses: Vec<_> = spans.iter().filter(|s| !s.sound).collect();
        assert_eq!(pauses.len(), 2, "{spans:?}");
        assert!((pauses[0].start_s() - 3.1).abs() < 0.05 && (pauses[0].end_s() - 4.9).abs() < 0.05, "{pauses:?}");
        assert!((pauses[1].start_s() - 30.1).abs() < 0.05, "{pauses:?}");
        let sound: Vec<_> = spans.iter().filter(|s| s.sound).collect();
        assert_eq!(sound.len(), 4, "{spans:?}");
        assert!(sound.iter().all(|s| s.end - s.start <= 160_000), "{sound:?}");
    }

    #[test]
    fn the_cuts_do_not_follow_the_gain() {
        let mut x = speechlike(6.0, 0.1);
        x.extend(vec![0.0; 16_000]);
        x.extend(speechlike(9.0, 0.05));
        let quiet: Vec<f32> = x.iter().map(|v| v * 0.01).collect();
        assert_eq!(split(&x, 10.0), split(&quiet, 10.0));
    }

    #[test]
    fn short_gaps_and_clicks_do_not_split() {
        let mut x = speechlike(5.0, 0.1);
        x.extend(vec![0.0; 4_000]); // 0.25 s: a gap between words
        x.extend(speechlike(5.0, 0.1));
        x.extend(vec![0.0; 32_000]);
        x.extend(speechlike(0.05, 0.5)); // a click
        x.extend(vec![0.0; 32_000]);
        let spans = split(&x, 12.0);
        covers(&spans, x.len());
        assert_eq!(spans.iter().filter(|s| s.sound).count(), 1, "{spans:?}");
    }

    #[test]
    fn silence_is_cut_into_pieces_for_the_gate() {
        let x = vec![0.0; 16_000 * 25];
        let spans = split(&x, 10.0);
        covers(&spans, x.len());
        assert!(spans.len() >= 3 && spans.iter().all(|s| s.sound && s.end - s.start <= 160_000), "{spans:?}");
    }
}
