//! Accuracy at equal ρ: mean absolute error per level of (a) independent noise per cell (the
//! raw noisy measurements, which is what measuring every cell separately at the same total ρ
//! gives: one scale for every cell) and (b) this engine's published values (WLS over the
//! tree, then non-negative, whole, consistent values inside their intervals).
//!
//! Budget split across levels: one OpenDP call over the whole vector at one scale, so each
//! level gets the same share of ρ in sensitivity terms (each level adds `Σ c_i²` to Δ₂²).
//!
//! `cargo run --release -p kompotten-privacy --example accuracy`
//!
//! With `--time-release PATH` it instead times one full release (all 29 indicators, 10 periods)
//! and writes the exact totals, the tree and the scale to PATH as JSON for
//! `privacy/compare/release.py`, printing `rust_release_seconds=…` (best of 5 releases).

use std::collections::BTreeMap;
use std::time::Instant;

use kompotten_privacy::hierarchy::{make_hierarchy, Geography, NodeKind};
use kompotten_privacy::release::{prepare_release, release_with, ReleaseSpec};
use kompotten_privacy::sensitivity::{Level, PeriodLayout};
use kompotten_privacy::synthetic::{person_count_catalogue, synthetic_totals};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(k) = args.iter().position(|a| a == "--time-release") {
        time_release(args.get(k + 1).expect("--time-release needs a path"));
        return;
    }
    let runs: usize = args.iter().position(|a| a == "--runs").and_then(|k| args.get(k + 1)).map_or(200, |v| v.parse().expect("--runs N"));
    let g = Geography::sweden();
    let levels = vec![Level::Nation, Level::County, Level::Lanskompott];
    let spec = ReleaseSpec::new(person_count_catalogue(), levels.clone(), PeriodLayout::PerPeriod(1));
    let h = make_hierarchy(&g, &levels).unwrap();
    let m = h.measured().len();
    println!("29 person-count indicators, nation + 21 counties + 4 länskompotter (+ rests), one period; {runs} releases per row");
    println!("{:>10} {:>6} {:>8} {:>14} {:>12} {:>12} {:>7}", "households", "rho", "sigma", "level", "MAE raw (a)", "MAE eng (b)", "b/a");
    // The network's reality (about 14 households a year), and, for contrast, a dataset with
    // large counts where non-negativity rarely binds.
    for (households, rho) in [(14, 0.1), (14, 1.0), (14, 10.0), (400, 1.0)] {
        let exact = synthetic_totals(&h, &g, &spec.indicators, 1, households, 42);
        let truth: Vec<i64> = exact.chunks(m).flat_map(|b| h.complete_exact(b).unwrap()).collect();
        let params = prepare_release(&g, &spec, rho).unwrap();
        let mut err: BTreeMap<NodeKind, (f64, f64, usize)> = BTreeMap::new();
        for _ in 0..runs {
            let r = release_with(&params, &exact).unwrap();
            for (b, block) in r.noisy.chunks(m).enumerate() {
                let raw = h.scatter(block);
                for v in 0..h.len() {
                    let t = truth[b * h.len() + v];
                    let e = err.entry(h.nodes()[v].kind).or_default();
                    e.0 += (raw[v] - t).abs() as f64;
                    e.1 += (r.table.cells[b * h.len() + v].value - t).abs() as f64;
                    e.2 += 1;
                }
            }
        }
        for (kind, (a, b, n)) in err {
            let (a, b) = (a / n as f64, b / n as f64);
            println!("{households:>10} {rho:>6} {:>8.3} {:>14} {a:>12.3} {b:>12.3} {:>7.3}", params.mechanism.scale, format!("{kind:?}"), b / a);
        }
    }
    let counties = h.nodes().iter().filter(|v| v.kind == NodeKind::County).count();
    let with_lanskompott = h.nodes().iter().filter(|v| v.kind == NodeKind::Lanskompott).count();
    let split = |n: f64, l: f64| county_split(counties, with_lanskompott, n, levels.len() as f64 - n - l, l);
    let (equal, _) = split(1.0, 1.0);
    let (best, n, l) = unconstrained_county_bound(&split, levels.len() as f64);
    println!(
        "Where no constraint binds: county b/a is {equal:.3} at this engine's equal split, and at best {best:.3} for any split of ρ \
         that keeps the nation no worse (nation {n:.2}, länskompott level {l:.2}, counties the rest, in units of (a)'s per-level share)."
    );
}

/// County b/a and the nation's variance (relative to (a)) where no constraint binds (large
/// counts): the published values are then the best linear unbiased estimate, and a Gaussian's
/// mean absolute error is proportional to its standard deviation, so b/a is a ratio of standard
/// deviations, averaged over the counties.
///
/// Precisions `n`, `c`, `l` per cell of the nation, county and länskompott levels are in units
/// of (a)'s per-cell precision; (a) measures every level at 1, so the budget is one unit per
/// level (zCDP adds each level's Δ²/2σ²). A county's own subtree tells its total with precision
/// `c`, plus `l/2` where its länskompott and rest are measured (their sum); its estimate then
/// adds the nation minus the other counties: variance `1 / (o_k + 1 / (1/n + Σ_{j≠k} 1/o_j))`.
/// The nation's is `1 / (n + 1 / Σ_j 1/o_j)`. (Checked against generalised least squares on the
/// full design matrix with numpy.)
fn county_split(counties: usize, with_lanskompott: usize, n: f64, c: f64, l: f64) -> (f64, f64) {
    let own: Vec<f64> = (0..counties).map(|k| if k < with_lanskompott { c + l / 2.0 } else { c }).collect();
    let spread: f64 = own.iter().map(|o| 1.0 / o).sum();
    let nation = 1.0 / (n + 1.0 / spread);
    let county_sd = own.iter().map(|o| (1.0 / (o + 1.0 / (1.0 / n + spread - 1.0 / o))).sqrt()).sum::<f64>() / counties as f64;
    (county_sd, nation)
}

/// The best county b/a over a grid of splits (n, l) of the budget that keep the nation's
/// variance at most (a)'s: returns it with its n and l.
fn unconstrained_county_bound(split: &dyn Fn(f64, f64) -> (f64, f64), budget: f64) -> (f64, f64, f64) {
    let steps = 600;
    let grid = |i: usize| budget * i as f64 / steps as f64;
    // i + j < steps, so the counties always get a positive share.
    (1..steps)
        .flat_map(|i| (0..steps - i).map(move |j| (grid(i), grid(j))))
        .map(|(n, l)| (split(n, l), n, l))
        .filter(|((_, nation), _, _)| *nation <= 1.0 + 1e-12)
        .map(|((county, _), n, l)| (county, n, l))
        .fold((f64::INFINITY, 0.0, 0.0), |best, x| if x.0 < best.0 { x } else { best })
}

fn time_release(path: &str) {
    let g = Geography::sweden();
    let levels = vec![Level::Nation, Level::County, Level::Lanskompott];
    let spec = ReleaseSpec::new(person_count_catalogue(), levels.clone(), PeriodLayout::PerPeriod(10));
    let h = make_hierarchy(&g, &levels).unwrap();
    let exact = synthetic_totals(&h, &g, &spec.indicators, 10, 14, 1);
    let params = prepare_release(&g, &spec, 1.0).unwrap();
    let best = (0..5)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(release_with(&params, &exact).unwrap());
            started.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    let parents: Vec<i64> = h.nodes().iter().map(|n| n.parent.map_or(-1, |p| p as i64)).collect();
    let json = format!(
        "{{\"parents\": {parents:?}, \"measured\": {:?}, \"exact\": {exact:?}, \"scale\": {}, \"blocks\": {}}}",
        h.measured(),
        params.mechanism.scale,
        exact.len() / h.measured().len()
    );
    std::fs::write(path, json).expect("write the dataset");
    println!("rust_release_seconds={best}");
    println!("values={}", exact.len());
}
