//! Benchmarks that print tables (never timed tests): feature extraction
//! ([`features`]) and the model's forward pass and training step on the CPU
//! backends, fused recurrence against the composite one ([`model`]).

pub mod features;
pub mod model;

pub use features::{
    bench_features, collect_inputs, reference_dir, reference_recordings, BenchOptions, BenchReport, BenchRow,
};
pub use model::{bench_model, ModelBenchReport};
