//! The noise: OpenDP's discrete Gaussian (zCDP, default) or discrete Laplace (pure DP, option),
//! calibrated to a release's sensitivity and budget.
//!
//! # Privacy
//! The query maps a dataset to the integer vector of released totals; one household (in one
//! period) moves it by at most Δ₂ in L2 norm and Δ₁ in L1 norm ([`crate::sensitivity`]).
//!
//! * **Discrete Gaussian.** `opendp::measurements::make_gaussian` over
//!   `VectorDomain<AtomDomain<i64>>` with `L2Distance<f64>` adds independent discrete Gaussian
//!   noise of scale σ to every entry and is ρ-zCDP with `ρ = Δ₂² / (2σ²)` (Canonne, Kamath &
//!   Steinke 2020; OpenDP's proof `MakeNoise_for_DiscreteGaussian`). The (ε, δ) statement is
//!   OpenDP's `make_zCDP_to_approxDP` conversion of the same measurement at the stated δ.
//! * **Discrete Laplace.** `make_laplace` over the same domain with `L1Distance<f64>` is ε-DP
//!   with `ε = Δ₁ / b` (scale b). Pure ε-DP implies (ε²/2)-zCDP (Bun & Steinke 2016, Prop. 1.4),
//!   which is OpenDP's `make_pureDP_to_zCDP`; that ρ is what a release debits, so both
//!   mechanisms share one ledger currency. We aim at `ε = sqrt(2ρ)`.
//!
//! The cost we state and debit is always OpenDP's privacy map evaluated at the sensitivity,
//! never our own formula: we start from the textbook scale, and while OpenDP's map exceeds the
//! requested ρ (floating-point rounding) we widen the scale by one ulp.
//!
//! The draws come from OpenDP's exact samplers on OpenSSL's CSPRNG (default features). Nothing
//! in this crate draws randomness by hand, simulations included: they invoke these same
//! measurements on a zero vector.

use opendp::combinators::{make_pureDP_to_zCDP, make_zCDP_to_approxDP};
use opendp::core::Measurement;
use opendp::domains::{AtomDomain, VectorDomain};
use opendp::measurements::{make_gaussian, make_laplace};
use opendp::measures::{MaxDivergence, ZeroConcentratedDivergence};
use opendp::metrics::{L1Distance, L2Distance};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::error::PrivacyError;
use crate::sensitivity::Sensitivity;

type Domain = VectorDomain<AtomDomain<i64>>;
type GaussianMeasurement = Measurement<Domain, L2Distance<f64>, ZeroConcentratedDivergence, Vec<i64>>;
type LaplaceMeasurement = Measurement<Domain, L1Distance<f64>, MaxDivergence, Vec<i64>>;

/// Which OpenDP noise mechanism a release uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mechanism {
    /// Discrete Gaussian under zero-concentrated DP (default).
    #[default]
    DiscreteGaussian,
    /// Discrete Laplace under pure DP.
    DiscreteLaplace,
}

/// A calibrated mechanism's parameters and its stated cost (all from OpenDP's maps).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MechanismParams {
    pub mechanism: Mechanism,
    /// OpenDP's `scale` argument (σ for the Gaussian, b for the Laplace).
    pub scale: f64,
    /// The sensitivity the cost is evaluated at: Δ₂ (Gaussian) or Δ₁ (Laplace).
    pub sensitivity: f64,
    /// zCDP cost per debited period: OpenDP's map (for the Laplace, after `make_pureDP_to_zCDP`).
    pub rho: f64,
    /// ε at `delta`: OpenDP's `make_zCDP_to_approxDP` (Gaussian) or the pure ε (Laplace).
    pub epsilon: f64,
    /// The δ of the (ε, δ) statement; 0 for the Laplace (pure DP).
    pub delta: f64,
}

/// A mechanism calibrated to a sensitivity and a budget.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalibratedMechanism {
    pub params: MechanismParams,
}

fn gaussian(scale: f64) -> Result<GaussianMeasurement, PrivacyError> {
    Ok(make_gaussian(VectorDomain::new(AtomDomain::<i64>::default()), L2Distance::<f64>::default(), scale, None)?)
}

fn laplace(scale: f64) -> Result<LaplaceMeasurement, PrivacyError> {
    Ok(make_laplace(VectorDomain::new(AtomDomain::<i64>::default()), L1Distance::<f64>::default(), scale, None)?)
}

fn next_up(x: f64) -> f64 {
    f64::from_bits(x.to_bits() + 1)
}

/// Calibrates `mechanism` so that OpenDP's stated cost at `sensitivity` is at most `rho`.
///
/// `delta` is the δ of the Gaussian's (ε, δ) statement (ignored by the Laplace, which is pure).
pub fn make_calibrated_mechanism(mechanism: Mechanism, sensitivity: &Sensitivity, rho: f64, delta: f64) -> Result<CalibratedMechanism, PrivacyError> {
    if !(rho > 0.0 && rho.is_finite()) {
        return Err(PrivacyError::InvalidBudget(rho));
    }
    let d_in = sensitivity_for(mechanism, sensitivity)?;
    // Gaussian: ρ = Δ₂²/(2σ²). Laplace: ε = Δ₁/b and ρ = ε²/2. Both give scale = Δ/sqrt(2ρ).
    let mut scale = d_in / (2.0 * rho).sqrt();
    loop {
        let cost = rho_at(mechanism, scale, d_in)?;
        if cost <= rho {
            return at_scale_unchecked(mechanism, d_in, scale, delta);
        }
        // Floating-point rounding put OpenDP's cost a hair above ρ: widen by one ulp and retry.
        scale = next_up(scale);
    }
}

/// The mechanism at a given `scale` with the cost OpenDP states for it (used to recompute a
/// stored release's parameters, by the planner, and by the audit's deliberately wrong claims).
pub fn make_mechanism_at_scale(mechanism: Mechanism, sensitivity: &Sensitivity, scale: f64, delta: f64) -> Result<CalibratedMechanism, PrivacyError> {
    let d_in = sensitivity_for(mechanism, sensitivity)?;
    at_scale_unchecked(mechanism, d_in, scale, delta)
}

fn sensitivity_for(mechanism: Mechanism, sensitivity: &Sensitivity) -> Result<f64, PrivacyError> {
    let d_in = match mechanism {
        Mechanism::DiscreteGaussian => sensitivity.l2,
        Mechanism::DiscreteLaplace => sensitivity.l1,
    };
    if d_in > 0.0 && d_in.is_finite() {
        Ok(d_in)
    } else {
        Err(PrivacyError::ZeroSensitivity)
    }
}

fn rho_at(mechanism: Mechanism, scale: f64, d_in: f64) -> Result<f64, PrivacyError> {
    Ok(match mechanism {
        Mechanism::DiscreteGaussian => gaussian(scale)?.map(&d_in)?,
        Mechanism::DiscreteLaplace => make_pureDP_to_zCDP(laplace(scale)?)?.map(&d_in)?,
    })
}

fn at_scale_unchecked(mechanism: Mechanism, d_in: f64, scale: f64, delta: f64) -> Result<CalibratedMechanism, PrivacyError> {
    let rho = rho_at(mechanism, scale, d_in)?;
    let (epsilon, delta) = match mechanism {
        Mechanism::DiscreteGaussian => {
            if !(delta > 0.0 && delta < 1.0) {
                return Err(PrivacyError::InvalidDelta(delta));
            }
            (gaussian_epsilon(scale, d_in, delta)?, delta)
        }
        Mechanism::DiscreteLaplace => (laplace(scale)?.map(&d_in)?, 0.0),
    };
    Ok(CalibratedMechanism { params: MechanismParams { mechanism, scale, sensitivity: d_in, rho, epsilon, delta } })
}

/// OpenDP's ε at `delta` for the Gaussian at `scale` and sensitivity `d_in`. The conversion
/// searches numerically and took 1.4 ms, most of a release's preparation; it is a pure function
/// of its arguments (no data), so each answer is kept for the process. Bounded: cleared when
/// full, since the planner's searches ask for many scales.
fn gaussian_epsilon(scale: f64, d_in: f64, delta: f64) -> Result<f64, PrivacyError> {
    static CACHE: OnceLock<Mutex<HashMap<(u64, u64, u64), f64>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (scale.to_bits(), d_in.to_bits(), delta.to_bits());
    if let Some(&epsilon) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(epsilon);
    }
    let epsilon = make_zCDP_to_approxDP(gaussian(scale)?)?.map(&d_in)?.epsilon(delta)?;
    let mut known = cache.lock().unwrap_or_else(|e| e.into_inner());
    if known.len() >= 4096 {
        known.clear();
    }
    known.insert(key, epsilon);
    Ok(epsilon)
}

impl CalibratedMechanism {
    /// Builds the OpenDP measurement (cheap). Measurements are not `Send`: build where used.
    pub fn sampler(&self) -> Result<NoiseSampler, PrivacyError> {
        Ok(match self.params.mechanism {
            Mechanism::DiscreteGaussian => NoiseSampler::Gaussian(gaussian(self.params.scale)?),
            Mechanism::DiscreteLaplace => NoiseSampler::Laplace(laplace(self.params.scale)?),
        })
    }

    /// The noisy vector: one OpenDP call adds independent noise to every entry.
    pub fn invoke(&self, exact: &[i64]) -> Result<Vec<i64>, PrivacyError> {
        self.sampler()?.invoke(exact)
    }
}

/// A built OpenDP measurement, for callers that invoke it many times (simulations).
pub enum NoiseSampler {
    Gaussian(GaussianMeasurement),
    Laplace(LaplaceMeasurement),
}

impl NoiseSampler {
    /// One OpenDP call over the whole vector.
    pub fn invoke(&self, exact: &[i64]) -> Result<Vec<i64>, PrivacyError> {
        let exact = exact.to_vec();
        Ok(match self {
            NoiseSampler::Gaussian(m) => m.invoke(&exact)?,
            NoiseSampler::Laplace(m) => m.invoke(&exact)?,
        })
    }
}

#[cfg(test)]
#[path = "mechanism_tests.rs"]
mod tests;
