//! Viterbi choice of one F0 candidate (or "unvoiced") per frame, as
//! openSMILE's `cPitchSmootherViterbi` makes it with the ComParE weights.
//!
//! States 0..6 are the candidate slots of each frame, state 6 is unvoiced.
//! Costs (lower is better):
//! * local, voiced slot: wLocal·(−ln p + wThr·[p < 0.7]) + wRange·range(f),
//!   with p the slot's voicing clamped to [0.01, 1] and range() a penalty
//!   outside 100..350 Hz (2 for an empty slot);
//! * local, unvoiced: wLocal·wThr if any slot has voicing ≥ 0.7, else 0;
//! * voiced→voiced: wTvv·|r| + wTvvd·|r − r_prev| with r = ln(f_now/f_before),
//!   999 into or out of an empty slot;
//! * voiced↔unvoiced: wTvuv; unvoiced→unvoiced: 1.
//!
//! Reproduced openSMILE details that change results: `r_prev` is one running
//! value updated by every voiced→voiced cost evaluated (in state order) and
//! zeroed by every voiced↔unvoiced one, not a per-path quantity; wTvvd takes
//! wTvv's value (the configured 5 is ignored); the unvoiced→unvoiced cost is 1
//! rather than wTuu = 0. Decisions are made online with a 30-frame lag: a
//! frame is decided once all surviving paths agree on it, or forced from the
//! currently best path when it falls 30 frames behind.

use super::super::maths::ln;
use super::shs::{Candidates, N_CANDIDATES};

const N_STATES: usize = N_CANDIDATES + 1;
const UNVOICED: usize = N_CANDIDATES;
const BUFFER: usize = 30;
const VOICING_THRESHOLD: f64 = 0.7;

const W_LOCAL: f64 = 2.0;
const W_TVV: f64 = 10.0;
const W_TVVD: f64 = W_TVV;
const W_TVUV: f64 = 10.0;
const W_THR: f64 = 4.0;
const W_RANGE: f64 = 1.0;
const W_TUU_EFFECTIVE: f64 = 1.0;
const EMPTY_SLOT_COST: f64 = 999.0;

pub struct PitchViterbi {
    /// Survivor paths (state per frame, ring of BUFFER frames), double-buffered.
    paths: [[[u8; BUFFER]; N_STATES]; 2],
    costs: [f64; N_STATES],
    best: Vec<u8>,
    last_change: f64,
}

impl PitchViterbi {
    pub fn new() -> Self {
        PitchViterbi { paths: [[[0; BUFFER]; N_STATES]; 2], costs: [0.0; N_STATES], best: Vec::new(), last_change: 1.0 }
    }

    /// Runs over all frames and calls `emit(t, f0, voicing)` for each frame in
    /// order: the chosen candidate's F0 (0 when unvoiced) and voicing (slot 0's
    /// voicing when unvoiced).
    pub fn smooth(&mut self, frames: &[Candidates], mut emit: impl FnMut(usize, f32, f32)) {
        let n = frames.len();
        self.best.clear();
        self.best.resize(n, UNVOICED as u8);
        self.last_change = 1.0;
        let mut cur = 0usize;
        let mut decided = 0usize; // frames [0, decided) are final
        for (t, frame) in frames.iter().enumerate() {
            if t == 0 {
                for s in 0..N_STATES {
                    self.costs[s] = local_cost(s, frame);
                    self.paths[cur][s][0] = s as u8;
                }
            } else {
                let prev = &frames[t - 1];
                let next = 1 - cur;
                let mut new_costs = [0.0; N_STATES];
                for (s, new_cost) in new_costs.iter_mut().enumerate() {
                    let mut from = 0;
                    let mut min = self.transition_cost(s, 0, prev, frame) + self.costs[0];
                    for p in 1..N_STATES {
                        let c = self.transition_cost(s, p, prev, frame) + self.costs[p];
                        if c < min {
                            min = c;
                            from = p;
                        }
                    }
                    *new_cost = min + local_cost(s, frame);
                    self.paths[next][s] = self.paths[cur][from];
                    self.paths[next][s][t % BUFFER] = s as u8;
                }
                self.costs = new_costs;
                cur = next;
            }
            let len = t + 1;
            if len - decided >= BUFFER {
                let s = argmin(&self.costs);
                self.best[decided] = self.paths[cur][s][decided % BUFFER];
                decided += 1;
            } else {
                while decided < len {
                    let k = decided % BUFFER;
                    let v = self.paths[cur][0][k];
                    if self.paths[cur].iter().all(|p| p[k] == v) {
                        self.best[decided] = v;
                        decided += 1;
                    } else {
                        break;
                    }
                }
            }
        }
        let s = argmin(&self.costs);
        for t in decided..n {
            self.best[t] = self.paths[cur][s][t % BUFFER];
        }
        for (t, (frame, &s)) in frames.iter().zip(&self.best).enumerate() {
            let s = s as usize;
            if s < N_CANDIDATES {
                emit(t, frame.f0[s], frame.voicing[s]);
            } else {
                emit(t, 0.0, frame.voicing[0]);
            }
        }
    }

    /// Cost of going from state `from` in frame `prev` to `to` in `cur`.
    fn transition_cost(&mut self, to: usize, from: usize, prev: &Candidates, cur: &Candidates) -> f64 {
        match (to < UNVOICED, from < UNVOICED) {
            (true, true) => {
                let (f0, f1) = (prev.f0[from], cur.f0[to]);
                if f0 == 0.0 || f1 == 0.0 {
                    return EMPTY_SLOT_COST;
                }
                // Inlined musl log (the ratio of two pitches is positive and
                // normal): no library call in the inner loop of the search.
                let r = ln((f1 / f0) as f64);
                let c = W_TVV * r.abs() + W_TVVD * (r - self.last_change).abs();
                self.last_change = r;
                c
            }
            (false, false) => W_TUU_EFFECTIVE,
            _ => {
                self.last_change = 0.0;
                W_TVUV
            }
        }
    }
}

fn local_cost(state: usize, frame: &Candidates) -> f64 {
    if state < UNVOICED {
        let p = (frame.voicing[state] as f64).clamp(0.01, 1.0);
        let thr = if p < VOICING_THRESHOLD { W_THR } else { 0.0 };
        (-ln(p) + thr) * W_LOCAL + range_penalty(frame.f0[state] as f64) * W_RANGE
    } else if frame.voicing.iter().any(|&v| v as f64 >= VOICING_THRESHOLD) {
        W_LOCAL * W_THR
    } else {
        0.0
    }
}

/// Piecewise-linear preference for 100..350 Hz.
fn range_penalty(f: f64) -> f64 {
    if f > 0.0 && f < 100.0 {
        1.0 - f / 100.0
    } else if (100.0..350.0).contains(&f) {
        0.0
    } else if (350.0..600.0).contains(&f) {
        (f - 350.0) / 250.0
    } else if f >= 600.0 {
        1.2
    } else {
        2.0
    }
}

fn argmin(c: &[f64; N_STATES]) -> usize {
    let mut m = 0;
    for s in 1..N_STATES {
        if c[s] < c[m] {
            m = s;
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(f: &[(f32, f32)]) -> Candidates {
        let mut c = Candidates::default();
        for (i, &(f0, v)) in f.iter().enumerate() {
            c.f0[i] = f0;
            c.voicing[i] = v;
        }
        c
    }

    #[test]
    fn follows_a_steady_voiced_candidate_and_skips_octave_blips() {
        let mut frames = vec![frame(&[(200.0, 0.9), (100.0, 0.8)]); 50];
        frames[20] = frame(&[(100.0, 0.85), (200.0, 0.84)]);
        let mut f0s = Vec::new();
        PitchViterbi::new().smooth(&frames, |_, f, _| f0s.push(f));
        assert!(f0s.iter().all(|&f| f == 200.0), "{f0s:?}");
    }

    #[test]
    fn low_voicing_is_unvoiced() {
        let frames = vec![frame(&[(200.0, 0.2)]); 10];
        let mut out = Vec::new();
        PitchViterbi::new().smooth(&frames, |_, f, v| out.push((f, v)));
        assert!(out.iter().all(|&(f, v)| f == 0.0 && v == 0.2));
    }

    #[test]
    fn long_inputs_decide_every_frame() {
        let frames: Vec<_> = (0..500).map(|i| frame(&[(150.0 + (i % 7) as f32, 0.8), (300.0, 0.75)])).collect();
        let mut n = 0;
        PitchViterbi::new().smooth(&frames, |t, f, _| {
            assert_eq!(t, n);
            assert!(f > 140.0 && f < 160.0);
            n += 1;
        });
        assert_eq!(n, 500);
    }
}
