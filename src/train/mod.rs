//! Training (native only): Adam, class balance, early stopping on
//! validation UA, atomic per-epoch checkpoints with exact resume, and
//! evaluation with the reference system's metrics.
//!
//! Everything random (weights, order, dropout, sampling) comes from one seeded
//! [`Rng`] whose state is checkpointed, so on the CPU the same seed gives the
//! same run, and a run killed and resumed gives the same run too.

mod average;
mod balance;
mod calibrate;
mod checkpoint;
mod config;
mod eval;
mod head;
mod log;
mod metrics;
mod progress;
mod run;

pub use average::WeightAverage;
pub use balance::{example_weights, Origin};
pub use calibrate::{expected_calibration_error, fit_temperature, ECE_BINS};
pub use checkpoint::{Checkpoint, TrainState, CHECKPOINT_FILE, PAUSE_ENV};
pub use config::{Balance, TrainConfig};
pub use eval::{evaluate, evaluate_at, evaluate_with_probabilities, predict_batches};
pub use head::{fit_linear_head, HeadFit, HeadSettings, LinearHead};
pub use log::EpochLog;
pub use metrics::Evaluation;
#[cfg(feature = "cli")]
pub use progress::Bars;
pub use progress::{Lines, Progress, Quiet};
pub use run::{train, train_views, TrainReport, BEST_DIR};
