//! The planner: before anything is spent, budget → accuracy of every query of a design, or a
//! target accuracy at one level → the cheapest budget that reaches it, from the same
//! calculation the engine will use.
//!
//! # Same calculation
//! A plan is [`prepare_release`]: the same split of ρ by weight, the same OpenDP calibration of
//! every query's noise and the same simulated interval calibration (cached per parameter set,
//! so releasing at the planned ρ in this process uses exactly the calibration the plan
//! reported, and the stored release records it). The "± h" of a cell is its interval's margin
//! ([`crate::interval::NodeInterval::margin`]): the interval reaches at most `h` from the
//! estimate on either side.
//!
//! # Mostly noise
//! The catalogue bounds how large each figure can plausibly be (a national yearly total no
//! real year comes near). A query whose margin is at least that size would publish mostly
//! noise, and the plan says so in [`QueryAccuracy::mostly_noise`].
//!
//! # Search
//! Every margin falls as ρ grows (less noise). The weights fix every query's share, so one ρ
//! sets them all. From a starting guess (the WLS error's standard deviation, computed exactly
//! from the linear map, times 1.96) the planner brackets ρ and bisects geometrically until the
//! bracket is within 1%: the plan's ρ meets the target and
//! [`Plan::cheaper_rho_missing_target`] (1% lower or closer) does not, both by the engine's own
//! calibration. A calibration simulates for seconds, so the bracket is first found with the
//! Gaussian approximation and only confirmed (and, where it is off, stepped out by 5% at a
//! time) with the engine's calibration.
//!
//! # Privacy
//! Planning reads no data: it spends nothing. Nothing is spent until a release is made.

use serde::{Deserialize, Serialize};

use crate::consistency::wls_estimate;
use crate::error::PrivacyError;
use crate::hierarchy::{Geography, NodeKind, TimeCell};
use crate::interval::node_variances;
use crate::mechanism::calibrate_query;
use crate::release::{prepare_release, trees, ReleaseParams, ReleaseSpec};
use crate::sensitivity::{Level, TimeLayout};

/// What the coordinator fixes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanTarget {
    /// "± `households` at `level`, 95%", for every cell the design publishes at that level:
    /// find the smallest budget that achieves it.
    Margin { level: Level, households: f64 },
    /// A budget ρ (per debited year): report the accuracy it buys.
    Budget { rho: f64 },
}

/// Accuracy of one query under a plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueryAccuracy {
    /// Index into the design's queries.
    pub query: usize,
    pub level: Level,
    pub time: TimeLayout,
    /// The query's share of the budget (its ρ_q).
    pub rho: f64,
    /// ± households (95%), the widest over the query's cells.
    pub margin: f64,
    /// The plausible size of the query's largest cell, when the catalogue bounds it.
    pub plausible: Option<f64>,
    /// The margin is at least the plausible size: the figure would be mostly noise.
    pub mostly_noise: bool,
}

/// Accuracy of one kind of area (over every indicator's cells of that kind).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LevelAccuracy {
    pub kind: NodeKind,
    /// ± households (95%), the widest over the cells of this kind.
    pub margin: f64,
}

/// A plan: the release parameters it would use and the accuracy per query and per level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Exactly what [`prepare_release`] returns at the plan's ρ (cost: `params.cost`).
    pub params: ReleaseParams,
    pub per_query: Vec<QueryAccuracy>,
    pub per_level: Vec<LevelAccuracy>,
    /// For a margin target: the largest ρ tried that misses it (within 1% of the plan's ρ).
    pub cheaper_rho_missing_target: Option<f64>,
}

const MIN_RHO: f64 = 1e-6;
const MAX_RHO: f64 = 1e4;
const RELATIVE_PRECISION: f64 = 0.01;
/// The first step out of the approximate bracket where the engine's calibration disagrees.
const CALIBRATED_STEP: f64 = 1.05;

/// Plans a release of `spec` over `geography` for `target`. `plausible[i]` bounds the national
/// yearly total of the design's indicator `i`, where the catalogue declares one.
pub fn plan(geography: &Geography, spec: &ReleaseSpec, plausible: &[Option<f64>], target: PlanTarget) -> Result<Plan, PrivacyError> {
    match target {
        PlanTarget::Budget { rho } => plan_at(geography, spec, plausible, rho, None),
        PlanTarget::Margin { level, households } => {
            if !(households > 0.0 && households.is_finite()) {
                return Err(PrivacyError::InvalidParameter(format!("the target margin must be positive, got {households}")));
            }
            let kind = target_kind(level);
            let approximate = |rho: f64| approximate_margin(geography, spec, kind, rho);
            if approximate(1.0)?.is_none() {
                return Err(PrivacyError::InvalidParameter(format!("the design publishes nothing at {level:?} level")));
            }
            // margin ∝ 1/√ρ for both mechanisms (noise scale ∝ 1/√ρ): the guess is exact for the
            // approximation.
            let at_one = approximate(1.0)?.unwrap_or(f64::INFINITY);
            let guess = (at_one / households).powi(2).clamp(MIN_RHO, MAX_RHO);
            let calibrated = |rho: f64| -> Result<f64, PrivacyError> {
                let params = prepare_release(geography, spec, rho)?;
                Ok(kind_margins(geography, spec, &params)?.into_iter().find(|l| l.kind == kind).map_or(f64::INFINITY, |l| l.margin))
            };
            let (missing, meeting) = bracket(calibrated, households, level, guess / CALIBRATED_STEP, guess, CALIBRATED_STEP)?;
            plan_at(geography, spec, plausible, meeting, missing)
        }
    }
}

fn target_kind(level: Level) -> NodeKind {
    match level {
        Level::Nation => NodeKind::Nation,
        Level::County => NodeKind::County,
        Level::Lanskompott => NodeKind::Lanskompott,
    }
}

/// Brackets the ρ where `margin` reaches `target`: returns a ρ that misses it (`None` if even
/// `MIN_RHO` meets it) and one that meets it, within `1 + RELATIVE_PRECISION` of each other.
/// Starts from `lo` and `hi`; where an end is on the wrong side it steps outwards, by `step`
/// and then by ever larger steps (each the square of the last), and then bisects geometrically.
fn bracket(
    mut margin: impl FnMut(f64) -> Result<f64, PrivacyError>,
    target: f64,
    level: Level,
    lo: f64,
    hi: f64,
    step: f64,
) -> Result<(Option<f64>, f64), PrivacyError> {
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

fn plan_at(geography: &Geography, spec: &ReleaseSpec, plausible: &[Option<f64>], rho: f64, cheaper: Option<f64>) -> Result<Plan, PrivacyError> {
    let params = prepare_release(geography, spec, rho)?;
    let per_level = kind_margins(geography, spec, &params)?;
    let per_query = query_margins(geography, spec, &params, plausible)?;
    Ok(Plan { params, per_query, per_level, cheaper_rho_missing_target: cheaper })
}

/// The widest margin of each kind of area over every indicator's cells.
pub fn kind_margins(geography: &Geography, spec: &ReleaseSpec, params: &ReleaseParams) -> Result<Vec<LevelAccuracy>, PrivacyError> {
    let trees = trees(geography, spec)?;
    let mut out: Vec<LevelAccuracy> = Vec::new();
    for (i, tree) in trees.iter().enumerate() {
        let calibration = &params.calibrations[params.indicator_calibration[i]];
        for (node, k) in tree.nodes.iter().zip(&calibration.nodes) {
            match out.iter_mut().find(|l| l.kind == node.kind) {
                Some(l) => l.margin = l.margin.max(k.margin()),
                None => out.push(LevelAccuracy { kind: node.kind, margin: k.margin() }),
            }
        }
    }
    out.sort_by_key(|l| l.kind);
    Ok(out)
}

/// Each query's margin (widest over its cells) beside the plausible size of its cells.
pub fn query_margins(geography: &Geography, spec: &ReleaseSpec, params: &ReleaseParams, plausible: &[Option<f64>]) -> Result<Vec<QueryAccuracy>, PrivacyError> {
    let trees = trees(geography, spec)?;
    let design = &spec.design;
    let years = match spec.periods {
        0 => 0.0,
        p => p as f64,
    };
    design
        .queries
        .iter()
        .enumerate()
        .map(|(q, query)| {
            let mut margin: f64 = 0.0;
            let mut smallest_plausible: Option<f64> = None;
            for ind in &query.indicators {
                let i = design.indicator_index(&ind.code).unwrap_or(0);
                let calibration = &params.calibrations[params.indicator_calibration[i]];
                for v in trees[i].measured_by(q) {
                    margin = margin.max(calibration.nodes[v].margin());
                    let span = match trees[i].nodes[v].time {
                        TimeCell::Period(_) => 1.0,
                        TimeCell::Window => years,
                    };
                    if let Some(Some(p)) = plausible.get(i) {
                        let size = p * span;
                        smallest_plausible = Some(smallest_plausible.map_or(size, |s: f64| s.min(size)));
                    }
                }
            }
            Ok(QueryAccuracy {
                query: q,
                level: query.level,
                time: query.time,
                rho: params.noise[q].rho,
                margin,
                plausible: smallest_plausible,
                mostly_noise: smallest_plausible.is_some_and(|p| margin >= p),
            })
        })
        .collect()
}

/// 1.96 × the WLS error's standard deviation, the widest over every cell of `kind`, at budget
/// `rho` (exact linear algebra on the tree, no simulation); `None` if no cell is of that kind.
fn approximate_margin(geography: &Geography, spec: &ReleaseSpec, kind: NodeKind, rho: f64) -> Result<Option<f64>, PrivacyError> {
    let design = &spec.design;
    let total_weight = design.total_weight();
    let noise = design
        .queries
        .iter()
        .zip(&design.sensitivities)
        .map(|(q, s)| calibrate_query(spec.mechanism, s, rho * q.weight / total_weight))
        .collect::<Result<Vec<_>, _>>()?;
    let mut widest: Option<f64> = None;
    for tree in trees(geography, spec)? {
        let variance = node_variances(&tree, &noise);
        let nodes: Vec<usize> = (0..tree.len()).filter(|&v| tree.nodes[v].kind == kind).collect();
        if nodes.is_empty() {
            continue;
        }
        let mut sd2 = vec![0.0; tree.len()];
        for m in (0..tree.len()).filter(|&m| tree.nodes[m].measured_by.is_some()) {
            let mut unit = vec![0.0; tree.len()];
            unit[m] = 1.0;
            for (v, gain) in wls_estimate(&tree, &unit, &variance).into_iter().enumerate() {
                sd2[v] += gain * gain * variance[m];
            }
        }
        for v in nodes {
            let margin = 1.96 * sd2[v].sqrt();
            widest = Some(widest.map_or(margin, |w: f64| w.max(margin)));
        }
    }
    Ok(widest)
}

#[cfg(test)]
#[path = "planner_tests.rs"]
mod tests;
