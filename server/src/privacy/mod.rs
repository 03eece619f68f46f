//! The privacy engine (foundation slice).
//!
//! A release is the vector of indicator totals at every geography level (21 counties and the
//! nation), measured once with OpenDP's discrete Gaussian mechanism under zero-concentrated
//! differential privacy. The pieces:
//!
//! - [`sensitivity`]: how much one household can move that vector, from the bounds each
//!   indicator declares, never from the data;
//! - [`discrete_gaussian`]: the calibrated OpenDP measurement, its cost as ρ and as (ε, δ);
//! - [`interval`]: the exact 95% interval of the discrete Gaussian;
//! - [`postprocess`]: non-negative published values and intervals, which costs no privacy.

pub mod discrete_gaussian;
pub mod interval;
pub mod postprocess;
pub mod sensitivity;

/// Recorded with every release so that it can be recomputed by the engine that made it.
pub const ENGINE_VERSION: &str = concat!("kompotten-privacy/", env!("CARGO_PKG_VERSION"), " opendp/0.16");

/// The δ at which a release's zCDP cost is also stated as (ε, δ)-DP. Far below one over the
/// number of households the network helps in a year (about 15), as δ must be.
pub const DEFAULT_DELTA: f64 = 1e-7;
