//! Recordings of any length: cut at pauses ([`crate::audio::segment`]), each
//! piece classified on its own, the results laid out as a timeline with a
//! summary. Before this, a recording longer than the model's `max_frames`
//! (10 s) was classified from its first 10 s, silently.
//!
//! A recording the model can take whole (at most its `max_frames`) is one
//! piece, classified exactly as it always was, and its result carries a
//! timeline of one segment. A longer one is planned ([`Bundle::plan`]) into
//! pieces: each sound span is classified from its audio alone (it passes the
//! speech gate on its own, so a stretch of noise is "no speech" too), pauses
//! are not classified, and a transcript, which cannot be aligned with the
//! pieces, is classified once on its own. [`Bundle::timeline`] assembles the
//! pieces' results. The caller runs the pieces between the two (the CLI
//! blocking, a page awaiting each read on WebGPU), one at a time, so memory
//! stays that of one piece, whatever the length.

use serde::Serialize;

use super::classify::emotion_code;
use super::{Bundle, Classification, Input};
use crate::audio::segment::{self, Span};
use crate::audio::TARGET_RATE;
use crate::{audio, Emotion, Result};

/// One stretch of the recording and what it was found to be.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    /// Seconds from the start of the recording.
    pub start: f64,
    pub end: f64,
    /// Whether the stretch holds speech; pauses and stretches the speech gate
    /// rejects do not.
    pub speech: bool,
    /// Why there is no label.
    pub reason: Option<String>,
    #[serde(serialize_with = "emotion_code")]
    pub label: Option<Emotion>,
    /// ang, hap, neu, sad.
    pub probabilities: Option<[f32; 4]>,
}

/// The whole recording at a glance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Seconds.
    pub duration: f64,
    /// Seconds of segments that hold speech (and so have a label).
    pub speech: f64,
    /// Share of the speech time whose segment has each label (ang, hap, neu,
    /// sad; they sum to 1); `None` without speech.
    pub shares: Option<[f32; 4]>,
    pub segments: usize,
}

/// How a recording is to be classified: [`Plan::inputs`] gives the pieces.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    input: Input<'a>,
    /// 16 kHz samples and their spans; `None` when the input is one piece.
    cut: Option<(Vec<f32>, Vec<Span>)>,
    /// Whether the transcript is classified on its own, after the pieces.
    text_alone: bool,
    duration_s: Option<f64>,
    max_s: f64,
}

impl<'a> Plan<'a> {
    /// One input per piece, in order; `None` for a pause (nothing to
    /// classify). With a transcript and a cut recording, the last is the
    /// transcript alone.
    pub fn inputs(&self) -> Vec<Option<Input<'_>>> {
        let Some((samples, spans)) = &self.cut else {
            return vec![Some(self.input)];
        };
        let mut inputs: Vec<Option<Input<'_>>> = spans
            .iter()
            .map(|s| {
                s.sound.then(|| {
                    Input::new(Some((&samples[s.start..s.end], TARGET_RATE)), None).with_calibration(self.input.speaker)
                })
            })
            .collect();
        if self.text_alone {
            inputs.push(Some(Input::new(None, self.input.transcript)));
        }
        inputs
    }

    /// Whether the recording was cut into pieces.
    pub fn is_cut(&self) -> bool {
        self.cut.is_some()
    }
}

impl Bundle {
    /// The longest audio the model reads at once, in seconds (its
    /// `max_frames`; 10 s where it has no cap, the length of the longest
    /// training utterances).
    pub fn piece_s(&self) -> f64 {
        let frames = self.model.config().max_frames;
        if frames == 0 {
            10.0
        } else {
            frames as f64 * self.inputs.settings().map_or(0.01, |s| s.set.hop_s())
        }
    }

    /// Checks `input` and plans its classification: audio longer than
    /// [`Bundle::piece_s`] is resampled once and cut at its pauses.
    pub fn plan<'a>(&self, input: &Input<'a>) -> Result<Plan<'a>> {
        let input = Input::new(input.audio, input.transcript).with_calibration(input.speaker);
        let max_s = self.piece_s();
        let duration_s = input.audio.map(|(s, rate)| s.len() as f64 / f64::from(rate.max(1)));
        let whole = Plan { input, cut: None, text_alone: false, duration_s, max_s };
        let Some((samples, rate)) = input.audio.filter(|_| self.norm.is_some()) else {
            return Ok(whole);
        };
        if duration_s.is_some_and(|d| d <= max_s) {
            return Ok(whole);
        }
        let x = audio::prepare(samples, rate)?;
        let spans = segment::split(&x, max_s);
        if spans.len() == 1 {
            return Ok(whole);
        }
        let text_alone = input.transcript.is_some() && self.model.config().variant.uses_text();
        Ok(Plan { input, cut: Some((x, spans)), text_alone, duration_s, max_s })
    }

    /// The result of a planned classification from its pieces' results (one
    /// per [`Plan::inputs`] entry, `None` for the pauses).
    pub fn timeline(&self, plan: &Plan, mut results: Vec<Option<Classification>>) -> Classification {
        let Some((_, spans)) = &plan.cut else {
            let mut c = results.pop().flatten().expect("a plan of one piece has one result");
            if let Some(duration) = plan.duration_s {
                let segment = segment_of(0.0, duration, &c);
                c.summary = Some(summarise(duration, std::slice::from_ref(&segment)));
                c.segments = vec![segment];
            }
            c.duration_s = plan.duration_s;
            return c;
        };
        let text = if plan.text_alone { results.pop().flatten() } else { None };
        let duration = plan.duration_s.unwrap_or_default();
        let segments: Vec<Segment> = spans
            .iter()
            .zip(&results)
            .map(|(span, r)| match r {
                Some(c) => segment_of(span.start_s(), span.end_s(), c),
                None => Segment {
                    start: span.start_s(),
                    end: span.end_s(),
                    speech: false,
                    reason: Some(format!(
                        "a pause: nothing within {} dB of the recording's loud level",
                        segment::ACTIVE_RANGE_DB
                    )),
                    label: None,
                    probabilities: None,
                },
            })
            .collect();
        let summary = summarise(duration, &segments);
        let hop = results.iter().flatten().next().map_or(0.01, |c| c.frame_hop_s);
        let mut frames = vec![0.0f32; (duration / hop).ceil() as usize];
        for (span, c) in spans.iter().zip(&results) {
            if let Some(w) = c.as_ref().and_then(|c| c.frame_attention.as_ref()) {
                let at = (span.start_s() / hop).round() as usize;
                for (f, &v) in frames.iter_mut().skip(at).zip(w) {
                    *f = v;
                }
            }
        }
        let probabilities = mean_probabilities(&segments);
        let heard = segments.iter().filter(|s| s.speech).count();
        let mut notes = vec![format!(
            "the recording ({duration:.1} s) is longer than the {:.0} s the model reads at once: cut at its pauses into \
             {} segments, {heard} of them with speech, each classified on its own; the label and probabilities are \
             the speech segments' mean, weighted by their length",
            plan.max_s,
            segments.len()
        )];
        let (words, word_attention) = match text {
            Some(t) => {
                notes.push(format!(
                    "the transcript cannot be aligned with the segments: it was classified on its own ({}), and \
                     the segments from their audio alone",
                    t.label.map_or("no label".into(), |l| l.to_string())
                ));
                (t.words, t.word_attention)
            }
            None => {
                if plan.input.transcript.is_some() {
                    notes.push("this model reads no text: the transcript was left out".into());
                }
                (Vec::new(), None)
            }
        };
        let reason = (heard == 0).then(|| {
            let why = segments.iter().find_map(|s| s.reason.clone()).unwrap_or_else(|| "no speech".into());
            format!("no speech in any segment (first: {why})")
        });
        Classification {
            speech: Some(heard > 0),
            reason,
            label: probabilities.map(|p| Emotion::most_likely(&p)),
            probabilities,
            frame_attention: Some(frames).filter(|_| heard > 0),
            frame_hop_s: hop,
            word_attention,
            // The label is the audio segments' alone (a transcript was
            // classified on its own), so all of the decision is the audio's.
            modality_weights: probabilities.map(|_| [1.0, 0.0]),
            words,
            duration_s: Some(duration),
            segments,
            summary: Some(summary),
            notes,
        }
    }

    /// [`Bundle::plan`], every piece through [`Bundle::classify_piece`], and
    /// [`Bundle::timeline`], for callers that can block.
    pub fn classify(&self, extractor: &mut crate::features::Extractor, input: &Input) -> Result<Classification> {
        let plan = self.plan(input)?;
        let mut results = Vec::new();
        for piece in plan.inputs() {
            results.push(piece.map(|p| self.classify_piece(extractor, &p)).transpose()?);
        }
        Ok(self.timeline(&plan, results))
    }
}

fn segment_of(start: f64, end: f64, c: &Classification) -> Segment {
    let speech = c.speech != Some(false) && c.label.is_some();
    Segment {
        start,
        end,
        speech,
        reason: if speech { None } else { c.reason.clone() },
        label: c.label.filter(|_| speech),
        probabilities: c.probabilities.filter(|_| speech),
    }
}

fn summarise(duration: f64, segments: &[Segment]) -> Summary {
    let mut shares = [0f64; 4];
    for s in segments {
        if let (true, Some(label)) = (s.speech, s.label) {
            shares[label.index()] += s.end - s.start;
        }
    }
    let speech: f64 = shares.iter().sum();
    Summary {
        duration,
        speech,
        shares: (speech > 0.0).then(|| shares.map(|v| (v / speech) as f32)),
        segments: segments.len(),
    }
}

fn mean_probabilities(segments: &[Segment]) -> Option<[f32; 4]> {
    let mut sum = [0f64; 4];
    let mut total = 0.0;
    for s in segments.iter().filter(|s| s.speech) {
        if let Some(p) = s.probabilities {
            let w = s.end - s.start;
            for (acc, v) in sum.iter_mut().zip(p) {
                *acc += w * f64::from(v);
            }
            total += w;
        }
    }
    (total > 0.0).then(|| sum.map(|v| (v / total) as f32))
}
