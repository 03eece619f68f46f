//! Do the published 95% intervals cover the truth 95% of the time, per level?
//!
//! Simulates 10,000 releases of one synthetic dataset (14 households in the period, most
//! county cells zero, four länskompotter) with each mechanism (the default discrete Gaussian,
//! and the discrete Laplace), each
//! release a full run of the pipeline (one OpenDP call, consistency, intervals), and counts
//! how often each published interval holds the exact total. The interval calibration is the
//! release's own (20,000 simulated trees, independent of these 10,000 runs).

use std::collections::BTreeMap;
use std::time::Instant;

use kompotten_privacy::hierarchy::{make_hierarchy, Geography, NodeKind};
use kompotten_privacy::mechanism::Mechanism;
use kompotten_privacy::release::{prepare_release, release_with, ReleaseSpec};
use kompotten_privacy::sensitivity::{IndicatorBound, Level, PeriodLayout};
use kompotten_privacy::synthetic::synthetic_totals;

const RELEASES: usize = 10_000;

#[test]
fn gaussian_intervals_cover_the_truth_95_percent_per_level() {
    intervals_cover_the_truth_95_percent_per_level(Mechanism::DiscreteGaussian);
}

#[test]
fn laplace_intervals_cover_the_truth_95_percent_per_level() {
    intervals_cover_the_truth_95_percent_per_level(Mechanism::DiscreteLaplace);
}

fn intervals_cover_the_truth_95_percent_per_level(mechanism: Mechanism) {
    let geography = Geography::sweden();
    let levels = vec![Level::Nation, Level::County, Level::Lanskompott];
    let indicators = vec![IndicatorBound::new("households_moved_out", 1), IndicatorBound::new("households_received", 1)];
    let mut spec = ReleaseSpec::new(indicators, levels.clone(), PeriodLayout::PerPeriod(1));
    spec.mechanism = mechanism;
    let h = make_hierarchy(&geography, &levels).unwrap();
    let exact = synthetic_totals(&h, &geography, &spec.indicators, 1, 14, 2026);
    let truth: Vec<i64> = exact.chunks(h.measured().len()).flat_map(|b| h.complete_exact(b).unwrap()).collect();
    let zero_share = truth.iter().filter(|t| **t == 0).count() as f64 / truth.len() as f64;

    let started = Instant::now();
    // ρ = 0.1 for the two indicators: for the Gaussian σ ≈ 5.5, ε ≈ 2.6 at δ = 1e-7.
    let params = prepare_release(&geography, &spec, 0.1).unwrap();
    let calibrated = started.elapsed();
    let mut tally: BTreeMap<NodeKind, (usize, usize)> = BTreeMap::new();
    for _ in 0..RELEASES {
        let r = release_with(&params, &exact).unwrap();
        for (cell, t) in r.table.cells.iter().zip(&truth) {
            let entry = tally.entry(cell.kind).or_default();
            entry.0 += usize::from(cell.low <= *t && *t <= cell.high);
            entry.1 += 1;
        }
    }
    eprintln!(
        "{mechanism:?}: scale = {:.3}, ρ = {}, ε = {:.3} at δ = {}; {:.0}% of true cells are zero; calibration {:?}, {RELEASES} releases {:?}",
        params.mechanism.scale,
        params.mechanism.rho,
        params.mechanism.epsilon,
        params.mechanism.delta,
        100.0 * zero_share,
        calibrated,
        started.elapsed() - calibrated
    );
    assert!(zero_share > 0.4, "the dataset must have many zero cells");
    for (kind, (covered, total)) in &tally {
        let coverage = *covered as f64 / *total as f64;
        eprintln!("{mechanism:?}, {kind:?}: coverage {:.2}% over {total} cells", 100.0 * coverage);
        assert!((coverage - 0.95).abs() <= 0.01, "{mechanism:?}, {kind:?}: coverage {coverage} outside 95 ± 1%");
    }
    assert_eq!(tally.len(), 4, "nation, county, länskompott and rest of county are all checked");
}
