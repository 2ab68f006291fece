//! Evaluation metrics as the reference system reports them.
//!
//! WA (weighted accuracy) is plain accuracy; UA (unweighted accuracy) is the
//! mean of the per-class recalls; the per-class accuracy of a class is its
//! recall (correct / examples of that class). Classes with no examples are
//! left out of UA (their recall is reported as NaN → `null` in JSON).

use std::fmt::Write as _;

use serde_json::json;

use crate::Emotion;

const C: usize = Emotion::COUNT;

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Mean (unweighted) cross-entropy per example.
    pub loss: f64,
    pub wa: f64,
    pub ua: f64,
    pub per_class: [f64; C],
    /// `confusion[true][predicted]`.
    pub confusion: [[usize; C]; C],
    pub n: usize,
    /// Expected calibration error (10 bins of the top probability); NaN
    /// where it was not measured.
    pub ece: f64,
}

impl Evaluation {
    /// Metrics of predicted probabilities (as reported: calibrated) against
    /// the true labels: the label is the most probable class, the loss the
    /// mean negative log-probability of the truth.
    pub fn from_probabilities(probs: &[[f32; C]], labels: &[crate::Emotion]) -> Self {
        let mut confusion = [[0usize; C]; C];
        let mut loss_sum = 0.0;
        for (p, l) in probs.iter().zip(labels) {
            confusion[l.index()][crate::Emotion::most_likely(p).index()] += 1;
            loss_sum -= f64::from(p[l.index()]).max(1e-12).ln();
        }
        let mut e = Evaluation::from_confusion(confusion, loss_sum);
        e.ece = super::expected_calibration_error(probs, labels);
        e
    }

    /// Metrics from a confusion matrix and the summed loss.
    pub fn from_confusion(confusion: [[usize; C]; C], loss_sum: f64) -> Self {
        let n: usize = confusion.iter().flatten().sum();
        let correct: usize = (0..C).map(|c| confusion[c][c]).sum();
        let mut per_class = [f64::NAN; C];
        for c in 0..C {
            let support: usize = confusion[c].iter().sum();
            if support > 0 {
                per_class[c] = confusion[c][c] as f64 / support as f64;
            }
        }
        let seen: Vec<f64> = per_class.iter().copied().filter(|v| !v.is_nan()).collect();
        let ua = if seen.is_empty() { f64::NAN } else { seen.iter().sum::<f64>() / seen.len() as f64 };
        let wa = if n == 0 { f64::NAN } else { correct as f64 / n as f64 };
        let loss = if n == 0 { f64::NAN } else { loss_sum / n as f64 };
        Evaluation { loss, wa, ua, per_class, confusion, n, ece: f64::NAN }
    }

    /// Metrics from (true, predicted) class indices; `loss` is the mean loss.
    pub fn from_pairs(pairs: &[(usize, usize)], loss: f64) -> Self {
        let mut confusion = [[0usize; C]; C];
        for &(t, p) in pairs {
            confusion[t][p] += 1;
        }
        Evaluation::from_confusion(confusion, loss * pairs.len() as f64)
    }

    /// `{"loss", "wa", "ua", "per_class", "confusion", "n", "ece"}`; rates are
    /// fractions in [0, 1]; NaN becomes `null`.
    pub fn to_json(&self) -> serde_json::Value {
        let num = |v: f64| if v.is_finite() { json!(v) } else { serde_json::Value::Null };
        json!({
            "loss": num(self.loss),
            "wa": num(self.wa),
            "ua": num(self.ua),
            "per_class": self.per_class.iter().map(|&v| num(v)).collect::<Vec<_>>(),
            "confusion": self.confusion.iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
            "n": self.n,
            "ece": num(self.ece),
        })
    }

    /// The reference's results table (one row) and the confusion matrix, in
    /// Markdown.
    pub fn to_markdown(&self, name: &str) -> String {
        let pct = |v: f64| if v.is_nan() { "-".to_string() } else { format!("{:.2}%", 100.0 * v) };
        let mut s = String::new();
        let _ = writeln!(
            s,
            "| Model | Loss | Weighted Accuracy | Unweighted Accuracy | Angry Acc. | Happy Acc. | Neutral Acc. | Sad Acc. | ECE |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|");
        let ece = if self.ece.is_nan() { "-".to_string() } else { format!("{:.3}", self.ece) };
        let _ = writeln!(
            s,
            "| {name} | {:.4} | {} | {} | {} | {} | {} | {} | {ece} |",
            self.loss,
            pct(self.wa),
            pct(self.ua),
            pct(self.per_class[0]),
            pct(self.per_class[1]),
            pct(self.per_class[2]),
            pct(self.per_class[3])
        );
        let _ = writeln!(s, "\nConfusion (rows: true, columns: predicted), n = {}\n", self.n);
        let _ = writeln!(s, "| | ang | hap | neu | sad |\n|---|---|---|---|---|");
        for (c, row) in self.confusion.iter().enumerate() {
            let _ = writeln!(s, "| {} | {} | {} | {} | {} |", Emotion::ALL[c].code(), row[0], row[1], row[2], row[3]);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_from_a_hand_made_confusion() {
        // 10 ang (8 right), 5 hap (1 right), 0 neu, 5 sad (5 right).
        let confusion = [[8, 1, 1, 0], [2, 1, 1, 1], [0, 0, 0, 0], [0, 0, 0, 5]];
        let e = Evaluation::from_confusion(confusion, 10.0);
        assert_eq!(e.n, 20);
        assert!((e.wa - 14.0 / 20.0).abs() < 1e-12);
        assert!((e.per_class[0] - 0.8).abs() < 1e-12);
        assert!((e.per_class[1] - 0.2).abs() < 1e-12);
        assert!(e.per_class[2].is_nan());
        assert!((e.ua - (0.8 + 0.2 + 1.0) / 3.0).abs() < 1e-12);
        assert!((e.loss - 0.5).abs() < 1e-12);
        let j = e.to_json();
        assert_eq!(j["n"], 20);
        assert!(j["per_class"][2].is_null());
        assert_eq!(j["confusion"][0][0], 8);
        assert!(e.to_markdown("x").contains("| x | 0.5000 | 70.00% |"));
    }
}
