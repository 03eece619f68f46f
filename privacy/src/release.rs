//! A release as a pure function: exact totals in, noisy measurements and a consistent published
//! table with intervals and parameters out; and the recomputation of a stored release.
//!
//! # Privacy
//! The only step that reads exact totals is the single invocation, in [`release_with`], of the
//! release's composed OpenDP measurement ([`crate::mechanism::make_release_measurement`]): one
//! measurement per query of the design, each calibrated to its share of ρ. Everything before
//! it is data-independent (the design, the sensitivities, the noise and interval calibration);
//! everything after it ([`recompute`]) reads only the noisy vector and the parameters, so it is
//! post-processing and costs nothing. The release costs `params.cost.rho` to the budget of
//! **each** year its window touches.
//!
//! (Checking that the exact totals are consistent, which may refuse a request, is validation of
//! the caller's input, not a release: a refused request publishes nothing.)
//!
//! # Reproducibility
//! [`ReleaseParams`] holds everything the published table depends on besides the noisy vector:
//! the geography, the request, every query's noise, the interval calibration and the engine
//! version. `recompute(params, noisy)` rebuilds the table bit for bit: no randomness and no
//! simulation are involved after the measurement.

use serde::{Deserialize, Serialize};

use crate::consistency::{publish_whole, wls_estimate};
use crate::design::ReleaseDesign;
use crate::error::PrivacyError;
use crate::hierarchy::{make_tree, Geography, NodeKind, TimeCell, Tree};
use crate::interval::{accepted_truths, calibrate_tree_cached, interval, lattice_has_cuts, node_variances, TreeCalibration, DEFAULT_SIMULATIONS};
use crate::mechanism::{calibrate_query, calibrate_repeated, make_release_measurement, release_cost, CellSums, Mechanism, QueryNoise, ReleaseCost};
use crate::{DEFAULT_DELTA, ENGINE_VERSION};

/// What to release, independent of the data and of the budget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReleaseSpec {
    pub design: ReleaseDesign,
    /// Periods in the window.
    pub periods: usize,
    pub mechanism: Mechanism,
    /// δ of the (ε, δ) statement (Gaussian).
    pub delta: f64,
    /// Simulated trees behind each interval calibration.
    pub simulations: usize,
}

impl ReleaseSpec {
    /// The default: discrete Gaussian, δ = [`DEFAULT_DELTA`], [`DEFAULT_SIMULATIONS`].
    pub fn new(design: ReleaseDesign, periods: usize) -> Self {
        ReleaseSpec { design, periods, mechanism: Mechanism::DiscreteGaussian, delta: DEFAULT_DELTA, simulations: DEFAULT_SIMULATIONS }
    }
}

/// Everything a published table depends on besides the noisy vector.
///
/// Store it in a format that round-trips `f64` exactly (with serde_json, enable its
/// `float_roundtrip` feature; its default parser may change the last bit of a cut).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReleaseParams {
    pub engine_version: String,
    pub geography: Geography,
    pub spec: ReleaseSpec,
    /// The budget asked for; `cost.rho` is at most this.
    pub budget: f64,
    /// Each query's noise, in design order.
    pub noise: Vec<QueryNoise>,
    pub cost: ReleaseCost,
    /// Distinct interval calibrations, and which one each indicator's tree uses.
    pub calibrations: Vec<TreeCalibration>,
    pub indicator_calibration: Vec<usize>,
}

/// One published number.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublishedCell {
    /// Index into the design's indicators.
    pub indicator: usize,
    /// The area's index in [`Geography::areas`].
    pub area: usize,
    pub kind: NodeKind,
    pub time: TimeCell,
    pub value: i64,
    /// The 95% interval.
    pub low: i64,
    pub high: i64,
    /// The unbiased (WLS) estimate the value was made non-negative and whole from; it can be
    /// negative. `value − estimate` is what the consistency step moved.
    pub estimate: f64,
    /// Whether a query measured this cell (otherwise it is a derived total).
    pub measured: bool,
}

/// The published table: every node of every indicator's tree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublishedTable {
    /// Cells ordered by indicator, then node.
    pub cells: Vec<PublishedCell>,
}

/// A release: its parameters, its stored noisy measurements and its published table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Release {
    pub params: ReleaseParams,
    /// Every query's noisy cells, in design order; within a query, by indicator, area, period,
    /// each cell `repeats` times.
    pub noisy: Vec<i64>,
    pub table: PublishedTable,
}

/// The trees of every indicator of `spec`.
pub fn trees(geography: &Geography, spec: &ReleaseSpec) -> Result<Vec<Tree>, PrivacyError> {
    (0..spec.design.indicators.len()).map(|i| make_tree(geography, &spec.design, i, spec.periods)).collect()
}

/// For each query, where its cells come from in the exact input `[indicator][period][area]`,
/// in the order of its noisy vector.
pub fn query_cells(geography: &Geography, spec: &ReleaseSpec, trees: &[Tree]) -> Vec<CellSums> {
    let areas = geography.areas().len();
    spec.design
        .queries
        .iter()
        .enumerate()
        .map(|(q, query)| {
            query
                .indicators
                .iter()
                .flat_map(|ind| {
                    let i = spec.design.indicator_index(&ind.code).unwrap_or(0);
                    let tree = &trees[i];
                    tree.measured_by(q).into_iter().map(move |v| {
                        let node = &tree.nodes[v];
                        let base = i * spec.periods * areas;
                        match node.time {
                            TimeCell::Period(p) => vec![base + p * areas + node.area],
                            TimeCell::Window => (0..spec.periods).map(|p| base + p * areas + node.area).collect(),
                        }
                    })
                })
                .collect()
        })
        .collect()
}

/// How many times a query's noise is widened to bring a coarse error's coverage into tolerance
/// before giving up: by 1% for the first twenty, then by a fifth more each time, so that a
/// slightly coarse error costs little and a very coarse one (noise well below one household,
/// where the error takes two or three values) is still reached.
const MAX_WIDENINGS: usize = 60;
/// Where a query's cells are each measured once with nothing to combine them with, their error
/// is the query's integer noise. With the Gaussian they are measured repeatedly, so that the
/// mean's error takes this many values per standard deviation, with at most [`MAX_REPEATS`];
/// with the Laplace the scale is stepped up by [`LATTICE_STEP`] until exact cuts within
/// [`LATTICE_MOST`] exist (up to twice the scale), leaving room for the simulation's sampling.
const LATTICE_VALUES_PER_SIGMA: f64 = 20.0;
const MAX_REPEATS: f64 = 16.0;
const LATTICE_STEP: f64 = 1.0005;
const LATTICE_MOST: f64 = 0.956;

/// The data-independent part: each query's share of ρ and its calibrated noise, the release's
/// cost, and the interval calibrations (cached per parameter set). This is also what the
/// planner evaluates.
pub fn prepare_release(geography: &Geography, spec: &ReleaseSpec, rho: f64) -> Result<ReleaseParams, PrivacyError> {
    let design = &spec.design;
    if spec.periods == 0 {
        return Err(PrivacyError::NoPeriods);
    }
    let trees = trees(geography, spec)?;
    let cells = query_cells(geography, spec, &trees);
    let total_weight = design.total_weight();
    let mut noise: Vec<QueryNoise> = design
        .queries
        .iter()
        .zip(&design.sensitivities)
        .map(|(q, s)| calibrate_query(spec.mechanism, s, rho * q.weight / total_weight))
        .collect::<Result<_, _>>()?;
    for q in lone_queries(&trees) {
        match spec.mechanism {
            // Measured repeatedly, a lone cell's error is fine-grained at the same variance and
            // cost (see `calibrate_repeated`): enough repeats to put 20 values per σ.
            Mechanism::DiscreteGaussian => {
                let repeats = (LATTICE_VALUES_PER_SIGMA / noise[q].scale).ceil().clamp(1.0, MAX_REPEATS) as u32;
                noise[q] = calibrate_repeated(spec.mechanism, &design.sensitivities[q], rho * design.queries[q].weight / total_weight, repeats)?;
            }
            // Repeating would raise the pure ε by √k: the Laplace's scale is instead stepped up
            // until exact cuts within tolerance exist.
            Mechanism::DiscreteLaplace => {
                let start = noise[q].scale;
                while !lattice_has_cuts(&noise[q].pmf(), LATTICE_MOST) && noise[q].scale < 2.0 * start {
                    noise[q] = noise[q].at_scale(&design.sensitivities[q], noise[q].scale * LATTICE_STEP)?;
                }
            }
        }
    }
    let mut widenings = 0;
    let (calibrations, indicator_calibration) = loop {
        let (calibrations, index) = calibrate_all(&trees, &noise, spec.simulations)?;
        let coarse = coarse_queries(&trees, &calibrations, &index);
        if coarse.is_empty() {
            break (calibrations, index);
        }
        widenings += 1;
        if widenings > MAX_WIDENINGS {
            return Err(PrivacyError::InvalidParameter(format!("queries {coarse:?} keep an error too coarse for a 95% interval")));
        }
        // Wider noise costs less: the release stays within its budget.
        let step = 1.0 + 0.01 * 1.2f64.powi(widenings.saturating_sub(20) as i32);
        for q in coarse {
            noise[q] = noise[q].at_scale(&design.sensitivities[q], noise[q].scale * step)?;
        }
    };
    let pairs: Vec<(QueryNoise, CellSums)> = noise.iter().copied().zip(cells).collect();
    let mut cost = release_cost(spec.mechanism, &pairs, spec.delta)?;
    // The shares are rounded to floats: should their sum exceed ρ by a hair, shrink them all.
    let mut shrink = 1.0;
    while cost.rho > rho {
        shrink *= 1.0 - 1e-9;
        if shrink < 0.5 {
            return Err(PrivacyError::InvalidBudget(rho));
        }
        for (k, (q, s)) in design.queries.iter().zip(&design.sensitivities).enumerate() {
            noise[k] = calibrate_repeated(spec.mechanism, s, shrink * rho * q.weight / total_weight, noise[k].repeats)?.max_scale(noise[k]);
        }
        let pairs: Vec<(QueryNoise, CellSums)> = noise.iter().copied().zip(query_cells(geography, spec, &trees)).collect();
        cost = release_cost(spec.mechanism, &pairs, spec.delta)?;
    }
    Ok(ReleaseParams {
        engine_version: ENGINE_VERSION.to_string(),
        geography: geography.clone(),
        spec: spec.clone(),
        budget: rho,
        noise,
        cost,
        calibrations,
        indicator_calibration,
    })
}

impl QueryNoise {
    /// The wider of two calibrations of one query (keeps a widening for coverage).
    fn max_scale(self, other: QueryNoise) -> QueryNoise {
        if other.scale > self.scale {
            other
        } else {
            self
        }
    }
}

/// The queries all of whose cells are lone trees (one node, measured, nothing to combine it
/// with): their cells' error is the query's noise exactly.
fn lone_queries(trees: &[Tree]) -> Vec<usize> {
    let mut lone: Vec<usize> = trees.iter().filter(|t| t.len() == 1).filter_map(|t| t.nodes[0].measured_by).collect();
    lone.sort_unstable();
    lone.dedup();
    lone.retain(|q| trees.iter().all(|t| t.len() == 1 || t.nodes.iter().all(|n| n.measured_by != Some(*q))));
    lone
}

/// Calibrates every distinct tree once.
fn calibrate_all(trees: &[Tree], noise: &[QueryNoise], simulations: usize) -> Result<(Vec<TreeCalibration>, Vec<usize>), PrivacyError> {
    let mut keys: Vec<String> = Vec::new();
    let mut calibrations = Vec::new();
    let mut index = Vec::with_capacity(trees.len());
    for tree in trees {
        let key = shape_key(tree, noise);
        match keys.iter().position(|k| *k == key) {
            Some(k) => index.push(k),
            None => {
                calibrations.push(calibrate_tree_cached(tree, noise, simulations)?);
                keys.push(key);
                index.push(calibrations.len() - 1);
            }
        }
    }
    Ok((calibrations, index))
}

fn shape_key(tree: &Tree, noise: &[QueryNoise]) -> String {
    let mechanisms: Vec<_> = tree.nodes.iter().filter_map(|n| n.measured_by.map(|q| (noise[q].mechanism, noise[q].scale.to_bits()))).collect();
    format!("{mechanisms:?}|{}", tree.signature(&node_variances(tree, noise)))
}

/// The queries whose nodes' coverage is out of tolerance: the measuring query of such a node,
/// or every query of its tree for a derived node.
fn coarse_queries(trees: &[Tree], calibrations: &[TreeCalibration], index: &[usize]) -> Vec<usize> {
    let mut coarse = Vec::new();
    for (tree, &c) in trees.iter().zip(index) {
        for (node, k) in tree.nodes.iter().zip(&calibrations[c].nodes) {
            if k.is_within_tolerance() {
                continue;
            }
            match node.measured_by {
                Some(q) => coarse.push(q),
                None => coarse.extend(tree.nodes.iter().filter_map(|n| n.measured_by)),
            }
        }
    }
    coarse.sort_unstable();
    coarse.dedup();
    coarse
}

/// Releases `exact` (laid out `[indicator][period][area]`, indicators in design order, areas
/// in [`Geography::areas`] order) at budget `rho`.
pub fn release(geography: &Geography, spec: &ReleaseSpec, rho: f64, exact: &[i64]) -> Result<Release, PrivacyError> {
    release_with(&prepare_release(geography, spec, rho)?, exact)
}

/// Releases `exact` with prepared parameters: one invocation of the composed measurement.
pub fn release_with(params: &ReleaseParams, exact: &[i64]) -> Result<Release, PrivacyError> {
    let spec = &params.spec;
    let areas = params.geography.areas().len();
    let expected = spec.design.indicators.len() * spec.periods * areas;
    if exact.len() != expected {
        return Err(PrivacyError::ShapeMismatch { what: "exact totals (indicators × periods × areas)", expected, got: exact.len() });
    }
    for period in exact.chunks(areas) {
        params.geography.check_exact(period)?;
    }
    let trees = trees(&params.geography, spec)?;
    let pairs: Vec<(QueryNoise, CellSums)> = params.noise.iter().copied().zip(query_cells(&params.geography, spec, &trees)).collect();
    let noisy: Vec<i64> = make_release_measurement(&pairs)?.invoke(&exact.to_vec())?.into_iter().flatten().collect();
    let table = publish(params, &trees, &noisy)?;
    Ok(Release { params: params.clone(), noisy, table })
}

/// Rebuilds the published table of a stored release from its parameters and noisy vector.
pub fn recompute(params: &ReleaseParams, noisy: &[i64]) -> Result<PublishedTable, PrivacyError> {
    if params.engine_version != ENGINE_VERSION {
        return Err(PrivacyError::EngineVersion { stored: params.engine_version.clone(), current: ENGINE_VERSION.to_string() });
    }
    publish(params, &trees(&params.geography, &params.spec)?, noisy)
}

/// Splits the noisy vector into each indicator's measured node values (the mean of a cell's
/// repeats).
fn scatter(params: &ReleaseParams, trees: &[Tree], noisy: &[i64]) -> Result<Vec<Vec<f64>>, PrivacyError> {
    let design = &params.spec.design;
    let mut y: Vec<Vec<f64>> = trees.iter().map(|t| vec![0.0; t.len()]).collect();
    let mut next = 0;
    for (q, query) in design.queries.iter().enumerate() {
        let repeats = params.noise.get(q).map_or(1, |n| n.repeats.max(1)) as usize;
        for ind in &query.indicators {
            let i = design.indicator_index(&ind.code).unwrap_or(0);
            for v in trees[i].measured_by(q) {
                let draws = noisy.get(next..next + repeats).ok_or(PrivacyError::ShapeMismatch {
                    what: "noisy measurements",
                    expected: next + repeats,
                    got: noisy.len(),
                })?;
                y[i][v] = draws.iter().sum::<i64>() as f64 / repeats as f64;
                next += repeats;
            }
        }
    }
    if next != noisy.len() {
        return Err(PrivacyError::ShapeMismatch { what: "noisy measurements", expected: next, got: noisy.len() });
    }
    Ok(y)
}

fn publish(params: &ReleaseParams, trees: &[Tree], noisy: &[i64]) -> Result<PublishedTable, PrivacyError> {
    let y = scatter(params, trees, noisy)?;
    let mut cells = Vec::with_capacity(trees.iter().map(Tree::len).sum());
    for (i, (tree, y)) in trees.iter().zip(&y).enumerate() {
        let calibration = params
            .indicator_calibration
            .get(i)
            .and_then(|&c| params.calibrations.get(c))
            .filter(|c| c.nodes.len() == tree.len())
            .ok_or_else(|| PrivacyError::InvalidParameter(format!("no interval calibration for indicator {i}")))?;
        let estimate = wls_estimate(tree, y, &node_variances(tree, &params.noise));
        let boxes: Vec<(i64, i64)> = calibration.nodes.iter().zip(&estimate).map(|(k, w)| accepted_truths(k, *w).unwrap_or((0, i64::MAX))).collect();
        let values = publish_whole(tree, &estimate, &boxes);
        for (v, node) in tree.nodes.iter().enumerate() {
            let (low, high) = interval(&calibration.nodes[v], estimate[v], values[v]);
            cells.push(PublishedCell {
                indicator: i,
                area: node.area,
                kind: node.kind,
                time: node.time,
                value: values[v],
                low,
                high,
                estimate: estimate[v],
                measured: node.measured_by.is_some(),
            });
        }
    }
    Ok(PublishedTable { cells })
}

#[cfg(test)]
#[path = "release_tests.rs"]
mod tests;
