//! Releases through the privacy engine, on the real server against SQLite and PostgreSQL:
//! the per-year ledger (including 100 concurrent requests over a year and its half-year, and
//! two server processes on one PostgreSQL database), the standard design's consistent tables
//! with intervals, reproducibility from the stored measurements, immutability, windows,
//! overlapping periods, corrections, weights, the planner and the suppression view.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use kompotten_privacy::release::{query_cells, recompute, trees, ReleaseParams};
use kompotten_server::releases::store::StoredTable;
use kompotten_tests::{anonymous_client, fresh_postgres_database, member_report, on_both_databases, open_period, snapshot, TestApp, PASSWORD};
use serde_json::{json, Value};

on_both_databases! {
    release_debits_its_year_and_refuses_overspending => release_debits_its_year_and_refuses_overspending;
    hundred_concurrent_releases_never_overspend => hundred_concurrent_releases_never_overspend;
    release_is_consistent_reproducible_and_immutable => release_is_consistent_reproducible_and_immutable;
    windows_and_corrections => windows_and_corrections;
    a_year_and_its_half_years_share_one_budget => a_year_and_its_half_years_share_one_budget;
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

/// (spent in the budget row, sum of the year's ledger rows, releases debiting the year).
async fn ledger_of(pool: &kompotten_server::db::Pool, year: i64) -> (i64, i64, i64) {
    let spent: i64 = sqlx::query_scalar("SELECT spent_nano_rho FROM year_budgets WHERE year = $1").bind(year).fetch_one(pool).await.unwrap();
    let (ledger, releases): (i64, i64) = sqlx::query_as("SELECT CAST(COALESCE(SUM(nano_rho), 0) AS BIGINT), COUNT(*) FROM year_ledger WHERE year = $1")
        .bind(year)
        .fetch_one(pool)
        .await
        .unwrap();
    (spent, ledger, releases)
}

async fn release_debits_its_year_and_refuses_overspending(app: &TestApp) {
    open_period(app, "2025").await;
    let coordinator = app.client_as("samordnare").await;
    let first = post_release(&coordinator, app, json!({"period": "2025", "rho": 0.6})).await;
    assert_eq!(first.status(), 201, "{}", first.text().await.unwrap());
    let summary: Value = first.json().await.unwrap();
    assert_eq!(summary["periods"], json!(["2025"]));
    assert_eq!(summary["mechanism"], "discrete_gaussian");
    assert_eq!(summary["design"], "standard");
    let charged = (summary["rho"].as_f64().unwrap() * 1e9).ceil() as i64;
    assert!(charged <= 600_000_000 && charged > 500_000_000, "OpenDP's stated cost {charged} nano-ρ");
    assert_eq!(ledger_of(&app.pool, 2025).await, (charged, charged, 1));

    let before = snapshot(&app.pool).await;
    let refused = post_release(&coordinator, app, json!({"period": "2025", "rho": 0.5})).await;
    assert_eq!(refused.status(), 422);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["errors"][0]["field"], "rho");
    assert_eq!(error["errors"][0]["problem"], "exceeds_budget");
    assert_eq!(error["errors"][0]["year"], 2025);
    assert!(error["message"].as_str().unwrap().contains("2025"), "{error}");
    assert_eq!(snapshot(&app.pool).await, before, "a refused release changed the database");

    // Unknown periods and bad fields are refused by name, and store nothing.
    let unknown = post_release(&coordinator, app, json!({"period": "2019", "rho": 0.1})).await;
    assert_eq!(unknown.status(), 422);
    let error: Value = unknown.json().await.unwrap();
    assert_eq!((error["errors"][0]["field"].as_str(), error["errors"][0]["problem"].as_str()), (Some("period"), Some("unknown_period")));
    let bad: Value = post_release(&coordinator, app, json!({"period": "2025", "rho": "x", "mechanism": "gauss", "design": "x"})).await.json().await.unwrap();
    let fields: Vec<&str> = bad["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["mechanism", "design", "rho"]);
    // The time layout is the design's to decide, query by query.
    let layout: Value = post_release(&coordinator, app, json!({"period": "2025", "rho": 0.1, "layout": "summed"})).await.json().await.unwrap();
    assert_eq!((layout["errors"][0]["field"].as_str(), layout["errors"][0]["problem"].as_str()), (Some("layout"), Some("decided_by_design")));
    assert_eq!(snapshot(&app.pool).await, before);

    // The budget cannot be set below what was spent; raised, the rest can be spent.
    let lower = coordinator.put(app.url("/api/v1/budgets/2025")).json(&json!({"total_rho": 0.5})).send().await.unwrap();
    assert_eq!(lower.status(), 422);
    let unknown = coordinator.put(app.url("/api/v1/budgets/2019")).json(&json!({"total_rho": 1})).send().await.unwrap();
    assert_eq!(unknown.status(), 422);
    // A half-year has no budget of its own.
    let half: Value = coordinator.put(app.url("/api/v1/budgets/2025H1")).json(&json!({"total_rho": 1})).send().await.unwrap().json().await.unwrap();
    assert_eq!((half["errors"][0]["field"].as_str(), half["errors"][0]["problem"].as_str()), (Some("year"), Some("budget_per_year")), "{half}");
    let raised = coordinator.put(app.url("/api/v1/budgets/2025")).json(&json!({"total_rho": 2})).send().await.unwrap();
    assert_eq!(raised.status(), 200);
    let view: Value = coordinator.get(app.url("/api/v1/budgets/2025")).send().await.unwrap().json().await.unwrap();
    assert_eq!(view["year"], 2025);
    assert!((view["remaining_rho"].as_f64().unwrap() - (2.0 - charged as f64 / 1e9)).abs() < 1e-9, "{view}");
    assert_eq!(post_release(&coordinator, app, json!({"period": "2025", "rho": "0,5"})).await.status(), 201);
}

/// Fires `n` releases of ρ = 0.1 at once at `urls` in turn (one client per server), every third
/// of the half-year 2025H1 and the rest of the year 2025: both draw on 2025's budget. Returns
/// the HTTP statuses.
async fn fire(clients: &[(reqwest::Client, String)], n: usize) -> Vec<u16> {
    let requests = (0..n).map(|i| {
        let (client, base) = clients[i % clients.len()].clone();
        let period = if i % 3 == 0 { "2025H1" } else { "2025" };
        async move { client.post(format!("{base}/api/v1/releases")).json(&json!({"period": period, "rho": 0.1})).send().await.unwrap().status().as_u16() }
    });
    futures::future::join_all(requests).await
}

/// Checks that what was spent never exceeds the budget and that the ledger, the budget row and
/// the stored releases agree.
async fn assert_ledger_holds(pool: &kompotten_server::db::Pool, statuses: &[u16], budget_nano: i64) {
    let created = statuses.iter().filter(|s| **s == 201).count() as i64;
    assert_eq!(statuses.iter().filter(|s| **s == 422).count() as i64, statuses.len() as i64 - created, "{statuses:?}");
    let (spent, ledger, releases) = ledger_of(pool, 2025).await;
    assert!(spent <= budget_nano, "spent {spent} > budget {budget_nano}");
    assert_eq!((ledger, releases), (spent, created));
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM releases").fetch_one(pool).await.unwrap();
    assert_eq!(stored, created);
    // Each costs at most 0.1 and more than 0.099, so 0.55 admits exactly five.
    assert_eq!(created, 5, "{statuses:?}");
}

async fn hundred_concurrent_releases_never_overspend(app: &TestApp) {
    open_period(app, "2025").await;
    open_period(app, "2025H1").await;
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
    for period in ["2025", "2025H1"] {
        let open = coordinator.put(format!("{}/api/v1/periods/{period}", first.address)).json(&json!({"state": "open"})).send().await.unwrap();
        assert_eq!(open.status(), 200);
    }
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
    let table = StoredTable::from_json(&json).unwrap();
    table.released_cells().into_iter().map(|c| ((c.indicator, c.period, c.area_code), (c.value, c.ci_low, c.ci_high, c.level))).collect()
}

async fn release_is_consistent_reproducible_and_immutable(app: &TestApp) {
    open_period(app, "2025").await;
    report(app, "2025", &[("households_moved_out", 2), ("moved_out_children_1", 2), ("moved_out_context_close_relationship", 2), ("requests_sent", 3)]).await;
    let coordinator = app.client_as("samordnare").await;
    let created: Value = post_release(&coordinator, app, json!({"period": "2025", "rho": 0.5})).await.json().await.unwrap();
    let id = created["id"].as_str().unwrap();

    // The standard design over one year: households moved out and received at the nation, 21
    // counties, and 4 länskompotter with the rest of their counties (30 areas); every other
    // person count at the nation.
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
    assert_eq!(cells.len(), 2 * 30 + (person_counts.len() - 2));
    for indicator in &person_counts {
        assert!(cells.contains_key(&(indicator.clone(), "2025".to_owned(), "SE".to_owned())), "{indicator} is released nationally");
    }
    let counties: Vec<String> = sqlx::query_scalar("SELECT code FROM counties").fetch_all(&app.pool).await.unwrap();
    for indicator in ["households_moved_out", "households_received"] {
        let v = |area: &str| cells[&(indicator.to_owned(), "2025".to_owned(), area.to_owned())].0;
        assert_eq!(v("SE"), counties.iter().map(|c| v(c)).sum::<i64>(), "{indicator}: the nation is the sum of its counties");
        for county in ["12", "17", "19", "21"] {
            assert_eq!(v(county), v(&format!("L{county}")) + v(&format!("R{county}")), "{indicator} {county}");
        }
    }
    for ((indicator, _, area), (value, low, high, _)) in &cells {
        assert!(0 <= *low && low <= value && value <= high, "{indicator} {area}: {value} not in [{low}, {high}]");
        assert!(high > low, "{indicator} {area}: a noisy cell is never published as certain ({low}–{high})");
    }

    // Reproducible: the engine rebuilds exactly the stored table from the stored parameters and
    // noisy measurements.
    let (params_json, noisy_json): (String, String) =
        sqlx::query_as("SELECT params_json, noisy_json FROM releases WHERE id = $1").bind(id).fetch_one(&app.pool).await.unwrap();
    let params: ReleaseParams = serde_json::from_str(&params_json).unwrap();
    let noisy: Vec<i64> = serde_json::from_str(&noisy_json).unwrap();
    // Every measured cell, as many times as its query measures it (a lone cell is measured
    // repeatedly at a larger scale, so that its noise is finer than the integers).
    let measured = query_cells(&params.geography, &params.spec, &trees(&params.geography, &params.spec).unwrap());
    assert_eq!(noisy.len(), measured.iter().zip(&params.noise).map(|(cells, n)| cells.len() * n.repeats as usize).sum::<usize>());
    let table = recompute(&params, &noisy).unwrap();
    assert_eq!(table.cells.len(), cells.len());
    let areas = params.geography.areas();
    for cell in &table.cells {
        let key = (params.spec.design.indicators[cell.indicator].code.clone(), "2025".to_owned(), areas[cell.area].label.clone());
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
    assert_eq!(release["privacy"]["queries"].as_array().unwrap().len(), 17, "the standard design's queries, each with its share");
    assert_eq!(release["charged_years"], json!([2025]));
    let ledger = &release["ledger"][0];
    assert_eq!((ledger["year"].as_i64(), ledger["releases"].as_i64()), (Some(2025), Some(1)), "{release}");
    // The ledger holds what was charged: the release's ρ rounded up to whole nano-ρ.
    assert!((ledger["rho"].as_f64().unwrap() - created["rho"].as_f64().unwrap()).abs() <= 1e-9, "{release}");
    assert!(release["cells"].as_array().unwrap().iter().all(|c| c["estimate"].is_number()), "every cell carries its unbiased estimate");
    assert!(release["chart_json"].as_str().unwrap().contains("\"error_y\""));
    assert!(!release.to_string().contains("noisy"), "the public view must not carry the noisy measurements");

    // Immutable: the database itself refuses to change or delete a published release.
    let before = snapshot(&app.pool).await;
    for sql in [
        "UPDATE releases SET rho = 5 WHERE id = $1",
        "DELETE FROM releases WHERE id = $1",
        "UPDATE releases SET table_json = '{}' WHERE id = $1",
        "UPDATE year_ledger SET nano_rho = 1 WHERE release_id = $1",
        "DELETE FROM year_ledger WHERE release_id = $1",
    ] {
        let result = sqlx::query(sql).bind(id).execute(&app.pool).await;
        let message = result.expect_err(sql).to_string();
        assert!(message.contains("immutable"), "{sql}: {message}");
    }
    assert_eq!(snapshot(&app.pool).await, before);

    // The suppression view: which published cells "suppress 1–4" would hide, by area and period.
    let suppression: Value = anonymous_client().get(app.url(&format!("/api/v1/releases/{id}/suppression"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(suppression["smallest_published"], 5);
    for block in suppression["blocks"].as_array().unwrap() {
        for cell in block["hidden"].as_array().unwrap() {
            let (area, period) = cell.as_str().unwrap().split_once(' ').unwrap();
            let key = (block["indicator"].as_str().unwrap().to_owned(), period.to_owned(), area.to_owned());
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

    // A window debits both years the full ρ once: the headline nationally per year, counties
    // and detail as the window's totals.
    let window: Value = post_release(&coordinator, app, json!({"period": "2024", "last_period": "2025", "rho": 0.2})).await.json().await.unwrap();
    assert_eq!(window["periods"], json!(["2024", "2025"]));
    let charged = (window["rho"].as_f64().unwrap() * 1e9).ceil() as i64;
    assert_eq!(ledger_of(&app.pool, 2024).await, (charged, charged, 1));
    assert_eq!(ledger_of(&app.pool, 2025).await, (charged, charged, 1));
    let cells = stored_cells(&app.pool, window["id"].as_str().unwrap()).await;
    let key = |indicator: &str, period: &str, area: &str| (indicator.to_owned(), period.to_owned(), area.to_owned());
    let v = |k: (String, String, String)| cells[&k].0;
    assert_eq!(v(key("households_moved_out", "2024", "SE")) + v(key("households_moved_out", "2025", "SE")), v(key("households_moved_out", "2024–2025", "SE")));
    assert!(cells.contains_key(&key("households_moved_out", "2024–2025", "12")) && !cells.contains_key(&key("households_moved_out", "2024", "12")));
    assert!(cells.contains_key(&key("moved_out_children_0", "2024–2025", "SE")) && !cells.contains_key(&key("moved_out_children_0", "2024", "SE")));
    let published: Value =
        anonymous_client().get(app.url(&format!("/api/v1/releases/{}", window["id"].as_str().unwrap()))).send().await.unwrap().json().await.unwrap();
    assert_eq!(published["county_period"], "2024–2025");
    assert_eq!(published["charged_years"], json!([2024, 2025]));
    assert_eq!(published["headline_periods"].as_array().unwrap().len(), 3, "2024, 2025 and their total: {published}");

    // The discrete Laplace: pure DP, no δ.
    let laplace: Value = post_release(&coordinator, app, json!({"period": "2024", "last_period": "2025", "mechanism": "discrete_laplace", "rho": 0.2}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(laplace["mechanism"], "discrete_laplace");
    assert_eq!(laplace["delta"], 0.0);

    // A correction is a new release that spends new budget and says what it corrects.
    let corrected_id = window["id"].as_str().unwrap();
    let correction = post_release(&coordinator, app, json!({"period": "2024", "rho": 0.1, "corrects": corrected_id, "reason": "Gävle rättade 2024"})).await;
    assert_eq!(correction.status(), 201);
    let correction: Value = correction.json().await.unwrap();
    assert_eq!(correction["corrects"], corrected_id);
    let published: Value =
        anonymous_client().get(app.url(&format!("/api/v1/releases/{}", correction["id"].as_str().unwrap()))).send().await.unwrap().json().await.unwrap();
    assert_eq!(published["corrects"], corrected_id);
    assert_eq!(published["correction_reason"], "Gävle rättade 2024");
    assert_eq!(ledger_of(&app.pool, 2024).await.2, 3);
    // The corrected release is still there, unchanged.
    assert_eq!(anonymous_client().get(app.url(&format!("/api/v1/releases/{corrected_id}"))).send().await.unwrap().status(), 200);

    // Chosen indicators and levels: households moved out at the nation and the counties only.
    let chosen: Value =
        post_release(&coordinator, app, json!({"period": "2024", "rho": 0.1, "indicators": ["households_moved_out"], "levels": ["nation", "county"]}))
            .await
            .json()
            .await
            .unwrap();
    let id = chosen["id"].as_str().unwrap();
    let cells = stored_cells(&app.pool, id).await;
    assert_eq!(cells.len(), 22, "{chosen}");
    assert!(cells.keys().all(|(indicator, ..)| indicator == "households_moved_out"));
    let nation = cells[&key("households_moved_out", "2024", "SE")].0;
    assert_eq!(nation, cells.iter().filter(|(_, c)| c.3 == "county").map(|(_, c)| c.0).sum::<i64>());
    let release: Value = anonymous_client().get(app.url(&format!("/api/v1/releases/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(release["counties"].as_array().unwrap().len(), 21);
    let client = &coordinator;
    let refused = |body: Value| async move { post_release(client, app, body).await.json::<Value>().await.unwrap() };
    for (body, field, problem) in [
        (json!({"period": "2024", "rho": 0.1, "indicators": "grant_used_sek"}), "indicators", "unknown_indicator"),
        (json!({"period": "2024", "rho": 0.1, "levels": ["county"]}), "levels", "incomplete_design"),
        (json!({"period": "2024", "rho": 0.1, "weights": {"households_moved_out@nation": 0}}), "weights", "incomplete_design"),
        (json!({"period": "2024", "rho": 0.1, "weights": {"nothing@nation": 1}}), "weights", "unknown_choice"),
        (json!({"period": "2024", "rho": 0.1, "weights": {"households_moved_out@county": -2}}), "weights", "negative"),
    ] {
        let error = refused(body.clone()).await;
        assert_eq!((error["errors"][0]["field"].as_str(), error["errors"][0]["problem"].as_str()), (Some(field), Some(problem)), "{body}: {error}");
    }
    // Weights: the county query's share grows with its weight, and 0 leaves a query out.
    let weighted: Value = post_release(
        &coordinator,
        app,
        json!({"period": "2024", "rho": 0.1, "weights": {"households_moved_out@county": 80, "households_received@lanskompott": 0}}),
    )
    .await
    .json()
    .await
    .unwrap();
    let release: Value =
        anonymous_client().get(app.url(&format!("/api/v1/releases/{}", weighted["id"].as_str().unwrap()))).send().await.unwrap().json().await.unwrap();
    let queries = release["privacy"]["queries"].as_array().unwrap();
    let share = |key: &str| queries.iter().find(|q| q["key"] == key).map(|q| q["rho"].as_f64().unwrap());
    assert!(share("households_moved_out@county").unwrap() > share("households_moved_out@nation").unwrap(), "{release}");
    assert_eq!(share("households_received@lanskompott"), None);

    // A window whose later year cannot pay is refused by that year, with what it has left, and
    // the earlier year (which could pay) is not debited either.
    let spent_2025 = ledger_of(&app.pool, 2025).await.0;
    let tight = coordinator.put(app.url("/api/v1/budgets/2025")).json(&json!({"total_rho": spent_2025 as f64 / 1e9 + 0.05})).send().await.unwrap();
    assert_eq!(tight.status(), 200);
    let before = snapshot(&app.pool).await;
    let refused: Value = post_release(&coordinator, app, json!({"period": "2024", "last_period": "2025", "rho": 0.1})).await.json().await.unwrap();
    let error = &refused["errors"][0];
    assert_eq!((error["problem"].as_str(), error["year"].as_i64()), (Some("exceeds_budget"), Some(2025)), "{refused}");
    assert!((error["remaining_rho"].as_f64().unwrap() - 0.05).abs() < 1e-6, "{refused}");
    assert_eq!(snapshot(&app.pool).await, before, "the refused window debited a year");
}

/// A half-year and its year protect the same households: releases of 2025H1, 2025H2, a window
/// of both halves, and 2025 all draw on 2025's one budget, and together never spend more.
async fn a_year_and_its_half_years_share_one_budget(app: &TestApp) {
    for period in ["2025", "2025H1", "2025H2"] {
        open_period(app, period).await;
    }
    let coordinator = app.client_as("samordnare").await;
    assert_eq!(coordinator.put(app.url("/api/v1/budgets/2025")).json(&json!({"total_rho": 1})).send().await.unwrap().status(), 200);
    let mut charged = 0;
    for body in
        [json!({"period": "2025H1", "rho": 0.3}), json!({"period": "2025H1", "last_period": "2025H2", "rho": 0.3}), json!({"period": "2025", "rho": 0.3})]
    {
        let created = post_release(&coordinator, app, body.clone()).await;
        assert_eq!(created.status(), 201, "{body}");
        let summary: Value = created.json().await.unwrap();
        charged += (summary["rho"].as_f64().unwrap() * 1e9).ceil() as i64;
        assert_eq!(ledger_of(&app.pool, 2025).await.0, charged, "{body} debits 2025 once");
    }
    // 0.1 or less is left: neither the year nor a half-year can take 0.3 more.
    let before = snapshot(&app.pool).await;
    for period in ["2025H2", "2025"] {
        let refused: Value = post_release(&coordinator, app, json!({"period": period, "rho": 0.3})).await.json().await.unwrap();
        assert_eq!((refused["errors"][0]["problem"].as_str(), refused["errors"][0]["year"].as_i64()), (Some("exceeds_budget"), Some(2025)), "{refused}");
    }
    assert_eq!(snapshot(&app.pool).await, before);
    let (spent, ledger, releases) = ledger_of(&app.pool, 2025).await;
    assert!(spent <= 1_000_000_000 && spent == ledger && releases == 3, "{spent} {ledger} {releases}");
}

async fn planner_spends_nothing_and_matches_the_release(app: &TestApp) {
    open_period(app, "2025").await;
    let coordinator = app.client_as("samordnare").await;
    let before = snapshot(&app.pool).await;
    // Only the coordinator plans.
    let reporter = app.client_as("kommun-2180").await;
    assert_eq!(reporter.post(app.url("/api/v1/release-plans")).json(&json!({"period": "2025", "rho": 0.5})).send().await.unwrap().status(), 403);

    let client = &coordinator;
    let plan = |body: Value| async move { client.post(app.url("/api/v1/release-plans")).json(&body).send().await.unwrap() };
    let by_budget: Value = plan(json!({"period": "2025", "rho": 0.5})).await.json().await.unwrap();
    assert_eq!(by_budget["fits_budget"], true);
    assert_eq!(by_budget["queries"].as_array().unwrap().len(), 17, "{by_budget}");
    // One year at ρ = 0.02: the requests (which a household can add three to) are mostly noise;
    // households moved out nationally is not. Every query says which, against its plausible size.
    let poor: Value = plan(json!({"period": "2025", "rho": 0.02})).await.json().await.unwrap();
    let queries = poor["queries"].as_array().unwrap();
    let query = |key: &str| queries.iter().find(|q| q["query"]["key"] == key).unwrap();
    assert_eq!(query("households_moved_out@nation")["mostly_noise"], false, "{poor}");
    assert_eq!(query("requests_sent@nation")["mostly_noise"], true, "{poor}");
    for q in queries {
        assert_eq!(q["mostly_noise"].as_bool().unwrap(), q["margin"].as_f64().unwrap() >= q["plausible"].as_f64().unwrap(), "{q}");
    }
    let county = |plan: &Value| plan["margins"].as_array().unwrap().iter().find(|m| m["level"] == "county").unwrap()["margin"].as_f64().unwrap();

    // "± 3 households per county": the smallest ρ that achieves it; beyond the year's budget,
    // the plan says what the budget left would buy.
    let by_margin = plan(json!({"period": "2025", "target_margin": 3})).await;
    assert_eq!(by_margin.status(), 200);
    let by_margin: Value = by_margin.json().await.unwrap();
    assert!(county(&by_margin) <= 3.0, "{by_margin}");
    assert!(by_margin["cheaper_rho_missing_target"].as_f64().unwrap() < by_margin["budget"].as_f64().unwrap());
    assert!(by_margin["rho"].as_f64().unwrap() <= by_margin["budget"].as_f64().unwrap(), "the cost never exceeds the planned budget");
    assert_eq!(by_margin["fits_budget"], false, "{by_margin}");
    let remaining = &by_margin["with_remaining"];
    // (At most the ρ left: a query whose error is too coarse for a 95% interval is given a
    // little more noise, which costs less.)
    let left = remaining["rho"].as_f64().unwrap();
    assert!(left <= 1.0 && left > 0.9 && county(remaining) > 3.0, "{by_margin}");
    let refused = plan(json!({"period": "2025"})).await;
    assert_eq!(refused.status(), 422);
    let national: Value = plan(json!({"period": "2025", "target_margin": 3, "levels": ["nation"]})).await.json().await.unwrap();
    assert_eq!(
        (national["errors"][0]["field"].as_str(), national["errors"][0]["problem"].as_str()),
        (Some("target_level"), Some("not_applicable")),
        "{national}"
    );
    assert_eq!(snapshot(&app.pool).await, before, "planning changed the database");

    // The release at the planned budget has exactly the planned margins.
    let created: Value = post_release(&coordinator, app, json!({"period": "2025", "rho": 0.5})).await.json().await.unwrap();
    let release: Value =
        anonymous_client().get(app.url(&format!("/api/v1/releases/{}", created["id"].as_str().unwrap()))).send().await.unwrap().json().await.unwrap();
    assert_eq!(release["privacy"]["margins"], by_budget["margins"]);
    // Afterwards the plan sees what is left.
    let after: Value = plan(json!({"period": "2025", "rho": 0.6})).await.json().await.unwrap();
    assert_eq!(after["fits_budget"], false);
}
