//! Kompotten's privacy engine: a pure library, no database and no I/O.
//!
//! A release measures person-count indicators at the nation, county and länskompott levels for
//! one period or a window of periods, with one call of an OpenDP mechanism over the whole
//! vector, and publishes consistent, non-negative, whole values, each with a 95% interval.
//!
//! - [`sensitivity`]: Δ₁ and Δ₂ from the catalogue's declared bounds, never from the data;
//! - [`mechanism`]: OpenDP's discrete Gaussian (zCDP) or discrete Laplace (pure DP), calibrated
//!   to a budget ρ, with its cost as ρ and as (ε, δ) from OpenDP's maps;
//! - [`hierarchy`]: nation → counties → länskompott + rest of county;
//! - [`consistency`]: weighted least squares over the tree, then top-down non-negative
//!   controlled rounding (post-processing: no budget);
//! - [`interval`]: 95% intervals calibrated by simulating the actual pipeline;
//! - [`release`]: the pipeline, and `recompute` of a stored release;
//! - [`planner`]: budget ↔ accuracy per level, from the same calibration;
//! - [`suppression`]: what the "suppress 1–4" rule would have hidden, and what totals reveal;
//! - [`synthetic`]: the catalogue's bounds and synthetic data for tests, benches and examples.
//!
//! The privacy audit by simulation is `tests/audit.rs`; its heavy version (≥ 100,000 runs per
//! dataset) is run with
//! `cargo test -p kompotten-privacy --release --test audit -- --ignored`.

pub mod consistency;
pub mod error;
pub mod hierarchy;
pub mod interval;
pub mod mechanism;
pub mod planner;
pub mod release;
pub mod sensitivity;
pub mod suppression;
pub mod synthetic;

pub use error::PrivacyError;

/// Recorded with every release so that it is recomputed by the engine that made it.
pub const ENGINE_VERSION: &str = concat!("kompotten-privacy/", env!("CARGO_PKG_VERSION"), " opendp/0.16");

/// The δ at which a Gaussian release's zCDP cost is also stated as (ε, δ)-DP: far below one over
/// the number of households the network helps in a year (about 15), as δ must be.
pub const DEFAULT_DELTA: f64 = 1e-7;
