//! Full-release benchmark (criterion): the standard design (every person-count indicator; the
//! headline figures per period nationally and over the window for 21 counties and the four
//! länskompotter) over ten periods, 290 reporting municipalities per period; from reading the
//! submissions to storing the release and its ledger rows, on SQLite and on PostgreSQL. Beside
//! it, in the same run, OpenDP alone drawing the same number of noise values: the engine's own
//! work (selection, composition, consistency, intervals, reading, storing) is the difference.
//!
//! Run: `cargo bench -p kompotten-tests --bench release` (after `source scripts/env.sh`).
//! Targets (issue 4): under 200 ms per release, and at most 1.25 × the OpenDP-only time.
//! With `RUST_LOG=kompotten_server::releases=info` each release logs its stage timings.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use kompotten_app::model::{ReleaseInput, ReleaseOutcome, WindowInput};
use kompotten_privacy::mechanism::QueryNoise;
use kompotten_privacy::release::{prepare_release, query_cells, trees};
use kompotten_server::catalogue::{load, IndexedCatalogue};
use kompotten_server::releases::create::{designs, release_spec};
use kompotten_server::releases::geography::NetworkGeography;
use kompotten_server::releases::request::{parse_release, WindowRequest};
use kompotten_server::releases::window::resolve;
use kompotten_server::releases::{create_release, ReleaseSettings};
use kompotten_tests::{member_report, open_period, Db, TestApp};
use serde_json::Value;

// Ten periods from 2020, when the seeded members joined (every municipality is made a member).
const FIRST: i64 = 2020;
const LAST: i64 = 2029;
/// Small, so that the bench's many releases fit the years' budgets (ρ ≤ 5 each).
const RHO: &str = "0.0001";

struct Fixture {
    app: TestApp,
    catalogue: IndexedCatalogue,
    settings: ReleaseSettings,
}

async fn fixture(db: Db) -> Option<Fixture> {
    let app = TestApp::spawn(db).await?;
    sqlx::query("INSERT INTO network_members (municipality_code, member_since) SELECT code, 2020 FROM municipalities WHERE code NOT IN (SELECT municipality_code FROM network_members)")
        .execute(&app.pool)
        .await
        .unwrap();
    let coordinator = app.client_as("samordnare").await;
    let codes: Vec<String> = sqlx::query_scalar("SELECT code FROM municipalities ORDER BY code").fetch_all(&app.pool).await.unwrap();
    for year in FIRST..=LAST {
        open_period(&app, &year.to_string()).await;
        let put = coordinator.put(app.url(&format!("/api/v1/budgets/{year}"))).json(&serde_json::json!({"total_rho": 5})).send().await.unwrap();
        assert_eq!(put.status(), 200);
        let mut csv = String::new();
        for (i, code) in codes.iter().enumerate() {
            // Varied, rule-abiding reports: 0–3 households out and in per municipality.
            let out = ((i as i64) + year) % 4;
            let received = ((i as i64) * 7 + year) % 4;
            let report = member_report(
                &app,
                &[
                    ("requests_sent", out + 1),
                    ("households_moved_out", out),
                    ("moved_out_children_0", out),
                    ("moved_out_context_close_relationship", out),
                    ("requests_received", received + 1),
                    ("requests_accepted", received),
                    ("requests_declined", 1),
                    ("declined_housing_shortage", 1),
                    ("decisions_within_14_days", received + 1),
                    ("households_received", received),
                    ("time_to_move_3_6m", received),
                ],
            )
            .await;
            if csv.is_empty() {
                csv = format!("\u{feff}kommun;{}\r\n", report.keys().cloned().collect::<Vec<_>>().join(";"));
            }
            csv.push_str(&format!("{code};{}\r\n", report.values().map(Value::to_string).collect::<Vec<_>>().join(";")));
        }
        let imported = coordinator.post(app.url(&format!("/api/v1/periods/{year}/csv"))).body(csv).send().await.unwrap();
        assert_eq!(imported.status(), 200, "{}", imported.text().await.unwrap());
    }
    if db == Db::Postgres {
        // Statistics for PostgreSQL's planner, as autovacuum keeps them in service: a freshly
        // bulk-loaded table has none, and the plan guessed without them was twice as slow.
        sqlx::query("ANALYZE").execute(&app.pool).await.unwrap();
    }
    let catalogue = load(&app.pool).await.unwrap();
    let settings = ReleaseSettings { default_year_rho: 1.0, interval_simulations: kompotten_privacy::interval::DEFAULT_SIMULATIONS };
    Some(Fixture { app, catalogue, settings })
}

fn input() -> ReleaseInput {
    ReleaseInput {
        window: WindowInput { period: FIRST.to_string(), last_period: LAST.to_string(), ..WindowInput::default() },
        rho: RHO.into(),
        ..ReleaseInput::default()
    }
}

/// The headline query's noise, to draw as many values with OpenDP alone as the release draws.
async fn mechanism(f: &Fixture) -> (QueryNoise, usize) {
    let request: WindowRequest = parse_release(&input(), &designs(&f.catalogue)).unwrap().window;
    let mut conn = f.app.pool.acquire().await.unwrap();
    let window = resolve(&mut conn, &request).await.unwrap().unwrap();
    let network = NetworkGeography::load(&mut conn).await.unwrap();
    let spec = release_spec(&request, &window, &f.settings);
    let params = prepare_release(&network.geography, &spec, RHO.parse().unwrap()).unwrap();
    let values = query_cells(&network.geography, &spec, &trees(&network.geography, &spec).unwrap()).iter().map(Vec::len).sum();
    (params.noise[0], values)
}

fn bench(c: &mut Criterion) {
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    for db in [Db::Sqlite, Db::Postgres] {
        let Some(f) = rt.block_on(fixture(db)) else {
            println!("{db:?}: PostgreSQL unreachable, skipped");
            continue;
        };
        let (noise, values) = rt.block_on(mechanism(&f));
        let name = format!("{db:?}").to_lowercase();
        let mut group = c.benchmark_group(format!("release_10_periods_{values}_values_{name}"));
        group.sample_size(20).measurement_time(Duration::from_secs(10));
        let sampler = noise.sampler().unwrap();
        group.bench_function("opendp_noise_only", |b| b.iter_batched(|| vec![0i64; values], |zeros| sampler.invoke(&zeros).unwrap(), BatchSize::SmallInput));
        group.bench_function("full_release", |b| {
            b.iter(|| {
                let outcome = rt.block_on(create_release(&f.app.pool, &f.catalogue, "samordnare", &input(), &f.settings)).unwrap();
                assert!(matches!(outcome, ReleaseOutcome::Created(_)), "{outcome:?}");
            })
        });
        group.finish();
        rt.block_on(f.app.finish());
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
