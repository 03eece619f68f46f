//! The noise: OpenDP's discrete Gaussian (zCDP, default) or discrete Laplace (pure DP, option),
//! one measurement per query of the design, calibrated to the query's share of the budget, and
//! composed with OpenDP's `make_composition` into the release's one measurement.
//!
//! # Privacy
//! Query `q` maps the exact totals to its cells; one household moves them by at most Δ₂ in L2
//! norm and Δ₁ in L1 norm ([`crate::sensitivity`]). In OpenDP terms that map is a
//! transformation whose input distance counts households (OpenDP's `SymmetricDistance`: `d`
//! households added or removed) and whose stability map is `d ↦ d · Δ` — the proof is the
//! sensitivity module's, OpenDP checks and chains it.
//!
//! * **Discrete Gaussian.** `make_gaussian` over `VectorDomain<AtomDomain<i64>>` with
//!   `L2Distance<f64>` adds independent discrete Gaussian noise of scale σ_q to every cell and is
//!   ρ_q-zCDP with `ρ_q = Δ₂² / (2σ_q²)` (Canonne, Kamath & Steinke 2020; OpenDP's proof).
//! * **Discrete Laplace.** `make_laplace` with `L1Distance<f64>` is ε_q-DP with `ε_q = Δ₁ / b_q`;
//!   pure ε-DP implies (ε²/2)-zCDP (Bun & Steinke 2016, Prop. 1.4: OpenDP's
//!   `make_pureDP_to_zCDP`), so both mechanisms share one ledger currency.
//!
//! zCDP composes additively (Bun & Steinke 2016, Lemma 2.3): OpenDP's `make_composition` of the
//! queries costs `ρ = Σ_q ρ_q`, which is what a release debits. Its (ε, δ) statement is OpenDP's
//! zCDP → approximate-DP conversion of that ρ (Gaussian), or OpenDP's pure composition
//! `ε = Σ_q ε_q` (Laplace). The cost we state and debit is always OpenDP's privacy map of the
//! composed measurement at one household, never our own formula: we start each query from the
//! textbook scale for its share and widen it by one ulp while OpenDP's map exceeds the share.
//!
//! The draws come from OpenDP's exact samplers on OpenSSL's CSPRNG. Nothing in this crate draws
//! randomness by hand, simulations included: they invoke these same measurements on zeros.

use opendp::combinators::{make_chain_mt, make_composition, make_pureDP_to_zCDP, ConcentratedMeasure};
use opendp::core::{Function, Measurement, StabilityMap, Transformation};
use opendp::domains::{AtomDomain, VectorDomain};
use opendp::measurements::{make_gaussian, make_laplace};
use opendp::measures::{MaxDivergence, ZeroConcentratedDivergence};
use opendp::metrics::{L1Distance, L2Distance, SymmetricDistance};
use opendp::traits::InfMul;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::error::PrivacyError;
use crate::sensitivity::QuerySensitivity;

type Domain = VectorDomain<AtomDomain<i64>>;
type GaussianMeasurement = Measurement<Domain, L2Distance<f64>, ZeroConcentratedDivergence, Vec<i64>>;
type LaplaceMeasurement = Measurement<Domain, L1Distance<f64>, MaxDivergence, Vec<i64>>;
/// A release's composed measurement: exact totals in, every query's noisy cells out.
pub type ReleaseMeasurement = Measurement<Domain, SymmetricDistance, ZeroConcentratedDivergence, Vec<Vec<i64>>>;

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

/// One query's calibrated noise and its cost, from OpenDP's maps.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueryNoise {
    pub mechanism: Mechanism,
    /// OpenDP's `scale` argument (σ for the Gaussian, b for the Laplace).
    pub scale: f64,
    /// The sensitivity the cost is evaluated at: Δ₂ (Gaussian) or Δ₁ (Laplace).
    pub sensitivity: f64,
    /// zCDP cost of this query (for the Laplace, after `make_pureDP_to_zCDP`).
    pub rho: f64,
    /// The Laplace's pure ε for this query; 0 for the Gaussian.
    pub pure_epsilon: f64,
    /// How many times each cell is measured; the published estimate uses their mean, whose
    /// variance is one draw's over `repeats`. `scale`, `sensitivity` and the costs are those of
    /// the repeated vector (see [`QuerySensitivity::repeated`]).
    pub repeats: u32,
}

/// What a whole release costs every year it touches.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReleaseCost {
    pub mechanism: Mechanism,
    /// zCDP ρ: OpenDP's map of the composed measurement at one household.
    pub rho: f64,
    /// ε at `delta` (Gaussian) or the pure ε (Laplace, `delta` = 0).
    pub epsilon: f64,
    pub delta: f64,
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

fn sensitivity_for(mechanism: Mechanism, sensitivity: &QuerySensitivity) -> Result<f64, PrivacyError> {
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

/// Calibrates one query's noise so that OpenDP's cost at its sensitivity is at most `rho`.
pub fn calibrate_query(mechanism: Mechanism, sensitivity: &QuerySensitivity, rho: f64) -> Result<QueryNoise, PrivacyError> {
    calibrate_repeated(mechanism, sensitivity, rho, 1)
}

/// [`calibrate_query`] for the query's cells each measured `repeats` times.
///
/// A cell measured once, with nothing else to combine it with, has integer noise as its error,
/// and a 95% interval over integers covers 95% only at some scales (coverage jumps from value
/// to value). Measured `k` times at `k` times the variance each, the mean has the same variance
/// (σ²: `k` draws of variance `kσ²`, averaged) and the same cost (the repeated vector's Δ₂ is
/// `√k` times the cell's, its scale `√k` times σ: `ρ = kΔ₂²/(2kσ²)`), but its error takes values
/// `1/k` apart, fine enough for the interval to reach 95% at any scale. Post-processing (the
/// mean) costs nothing.
pub fn calibrate_repeated(mechanism: Mechanism, sensitivity: &QuerySensitivity, rho: f64, repeats: u32) -> Result<QueryNoise, PrivacyError> {
    if !(rho > 0.0 && rho.is_finite()) {
        return Err(PrivacyError::InvalidBudget(rho));
    }
    let sensitivity = &sensitivity.repeated(repeats);
    let d_in = sensitivity_for(mechanism, sensitivity)?;
    // Gaussian: ρ = Δ₂²/(2σ²). Laplace: ε = Δ₁/b and ρ = ε²/2. Both give scale = Δ/sqrt(2ρ).
    let mut scale = d_in / (2.0 * rho).sqrt();
    loop {
        let noise = query_at(mechanism, d_in, scale)?;
        if noise.rho <= rho {
            return Ok(QueryNoise { repeats: repeats.max(1), ..noise });
        }
        // Floating-point rounding put OpenDP's cost a hair above ρ: widen by one ulp and retry.
        scale = next_up(scale);
    }
}

/// One query's noise at a given scale (each cell measured once), with the cost OpenDP states.
pub fn query_at_scale(mechanism: Mechanism, sensitivity: &QuerySensitivity, scale: f64) -> Result<QueryNoise, PrivacyError> {
    query_at(mechanism, sensitivity_for(mechanism, sensitivity)?, scale)
}

impl QueryNoise {
    /// The same query, with the same repeats, at another scale.
    pub fn at_scale(&self, sensitivity: &QuerySensitivity, scale: f64) -> Result<QueryNoise, PrivacyError> {
        let noise = query_at(self.mechanism, sensitivity_for(self.mechanism, &sensitivity.repeated(self.repeats))?, scale)?;
        Ok(QueryNoise { repeats: self.repeats, ..noise })
    }
}

fn query_at(mechanism: Mechanism, d_in: f64, scale: f64) -> Result<QueryNoise, PrivacyError> {
    Ok(match mechanism {
        Mechanism::DiscreteGaussian => QueryNoise { mechanism, scale, sensitivity: d_in, rho: gaussian(scale)?.map(&d_in)?, pure_epsilon: 0.0, repeats: 1 },
        Mechanism::DiscreteLaplace => {
            let pure = laplace(scale)?;
            QueryNoise { mechanism, scale, sensitivity: d_in, pure_epsilon: pure.map(&d_in)?, rho: make_pureDP_to_zCDP(pure)?.map(&d_in)?, repeats: 1 }
        }
    })
}

impl QueryNoise {
    /// The variance of a cell's measurement (the mean of its repeats): one draw's over
    /// `repeats`. One draw's is σ² for the Gaussian (the weight WLS uses; the discrete
    /// Gaussian's is a little less), and the discrete Laplace's exact `2t/(1−t)²`, `t = e^{−1/b}`.
    pub fn variance(&self) -> f64 {
        self.draw_variance() / f64::from(self.repeats.max(1))
    }

    fn draw_variance(&self) -> f64 {
        match self.mechanism {
            Mechanism::DiscreteGaussian => self.scale * self.scale,
            Mechanism::DiscreteLaplace => {
                let t = (-1.0 / self.scale).exp();
                2.0 * t / ((1.0 - t) * (1.0 - t))
            }
        }
    }

    /// The probabilities of each whole value of one draw, for |value| up to 12 standard deviations
    /// (the rest is below 1e-30): the discrete Gaussian's `∝ exp(−k²/2σ²)`, the discrete
    /// Laplace's `∝ exp(−|k|/b)`. Used to decide interval cuts exactly, never to draw noise.
    pub fn pmf(&self) -> Vec<(i64, f64)> {
        let top = (12.0 * self.draw_variance().sqrt()).ceil().max(1.0) as i64;
        let weight = |k: i64| match self.mechanism {
            Mechanism::DiscreteGaussian => (-((k * k) as f64) / (2.0 * self.scale * self.scale)).exp(),
            Mechanism::DiscreteLaplace => (-(k.abs() as f64) / self.scale).exp(),
        };
        let total: f64 = (-top..=top).map(weight).sum();
        (-top..=top).map(|k| (k, weight(k) / total)).collect()
    }

    /// The bare OpenDP measurement (for simulations on zeros). Measurements are not `Send`:
    /// build where used.
    pub fn sampler(&self) -> Result<NoiseSampler, PrivacyError> {
        Ok(match self.mechanism {
            Mechanism::DiscreteGaussian => NoiseSampler::Gaussian(gaussian(self.scale)?),
            Mechanism::DiscreteLaplace => NoiseSampler::Laplace(laplace(self.scale)?),
        })
    }
}

/// A built OpenDP measurement, for callers that invoke it many times (simulations).
pub enum NoiseSampler {
    Gaussian(GaussianMeasurement),
    Laplace(LaplaceMeasurement),
}

impl NoiseSampler {
    /// One OpenDP call over the whole vector.
    pub fn invoke(&self, exact: &Vec<i64>) -> Result<Vec<i64>, PrivacyError> {
        Ok(match self {
            NoiseSampler::Gaussian(m) => m.invoke(exact)?,
            NoiseSampler::Laplace(m) => m.invoke(exact)?,
        })
    }
}

/// How one query reads its exact cells from the release's exact totals: for each cell, the
/// positions of the exact totals it sums.
pub type CellSums = Vec<Vec<usize>>;

/// The query's transformation: exact totals → its cells, each `repeats` times in a row,
/// `d` households → `d · Δ` (Δ of the repeated vector).
fn selection<M>(cells: CellSums, repeats: u32, metric: M, delta: f64) -> Result<Transformation<Domain, SymmetricDistance, Domain, M>, PrivacyError>
where
    M: opendp::core::Metric<Distance = f64> + Default + 'static,
    (Domain, M): opendp::core::MetricSpace,
{
    let repeats = repeats.max(1) as usize;
    let function =
        Function::new(move |exact: &Vec<i64>| cells.iter().flat_map(|sum| std::iter::repeat_n(sum.iter().map(|&k| exact[k]).sum::<i64>(), repeats)).collect());
    let stability: StabilityMap<SymmetricDistance, M> = StabilityMap::new_fallible(move |households: &u32| f64::from(*households).inf_mul(&delta));
    // The turbofish: with `(Domain, M): MetricSpace` in scope, inference would take M for the input metric too.
    Ok(Transformation::<Domain, SymmetricDistance, Domain, M>::new(
        VectorDomain::new(AtomDomain::default()),
        SymmetricDistance,
        VectorDomain::new(AtomDomain::default()),
        metric,
        function,
        stability,
    )?)
}

/// The release's one measurement: every query's selection chained with its noise, composed.
/// Its map at one household is the release's ρ.
pub fn make_release_measurement(queries: &[(QueryNoise, CellSums)]) -> Result<ReleaseMeasurement, PrivacyError> {
    let parts = queries
        .iter()
        .map(|(noise, cells)| -> Result<Measurement<Domain, SymmetricDistance, ZeroConcentratedDivergence, Vec<i64>>, PrivacyError> {
            Ok(match noise.mechanism {
                Mechanism::DiscreteGaussian => {
                    make_chain_mt(&gaussian(noise.scale)?, &selection(cells.clone(), noise.repeats, L2Distance::default(), noise.sensitivity)?)?
                }
                Mechanism::DiscreteLaplace => make_pureDP_to_zCDP(make_chain_mt(
                    &laplace(noise.scale)?,
                    &selection(cells.clone(), noise.repeats, L1Distance::default(), noise.sensitivity)?,
                )?)?,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(make_composition(parts)?)
}

/// The Laplace release's pure ε: OpenDP's pure composition of the queries' measurements.
fn laplace_release_epsilon(queries: &[(QueryNoise, CellSums)]) -> Result<f64, PrivacyError> {
    let parts = queries
        .iter()
        .map(|(noise, cells)| Ok(make_chain_mt(&laplace(noise.scale)?, &selection(cells.clone(), noise.repeats, L1Distance::default(), noise.sensitivity)?)?))
        .collect::<Result<Vec<_>, PrivacyError>>()?;
    Ok(make_composition(parts)?.map(&1)?)
}

/// The release's cost from OpenDP's maps of the composed measurement at one household.
pub fn release_cost(mechanism: Mechanism, queries: &[(QueryNoise, CellSums)], delta: f64) -> Result<ReleaseCost, PrivacyError> {
    let rho = make_release_measurement(queries)?.map(&1)?;
    Ok(match mechanism {
        Mechanism::DiscreteGaussian => {
            if !(delta > 0.0 && delta < 1.0) {
                return Err(PrivacyError::InvalidDelta(delta));
            }
            ReleaseCost { mechanism, rho, epsilon: gaussian_epsilon(rho, delta)?, delta }
        }
        Mechanism::DiscreteLaplace => ReleaseCost { mechanism, rho, epsilon: laplace_release_epsilon(queries)?, delta: 0.0 },
    })
}

/// OpenDP's ε at `delta` for a ρ-zCDP measurement (the conversion `make_zCDP_to_approxDP`
/// applies). It searches numerically and took 1.4 ms, most of a release's preparation; it is a
/// pure function of (ρ, δ), so each answer is kept for the process. Bounded: cleared when full,
/// since the planner asks for many ρ.
pub fn gaussian_epsilon(rho: f64, delta: f64) -> Result<f64, PrivacyError> {
    static CACHE: OnceLock<Mutex<HashMap<(u64, u64), f64>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (rho.to_bits(), delta.to_bits());
    if let Some(&epsilon) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(epsilon);
    }
    let epsilon = ZeroConcentratedDivergence::convert(rho)?.epsilon(delta)?;
    let mut known = cache.lock().unwrap_or_else(|e| e.into_inner());
    if known.len() >= 4096 {
        known.clear();
    }
    known.insert(key, epsilon);
    Ok(epsilon)
}

#[cfg(test)]
#[path = "mechanism_tests.rs"]
mod tests;
