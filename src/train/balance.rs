//! How much each training example weighs in the loss (`balance`).
//!
//! Leaving a corpus out, the training set is what the other corpora make it:
//! TESS's 1,600 utterances of two voices outweigh EMOVO's 336 of six, so a
//! loss that counts utterances learns mostly how two Canadian actresses
//! sound. Weighing each corpus's classes (or each speaker's) the same asks
//! the model for what holds across them instead.

use std::collections::HashMap;

use super::config::Balance;
use crate::model::Example;
use crate::Emotion;

/// Where a training example comes from, for the balances that weigh corpora
/// or speakers (any numbering; only equality counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Origin {
    pub corpus: u32,
    pub speaker: u32,
}

/// Each example's weight in the loss under `balance`: 1 (`Sampling`,
/// `None`), or `N / (G C n_cell)` where the cells are the (group, class)
/// pairs, `n_cell` their examples, `G` the groups and `C` the classes, so
/// that every cell present weighs the same in all. The groups: one for all
/// (`Weights`: inverse class frequency, `N / (C n_c)`), the corpora
/// (`Corpus`) or the speakers (`Speaker`). `origins` is parallel to
/// `examples`; empty, every example comes from one corpus and speaker
/// (`Corpus` and `Speaker` are then `Weights`). Unlabelled examples weigh 0.
pub fn example_weights(examples: &[Example], balance: Balance, origins: &[Origin]) -> Vec<f64> {
    let group = |i: usize| -> u32 {
        let o = origins.get(i).copied().unwrap_or_default();
        match balance {
            Balance::Corpus => o.corpus,
            Balance::Speaker => o.speaker,
            _ => 0,
        }
    };
    if matches!(balance, Balance::Sampling | Balance::None) {
        return vec![1.0; examples.len()];
    }
    let mut cells: HashMap<(u32, usize), usize> = HashMap::new();
    for (i, e) in examples.iter().enumerate() {
        if let Some(l) = e.label {
            *cells.entry((group(i), l.index())).or_default() += 1;
        }
    }
    let n: usize = cells.values().sum();
    let mut groups: Vec<u32> = cells.keys().map(|&(g, _)| g).collect();
    groups.sort_unstable();
    groups.dedup();
    let k = (groups.len() * Emotion::COUNT) as f64;
    examples
        .iter()
        .enumerate()
        .map(|(i, e)| e.label.map_or(0.0, |l| n as f64 / (k * cells[&(group(i), l.index())] as f64)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labelled(classes: &[usize]) -> Vec<Example> {
        classes.iter().map(|&c| Example { label: Emotion::from_index(c), ..Default::default() }).collect()
    }

    /// A corpus of 6 utterances beside one of 2: each (corpus, class) cell
    /// weighs N / (G C) in all, whatever its size; without origins it is
    /// the class balance.
    #[test]
    fn every_cell_weighs_the_same() {
        let examples = labelled(&[0, 0, 0, 0, 1, 1, 0, 1]);
        let origin = |corpus| Origin { corpus, speaker: 0 };
        let origins: Vec<Origin> = [0, 0, 0, 0, 0, 0, 1, 1].map(origin).to_vec();
        let w = example_weights(&examples, Balance::Corpus, &origins);
        // Cells of 4, 2, 1 and 1 examples, 8 in all, 2 corpora of 4
        // classes: 1 per cell.
        assert_eq!(w, vec![0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 1.0, 1.0]);
        let by_cell = |c: u32, l: usize| -> f64 {
            (0..8).filter(|&i| origins[i].corpus == c && examples[i].label.unwrap().index() == l).map(|i| w[i]).sum()
        };
        assert_eq!([by_cell(0, 0), by_cell(0, 1), by_cell(1, 0), by_cell(1, 1)], [1.0; 4]);
        // Speaker balance reads the speaker, not the corpus.
        let by_speaker: Vec<Origin> = [0, 0, 0, 0, 0, 0, 1, 1].map(|s| Origin { corpus: 0, speaker: s }).to_vec();
        assert_eq!(example_weights(&examples, Balance::Speaker, &by_speaker), w);
        assert_eq!(
            example_weights(&examples, Balance::Speaker, &origins),
            example_weights(&examples, Balance::Weights, &[])
        );
        // The class balance: 5 of class 0 and 3 of class 1 among 8, 4 classes.
        let (w0, w1) = (8.0 / (4.0 * 5.0), 8.0 / (4.0 * 3.0));
        let plain = vec![w0, w0, w0, w0, w1, w1, w0, w1];
        assert_eq!(example_weights(&examples, Balance::Weights, &[]), plain);
        assert_eq!(example_weights(&examples, Balance::Weights, &origins), plain);
        assert_eq!(example_weights(&examples, Balance::Corpus, &[]), plain);
        assert_eq!(example_weights(&examples, Balance::None, &origins), vec![1.0; 8]);
    }
}
