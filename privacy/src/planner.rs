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
            let margin = |rho: f64| -> Result<f64, PrivacyError> {
                let params = prepare_release(geography, spec, rho)?;
                Ok(params.intervals.for_kind(kind).map_or(f64::INFINITY, |k| k.margin))
            };
            let guess = starting_rho(geography, spec, kind, households)?.clamp(MIN_RHO, MAX_RHO);
            let (mut lo, mut hi) = (guess / 2.0, guess * 2.0);
            while margin(hi)? > households {
                if hi >= MAX_RHO {
                    return Err(PrivacyError::Unreachable { level, target: households, max_rho: MAX_RHO });
                }
                (lo, hi) = (hi, (hi * 4.0).min(MAX_RHO));
            }
            while margin(lo)? <= households {
                if lo <= MIN_RHO {
                    return plan_at(geography, spec, lo, None);
                }
                (hi, lo) = (lo, (lo / 4.0).max(MIN_RHO));
            }
            while hi / lo > 1.0 + RELATIVE_PRECISION {
                let mid = (lo * hi).sqrt();
                if margin(mid)? <= households {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            plan_at(geography, spec, hi, Some(lo))
        }
    }
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
