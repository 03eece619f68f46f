//! The planner: before anything is spent, budget → accuracy per level, or accuracy at one
//! level → the budget it needs, from the same calculation the engine will use.
//!
//! # Same calculation
//! A plan is [`prepare_release`]: the same sensitivity, the same OpenDP calibration of the
//! noise and the same simulated interval calibration (cached per parameter set, so releasing at
//! the planned ρ in this process uses exactly the calibration the plan reported, and the
//! stored release records it). The "± h" of a level is its interval margin `b`: a truth
//! `T ≥ 1` is in the interval iff `|estimate − T| ≤ b`, so an interval spans at most `± b`
//! around the estimate.
//!
//! # Search
//! The margin falls as ρ grows (less noise). From a starting guess (the WLS error's standard
//! deviation at that level, computed exactly from the linear map, times 1.96) the planner
//! brackets ρ and bisects geometrically until the bracket is within 1%: the plan's ρ meets the
//! target and [`Plan::cheaper_rho_missing_target`] (1% lower or closer) does not. The margin is
//! a simulated quantile, so it is monotone in ρ only up to simulation error; the bisection
//! needs only the two ends it reports, both evaluated with the engine's (cached) calibration.
//!
//! A calibration simulates for seconds, and the search needs about ten, so it runs twice: first
//! with a tenth of the simulations, then from that bracket with the engine's own calibration,
//! which usually confirms both ends at once (two calibrations instead of ten). Only the second
//! search decides what the plan reports.
//!
//! # Privacy
//! Planning reads no data: it spends nothing. Nothing is spent until a release is made.

use serde::{Deserialize, Serialize};

use crate::consistency::{equal_variances, wls_estimate};
use crate::error::PrivacyError;
use crate::hierarchy::{make_hierarchy, Geography, NodeKind};
use crate::mechanism::Mechanism;
use crate::release::{prepare_release, ReleaseParams, ReleaseSpec};
use crate::sensitivity::{make_sensitivity, Level};

/// What the coordinator fixes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanTarget {
    /// "± `households` at `level`, 95%": find the smallest budget that achieves it.
    Margin { level: Level, households: f64 },
    /// A budget ρ (per debited period): report the accuracy it buys.
    Budget { rho: f64 },
}

/// Accuracy of one node kind under a plan.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LevelAccuracy {
    pub kind: NodeKind,
    /// ± households (95%).
    pub margin: f64,
}

/// A plan: the release parameters it would use and the accuracy per level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Exactly what [`prepare_release`] returns at the plan's ρ (cost: `params.mechanism`).
    pub params: ReleaseParams,
    pub per_level: Vec<LevelAccuracy>,
    /// For a margin target: the largest ρ tried that misses it (within 1% of the plan's ρ).
    pub cheaper_rho_missing_target: Option<f64>,
}

const MIN_RHO: f64 = 1e-6;
const MAX_RHO: f64 = 1e4;
const RELATIVE_PRECISION: f64 = 0.01;
/// The coarse search simulates this fraction of the engine's trees per step…
const COARSE_DIVISOR: usize = 10;
/// …but at least this many (the fewest a calibration accepts).
const MIN_COARSE_SIMULATIONS: usize = 100;
/// The first step out of the coarse bracket where the engine's calibration disagrees with it
/// (a 2,000-tree nation margin is within about 2% of a 20,000-tree one, ρ within twice that).
const COARSE_STEP: f64 = 1.05;

/// Plans a release of `spec` over `geography` for `target`.
pub fn plan(geography: &Geography, spec: &ReleaseSpec, target: PlanTarget) -> Result<Plan, PrivacyError> {
    match target {
        PlanTarget::Budget { rho } => Ok(plan_at(geography, spec, rho, None)?),
        PlanTarget::Margin { level, households } => {
            let kind = match level {
                Level::Nation => NodeKind::Nation,
                Level::County => NodeKind::County,
                Level::Lanskompott => NodeKind::Lanskompott,
            };
            if !spec.levels.contains(&level) {
                return Err(PrivacyError::InvalidParameter(format!("{level:?} is not among the released levels")));
            }
            if !(households > 0.0 && households.is_finite()) {
                return Err(PrivacyError::InvalidParameter(format!("the target margin must be positive, got {households}")));
            }
            let margin_with = |simulations: usize| {
                let spec = ReleaseSpec { simulations, ..spec.clone() };
                move |rho: f64| -> Result<f64, PrivacyError> {
                    let params = prepare_release(geography, &spec, rho)?;
                    Ok(params.intervals.for_kind(kind).map_or(f64::INFINITY, |k| k.margin))
                }
            };
            let guess = starting_rho(geography, spec, kind, households)?.clamp(MIN_RHO, MAX_RHO);
            let coarse = (spec.simulations / COARSE_DIVISOR).max(MIN_COARSE_SIMULATIONS);
            let (lo, hi, step) = if coarse < spec.simulations {
                // The coarse quantile is close to the engine's but not it: the engine's own
                // calibration checks the coarse bracket's ends and, where one is on the wrong
                // side, steps out from it by a little.
                let (missing, meeting) = bracket(margin_with(coarse), households, level, guess / 2.0, guess * 2.0, 4.0)?;
                (missing.unwrap_or(MIN_RHO), meeting, COARSE_STEP)
            } else {
                (guess / 2.0, guess * 2.0, 4.0)
            };
            let (missing, meeting) = bracket(margin_with(spec.simulations), households, level, lo, hi, step)?;
            plan_at(geography, spec, meeting, missing)
        }
    }
}

/// Brackets the ρ where `margin` reaches `target`: returns a ρ that misses it (`None` if even
/// `MIN_RHO` meets it) and one that meets it, within `1 + RELATIVE_PRECISION` of each other.
/// Starts from `lo` and `hi`; where an end is on the wrong side it steps outwards, by `step`
/// and then by ever larger steps (each the square of the last), and then bisects geometrically.
fn bracket(mut margin: impl FnMut(f64) -> Result<f64, PrivacyError>, target: f64, level: Level, lo: f64, hi: f64, step: f64) -> Result<(Option<f64>, f64), PrivacyError> {
    let (mut lo, mut hi) = (lo.max(MIN_RHO), hi.min(MAX_RHO));
    let mut outwards = step;
    while margin(hi)? > target {
        if hi >= MAX_RHO {
            return Err(PrivacyError::Unreachable { level, target, max_rho: MAX_RHO });
        }
        (lo, hi) = (hi, (hi * outwards).min(MAX_RHO));
        outwards *= outwards;
    }
    let mut outwards = step;
    while margin(lo)? <= target {
        if lo <= MIN_RHO {
            return Ok((None, lo));
        }
        (hi, lo) = (lo, (lo / outwards).max(MIN_RHO));
        outwards *= outwards;
    }
    while hi / lo > 1.0 + RELATIVE_PRECISION {
        let mid = (lo * hi).sqrt();
        if margin(mid)? <= target {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok((Some(lo), hi))
}

fn plan_at(geography: &Geography, spec: &ReleaseSpec, rho: f64, cheaper: Option<f64>) -> Result<Plan, PrivacyError> {
    let params = prepare_release(geography, spec, rho)?;
    let per_level = params.intervals.kinds.iter().map(|k| LevelAccuracy { kind: k.kind, margin: k.margin }).collect();
    Ok(Plan { params, per_level, cheaper_rho_missing_target: cheaper })
}

/// ρ at which a Gaussian approximation of the WLS error would give margin `households`.
fn starting_rho(geography: &Geography, spec: &ReleaseSpec, kind: NodeKind, households: f64) -> Result<f64, PrivacyError> {
    let h = make_hierarchy(geography, &spec.levels)?;
    let sensitivity = make_sensitivity(&spec.indicators, &spec.levels, spec.periods)?;
    // Standard deviation of the WLS error at a node of `kind`, per unit of noise s.d.: the row
    // norm of the linear map, from its response to each unit measurement.
    let node = h.nodes().iter().position(|n| n.kind == kind).ok_or(PrivacyError::InvalidParameter(format!("no {kind:?} node")))?;
    let variance = equal_variances(&h);
    let gain: f64 = h
        .measured()
        .iter()
        .map(|&m| {
            let mut unit = vec![0.0; h.len()];
            unit[m] = 1.0;
            wls_estimate(&h, &unit, &variance)[node].powi(2)
        })
        .sum::<f64>()
        .sqrt();
    let noise_sd = households / (1.96 * gain);
    Ok(match spec.mechanism {
        // σ = noise_sd, ρ = Δ₂²/(2σ²).
        Mechanism::DiscreteGaussian => sensitivity.l2.powi(2) / (2.0 * noise_sd.powi(2)),
        // s.d. = √2·b, ε = Δ₁/b, ρ = ε²/2.
        Mechanism::DiscreteLaplace => (sensitivity.l1 * 2f64.sqrt() / noise_sd).powi(2) / 2.0,
    })
}

#[cfg(test)]
#[path = "planner_tests.rs"]
mod tests;
