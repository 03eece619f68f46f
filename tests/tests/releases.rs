//! Releases through the privacy engine, on the real server against SQLite and PostgreSQL:
//! the per-period ledger (including 100 concurrent requests, and two server processes on one
//! PostgreSQL database), consistent tables with intervals, reproducibility from the stored
//! measurements, immutability, windows, corrections, the planner and the suppression view.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use kompotten_privacy::release::{recompute, ReleaseParams};
use kompotten_server::releases::store::StoredTable;
use kompotten_tests::{anonymous_client, fresh_postgres_database, member_report, on_both_databases, open_period, snapshot, TestApp, PASSWORD};
use serde_json::{json, Value};

on_both_databases! {
    release_debits_every_period_and_refuses_overspending => release_debits_every_period_and_refuses_overspending;
    hundred_concurrent_releases_never_overspend => hundred_concurrent_releases_never_overspend;
    release_is_consistent_reproducible_and_immutable => release_is_consistent_reproducible_and_immutable;
    windows_and_corrections => windows_and_corrections;
    planner_spends_nothing_and_matches_the_release => planner_spends_nothing_and_matches_the_release;
}

/// Gävle's report for `period`.
async fn report(app: &TestApp, period: &str, overrides: &[(&str, i64)]) {
    let gavle = app.client_as("kommun-2180").await;
    let values = member_report(app, overrides).await;
    let response = gavle.put(app.url(&format!("/api/v1/periods/{period}/submissions/2180"))).json(&json!({"values": values})).send().await.unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

async fn post_release(client: &reqwest::Client, app: &TestApp, body: Value) -> reqwest::Response {
    client.post(app.url("/api/v1/releases")).json(&body).send().await.unwrap()
}

/// (spent in the budget row, sum of the period's ledger rows, releases debiting the period).
async fn ledger_of(pool: &kompotten_server::db::Pool, period: &str) -> (i64, i64, i64) {
    let spent: i64 = sqlx::query_scalar("SELECT spent_nano_rho FROM period_budgets WHERE period_id = $1").bind(period).fetch_one(pool).await.unwrap();
    let (ledger, releases): (i64, i64) =
        sqlx::query_as("SELECT CAST(COALESCE(SUM(nano_rho), 0) AS BIGINT), COUNT(*) FROM privacy_ledger WHERE period_id = $1").bind(period).fetch_one(pool).await.unwrap();
    (spent, ledger, releases)
}

async fn release_debits_every_period_and_refuses_overspending(app: &TestApp) {
    open_period(app, "2025").await;
    let coordinator = app.client_as("samordnare").await;
    let first = post_release(&coordinator, app, json!({"period": "2025", "rho": 0.6})).await;
    assert_eq!(first.status(), 201, "{}", first.text().await.unwrap());
    let summary: Value = first.json().await.unwrap();
    assert_eq!(summary["periods"], json!(["2025"]));
    assert_eq!(summary["mechanism"], "discrete_gaussian");
    let charged = (summary["rho"].as_f64().unwrap() * 1e9).ceil() as i64;
    assert!(charged <= 600_000_000 && charged > 599_000_000, "OpenDP's stated cost {charged} nano-ρ");
    assert_eq!(ledger_of(&app.pool, "2025").await, (charged, charged, 1));

    let before = snapshot(&app.pool).await;
    let refused = post_release(&coordinator, app, json!({"period": "2025", "rho": 0.5})).await;
    assert_eq!(refused.status(), 422);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["errors"][0]["field"], "rho");
    assert_eq!(error["errors"][0]["problem"], "exceeds_budget");
    assert_eq!(error["errors"][0]["period"], "2025");
    assert!(error["message"].as_str().unwrap().contains("2025"), "{error}");
    assert_eq!(snapshot(&app.pool).await, before, "a refused release changed the database");

    // Unknown periods and bad fields are refused by name, and store nothing.
    let unknown = post_release(&coordinator, app, json!({"period": "2019", "rho": 0.1})).await;
    assert_eq!(unknown.status(), 422);
    let error: Value = unknown.json().await.unwrap();
    assert_eq!((error["errors"][0]["field"].as_str(), error["errors"][0]["problem"].as_str()), (Some("period"), Some("unknown_period")));
    let bad: Value = post_release(&coordinator, app, json!({"period": "2025", "rho": "x", "mechanism": "gauss"})).await.json().await.unwrap();
    let fields: Vec<&str> = bad["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["mechanism", "rho"]);
    assert_eq!(snapshot(&app.pool).await, before);

    // The budget cannot be set below what was spent; raised, the rest can be spent.
    let lower = coordinator.put(app.url("/api/v1/budgets/2025")).json(&json!({"total_rho": 0.5})).send().await.unwrap();
    assert_eq!(lower.status(), 422);
    let unknown = coordinator.put(app.url("/api/v1/budgets/2019")).json(&json!({"total_rho": 1})).send().await.unwrap();
    assert_eq!(unknown.status(), 422);
    let raised = coordinator.put(app.url("/api/v1/budgets/2025")).json(&json!({"total_rho": 2})).send().await.unwrap();
    assert_eq!(raised.status(), 200);
    let view: Value = coordinator.get(app.url("/api/v1/budgets/2025")).send().await.unwrap().json().await.unwrap();
    assert_eq!(view["period"], "2025");
    assert!((view["remaining_rho"].as_f64().unwrap() - (2.0 - charged as f64 / 1e9)).abs() < 1e-9, "{view}");
    assert_eq!(post_release(&coordinator, app, json!({"period": "2025", "rho": "0,5"})).await.status(), 201);
}

/// Fires `n` releases of ρ = 0.1 at once at `urls` in turn (one client per server) against a
/// budget of 0.55; returns the HTTP statuses.
async fn fire(clients: &[(reqwest::Client, String)], n: usize) -> Vec<u16> {
    let requests = (0..n).map(|i| {
        let (client, base) = clients[i % clients.len()].clone();
        async move { client.post(format!("{base}/api/v1/releases")).json(&json!({"period": "2025", "rho": 0.1})).send().await.unwrap().status().as_u16() }
    });
    futures::future::join_all(requests).await
}

/// Checks that what was spent never exceeds the budget and that the ledger, the budget row and
/// the stored releases agree.
async fn assert_ledger_holds(pool: &kompotten_server::db::Pool, statuses: &[u16], budget_nano: i64) {
    let created = statuses.iter().filter(|s| **s == 201).count() as i64;
    assert_eq!(statuses.iter().filter(|s| **s == 422).count() as i64, statuses.len() as i64 - created, "{statuses:?}");
    let (spent, ledger, releases) = ledger_of(pool, "2025").await;
    assert!(spent <= budget_nano, "spent {spent} > budget {budget_nano}");
    assert_eq!((ledger, releases), (spent, created));
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM releases").fetch_one(pool).await.unwrap();
    assert_eq!(stored, created);
    // Each costs at most 0.1 and more than 0.099, so 0.55 admits exactly five.
    assert_eq!(created, 5, "{statuses:?}");
}

async fn hundred_concurrent_releases_never_overspend(app: &TestApp) {
    open_period(app, "2025").await;
    let coordinator = app.client_as("samordnare").await;
    let set = coordinator.put(app.url("/api/v1/budgets/2025")).json(&json!({"total_rho": 0.55})).send().await.unwrap();
    assert_eq!(set.status(), 200);
    let statuses = fire(&[(coordinator, app.address.clone())], 100).await;
    assert_ledger_holds(&app.pool, &statuses, 550_000_000).await;
}

/// A server process of its own (the tests crate's `kompotten-test-server` binary).
struct ServerProcess {
    child: Child,
    address: String,
}

impl ServerProcess {
    fn start(database_url: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kompotten-test-server"))
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start a server process");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("the server prints its address");
        let address = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected first line {line:?}")).to_owned();
        ServerProcess { child, address }
    }

    async fn client_as(&self, username: &str) -> reqwest::Client {
        let client = anonymous_client();
        let response = client.post(format!("{}/api/v1/session", self.address)).json(&json!({"username": username, "password": PASSWORD})).send().await.unwrap();
        assert_eq!(response.status(), 200);
        client
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// 100 concurrent releases split over two server processes on one PostgreSQL database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_on_postgres_never_overspend() {
    let Some((url, admin, name)) = fresh_postgres_database().await else { return };
    // One after the other: the first creates the schema and the seed accounts.
    let first = ServerProcess::start(&url);
    let second = ServerProcess::start(&url);
    let coordinator = first.client_as("samordnare").await;
    let open = coordinator.put(format!("{}/api/v1/periods/2025", first.address)).json(&json!({"state": "open"})).send().await.unwrap();
    assert_eq!(open.status(), 200);
    let set = coordinator.put(format!("{}/api/v1/budgets/2025", second.address)).json(&json!({"total_rho": 0.55})).send().await.unwrap();
    assert_eq!(set.status(), 200);
    let clients = [(coordinator, first.address.clone()), (second.client_as("samordnare").await, second.address.clone())];
    let statuses = fire(&clients, 100).await;
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    assert_ledger_holds(&pool, &statuses, 550_000_000).await;
    // Both processes served releases.
    let by_process: Vec<usize> = (0..2).map(|p| statuses.iter().skip(p).step_by(2).filter(|s| **s == 201 || **s == 422).count()).collect();
    assert_eq!(by_process, [50, 50]);
    pool.close().await;
    drop((first, second));
    if let Ok(mut conn) = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
    }
}

type Cells = HashMap<(String, String, String), (i64, i64, i64, String)>;

async fn stored_cells(pool: &kompotten_server::db::Pool, id: &str) -> Cells {
    let json: String = sqlx::query_scalar("SELECT table_json FROM releases WHERE id = $1").bind(id).fetch_one(pool).await.unwrap();
    let table: StoredTable = serde_json::from_str(&json).unwrap();
    table.released_cells().into_iter().map(|c| ((c.indicator, c.period, c.area_code), (c.value, c.ci_low, c.ci_high, c.level))).collect()
}

async fn release_is_consistent_reproducible_and_immutable(app: &TestApp) {
    open_period(app, "2025").await;
    report(app, "2025", &[("households_moved_out", 2), ("moved_out_children_1", 2), ("moved_out_context_close_relationship", 2), ("requests_sent", 3)]).await;
    let coordinator = app.client_as("samordnare").await;
    let created: Value = post_release(&coordinator, app, json!({"period": "2025", "rho": 0.5})).await.json().await.unwrap();
    let id = created["id"].as_str().unwrap();

    // Every person-count indicator, at the nation, 21 counties, and 4 länskompotter with the
    // rest of their counties: 30 areas.
    let catalogue: Value = anonymous_client().get(app.url("/api/v1/catalogue")).send().await.unwrap().json().await.unwrap();
    let person_counts: Vec<String> = catalogue["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["indicators"].as_array().unwrap().iter())
        .filter(|d| d["kind"] == "person_count")
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect();
    let cells = stored_cells(&app.pool, id).await;
    assert_eq!(cells.len(), person_counts.len() * 30);
    let counties: Vec<String> = sqlx::query_scalar("SELECT code FROM counties").fetch_all(&app.pool).await.unwrap();
    for indicator in &person_counts {
        let v = |area: &str| cells[&(indicator.clone(), "2025".to_owned(), area.to_owned())].0;
        assert_eq!(v("SE"), counties.iter().map(|c| v(c)).sum::<i64>(), "{indicator}: the nation is the sum of its counties");
        for county in ["12", "17", "19", "21"] {
            assert_eq!(v(county), v(&format!("L{county}")) + v(&format!("R{county}")), "{indicator} {county}");
        }
    }
    for ((indicator, _, area), (value, low, high, _)) in &cells {
        assert!(0 <= *low && low <= value && value <= high, "{indicator} {area}: {value} not in [{low}, {high}]");
    }

    // Reproducible: the engine rebuilds exactly the stored table from the stored parameters and
    // noisy measurements.
    let (params_json, noisy_json): (String, String) =
        sqlx::query_as("SELECT params_json, noisy_json FROM releases WHERE id = $1").bind(id).fetch_one(&app.pool).await.unwrap();
    let params: ReleaseParams = serde_json::from_str(&params_json).unwrap();
    let noisy: Vec<i64> = serde_json::from_str(&noisy_json).unwrap();
    assert_eq!(noisy.len(), person_counts.len() * 30);
    let table = recompute(&params, &noisy).unwrap();
    assert_eq!(table.cells.len(), cells.len());
    for cell in &table.cells {
        let key = (params.spec.indicators[cell.indicator].code.clone(), "2025".to_owned(), table.labels[cell.node].clone());
        let (value, low, high, _) = &cells[&key];
        assert_eq!((cell.value, cell.low, cell.high), (*value, *low, *high), "{key:?}");
    }

    // The public view: headline, full table, privacy loss with simulated margins per level.
    let release: Value = anonymous_client().get(app.url(&format!("/api/v1/releases/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(release["counties"].as_array().unwrap().len(), 21);
    assert_eq!(release["cells"].as_array().unwrap().len(), cells.len());
    assert_eq!(release["headline_period"], "2025");
    let margins: Vec<&str> = release["privacy"]["margins"].as_array().unwrap().iter().map(|m| m["level"].as_str().unwrap()).collect();
    assert_eq!(margins, ["nation", "county", "lanskompott", "rest_of_county"]);
    assert!(release["chart_json"].as_str().unwrap().contains("\"error_y\""));
    assert!(!release.to_string().contains("noisy"), "the public view must not carry the noisy measurements");

    // Immutable: the database itself refuses to change or delete a published release.
    let before = snapshot(&app.pool).await;
    for sql in [
        "UPDATE releases SET rho = 5 WHERE id = $1",
        "DELETE FROM releases WHERE id = $1",
        "UPDATE releases SET table_json = '{}' WHERE id = $1",
        "UPDATE privacy_ledger SET nano_rho = 1 WHERE release_id = $1",
        "DELETE FROM privacy_ledger WHERE release_id = $1",
    ] {
        let result = sqlx::query(sql).bind(id).execute(&app.pool).await;
        let message = result.expect_err(sql).to_string();
        assert!(message.contains("immutable"), "{sql}: {message}");
    }
    assert_eq!(snapshot(&app.pool).await, before);

    // The suppression view: Gävle's 2 households would be hidden in its county and länskompott.
    let suppression: Value = anonymous_client().get(app.url(&format!("/api/v1/releases/{id}/suppression"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(suppression["smallest_published"], 5);
    for block in suppression["blocks"].as_array().unwrap() {
        for area in block["hidden"].as_array().unwrap() {
            let key = (block["indicator"].as_str().unwrap().to_owned(), block["period"].as_str().unwrap().to_owned(), area.as_str().unwrap().to_owned());
            assert!((1..=4).contains(&cells[&key].0), "{key:?} is hidden but published as {}", cells[&key].0);
        }
    }
    let hidden_cells = cells.iter().filter(|(_, (v, ..))| (1..=4).contains(v)).count();
    let listed: usize = suppression["blocks"].as_array().unwrap().iter().map(|b| b["hidden"].as_array().unwrap().len()).sum();
    assert_eq!(listed, hidden_cells);
}

async fn windows_and_corrections(app: &TestApp) {
    open_period(app, "2024").await;
    open_period(app, "2025").await;
    open_period(app, "2025H1").await;
    report(app, "2024", &[("households_moved_out", 1), ("moved_out_children_0", 1), ("moved_out_context_close_relationship", 1)]).await;
    let coordinator = app.client_as("samordnare").await;

    // Mixing years and half-years, or going backwards, is refused by name.
    for (body, field) in [
        (json!({"period": "2024", "last_period": "2025H1", "rho": 0.1}), "last_period"),
        (json!({"period": "2025", "last_period": "2024", "rho": 0.1}), "last_period"),
        (json!({"period": "2024", "rho": 0.1, "corrects": "no-such-release", "reason": "fel"}), "corrects"),
    ] {
        let refused: Value = post_release(&coordinator, app, body).await.json().await.unwrap();
        assert_eq!(refused["errors"][0]["field"], field, "{refused}");
    }

    // A window as totals debits both periods the full ρ and publishes one table.
    let window: Value = post_release(&coordinator, app, json!({"period": "2024", "last_period": "2025", "layout": "summed", "rho": 0.2})).await.json().await.unwrap();
    assert_eq!(window["periods"], json!(["2024", "2025"]));
    let charged = (window["rho"].as_f64().unwrap() * 1e9).ceil() as i64;
    assert_eq!(ledger_of(&app.pool, "2024").await, (charged, charged, 1));
    assert_eq!(ledger_of(&app.pool, "2025").await, (charged, charged, 1));
    let cells = stored_cells(&app.pool, window["id"].as_str().unwrap()).await;
    assert!(cells.keys().all(|(_, period, _)| period == "2024–2025"));

    // Per period with the discrete Laplace: one table per period.
    let laplace: Value =
        post_release(&coordinator, app, json!({"period": "2024", "last_period": "2025", "mechanism": "discrete_laplace", "rho": 0.2})).await.json().await.unwrap();
    assert_eq!(laplace["mechanism"], "discrete_laplace");
    assert_eq!(laplace["delta"], 0.0);
    let cells = stored_cells(&app.pool, laplace["id"].as_str().unwrap()).await;
    let periods: std::collections::BTreeSet<&str> = cells.keys().map(|(_, p, _)| p.as_str()).collect();
    assert_eq!(periods.into_iter().collect::<Vec<_>>(), ["2024", "2025"]);

    // A correction is a new release that spends new budget and says what it corrects.
    let corrected_id = window["id"].as_str().unwrap();
    let correction = post_release(&coordinator, app, json!({"period": "2024", "rho": 0.1, "corrects": corrected_id, "reason": "Gävle rättade 2024"})).await;
    assert_eq!(correction.status(), 201);
    let correction: Value = correction.json().await.unwrap();
    assert_eq!(correction["corrects"], corrected_id);
    let published: Value = anonymous_client().get(app.url(&format!("/api/v1/releases/{}", correction["id"].as_str().unwrap()))).send().await.unwrap().json().await.unwrap();
    assert_eq!(published["corrects"], corrected_id);
    assert_eq!(published["correction_reason"], "Gävle rättade 2024");
    assert_eq!(ledger_of(&app.pool, "2024").await.2, 3);
    // The corrected release is still there, unchanged.
    assert_eq!(anonymous_client().get(app.url(&format!("/api/v1/releases/{corrected_id}"))).send().await.unwrap().status(), 200);

    // Chosen indicators and levels: one indicator at the nation and the counties only.
    let chosen: Value = post_release(&coordinator, app, json!({"period": "2024", "rho": 0.1, "indicators": ["households_moved_out"], "levels": ["county"]}))
        .await
        .json()
        .await
        .unwrap();
    let id = chosen["id"].as_str().unwrap();
    let cells = stored_cells(&app.pool, id).await;
    assert_eq!(cells.len(), 22, "{chosen}");
    assert!(cells.keys().all(|(indicator, ..)| indicator == "households_moved_out"));
    let nation = cells[&("households_moved_out".to_owned(), "2024".to_owned(), "SE".to_owned())].0;
    assert_eq!(nation, cells.iter().filter(|(_, c)| c.3 == "county").map(|(_, c)| c.0).sum::<i64>());
    let release: Value = anonymous_client().get(app.url(&format!("/api/v1/releases/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(release["counties"].as_array().unwrap().len(), 21);
    let unknown: Value = post_release(&coordinator, app, json!({"period": "2024", "rho": 0.1, "indicators": "grant_sek"})).await.json().await.unwrap();
    assert_eq!((unknown["errors"][0]["field"].as_str(), unknown["errors"][0]["problem"].as_str()), (Some("indicators"), Some("unknown_indicator")));

    // A window whose later period cannot pay is refused by that period's name, with what it has
    // left, and the earlier period (which could pay) is not debited either.
    let spent_2025 = ledger_of(&app.pool, "2025").await.0;
    let tight = coordinator.put(app.url("/api/v1/budgets/2025")).json(&json!({"total_rho": spent_2025 as f64 / 1e9 + 0.05})).send().await.unwrap();
    assert_eq!(tight.status(), 200);
    let before = snapshot(&app.pool).await;
    let refused: Value = post_release(&coordinator, app, json!({"period": "2024", "last_period": "2025", "rho": 0.1})).await.json().await.unwrap();
    let error = &refused["errors"][0];
    assert_eq!((error["problem"].as_str(), error["period"].as_str()), (Some("exceeds_budget"), Some("2025")), "{refused}");
    assert!((error["remaining_rho"].as_f64().unwrap() - 0.05).abs() < 1e-6, "{refused}");
    assert_eq!(snapshot(&app.pool).await, before, "the refused window debited a period");
}

async fn planner_spends_nothing_and_matches_the_release(app: &TestApp) {
    open_period(app, "2025").await;
    let coordinator = app.client_as("samordnare").await;
    let before = snapshot(&app.pool).await;
    // Only the coordinator plans.
    let reporter = app.client_as("kommun-2180").await;
    assert_eq!(reporter.post(app.url("/api/v1/release-plans")).json(&json!({"period": "2025", "rho": 0.5})).send().await.unwrap().status(), 403);

    let by_budget: Value = coordinator.post(app.url("/api/v1/release-plans")).json(&json!({"period": "2025", "rho": 0.5})).send().await.unwrap().json().await.unwrap();
    assert_eq!(by_budget["fits_budget"], true);
    let county = |plan: &Value| plan["margins"].as_array().unwrap().iter().find(|m| m["level"] == "county").unwrap()["margin"].as_f64().unwrap();

    // "± 3 households per county": the smallest ρ that achieves it, and its other levels.
    let by_margin = coordinator.post(app.url("/api/v1/release-plans")).json(&json!({"period": "2025", "target_margin": 3})).send().await.unwrap();
    assert_eq!(by_margin.status(), 200);
    let by_margin: Value = by_margin.json().await.unwrap();
    assert!(county(&by_margin) <= 3.0, "{by_margin}");
    assert!(by_margin["cheaper_rho_missing_target"].as_f64().unwrap() < by_margin["rho"].as_f64().unwrap());
    let refused = coordinator.post(app.url("/api/v1/release-plans")).json(&json!({"period": "2025"})).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    assert_eq!(snapshot(&app.pool).await, before, "planning changed the database");

    // The release at the planned budget has exactly the planned margins.
    let created: Value = post_release(&coordinator, app, json!({"period": "2025", "rho": 0.5})).await.json().await.unwrap();
    let release: Value = anonymous_client().get(app.url(&format!("/api/v1/releases/{}", created["id"].as_str().unwrap()))).send().await.unwrap().json().await.unwrap();
    assert_eq!(release["privacy"]["margins"], by_budget["margins"]);
    // Afterwards the plan sees what is left.
    let after: Value = coordinator.post(app.url("/api/v1/release-plans")).json(&json!({"period": "2025", "rho": 0.6})).send().await.unwrap().json().await.unwrap();
    assert_eq!(after["fits_budget"], false);
}
