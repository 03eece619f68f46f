//! The release measurement: OpenDP's discrete Gaussian mechanism under zero-concentrated DP.
//!
//! # Privacy
//! The query maps a dataset to the integer vector of indicator totals at every geography
//! level; one household moves it by at most Δ₂ in L2 norm ([`super::sensitivity`]).
//! `opendp::measurements::make_gaussian` over `VectorDomain<AtomDomain<i64>>` with
//! `L2Distance<f64>` adds independent discrete Gaussian noise of scale σ to every entry and
//! satisfies ρ-zCDP with `ρ = Δ₂² / (2σ²)` (Canonne, Kamath & Steinke 2020; OpenDP's proof
//! `MakeNoise_for_DiscreteGaussian`). We set `σ = Δ₂ / sqrt(2ρ)`, then ask OpenDP's own privacy
//! map for the cost at Δ₂ and widen σ until that cost is at most the ρ requested: the cost we
//! state and debit is OpenDP's, never our formula. The samples come from OpenDP's exact
//! sampler on OpenSSL's CSPRNG (the `use-openssl` feature); nothing here draws randomness.
//!
//! The (ε, δ) statement uses OpenDP's `make_zCDP_to_approxDP` conversion of the same
//! measurement.

use kompotten_app::domain::Rho;
use opendp::combinators::make_zCDP_to_approxDP;
use opendp::core::Measurement;
use opendp::domains::{AtomDomain, VectorDomain};
use opendp::measurements::make_gaussian;
use opendp::measures::ZeroConcentratedDivergence;
use opendp::metrics::L2Distance;

use super::interval::half_width;

type VectorMeasurement = Measurement<VectorDomain<AtomDomain<i64>>, L2Distance<f64>, ZeroConcentratedDivergence, Vec<i64>>;

#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    #[error("OpenDP refused: {0}")]
    OpenDp(String),
    #[error("the release has no sensitivity to calibrate to")]
    ZeroSensitivity,
}

impl From<opendp::error::Error> for PrivacyError {
    fn from(e: opendp::error::Error) -> Self {
        PrivacyError::OpenDp(format!("{:?}: {}", e.variant, e.message.unwrap_or_default()))
    }
}

/// The OpenDP measurement at `scale`: cheap to build, and built where it is used because OpenDP
/// measurements are not `Send`.
fn measurement(scale: f64) -> Result<VectorMeasurement, PrivacyError> {
    Ok(make_gaussian(VectorDomain::new(AtomDomain::<i64>::default()), L2Distance::<f64>::default(), scale, None)?)
}

/// A calibrated discrete Gaussian measurement of a release vector, with its stated cost.
#[derive(Clone, Debug)]
pub struct DiscreteGaussianRelease {
    pub sensitivity: f64,
    pub scale: f64,
    /// OpenDP's privacy map at the sensitivity: at most the ρ requested.
    pub rho: f64,
    pub delta: f64,
    pub epsilon: f64,
    /// Half-width of each value's 95% interval before post-processing.
    pub ci_half_width: i64,
}

/// Builds the measurement for a release of L2 sensitivity `sensitivity` that may spend `rho`.
pub fn make_discrete_gaussian_release(sensitivity: f64, rho: Rho, delta: f64) -> Result<DiscreteGaussianRelease, PrivacyError> {
    if !(sensitivity > 0.0) {
        return Err(PrivacyError::ZeroSensitivity);
    }
    let mut scale = sensitivity / (2.0 * rho.get()).sqrt();
    let (measurement, cost) = loop {
        let measurement = measurement(scale)?;
        let cost = measurement.map(&sensitivity)?;
        if cost <= rho.get() {
            break (measurement, cost);
        }
        // Floating-point rounding put the cost a hair above ρ: widen σ by one ulp and retry.
        scale = f64::from_bits(scale.to_bits() + 1);
    };
    let epsilon = make_zCDP_to_approxDP(measurement.clone())?.map(&sensitivity)?.epsilon(delta)?;
    Ok(DiscreteGaussianRelease {
        sensitivity,
        scale,
        rho: cost,
        delta,
        epsilon,
        ci_half_width: half_width(scale, 0.95),
    })
}

impl DiscreteGaussianRelease {
    /// The noisy vector: OpenDP adds independent discrete Gaussian noise to each entry.
    pub fn invoke(&self, exact: &Vec<i64>) -> Result<Vec<i64>, PrivacyError> {
        Ok(measurement(self.scale)?.invoke(exact)?)
    }
}

#[cfg(test)]
#[path = "discrete_gaussian_tests.rs"]
mod tests;
