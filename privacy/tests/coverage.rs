//! Do the published 95% intervals cover each cell's truth 95% of the time, whatever that truth
//! is, at every level, and are they never narrower than the noise allows?
//!
//! Two datasets are released 10,000 times each with each mechanism (the default discrete
//! Gaussian, and the discrete Laplace), every release a full run of the pipeline (the composed
//! OpenDP measurement, consistency, intervals), and every cell's interval is checked against
//! its exact total, tallied per level and true value:
//!
//! * **all levels**: twelve of the catalogue's indicators, each in the standard design's
//!   headline shape (nation per period, counties and länskompotter over a window of three
//!   periods), the data laid out so that nation-per-period, county, länskompott and
//!   rest-of-county cells take every value of the grid 0, 1, 2, 3, 5, 10, 14, 30, 100 in every
//!   release;
//! * **the standard design** itself over a window of two years, its national detail cells and
//!   per-year headline cells on the same grid.
//!
//! The interval calibrations are the releases' own (20,000 simulated trees, independent of
//! these runs). The tallies rest on at least 10,000 intervals per (level, truth).

use std::collections::BTreeMap;
use std::time::Instant;

use kompotten_privacy::design::{make_design, Query};
use kompotten_privacy::hierarchy::{Geography, NodeKind, TimeCell};
use kompotten_privacy::mechanism::Mechanism;
use kompotten_privacy::release::{prepare_release, release_with, trees, ReleaseSpec};
use kompotten_privacy::sensitivity::{Level, TimeLayout};
use kompotten_privacy::synthetic::{person_count_catalogue, synthetic_standard_design};

const RELEASES: usize = 10_000;
const GRID: [i64; 9] = [0, 1, 2, 3, 5, 10, 14, 30, 100];

/// What a tally is kept by: the kind of area, per period or over the window, and the truth.
type Key = (NodeKind, bool, i64);

#[test]
fn gaussian_intervals_cover_every_truth_at_every_level() {
    every_level(Mechanism::DiscreteGaussian);
}

#[test]
fn laplace_intervals_cover_every_truth_at_every_level() {
    every_level(Mechanism::DiscreteLaplace);
}

#[test]
fn gaussian_intervals_cover_every_truth_of_the_standard_design() {
    standard(Mechanism::DiscreteGaussian);
}

#[test]
fn laplace_intervals_cover_every_truth_of_the_standard_design() {
    standard(Mechanism::DiscreteLaplace);
}

/// `[period][area]` totals from the window totals of the counties and parts, each split over
/// `periods` periods as evenly as whole numbers go (parts first, so that every period adds up).
fn spread(g: &Geography, counties: &[i64], parts: &[(i64, i64)], periods: usize) -> Vec<i64> {
    let share = |t: i64, p: usize| t / periods as i64 + i64::from((p as i64) < t % periods as i64);
    (0..periods)
        .flat_map(|p| {
            let c: Vec<i64> = counties.iter().map(|t| share(*t, p)).collect();
            let parts: Vec<(i64, i64)> = parts.iter().map(|(l, r)| (share(*l, p), share(*r, p))).collect();
            areas_from(g, &c, &parts)
        })
        .collect()
}

/// Window totals of every area from the counties' and parts' totals (nation = Σ counties).
fn areas_from(g: &Geography, counties: &[i64], parts: &[(i64, i64)]) -> Vec<i64> {
    let mut counties = counties.to_vec();
    let mut k = 0;
    for (c, spec) in g.counties.iter().enumerate() {
        if spec.has_lanskompott {
            counties[c] = parts[k].0 + parts[k].1;
            k += 1;
        }
    }
    let mut out = vec![counties.iter().sum()];
    out.extend(&counties);
    out.extend(parts.iter().flat_map(|(l, r)| [*l, *r]));
    out
}

fn every_level(mechanism: Mechanism) {
    let g = Geography::sweden();
    let periods = 3;
    let indicators: Vec<_> = person_count_catalogue().into_iter().take(12).collect();
    let queries = indicators
        .iter()
        .flat_map(|i| {
            [(Level::Nation, TimeLayout::PerPeriod, 22.0), (Level::County, TimeLayout::Window, 8.0), (Level::Lanskompott, TimeLayout::Window, 3.0)]
                .map(|(level, time, weight)| Query { indicators: vec![i.clone()], joint_bound: None, level, time, weight })
        })
        .collect();
    let spec = ReleaseSpec { mechanism, ..ReleaseSpec::new(make_design("every level", queries).unwrap(), periods) };
    let lk = 4;
    let mut exact = Vec::new();
    for i in 0..indicators.len() {
        let per_period = match i / 4 {
            // Nation per period on the grid: all of it in county 01.
            0 => (0..periods)
                .flat_map(|p| {
                    let t = GRID[(3 * i + p) % GRID.len()];
                    let mut counties = vec![0; 21];
                    counties[0] = t;
                    areas_from(&g, &counties, &[(0, 0); 4])
                })
                .collect(),
            // Counties (those without a länskompott) on the grid over the window.
            1 => {
                let counties: Vec<i64> = (0..21).map(|c| GRID[(c + 5 * i) % GRID.len()]).collect();
                let parts: Vec<(i64, i64)> = (0..lk).map(|k| (GRID[(k + i) % 9], GRID[(k + i + 4) % 9])).collect();
                spread(&g, &counties, &parts, periods)
            }
            // Länskompotter and rests on the grid over the window.
            _ => {
                let parts: Vec<(i64, i64)> = (0..lk).map(|k| (GRID[(4 * (i - 8) + k) % 9], GRID[(4 * (i - 8) + k + 2) % 9])).collect();
                spread(&g, &[0; 21], &parts, periods)
            }
        };
        exact.extend(per_period);
    }
    let tally = run(&g, &spec, &exact, 1.0, mechanism);
    for kind in [NodeKind::Nation, NodeKind::County, NodeKind::Lanskompott, NodeKind::RestOfCounty] {
        let per_period = kind == NodeKind::Nation;
        for t in GRID {
            assert!(tally.contains_key(&(kind, per_period, t)), "{mechanism:?}: no {kind:?} cell with truth {t}");
        }
    }
}

fn standard(mechanism: Mechanism) {
    let g = Geography::sweden();
    let design = synthetic_standard_design();
    let periods = 2;
    let spec = ReleaseSpec { mechanism, ..ReleaseSpec::new(design.clone(), periods) };
    let mut exact = Vec::new();
    for (i, indicator) in design.indicators.iter().enumerate() {
        let window_counties: Vec<i64> = match indicator.code.as_str() {
            // Households moved out: per year on the grid (all in one county).
            "households_moved_out" => {
                let years = [GRID[i % 9], GRID[(i + 3) % 9]];
                exact.extend(years.iter().flat_map(|&t| {
                    let mut counties = vec![0; 21];
                    counties[3] = t;
                    areas_from(&g, &counties, &[(0, 0); 4])
                }));
                continue;
            }
            // Households received: counties on the grid.
            "households_received" => (0..21).map(|c| GRID[c % 9]).collect(),
            // Every detail figure is one national window cell: its truth from the grid.
            _ => {
                let mut counties = vec![0; 21];
                counties[0] = GRID[i % 9];
                counties
            }
        };
        let parts: Vec<(i64, i64)> =
            if indicator.code == "households_received" { (0..4).map(|k| (GRID[(k + 5) % 9], GRID[(2 * k) % 9])).collect() } else { vec![(0, 0); 4] };
        exact.extend(spread(&g, &window_counties, &parts, periods));
    }
    let tally = run(&g, &spec, &exact, 1.0, mechanism);
    for t in GRID {
        assert!(tally.contains_key(&(NodeKind::Nation, false, t)), "{mechanism:?}: no national window cell with truth {t}");
    }
}

/// Releases `exact` RELEASES times, checks every interval, prints and asserts the tallies.
fn run(g: &Geography, spec: &ReleaseSpec, exact: &[i64], rho: f64, mechanism: Mechanism) -> BTreeMap<Key, (usize, usize)> {
    let started = Instant::now();
    let params = prepare_release(g, spec, rho).unwrap();
    let calibrated = started.elapsed();
    let trees = trees(g, spec).unwrap();
    let areas = g.areas().len();
    let block = spec.periods * areas;
    let truth: Vec<i64> = trees.iter().enumerate().flat_map(|(i, t)| t.truth(&exact[i * block..(i + 1) * block], areas)).collect();
    let narrowest: Vec<i64> = trees
        .iter()
        .enumerate()
        .flat_map(|(i, t)| params.calibrations[params.indicator_calibration[i]].nodes.iter().take(t.len()).map(|k| k.narrowest))
        .collect();
    let mut tally: BTreeMap<Key, (usize, usize)> = BTreeMap::new();
    for _ in 0..RELEASES {
        let r = release_with(&params, exact).unwrap();
        for ((cell, t), narrow) in r.table.cells.iter().zip(&truth).zip(&narrowest) {
            assert!(cell.high - cell.low >= *narrow, "{cell:?} is narrower than the stated narrowest ({narrow})");
            if !GRID.contains(t) {
                continue;
            }
            let entry = tally.entry((cell.kind, matches!(cell.time, TimeCell::Period(_)), *t)).or_default();
            entry.0 += usize::from(cell.low <= *t && *t <= cell.high);
            entry.1 += 1;
        }
    }
    eprintln!(
        "{mechanism:?} ({}): ρ = {}, ε = {:.3} at δ = {}; calibration {calibrated:?}, {RELEASES} releases {:?}",
        spec.design.name,
        params.cost.rho,
        params.cost.epsilon,
        params.cost.delta,
        started.elapsed() - calibrated
    );
    let mut failures = Vec::new();
    for ((kind, per_period, t), (covered, total)) in &tally {
        let coverage = *covered as f64 / *total as f64;
        let time = if *per_period { "per period" } else { "window" };
        eprintln!("{mechanism:?}, {kind:?} {time}, truth {t}: coverage {:.2}% over {total} intervals", 100.0 * coverage);
        if *total < RELEASES {
            failures.push(format!("{kind:?} {time} truth {t}: only {total} intervals"));
        }
        if (coverage - 0.95).abs() > 0.01 {
            failures.push(format!("{kind:?} {time} truth {t}: coverage {coverage}"));
        }
    }
    assert!(failures.is_empty(), "{mechanism:?}: {failures:#?}");
    tally
}
