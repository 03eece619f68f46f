//! 95% intervals for published values, calibrated by simulating the actual pipeline.
//!
//! # Why simulation
//! A published value is not a raw noisy count: it is the weighted-least-squares estimate of
//! [`crate::consistency`] (which mixes a node's measurement with its parent's and children's),
//! then made non-negative, consistent and whole. The raw mechanism's interval formula does not
//! describe that. So the intervals come from simulating the pipeline's own error.
//!
//! # Construction
//! The WLS step is linear and fixes consistent vectors, so at every node its error
//! `e = w − T` (estimate `w`, truth `T`) is the WLS map applied to the noise alone: the same
//! distribution whatever the data. We simulate it: invoke the release's own OpenDP
//! measurement on a zero vector for `simulations` trees (never a hand-written sampler), run the
//! WLS step, and collect `e` per node kind (nation, county, länskompott, rest of county).
//! From those draws, per kind:
//!
//! * `margin` `b`: the empirical 95% quantile of `|e|`;
//! * `zero_cut` `a`: the empirical 95% quantile of `e` (one-sided).
//!
//! The interval is the set of whole `T ≥ 0` that the estimate does not reject at 5%:
//!
//! ```text
//!     T ≥ 1 is in it  ⟺  |w − T| ≤ b          (accepted with probability P(|e| ≤ b) ≈ 95%)
//!     T = 0 is in it  ⟺  w ≤ a                (accepted with probability P(e ≤ a) ≈ 95%)
//! ```
//!
//! that is `[0 or max(1, ⌈w − b⌉), ⌊w + b⌋]`: a test inversion in the manner of Feldman &
//! Cousins, so that the truth is covered with probability ≈ 95% **whatever it is**, zero
//! included (a plain `[w − b, w + b] ∩ [0, ∞)` is empty for zero truths whenever `w < −b`, and
//! widening it to hold the published 0 would cover zeros 97.5% of the time). Since `a ≤ b`
//! the set is an interval.
//!
//! # Published value inside its interval
//! The consistency step publishes, parent by parent, the closest consistent whole values that
//! lie inside these intervals ([`crate::consistency::publish_whole`]'s boxes), so the
//! published value normally lies in its interval without touching it. Widening the interval to
//! a value outside it would not be harmless: the non-negative top-down step shrinks small cells
//! to 0, and an interval widened to hold that 0 would cover every zero truth, lifting the
//! coverage of mostly-zero levels towards 100%. Only where a parent's value cannot be split
//! among its children's intervals is a child's interval widened; the coverage test measures the
//! end result.
//!
//! Where the error takes few values, `P(|e| ≤ b)` jumps as `b` crosses them and the smallest
//! `b` reaching 95% may cover somewhat more. This is why the länskompott level measures the
//! rest of the county too ([`crate::hierarchy`]): with the rest unmeasured, a länskompott's
//! estimate would be its own measurement, its error whole-numbered noise, and at small scales
//! its interval could not cover 95% (at σ = 2.45 the discrete Gaussian's mass function gives
//! 93.6% for ± 4 and 97.6% for ± 5). With the rest measured, the
//! estimate also draws on county − rest, and its error is as finely spread as a county's. [`KindInterval::simulated_coverage`] records what
//! the simulation achieved.
//!
//! # Data independence and reproducibility
//! The calibration reads only the mechanism, its scale and the tree's shape: never data. It
//! is computed once per parameter set ([`calibrate_intervals_cached`]) and stored in the
//! release's parameters, so a stored release recomputes its intervals without simulating.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};

use crate::consistency::{equal_variances, wls_estimate};
use crate::error::PrivacyError;
use crate::hierarchy::{Hierarchy, NodeKind};
use crate::mechanism::CalibratedMechanism;

/// The coverage every interval aims at.
pub const COVERAGE: f64 = 0.95;
/// Simulated trees per calibration by default: the nation's quantile then rests on 20,000
/// draws (coverage standard error ≈ 0.15 points), counties on 420,000.
pub const DEFAULT_SIMULATIONS: usize = 20_000;
/// Slack for comparing floating-point WLS values with lattice points.
const TOLERANCE: f64 = 1e-9;
/// Trees per OpenDP call while simulating (bounds memory; each call is one vector).
const TREES_PER_CALL: usize = 2_000;

/// Interval parameters of one node kind.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct KindInterval {
    pub kind: NodeKind,
    /// `b`: a truth `T ≥ 1` is in the interval iff `|w − T| ≤ b` (the planner's "± b").
    pub margin: f64,
    /// `a`: zero is in the interval iff `w ≤ a`.
    pub zero_cut: f64,
    /// Share of simulated errors with `|e| ≤ b`.
    pub simulated_coverage: f64,
    /// Share of simulated errors with `e ≤ a`.
    pub simulated_zero_coverage: f64,
    /// Simulated errors behind the quantiles.
    pub samples: usize,
}

/// Interval parameters of every node kind of a release.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IntervalCalibration {
    pub coverage: f64,
    pub simulations: usize,
    pub kinds: Vec<KindInterval>,
}

impl IntervalCalibration {
    pub fn for_kind(&self, kind: NodeKind) -> Option<&KindInterval> {
        self.kinds.iter().find(|k| k.kind == kind)
    }
}

/// Simulates `simulations` releases of one tree's noise and calibrates every kind's interval.
pub fn calibrate_intervals(h: &Hierarchy, mechanism: &CalibratedMechanism, simulations: usize) -> Result<IntervalCalibration, PrivacyError> {
    if simulations < 100 {
        return Err(PrivacyError::InvalidParameter(format!("at least 100 simulations are needed, got {simulations}")));
    }
    let errors = simulate_wls_errors(h, mechanism, simulations)?;
    let kinds = errors
        .into_iter()
        .map(|(kind, mut e)| {
            let k = ((COVERAGE * e.len() as f64).ceil() as usize).clamp(1, e.len()) - 1;
            let mut abs: Vec<f64> = e.iter().map(|x| x.abs()).collect();
            abs.sort_by(f64::total_cmp);
            e.sort_by(f64::total_cmp);
            let (margin, zero_cut) = (abs[k], e[k]);
            let n = e.len() as f64;
            KindInterval {
                kind,
                margin,
                zero_cut,
                simulated_coverage: abs.iter().filter(|x| **x <= margin + TOLERANCE).count() as f64 / n,
                simulated_zero_coverage: e.iter().filter(|x| **x <= zero_cut + TOLERANCE).count() as f64 / n,
                samples: e.len(),
            }
        })
        .collect();
    Ok(IntervalCalibration { coverage: COVERAGE, simulations, kinds })
}

/// The WLS error of every node in `simulations` simulated trees, grouped by node kind (kinds
/// present in the tree, in [`NodeKind::ALL`] order).
pub fn simulate_wls_errors(h: &Hierarchy, mechanism: &CalibratedMechanism, simulations: usize) -> Result<Vec<(NodeKind, Vec<f64>)>, PrivacyError> {
    let sampler = mechanism.sampler()?;
    let variance = equal_variances(h);
    let m = h.measured().len();
    let kinds = h.kinds();
    let mut errors: Vec<(NodeKind, Vec<f64>)> = kinds.iter().map(|k| (*k, Vec::new())).collect();
    let slot: Vec<usize> = h.nodes().iter().map(|n| kinds.iter().position(|k| *k == n.kind).unwrap_or(0)).collect();
    let mut done = 0;
    while done < simulations {
        let trees = TREES_PER_CALL.min(simulations - done);
        // The release's own measurement on the zero vector: the draws are the noise.
        let noise = sampler.invoke(&vec![0; trees * m])?;
        for block in noise.chunks(m) {
            let y: Vec<f64> = h.scatter(block).into_iter().map(|v| v as f64).collect();
            for (v, e) in wls_estimate(h, &y, &variance).into_iter().enumerate() {
                errors[slot[v]].1.push(e);
            }
        }
        done += trees;
    }
    Ok(errors)
}

/// [`calibrate_intervals`], computed once per (mechanism, scale, tree shape, simulations) in
/// this process and reused afterwards. Concurrent callers with the same parameters wait for
/// the one computation instead of each simulating (a server may receive many identical release
/// requests at once); different parameter sets are computed in parallel.
pub fn calibrate_intervals_cached(h: &Hierarchy, mechanism: &CalibratedMechanism, simulations: usize) -> Result<IntervalCalibration, PrivacyError> {
    type Slot = Arc<Mutex<Option<IntervalCalibration>>>;
    static CACHE: OnceLock<Mutex<HashMap<String, Slot>>> = OnceLock::new();
    let key = format!("{:?}|{:016x}|{}|{}", mechanism.params.mechanism, mechanism.params.scale.to_bits(), simulations, h.signature());
    let slot = CACHE.get_or_init(|| Mutex::new(HashMap::new())).lock().unwrap_or_else(|e| e.into_inner()).entry(key).or_default().clone();
    let mut entry = slot.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(hit) = entry.as_ref() {
        return Ok(hit.clone());
    }
    let fresh = calibrate_intervals(h, mechanism, simulations)?;
    *entry = Some(fresh.clone());
    Ok(fresh)
}

/// The whole truths `T ≥ 0` the estimate does not reject (see the module doc), as
/// `(low, high)`, or `None` if there are none (possible only for tiny scales).
pub fn accepted_truths(k: &KindInterval, estimate: f64) -> Option<(i64, i64)> {
    let mut low = ((estimate - k.margin - TOLERANCE).ceil().max(1.0)) as i64;
    let high = (estimate + k.margin + TOLERANCE).floor() as i64;
    if estimate <= k.zero_cut + TOLERANCE {
        low = 0;
    }
    (low <= high.max(0) && (low == 0 || low <= high)).then_some((low, high.max(low)))
}

/// The published interval: the accepted truths, widened if needed to hold the published value.
pub fn interval(k: &KindInterval, estimate: f64, published: i64) -> (i64, i64) {
    match accepted_truths(k, estimate) {
        Some((low, high)) => (low.min(published), high.max(published)),
        None => (published, published),
    }
}

#[cfg(test)]
#[path = "interval_tests.rs"]
mod tests;
