//! Accuracy of the standard design, and the bias non-negativity leaves in published values.
//!
//! `cargo run --release -p kompotten-privacy --example accuracy [-- --runs N]`
//!
//! 1. Every query of the standard design at ρ = 1 per year, over one year and over a window of
//!    four: its 95% margin, and the ρ per year at which it becomes better than ± 3 and ± 1
//!    (margins scale as 1/√ρ; each printed ρ is checked with the engine's own calibration).
//! 2. Mean error per county over repeated releases on data where four counties have households
//!    and seventeen have none (households moved out: Skåne 129, Värmland 68, Västmanland 40,
//!    Gävleborg 38, all inside their länskompotter), for the published value and for the
//!    unbiased estimate published beside it: at ρ = 0.05 for households moved out and received
//!    at nation, county and länskompott level, and with the standard design at ρ = 1.
//!
//! With `--time-release PATH` it instead times one full release (the standard design, ten
//! periods) and writes the exact totals and every query's cells (as the finest cells each sums), scale
//! and repeats to PATH as JSON for
//! `privacy/compare/release.py`, printing `rust_release_seconds=…` (best of 5 releases).

use std::time::Instant;

use kompotten_privacy::design::{make_design, Query};
use kompotten_privacy::hierarchy::{Geography, NodeKind};
use kompotten_privacy::planner::query_margins;
use kompotten_privacy::release::{prepare_release, query_cells, release_with, trees, ReleaseSpec};
use kompotten_privacy::sensitivity::{IndicatorBound, Level, TimeLayout};
use kompotten_privacy::synthetic::{synthetic_standard_design, synthetic_totals};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(k) = args.iter().position(|a| a == "--time-release") {
        time_release(args.get(k + 1).expect("--time-release needs a path"));
        return;
    }
    let runs: usize = args.iter().position(|a| a == "--runs").and_then(|k| args.get(k + 1)).map_or(1_000, |v| v.parse().expect("--runs N"));
    margins();
    bias(runs);
}

fn describe(q: &Query) -> String {
    let what = if q.indicators.len() > 1 { format!("{} … ({} parts)", q.indicators[0].code, q.indicators.len()) } else { q.indicators[0].code.clone() };
    format!("{what} × {:?} × {:?}", q.level, q.time)
}

/// The smallest ρ per year (within 2%) at which query `q`'s margin is at most `target`, by
/// bisection on the engine's own calibration (margins fall as ρ grows).
fn rho_for(g: &Geography, spec: &ReleaseSpec, q: usize, target: f64, guess: f64) -> (f64, f64) {
    let margin = |rho: f64| query_margins(g, spec, &prepare_release(g, spec, rho).unwrap(), &[]).unwrap()[q].margin;
    let (mut lo, mut hi) = (guess / 2.0, guess * 2.0);
    while margin(hi) > target {
        hi *= 2.0;
    }
    while margin(lo) <= target {
        lo /= 2.0;
    }
    while hi / lo > 1.02 {
        let mid = (lo * hi).sqrt();
        if margin(mid) <= target {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    (hi, margin(hi))
}

fn margins() {
    let g = Geography::sweden();
    let design = synthetic_standard_design();
    println!("Standard design: 95% margin (± households, or requests) per query at ρ = 1 per year, and the smallest ρ per year for ± 3 and ± 1");
    println!("(found by bisection with the engine's calibration at 5,000 simulated trees; the margin it reached in brackets)");
    println!("{:<72} {:>6} {:>9} {:>10} {:>8} {:>10} {:>8}", "query", "years", "margin", "ρ for ±3", "(±)", "ρ for ±1", "(±)");
    for years in [1, 4] {
        let spec = ReleaseSpec::new(design.clone(), years);
        let quick = ReleaseSpec { simulations: 5_000, ..spec.clone() };
        let at_one = query_margins(&g, &spec, &prepare_release(&g, &spec, 1.0).unwrap(), &[]).unwrap();
        for q in &at_one {
            let three = rho_for(&g, &quick, q.query, 3.0, (q.margin / 3.0).powi(2));
            let one = rho_for(&g, &quick, q.query, 1.0, q.margin.powi(2));
            println!(
                "{:<72} {years:>6} {:>9.2} {:>10.3} {:>8.2} {:>10.2} {:>8.2}",
                describe(&design.queries[q.query]),
                q.margin,
                three.0,
                three.1,
                one.0,
                one.1
            );
        }
    }
}

/// The dataset: households in four counties (inside their länskompotter), none elsewhere,
/// spread over the periods (the länskompott parts first, so that every period adds up).
fn four_counties(g: &Geography, indicators: usize, periods: usize) -> Vec<i64> {
    let areas = g.areas();
    let share = |t: i64, p: usize| t / periods as i64 + i64::from((p as i64) < t % periods as i64);
    let mut out = Vec::new();
    for _ in 0..indicators {
        for p in 0..periods {
            let mut one = vec![0i64; areas.len()];
            for (county, total) in [("12", 129), ("17", 68), ("19", 40), ("21", 38)] {
                let c = areas.iter().position(|a| a.label == county).unwrap();
                let l = areas.iter().position(|a| a.label == format!("L{county}")).unwrap();
                let here = share(total, p);
                one[c] = here;
                one[l] = here;
                one[0] += here;
            }
            out.extend(one);
        }
    }
    out
}

fn bias(runs: usize) {
    let g = Geography::sweden();
    let q = |code: &str, level, time, weight| Query { indicators: vec![IndicatorBound::new(code, 1)], joint_bound: None, level, time, weight };
    let two = make_design(
        "two",
        ["households_moved_out", "households_received"]
            .iter()
            .flat_map(|c| {
                [
                    q(c, Level::Nation, TimeLayout::PerPeriod, 22.0),
                    q(c, Level::County, TimeLayout::Window, 8.0),
                    q(c, Level::Lanskompott, TimeLayout::Window, 3.0),
                ]
            })
            .collect(),
    )
    .unwrap();
    for (label, design, periods, rho) in
        [("two indicators, ρ = 0.05, one year", two, 1, 0.05), ("standard design, ρ = 1 per year, four years", synthetic_standard_design(), 4, 1.0)]
    {
        let spec = ReleaseSpec::new(design, periods);
        let exact = four_counties(&g, spec.design.indicators.len(), periods);
        let params = prepare_release(&g, &spec, rho).unwrap();
        let trees = trees(&g, &spec).unwrap();
        let areas = g.areas();
        let truth = trees[0].truth(&exact[..periods * areas.len()], areas.len());
        let counties: Vec<usize> = (0..trees[0].len()).filter(|&v| trees[0].nodes[v].kind == NodeKind::County).collect();
        let (mut published, mut estimate, mut zero) = (vec![0.0; trees[0].len()], vec![0.0; trees[0].len()], vec![0usize; trees[0].len()]);
        for _ in 0..runs {
            let r = release_with(&params, &exact).unwrap();
            for &v in &counties {
                let c = r.table.cells[v];
                published[v] += (c.value - truth[v]) as f64;
                estimate[v] += c.estimate - truth[v] as f64;
                zero[v] += usize::from(c.value == 0);
            }
        }
        let margin = params.calibrations[params.indicator_calibration[0]].nodes[counties[0]].margin();
        println!("\nHouseholds moved out per county, {label} ({runs} releases; county margin ± {margin:.1}): mean error of the published value / of the unbiased estimate");
        let (mut populated, mut empty) = ((0.0, 0), (0.0, 0));
        for &v in &counties {
            let (p, e) = (published[v] / runs as f64, estimate[v] / runs as f64);
            let name = &areas[trees[0].nodes[v].area].label;
            if truth[v] > 0 {
                println!("  county {name}: truth {:>4}, published {p:+6.2}, estimate {e:+6.2}, published as 0 in {} releases", truth[v], zero[v]);
                populated = (populated.0 + p, populated.1 + 1);
            } else {
                empty = (empty.0 + p, empty.1 + 1);
            }
        }
        println!("  the {} counties with none: published {:+.2} on average each", empty.1, empty.0 / empty.1 as f64);
    }
}

fn time_release(path: &str) {
    let g = Geography::sweden();
    let spec = ReleaseSpec::new(synthetic_standard_design(), 10);
    let exact = synthetic_totals(&g, &spec.design.indicators, 10, 14, 1);
    let params = prepare_release(&g, &spec, 1.0).unwrap();
    let best = (0..5)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(release_with(&params, &exact).unwrap());
            started.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    // Each measured cell as the finest cells (period × county without länskompott, länskompott
    // or rest of county) it sums, so the comparison's least squares has independent unknowns.
    let areas = g.areas();
    let finest: Vec<Vec<usize>> = areas
        .iter()
        .map(|a| {
            let under = |b: &kompotten_privacy::hierarchy::Area| match a.kind {
                NodeKind::Nation => !areas.iter().any(|c| c.label == format!("L{}", b.label)) && b.kind != NodeKind::Nation,
                NodeKind::County if areas.iter().any(|c| c.label == format!("L{}", a.label)) => {
                    b.label == format!("L{}", a.label) || b.label == format!("R{}", a.label)
                }
                _ => b == a,
            };
            (0..areas.len()).filter(|&k| under(&areas[k])).collect()
        })
        .collect();
    let n = areas.len();
    let cells = query_cells(&g, &spec, &trees(&g, &spec).unwrap());
    let queries: Vec<String> = cells
        .iter()
        .zip(&params.noise)
        .map(|(cells, noise)| {
            let cells: Vec<Vec<usize>> =
                cells.iter().map(|sum| sum.iter().flat_map(|&x| finest[x % n].iter().map(move |&f| x - x % n + f)).collect()).collect();
            format!("{{\"scale\": {}, \"repeats\": {}, \"cells\": {cells:?}}}", noise.scale, noise.repeats)
        })
        .collect();
    std::fs::write(path, format!("{{\"exact\": {exact:?}, \"block\": {}, \"queries\": [{}]}}", 10 * n, queries.join(", "))).expect("write the dataset");
    println!("rust_release_seconds={best}");
    println!("values={}", cells.iter().map(Vec::len).sum::<usize>());
}
