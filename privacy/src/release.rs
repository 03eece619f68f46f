//! A release as a pure function: exact totals in, noisy measurements and a consistent published
//! table with intervals and parameters out; and the recomputation of a stored release.
//!
//! # Privacy
//! The only step that reads exact totals is the single OpenDP call in [`release_with`], over
//! the whole released vector (every indicator, period and cell), calibrated by
//! [`crate::mechanism`] to the sensitivity of [`crate::sensitivity`]. Everything before it is
//! data-independent (sensitivity, calibration of the noise and of the intervals); everything
//! after it ([`recompute`]) reads only the noisy vector and the parameters, so it is
//! post-processing and costs nothing. The release costs ρ (as stated in
//! [`MechanismParams::rho`]) to the budget of **each** period of the window
//! ([`Sensitivity::periods_debited`]).
//!
//! (Checking that the exact totals are consistent, which may refuse a request, is validation of
//! the caller's input, not a release: a refused request publishes nothing.)
//!
//! # Reproducibility
//! [`ReleaseParams`] holds everything the published table depends on besides the noisy vector:
//! the geography, the request, the mechanism's parameters, the interval calibration and the
//! engine version. `recompute(params, noisy)` rebuilds the table bit for bit: no randomness and
//! no simulation are involved after the measurement.

use serde::{Deserialize, Serialize};

use crate::consistency::{equal_variances, publish_whole, wls_estimate};
use crate::error::PrivacyError;
use crate::hierarchy::{make_hierarchy, Geography, Hierarchy, NodeKind};
use crate::interval::{accepted_truths, calibrate_intervals_cached, interval, IntervalCalibration, DEFAULT_SIMULATIONS};
use crate::mechanism::{make_calibrated_mechanism, CalibratedMechanism, Mechanism, MechanismParams};
use crate::sensitivity::{make_sensitivity, IndicatorBound, Level, PeriodLayout, Sensitivity};
use crate::{DEFAULT_DELTA, ENGINE_VERSION};

/// What to release, independent of the data and of the budget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReleaseSpec {
    pub indicators: Vec<IndicatorBound>,
    pub levels: Vec<Level>,
    pub periods: PeriodLayout,
    pub mechanism: Mechanism,
    /// δ of the (ε, δ) statement (Gaussian).
    pub delta: f64,
    /// Simulated trees behind the interval calibration.
    pub simulations: usize,
}

impl ReleaseSpec {
    /// The default: discrete Gaussian, δ = [`DEFAULT_DELTA`], [`DEFAULT_SIMULATIONS`].
    pub fn new(indicators: Vec<IndicatorBound>, levels: Vec<Level>, periods: PeriodLayout) -> Self {
        ReleaseSpec { indicators, levels, periods, mechanism: Mechanism::DiscreteGaussian, delta: DEFAULT_DELTA, simulations: DEFAULT_SIMULATIONS }
    }
}

/// Everything a published table depends on besides the noisy vector.
///
/// Store it in a format that round-trips `f64` exactly (with serde_json, enable its
/// `float_roundtrip` feature; its default parser may change the last bit of a margin).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReleaseParams {
    pub engine_version: String,
    pub geography: Geography,
    pub spec: ReleaseSpec,
    pub sensitivity: Sensitivity,
    pub mechanism: MechanismParams,
    pub intervals: IntervalCalibration,
}

/// One published number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedCell {
    /// Index into the request's indicators.
    pub indicator: usize,
    /// Index of the released period (always 0 for a summed window).
    pub period: usize,
    /// Node of the hierarchy (see [`PublishedTable::labels`]).
    pub node: usize,
    pub kind: NodeKind,
    pub value: i64,
    /// The 95% interval.
    pub low: i64,
    pub high: i64,
}

/// The published table: every node (rest of county included, derived) of every block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedTable {
    /// Node labels ("SE", county code, "L12", "R12").
    pub labels: Vec<String>,
    /// Cells ordered by indicator, released period, node.
    pub cells: Vec<PublishedCell>,
}

/// A release: its parameters, its stored noisy measurements and its published table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Release {
    pub params: ReleaseParams,
    pub noisy: Vec<i64>,
    pub table: PublishedTable,
}

/// The data-independent part: sensitivity, calibrated mechanism, interval calibration (cached
/// per parameter set). This is also what the planner evaluates.
pub fn prepare_release(geography: &Geography, spec: &ReleaseSpec, rho: f64) -> Result<ReleaseParams, PrivacyError> {
    let h = make_hierarchy(geography, &spec.levels)?;
    let sensitivity = make_sensitivity(&spec.indicators, &spec.levels, spec.periods)?;
    let mechanism = make_calibrated_mechanism(spec.mechanism, &sensitivity, rho, spec.delta)?;
    let intervals = calibrate_intervals_cached(&h, &mechanism, spec.simulations)?;
    Ok(ReleaseParams {
        engine_version: ENGINE_VERSION.to_string(),
        geography: geography.clone(),
        spec: spec.clone(),
        sensitivity,
        mechanism: mechanism.params,
        intervals,
    })
}

/// Releases `exact` (laid out `[indicator][period of the window][measured node]`, measured
/// nodes in [`Hierarchy::measured`] order) at budget `rho`.
pub fn release(geography: &Geography, spec: &ReleaseSpec, rho: f64, exact: &[i64]) -> Result<Release, PrivacyError> {
    release_with(&prepare_release(geography, spec, rho)?, exact)
}

/// Releases `exact` with prepared parameters (one OpenDP call over the whole vector).
pub fn release_with(params: &ReleaseParams, exact: &[i64]) -> Result<Release, PrivacyError> {
    let h = make_hierarchy(&params.geography, &params.spec.levels)?;
    let released = released_vector(&h, &params.spec, exact)?;
    let noisy = CalibratedMechanism { params: params.mechanism }.invoke(&released)?;
    let table = publish(&h, params, &noisy)?;
    Ok(Release { params: params.clone(), noisy, table })
}

/// The exact vector the mechanism measures: per-period blocks, or window totals when summed.
/// Refuses totals that are negative or inconsistent (they cannot be a truth).
pub fn released_vector(h: &Hierarchy, spec: &ReleaseSpec, exact: &[i64]) -> Result<Vec<i64>, PrivacyError> {
    let m = h.measured().len();
    let periods = spec.periods.periods() as usize;
    let expected = spec.indicators.len() * periods * m;
    if exact.len() != expected {
        return Err(PrivacyError::ShapeMismatch { what: "exact totals (indicators × periods × measured cells)", expected, got: exact.len() });
    }
    for block in exact.chunks(m) {
        h.complete_exact(block)?;
    }
    Ok(match spec.periods {
        PeriodLayout::PerPeriod(_) => exact.to_vec(),
        PeriodLayout::Summed(_) => exact
            .chunks(periods * m)
            .flat_map(|window| (0..m).map(move |j| window.chunks(m).map(|block| block[j]).sum::<i64>()))
            .collect(),
    })
}

/// Rebuilds the published table of a stored release from its parameters and noisy vector.
pub fn recompute(params: &ReleaseParams, noisy: &[i64]) -> Result<PublishedTable, PrivacyError> {
    if params.engine_version != ENGINE_VERSION {
        return Err(PrivacyError::EngineVersion { stored: params.engine_version.clone(), current: ENGINE_VERSION.to_string() });
    }
    let h = make_hierarchy(&params.geography, &params.spec.levels)?;
    publish(&h, params, noisy)
}

fn publish(h: &Hierarchy, params: &ReleaseParams, noisy: &[i64]) -> Result<PublishedTable, PrivacyError> {
    let m = h.measured().len();
    let periods = params.spec.periods.released_periods() as usize;
    let expected = params.spec.indicators.len() * periods * m;
    if noisy.len() != expected {
        return Err(PrivacyError::ShapeMismatch { what: "noisy measurements (indicators × released periods × measured cells)", expected, got: noisy.len() });
    }
    let kinds: Vec<_> = h
        .nodes()
        .iter()
        .map(|n| params.intervals.for_kind(n.kind).copied().ok_or_else(|| PrivacyError::InvalidParameter(format!("no interval calibration for {:?}", n.kind))))
        .collect::<Result<_, _>>()?;
    let variance = equal_variances(h);
    let mut cells = Vec::with_capacity(noisy.len() / m.max(1) * h.len());
    let mut y = vec![0.0; h.len()];
    for (b, block) in noisy.chunks(m).enumerate() {
        for (&v, &value) in h.measured().iter().zip(block) {
            y[v] = value as f64;
        }
        let estimate = wls_estimate(h, &y, &variance);
        let boxes: Vec<(i64, i64)> = kinds.iter().zip(&estimate).map(|(k, w)| accepted_truths(k, *w).unwrap_or((0, i64::MAX))).collect();
        let values = publish_whole(h, &estimate, &boxes);
        for (node, kind) in kinds.iter().enumerate() {
            let (low, high) = interval(kind, estimate[node], values[node]);
            cells.push(PublishedCell { indicator: b / periods, period: b % periods, node, kind: kind.kind, value: values[node], low, high });
        }
    }
    Ok(PublishedTable { labels: h.nodes().iter().map(|n| n.label.clone()).collect(), cells })
}

#[cfg(test)]
#[path = "release_tests.rs"]
mod tests;
