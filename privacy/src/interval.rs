//! 95% intervals for published values, calibrated by simulating the pipeline's own error, per
//! node of each indicator's tree.
//!
//! # Why simulation, and why per node
//! A published value is not a raw noisy count: it is the weighted-least-squares estimate of
//! [`crate::consistency`] (which mixes a node's measurement with its parent's, children's and
//! siblings', each query with its own noise scale), then made non-negative, consistent and
//! whole. The WLS step is linear and fixes consistent vectors, so at every node its error
//! `e = w − T` (estimate `w`, truth `T`) is the WLS map applied to the noise alone: the same
//! distribution whatever the data. Nodes do not share one distribution (a county with a
//! länskompott has a second estimate, county − rest, that a county without one lacks), so each
//! node gets its own calibration: invoke the release's own OpenDP measurements on zero vectors
//! for `simulations` trees (never a hand-written sampler), run the WLS step, and keep every
//! node's errors.
//!
//! # Construction: a Neyman belt that stays honest at zero
//! For every whole truth `T ≥ 0` we fix, before seeing any data, which estimates accept it:
//!
//! ```text
//!     T <  T*:  accept iff  w − T ≤ a              (one-sided; P(e ≤ a) ≈ 95%)
//!     T ≥ T*:   accept iff  −l ≤ w − T ≤ u          (two-sided; P(−l ≤ e ≤ u) ≈ 95%)
//! ```
//!
//! and publish the set of accepted truths. Each truth is accepted with probability ≈ 95%
//! whatever it is, so the interval covers every cell's truth 95% of the time, zero included.
//! `a` is the 95% quantile of `e`; `(l, u)` is the shortest pair reaching 95% (symmetric for a
//! symmetric, finely spread error); `T* = ⌊a⌋ + 1`.
//!
//! The switch to one-sided acceptance below `T*` is what keeps the interval honest at the
//! boundary. A plain two-sided belt accepts only `T = 0` when the estimate falls far below
//! zero, and publishes "0 (0–0)": certainty that the noise does not give. Here a very low
//! estimate still accepts every `T < T*`, so the narrowest interval is `[0, ⌊a⌋]`, about 1.6
//! noise standard deviations wide, and no interval is narrower than the noise allows
//! ([`NodeInterval::narrowest`]). Since `u ≥ a`, the accepted set is always an interval. The
//! choice of regime depends on `T` only, never on the estimate, which is what keeps the
//! coverage (unlike choosing "upper limit or interval" after seeing the data).
//!
//! # Discreteness
//! Where the error takes few values (a cell measured once, by integer noise, with nothing else
//! to combine it with), coverage jumps as a cut crosses a value, and the smallest cut reaching
//! 95% may cover 97%. The calibration records what it achieved
//! ([`NodeInterval::is_within_tolerance`]); [`crate::release::prepare_release`] then widens that
//! query's noise a little, which costs less budget, never more, until it is.
//!
//! # Published value inside its interval
//! The consistency step publishes, parent by parent, the closest consistent whole values that
//! lie inside these intervals, so the published value normally lies in its interval without
//! touching it. Only where a parent's value cannot be split among its children's intervals is
//! a child's interval widened to hold its value; the coverage test measures the end result.
//!
//! # Data independence and reproducibility
//! The calibration reads only the mechanisms, their scales and the tree's shape: never data.
//! It is computed once per parameter set ([`calibrate_tree_cached`]) and stored in the release's
//! parameters, so a stored release recomputes its intervals without simulating.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};

use crate::consistency::wls_estimate;
use crate::error::PrivacyError;
use crate::hierarchy::Tree;
use crate::mechanism::QueryNoise;

/// The coverage every interval aims at.
pub const COVERAGE: f64 = 0.95;
/// The most a calibrated interval may cover: above this, a coarse error is re-calibrated.
pub const MAX_COVERAGE: f64 = 0.958;
/// The most a calibration from `n` simulations may cover: [`MAX_COVERAGE`] from 10,000
/// simulations on, and three standard errors more below (few draws cannot resolve a lattice:
/// the planner's quick searches and tests).
pub fn max_coverage(n: usize) -> f64 {
    if n >= 10_000 {
        MAX_COVERAGE
    } else {
        MAX_COVERAGE + 3.0 * (COVERAGE * (1.0 - COVERAGE) / n.max(1) as f64).sqrt()
    }
}

/// Simulated trees per calibration by default: each node's cuts then rest on 20,000 draws
/// (coverage standard error ≈ 0.15 points).
pub const DEFAULT_SIMULATIONS: usize = 20_000;
/// Slack for comparing floating-point WLS values with lattice points.
const TOLERANCE: f64 = 1e-9;
/// Trees per OpenDP call while simulating (bounds memory; each call is one vector).
const TREES_PER_CALL: usize = 2_000;

/// Interval parameters of one node.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeInterval {
    /// `a`: below `switch`, a truth `T` is accepted iff `w − T ≤ a`.
    pub upper_cut: f64,
    /// `u`: from `switch` on, the most the estimate may lie above an accepted truth.
    pub above: f64,
    /// `l`: from `switch` on, the most the estimate may lie below an accepted truth.
    pub below: f64,
    /// `T*`: the smallest truth judged two-sided.
    pub switch: i64,
    /// Share of simulated errors with `e ≤ a`.
    pub one_sided_coverage: f64,
    /// Share of simulated errors with `−l ≤ e ≤ u`.
    pub two_sided_coverage: f64,
    /// The narrowest interval this node can publish (high − low).
    pub narrowest: i64,
    /// Simulated errors behind the cuts.
    pub samples: usize,
}

impl NodeInterval {
    /// "± margin": the most an interval reaches from the estimate on either side.
    pub fn margin(&self) -> f64 {
        self.above.max(self.below)
    }

    /// Whether both coverages lie in `[COVERAGE, max_coverage(samples)]`.
    pub fn is_within_tolerance(&self) -> bool {
        let most = (max_coverage(self.samples) * self.samples as f64).floor() / self.samples as f64;
        [self.one_sided_coverage, self.two_sided_coverage].iter().all(|c| *c >= COVERAGE && *c <= most + TOLERANCE)
    }
}

/// Interval parameters of every node of one tree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TreeCalibration {
    pub coverage: f64,
    pub simulations: usize,
    /// One per node of the tree.
    pub nodes: Vec<NodeInterval>,
}

/// The cuts of one node from its simulated errors (sorted in place).
pub fn node_interval(errors: &mut [f64]) -> Result<NodeInterval, PrivacyError> {
    let n = errors.len();
    if n < 100 {
        return Err(PrivacyError::InvalidParameter(format!("at least 100 simulations are needed, got {n}")));
    }
    errors.sort_by(f64::total_cmp);
    let k = ((COVERAGE * n as f64).ceil() as usize).clamp(1, n);
    let upper_cut = errors[k - 1];
    let count = |lo: f64, hi: f64| errors.iter().filter(|e| **e >= lo - TOLERANCE && **e <= hi + TOLERANCE).count();
    let most = (max_coverage(n) * n as f64).floor() as usize;
    // The error is symmetric (symmetric noise through a linear map): a symmetric cut, unless
    // a lattice makes it cover too much, where the shortest (l, u) within tolerance is taken.
    let mut magnitudes: Vec<f64> = errors.iter().map(|e| e.abs()).collect();
    magnitudes.sort_by(f64::total_cmp);
    let symmetric = magnitudes[k - 1].max(upper_cut);
    let (mut below, mut above) = (symmetric, symmetric);
    if count(-symmetric, symmetric) > most {
        // For each u ≥ a, the smallest l that keeps at least k errors in [−l, u].
        let mut best: Option<(f64, f64)> = None;
        let mut j = k - 1;
        while j < n {
            let u = errors[j];
            let within = errors.partition_point(|e| *e <= u + TOLERANCE);
            let l = (-errors[within - k]).max(0.0);
            let covered = count(-l, u);
            let better = best.is_none_or(|(bl, bu)| l + u < bl + bu - TOLERANCE || ((l + u - bl - bu).abs() <= TOLERANCE && (l - u).abs() < (bl - bu).abs()));
            if covered >= k && covered <= most && better {
                best = Some((l, u.max(0.0)));
            }
            j = within;
        }
        if let Some((l, u)) = best {
            (below, above) = (l, u);
        }
    }
    let share = |c: usize| c as f64 / n as f64;
    let switch = (upper_cut.floor() as i64 + 1).max(1);
    let mut interval = NodeInterval {
        upper_cut,
        above,
        below,
        switch,
        one_sided_coverage: share(count(f64::NEG_INFINITY, upper_cut)),
        two_sided_coverage: share(count(-below, above)),
        narrowest: 0,
        samples: n,
    };
    interval.narrowest = narrowest(&interval);
    Ok(interval)
}

/// Whether cuts within `[COVERAGE, most]` exist for an error that takes whole values with the
/// probabilities `pmf` (value, probability; in increasing order): the one-sided cut's coverage,
/// and some two-sided pair `(l, u ≥ a)`. A cell measured once, with nothing to combine it with,
/// has the query's integer noise as its error exactly, so this decides its calibration without
/// sampling error.
pub fn lattice_has_cuts(pmf: &[(i64, f64)], most: f64) -> bool {
    let mut cdf = Vec::with_capacity(pmf.len());
    let mut total = 0.0;
    for &(_, p) in pmf {
        total += p;
        cdf.push(total);
    }
    let below = |x: i64| pmf.iter().zip(&cdf).take_while(|((v, _), _)| *v <= x).last().map_or(0.0, |(_, c)| *c);
    let Some(a) = pmf.iter().zip(&cdf).find(|(_, c)| **c >= COVERAGE).map(|((v, _), _)| *v) else { return false };
    if below(a) > most {
        return false;
    }
    let top = pmf.last().map_or(0, |(v, _)| *v);
    (a.max(0)..=top).any(|u| {
        let within = below(u);
        // The smallest l ≥ 0 keeping at least 95% in [−l, u]: then check that it is not above `most`.
        (0..=top).map(|l| within - below(-l - 1)).find(|c| *c >= COVERAGE).is_some_and(|c| c <= most)
    })
}

/// The whole truths `T ≥ 0` the estimate does not reject (see the module doc), as
/// `(low, high)`, or `None` if there are none (possible only for noise far below one household).
pub fn accepted_truths(k: &NodeInterval, estimate: f64) -> Option<(i64, i64)> {
    let one_sided = ((estimate - k.upper_cut - TOLERANCE).ceil().max(0.0) as i64, k.switch - 1);
    let two_sided = (((estimate - k.above - TOLERANCE).ceil() as i64).max(k.switch), (estimate + k.below + TOLERANCE).floor() as i64);
    match (one_sided.0 <= one_sided.1, two_sided.0 <= two_sided.1) {
        (true, true) => Some((one_sided.0, two_sided.1.max(one_sided.1))),
        (true, false) => Some(one_sided),
        (false, true) => Some(two_sided),
        (false, false) => None,
    }
}

/// The published interval: the accepted truths, widened if needed to hold the published value.
pub fn interval(k: &NodeInterval, estimate: f64, published: i64) -> (i64, i64) {
    match accepted_truths(k, estimate) {
        Some((low, high)) => (low.min(published), high.max(published)),
        None => (published, published),
    }
}

/// The narrowest accepted set over every estimate. The set only changes where `w − a`,
/// `w − u` or `w + l` crosses a whole number, so it is enough to look between and at those
/// points over a few periods of the pattern, and far below zero (where it is `[0, T* − 1]`).
fn narrowest(k: &NodeInterval) -> i64 {
    let reach = (k.upper_cut.abs() + k.above + k.below + 2.0).ceil() as i64;
    let mut points: Vec<f64> = (-reach..=k.switch + 2 * reach).flat_map(|t| [t as f64 + k.upper_cut, t as f64 + k.above, t as f64 - k.below]).collect();
    points.sort_by(f64::total_cmp);
    let mut probes: Vec<f64> = points.windows(2).map(|p| 0.5 * (p[0] + p[1])).collect();
    probes.extend(points.iter().flat_map(|p| [p - 2.0 * TOLERANCE, *p, p + 2.0 * TOLERANCE]));
    probes.push(-1e9);
    probes.into_iter().filter_map(|w| accepted_truths(k, w)).map(|(lo, hi)| hi - lo).min().unwrap_or(0)
}

/// Simulates `simulations` draws of one tree's noise (each measured node with its query's noise)
/// and calibrates every node's interval.
pub fn calibrate_tree(tree: &Tree, noise: &[QueryNoise], simulations: usize) -> Result<TreeCalibration, PrivacyError> {
    if simulations < 100 {
        return Err(PrivacyError::InvalidParameter(format!("at least 100 simulations are needed, got {simulations}")));
    }
    let mut errors = simulate_wls_errors(tree, noise, simulations)?;
    let nodes = errors.iter_mut().map(|e| node_interval(e)).collect::<Result<_, _>>()?;
    Ok(TreeCalibration { coverage: COVERAGE, simulations, nodes })
}

/// The noise variance of each node: its query's, or ∞ for an unmeasured node.
pub fn node_variances(tree: &Tree, noise: &[QueryNoise]) -> Vec<f64> {
    tree.nodes.iter().map(|n| n.measured_by.map_or(f64::INFINITY, |q| noise[q].variance())).collect()
}

/// The WLS error of every node in `simulations` simulated trees, per node.
pub fn simulate_wls_errors(tree: &Tree, noise: &[QueryNoise], simulations: usize) -> Result<Vec<Vec<f64>>, PrivacyError> {
    let variance = node_variances(tree, noise);
    let mut queries: Vec<usize> = tree.nodes.iter().filter_map(|n| n.measured_by).collect();
    queries.sort_unstable();
    queries.dedup();
    let measured: Vec<Vec<usize>> = queries.iter().map(|&q| tree.measured_by(q)).collect();
    let samplers = queries.iter().map(|&q| noise[q].sampler()).collect::<Result<Vec<_>, _>>()?;
    let repeats: Vec<usize> = queries.iter().map(|&q| noise[q].repeats.max(1) as usize).collect();
    let mut errors = vec![Vec::with_capacity(simulations); tree.len()];
    let mut y = vec![0.0; tree.len()];
    let mut done = 0;
    while done < simulations {
        let trees = TREES_PER_CALL.min(simulations - done);
        // The release's own measurements on zero vectors: the draws are the noise (a cell
        // measured repeatedly is the mean of its draws).
        let draws =
            samplers.iter().zip(&measured).zip(&repeats).map(|((s, nodes), r)| s.invoke(&vec![0; trees * nodes.len() * r])).collect::<Result<Vec<_>, _>>()?;
        for t in 0..trees {
            for ((nodes, draw), &r) in measured.iter().zip(&draws).zip(&repeats) {
                for (k, &v) in nodes.iter().enumerate() {
                    let start = (t * nodes.len() + k) * r;
                    y[v] = draw[start..start + r].iter().sum::<i64>() as f64 / r as f64;
                }
            }
            for (v, e) in wls_estimate(tree, &y, &variance).into_iter().enumerate() {
                errors[v].push(e);
            }
        }
        done += trees;
    }
    Ok(errors)
}

/// [`calibrate_tree`], computed once per (tree shape with its noise, simulations) in this
/// process and reused afterwards. Concurrent callers with the same parameters wait for the one
/// computation instead of each simulating; different parameter sets are computed in parallel.
pub fn calibrate_tree_cached(tree: &Tree, noise: &[QueryNoise], simulations: usize) -> Result<TreeCalibration, PrivacyError> {
    type Slot = Arc<Mutex<Option<TreeCalibration>>>;
    static CACHE: OnceLock<Mutex<HashMap<String, Slot>>> = OnceLock::new();
    let mechanisms: Vec<_> = tree.nodes.iter().filter_map(|n| n.measured_by.map(|q| noise[q].mechanism)).collect();
    let key = format!("{mechanisms:?}|{simulations}|{}", tree.signature(&node_variances(tree, noise)));
    let slot = CACHE.get_or_init(|| Mutex::new(HashMap::new())).lock().unwrap_or_else(|e| e.into_inner()).entry(key).or_default().clone();
    let mut entry = slot.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(hit) = entry.as_ref() {
        return Ok(hit.clone());
    }
    let fresh = calibrate_tree(tree, noise, simulations)?;
    *entry = Some(fresh.clone());
    Ok(fresh)
}

#[cfg(test)]
#[path = "interval_tests.rs"]
mod tests;
