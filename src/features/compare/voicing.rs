//! Voicing group of ComParE_2016: F0 by sub-harmonic summation with Viterbi
//! smoothing, voicing probability, jitter, shimmer and HNR.
//! PLACEHOLDER until the voicing work lands: returns zeros.

/// Raw (unsmoothed) voicing descriptors of one 10 ms frame, in ComParE order:
/// F0final, voicingFinalUnclipped, jitterLocal, jitterDDP, shimmerLocal, logHNR.
pub type VoicingFrame = [f32; 6];

/// Reusable state (FFT plans, buffers) for the voicing descriptors.
pub struct Voicing {}

impl Voicing {
    pub fn new() -> Self {
        Voicing {}
    }

    /// Computes `n_frames` frames of raw voicing descriptors for 16 kHz `x`,
    /// frame `i` being the 60 ms window starting at sample `160 * i`.
    pub fn compute(&mut self, _x: &[f32], n_frames: usize) -> Vec<VoicingFrame> {
        vec![[0.0; 6]; n_frames]
    }
}
