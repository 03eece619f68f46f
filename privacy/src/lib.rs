//! Kompotten's privacy engine: a pure library, no database and no I/O.
//!
//! A release answers the queries of a release design (indicator × level × window, each with a
//! weight) for one period or a window of periods: the budget ρ is split across the queries by
//! weight, each query is measured by its own OpenDP mechanism, the measurements are composed by
//! OpenDP, and the engine publishes consistent, non-negative, whole values, each with a 95%
//! interval that holds whatever the cell's truth.
//!
//! - [`sensitivity`]: each query's Δ₁ and Δ₂ from the catalogue's declared bounds, never from data;
//! - [`design`]: queries with weights, validated to form one tree per indicator;
//! - [`standard`]: the standard design for the network's real size;
//! - [`mechanism`]: OpenDP's discrete Gaussian (zCDP) or discrete Laplace (pure DP) per query,
//!   composed, with the release's cost as ρ and as (ε, δ) from OpenDP's maps;
//! - [`hierarchy`]: the areas, and each indicator's tree over areas and periods;
//! - [`consistency`]: weighted least squares over the tree, then top-down non-negative
//!   controlled rounding (post-processing: no budget);
//! - [`interval`]: 95% intervals per cell, calibrated by simulating the actual pipeline;
//! - [`release`]: the pipeline, and `recompute` of a stored release;
//! - [`planner`]: budget ↔ accuracy per query and level, from the same calibration;
//! - [`suppression`]: what the "suppress 1–4" rule would have hidden, and what totals reveal;
//! - [`synthetic`]: the catalogue's bounds and synthetic data for tests, benches and examples.
//!
//! The privacy audit by simulation is `tests/audit.rs`; its heavy version (≥ 100,000 runs per
//! dataset) is run with
//! `cargo test -p kompotten-privacy --release --test audit -- --ignored`.

pub mod consistency;
pub mod design;
pub mod error;
pub mod hierarchy;
pub mod interval;
pub mod mechanism;
pub mod planner;
pub mod release;
pub mod sensitivity;
pub mod standard;
pub mod suppression;
pub mod synthetic;

pub use error::PrivacyError;

/// Recorded with every release so that it is recomputed by the engine that made it.
pub const ENGINE_VERSION: &str = concat!("kompotten-privacy/", env!("CARGO_PKG_VERSION"), "-design opendp/0.16");

/// The δ at which a Gaussian release's zCDP cost is also stated as (ε, δ)-DP: far below one over
/// the number of households the network helps in a year (about 15), as δ must be.
pub const DEFAULT_DELTA: f64 = 1e-7;
