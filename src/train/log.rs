//! The per-epoch log: one line on screen, one row in `log.csv`, one object
//! in `log.jsonl`.

use serde::{Deserialize, Serialize};

/// One epoch's numbers. Validation values are NaN (`null` in JSON) when
/// there is no validation set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochLog {
    /// 1-based.
    pub epoch: usize,
    /// Mean training loss (the loss optimised: class-weighted with `balance = "weights"`).
    pub train_loss: f64,
    #[serde(with = "nan_as_null")]
    pub val_loss: f64,
    #[serde(with = "nan_as_null")]
    pub val_wa: f64,
    #[serde(with = "nan_as_null")]
    pub val_ua: f64,
    pub seconds: f64,
    /// This epoch set a new best validation UA (its model is in `best/`).
    pub best: bool,
}

impl EpochLog {
    pub const CSV_HEADER: &'static str = "epoch,train_loss,val_loss,val_wa,val_ua,seconds,best";

    pub fn line(&self) -> String {
        format!(
            "epoch {:>3}  train loss {:.4}  val loss {:.4}  WA {:.2}%  UA {:.2}%  {:.1} s{}",
            self.epoch,
            self.train_loss,
            self.val_loss,
            100.0 * self.val_wa,
            100.0 * self.val_ua,
            self.seconds,
            if self.best { "  *" } else { "" }
        )
    }

    pub fn csv(&self) -> String {
        format!(
            "{},{},{},{},{},{:.3},{}",
            self.epoch, self.train_loss, self.val_loss, self.val_wa, self.val_ua, self.seconds, self.best
        )
    }
}

mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}
