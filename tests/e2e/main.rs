//! End-to-end tests: the real `clusterkpi` binary on generated and hand-made inputs,
//! checking every output file. One test binary (ripgrep, uv), modules by theme.

#[allow(unreachable_pub)]
mod support;

mod cli;
#[cfg(feature = "cluster")]
mod cluster;
mod county_loop;
mod dataset;
#[cfg(feature = "delta")]
mod delta;
mod figures;
mod final_evaluation;
#[cfg(feature = "delta")]
mod object_storage;
mod outputs;
mod reproducible;
mod robustness;
mod status;
