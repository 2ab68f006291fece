//! The feature options that `features` and `prepare cache` share, so both
//! commands spell, parse and apply them the same way.

use anyhow::Result;
use clap::Args;

use emorec::features::FeatureSet;

#[derive(Args, Clone)]
pub struct ExtractionArgs {
    /// Feature set: compare2016 (openSMILE ComParE_2016 low-level descriptors).
    #[arg(long, default_value = "compare2016")]
    pub set: String,
    /// Append the delta of every descriptor (openSMILE's `_de` columns).
    #[arg(long)]
    pub deltas: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

impl ExtractionArgs {
    /// Parses the feature set and sizes the worker pool.
    pub fn apply(&self) -> Result<FeatureSet> {
        let set = FeatureSet::from_name(&self.set)?;
        if let Some(n) = self.threads {
            rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global().ok();
        }
        Ok(set)
    }
}
