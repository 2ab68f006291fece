//! The feature options that `features` and `prepare cache` share, so both
//! commands spell, parse and apply them the same way.

use anyhow::Result;
use clap::Args;

use emorec::features::{FeatureSet, FeatureSettings};

#[derive(Args, Clone)]
pub struct ExtractionArgs {
    /// Feature set: compare2016 (openSMILE ComParE_2016 low-level descriptors).
    #[arg(long, default_value = "compare2016")]
    pub set: String,
    /// Append the delta of every descriptor (openSMILE's `_de` columns).
    #[arg(long)]
    pub deltas: bool,
    /// Scale each recording so that its loud frames (95th percentile of 25 ms
    /// RMS) sit at this level in dBFS before analysis, e.g. -25; the default
    /// analyses recordings at their own level.
    #[arg(long, allow_negative_numbers = true)]
    pub level_dbfs: Option<f64>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

impl ExtractionArgs {
    /// Parses the feature settings and sizes the worker pool.
    pub fn apply(&self) -> Result<FeatureSettings> {
        let set = FeatureSet::from_name(&self.set)?;
        if let Some(n) = self.threads {
            rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global().ok();
        }
        Ok(FeatureSettings::new(set, self.deltas).with_level(self.level_dbfs))
    }
}
