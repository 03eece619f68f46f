//! What the demo publishes, checked against the demo's own true totals.
//!
//! `cargo run --release -p kompotten-tests --example demo_accuracy [-- --runs N]`
//!
//! Fills a fresh demo database (SQLite, the years of `demo_years`), prepares the demo's release
//! (standard design over the four years, ρ = 1 per year) through the server's own path, reads
//! the exact totals the way a release does, and measures them N times (default 2,000) with the
//! same parameters. For every query, area kind and time cell it prints the stated 95% margin
//! (half the published interval, averaged), the error actually seen (95th percentile of
//! |published − truth|), the mean error, and the coverage over all its cells and in its worst
//! cell, with that cell's truth. Nothing here is stored: the repeated releases are the
//! engine's, not the ledger's.

use std::collections::BTreeMap;

use kompotten_app::model::{ReleaseInput, WindowInput};
use kompotten_privacy::hierarchy::{NodeKind, TimeCell};
use kompotten_privacy::release::{release_with, trees};
use kompotten_server::catalogue::load;
use kompotten_server::db::InstanceKind;
use kompotten_server::demo::{demo_years, fill, DEMO_RELEASE_RHO};
use kompotten_server::releases::create::{designs, prepare};
use kompotten_server::releases::exact::exact_totals;
use kompotten_server::releases::request::{mechanism_code, parse_release};
use kompotten_server::releases::ReleaseSettings;
use kompotten_tests::{Db, TestApp};

/// One row of the report: a query's cells of one area kind and time cell.
#[derive(Default)]
struct Seen {
    half_widths: f64,
    errors: Vec<i64>,
    covered: usize,
    /// (covered, releases, truth) per cell.
    cells: BTreeMap<usize, (usize, usize, i64)>,
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs: usize = args.iter().position(|a| a == "--runs").and_then(|k| args.get(k + 1)).map_or(2_000, |v| v.parse().expect("--runs N"));
    let settings = ReleaseSettings { default_year_rho: 1.0, interval_simulations: kompotten_privacy::interval::DEFAULT_SIMULATIONS };
    let app = TestApp::spawn_with(Db::Sqlite, InstanceKind::Demo).await.expect("a demo database");
    let catalogue = load(&app.pool).await.expect("the catalogue");
    fill(&app.pool, &catalogue, &settings, InstanceKind::Demo, &app.database_url).await.expect("the demo fills");

    let years = demo_years();
    let window = WindowInput { period: years.start().to_string(), last_period: years.end().to_string(), ..WindowInput::default() };
    let input = ReleaseInput { window, rho: DEMO_RELEASE_RHO.into(), ..ReleaseInput::default() };
    let request = parse_release(&input, &designs(&catalogue)).expect("the demo's release request");
    let (window, network, params) = prepare(&app.pool, &request.window, request.rho.get(), &settings).await.unwrap().expect("the demo's window");
    let mut conn = app.pool.acquire().await.unwrap();
    let exact = exact_totals(&mut conn, &network, &params.spec.design.indicators, &window, "demo-accuracy").await.unwrap();
    drop(conn);

    let geography = &params.geography;
    let spec = &params.spec;
    let areas = geography.areas().len();
    let block = spec.periods * areas;
    let trees = trees(geography, spec).unwrap();
    let truths: Vec<Vec<i64>> = trees.iter().enumerate().map(|(i, t)| t.truth(&exact[i * block..(i + 1) * block], areas)).collect();
    println!(
        "demo {}–{}, standard design at ρ = {:.4} per year ({} mechanism), {runs} releases",
        years.start(),
        years.end(),
        params.cost.rho,
        mechanism_code(request.window.mechanism)
    );
    println!("national truths per year: households moved out {:?}", (0..spec.periods).map(|p| exact[p * areas]).collect::<Vec<_>>());

    let mut seen: BTreeMap<(usize, NodeKind, bool), Seen> = BTreeMap::new();
    for _ in 0..runs {
        let release = release_with(&params, &exact).unwrap();
        // Cells come in tree order per indicator, so a cell's position in its indicator's run
        // of cells is its node.
        let mut node_of = vec![0usize; spec.design.indicators.len()];
        for (k, cell) in release.table.cells.iter().enumerate() {
            let v = node_of[cell.indicator];
            node_of[cell.indicator] += 1;
            let truth = truths[cell.indicator][v];
            let Some(q) = trees[cell.indicator].nodes[v].measured_by.or_else(|| query_at(spec, cell.indicator, cell.kind)) else { continue };
            let row = seen.entry((q, cell.kind, cell.time == TimeCell::Window)).or_default();
            let covered = cell.low <= truth && truth <= cell.high;
            row.half_widths += (cell.high - cell.low) as f64 / 2.0;
            row.errors.push(cell.value - truth);
            row.covered += usize::from(covered);
            let c = row.cells.entry(k).or_insert((0, 0, truth));
            c.0 += usize::from(covered);
            c.1 += 1;
        }
    }

    println!("{:<58} {:>5} {:>8} {:>8} {:>7} {:>8} {:>16}", "query · area · time", "cells", "stated±", "seen p95", "mean", "covered", "worst (truth)");
    for ((q, kind, window), row) in &seen {
        let n = row.errors.len();
        let mut abs: Vec<i64> = row.errors.iter().map(|e| e.abs()).collect();
        abs.sort_unstable();
        let p95 = abs[(n * 95 / 100).min(n - 1)];
        let mean = row.errors.iter().sum::<i64>() as f64 / n as f64;
        let (worst, truth) = row.cells.values().map(|&(c, r, t)| (c as f64 / r as f64, t)).fold((1.0, 0), |w, x| if x.0 < w.0 { x } else { w });
        let name = format!("{} · {kind:?} · {}", spec.design.queries[*q].key(), if *window { "window" } else { "period" });
        println!(
            "{name:<58} {:>5} {:>8.1} {:>8} {:>+7.2} {:>7.1}% {:>9.1}% ({truth})",
            row.cells.len(),
            row.half_widths / n as f64,
            p95,
            mean,
            100.0 * row.covered as f64 / n as f64,
            100.0 * worst
        );
    }
    app.finish().await;
}

/// The query releasing indicator `i` at the level of `kind` (a derived cell, such as the
/// nation's window total of a per-period query, belongs to it).
fn query_at(spec: &kompotten_privacy::release::ReleaseSpec, i: usize, kind: NodeKind) -> Option<usize> {
    spec.design.queries_of(i).into_iter().map(|(q, _)| q).find(|&q| spec.design.queries[q].level == kind.level())
}
