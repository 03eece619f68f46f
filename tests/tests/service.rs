//! The real server on a random port, against a fresh SQLite file and a fresh PostgreSQL
//! database: health, geography, reporting, validation, releases and the budget ledger.

use kompotten_tests::{anonymous_client, member_report, on_both_databases, open_period, snapshot, TestApp};
use serde_json::{json, Value};

on_both_databases! {
    health_and_openapi => health_and_openapi;
    geography_is_migrated => geography_is_migrated;
    wrong_password_and_roles_are_refused => wrong_password_and_roles_are_refused;
    release_debits_the_budget_and_refuses_overspending => release_debits_the_budget_and_refuses_overspending;
    concurrent_releases_never_overspend => concurrent_releases_never_overspend;
    release_is_published_with_intervals => release_is_published_with_intervals;
}

const YEAR: i64 = 2025;

/// Gävle's report through the case-system API (session cookie or token).
async fn put_report(client: &reqwest::Client, app: &TestApp, values: serde_json::Map<String, Value>) -> reqwest::Response {
    client.put(app.url(&format!("/api/v1/periods/{YEAR}/submissions/2180"))).json(&json!({"values": values})).send().await.unwrap()
}

async fn health_and_openapi(app: &TestApp) {
    let client = anonymous_client();
    let health = client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let doc: Value = client.get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["paths"]["/api/v1/periods/{period}/submissions/{municipality}"]["put"].is_object(), "{doc}");
    assert!(doc["paths"]["/api/v1/periods/{period}/csv"]["post"].is_object());
    assert!(doc["components"]["securitySchemes"]["municipality_token"].is_object());
    assert!(doc["paths"]["/api/v1/releases"]["post"].is_object());

    // Swedish first; /sprak/en remembers English in a cookie and returns to the same page.
    let page = client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<html lang=\"sv\"") && page.contains("Kompotten i siffror"));
    let switch = client.get(app.url("/sprak/en")).header("referer", app.url("/logga-in")).send().await.unwrap();
    assert_eq!(switch.status(), 303);
    assert_eq!(switch.headers()["location"], "/logga-in");
    let page = client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<html lang=\"en\"") && page.contains("Kompotten in figures"), "English was not remembered");
    // A foreign Referer never becomes the redirect target.
    let switch = client.get(app.url("/sprak/sv")).header("referer", "https://elsewhere.example//evil").send().await.unwrap();
    assert_eq!(switch.headers()["location"], "/");
}

async fn geography_is_migrated(app: &TestApp) {
    let count = |sql: &'static str| async { sqlx::query_scalar::<_, i64>(sql).fetch_one(&app.pool).await.unwrap() };
    assert_eq!(count("SELECT COUNT(*) FROM counties").await, 21);
    assert_eq!(count("SELECT COUNT(*) FROM municipalities").await, 290);
    assert_eq!(count("SELECT COUNT(*) FROM network_members").await, 69);
    assert_eq!(count("SELECT COUNT(*) FROM regional_networks").await, 4);
    let gavle: String = sqlx::query_scalar("SELECT name FROM municipalities WHERE code = '2180'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(gavle, "Gävle");
    if app.database_url.starts_with("sqlite") {
        // The SQLite file runs in WAL mode with foreign keys enforced.
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&app.pool).await.unwrap();
        assert_eq!(mode, "wal");
        let orphan = sqlx::query("INSERT INTO network_members (municipality_code, member_since) VALUES ('9999', 2020)").execute(&app.pool).await;
        assert!(orphan.is_err(), "a member of an unknown municipality was accepted");
    }
}

async fn wrong_password_and_roles_are_refused(app: &TestApp) {
    let client = anonymous_client();
    let response = client.post(app.url("/api/v1/session")).json(&json!({"username": "samordnare", "password": "wrong"})).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let response = client.post(app.url("/api/v1/session")).json(&json!({"username": "nobody", "password": "wrong"})).send().await.unwrap();
    assert_eq!(response.status(), 401);
    // Anonymous and wrong-role callers cannot report, release or read statuses.
    open_period(app, "2025").await;
    let report = member_report(app, &[]).await;
    assert_eq!(put_report(&client, app, report.clone()).await.status(), 401);
    let before = snapshot(&app.pool).await;
    let reporter = app.client_as("kommun-2180").await;
    let release = reporter.post(app.url("/api/v1/releases")).json(&json!({"year": YEAR, "rho": 0.1})).send().await.unwrap();
    assert_eq!(release.status(), 403);
    assert_eq!(reporter.get(app.url("/api/v1/periods/2025/tracker")).send().await.unwrap().status(), 403);
    assert_eq!(reporter.get(app.url("/api/v1/audit-log")).send().await.unwrap().status(), 403);
    let county_board = app.client_as("lansstyrelsen-21").await;
    assert_eq!(put_report(&county_board, app, report).await.status(), 403);
    let coordinator = app.client_as("samordnare").await;
    assert_eq!(coordinator.get(app.url("/api/v1/periods/2025/submissions/2180")).send().await.unwrap().status(), 403);
    assert_eq!(snapshot(&app.pool).await, before);
}

async fn spent_nano_rho(app: &TestApp) -> (i64, i64, i64) {
    let spent: i64 = sqlx::query_scalar("SELECT spent_nano_rho FROM privacy_budgets WHERE year = $1").bind(YEAR).fetch_one(&app.pool).await.unwrap();
    let ledger: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(SUM(nano_rho), 0) AS BIGINT) FROM privacy_ledger WHERE year = $1").bind(YEAR).fetch_one(&app.pool).await.unwrap();
    let releases: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM releases WHERE year = $1").bind(YEAR).fetch_one(&app.pool).await.unwrap();
    (spent, ledger, releases)
}

async fn release_debits_the_budget_and_refuses_overspending(app: &TestApp) {
    let coordinator = app.client_as("samordnare").await;
    let first = coordinator.post(app.url("/api/v1/releases")).json(&json!({"year": YEAR, "rho": 0.6})).send().await.unwrap();
    assert_eq!(first.status(), 201, "{}", first.text().await.unwrap());
    assert_eq!(spent_nano_rho(app).await, (600_000_000, 600_000_000, 1));

    let before = snapshot(&app.pool).await;
    let refused = coordinator.post(app.url("/api/v1/releases")).json(&json!({"year": YEAR, "rho": 0.5})).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["errors"][0]["field"], "rho");
    assert_eq!(error["errors"][0]["problem"], "exceeds_budget");
    assert!(error["message"].as_str().unwrap().contains("ρ = 0.4"), "{error}");
    assert_eq!(snapshot(&app.pool).await, before, "a refused release changed the database");

    // Exactly the remainder still fits; the budget cannot be set below what was spent.
    let last = coordinator.post(app.url("/api/v1/releases")).json(&json!({"year": YEAR, "rho": "0,4"})).send().await.unwrap();
    assert_eq!(last.status(), 201);
    assert_eq!(spent_nano_rho(app).await, (1_000_000_000, 1_000_000_000, 2));
    let lower = coordinator.put(app.url(&format!("/api/v1/budgets/{YEAR}"))).json(&json!({"total_rho": 0.5})).send().await.unwrap();
    assert_eq!(lower.status(), 422);
    let raised = coordinator.put(app.url(&format!("/api/v1/budgets/{YEAR}"))).json(&json!({"total_rho": 2})).send().await.unwrap();
    assert_eq!(raised.status(), 200);
    let view: Value = raised.json().await.unwrap();
    assert_eq!(view["remaining_rho"], 1.0);
}

/// Twenty simultaneous releases of ρ = 0.1 against a budget of 0.55: exactly five fit.
async fn concurrent_releases_never_overspend(app: &TestApp) {
    let coordinator = app.client_as("samordnare").await;
    let set = coordinator.put(app.url(&format!("/api/v1/budgets/{YEAR}"))).json(&json!({"total_rho": 0.55})).send().await.unwrap();
    assert_eq!(set.status(), 200);
    let requests = (0..20).map(|_| {
        let client = coordinator.clone();
        let url = app.url("/api/v1/releases");
        async move { client.post(url).json(&json!({"year": YEAR, "rho": 0.1})).send().await.unwrap().status().as_u16() }
    });
    let statuses = futures::future::join_all(requests).await;
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 422).count(), 15, "{statuses:?}");
    let (spent, ledger, releases) = spent_nano_rho(app).await;
    assert_eq!((spent, ledger, releases), (500_000_000, 500_000_000, 5));
}

async fn release_is_published_with_intervals(app: &TestApp) {
    open_period(app, "2025").await;
    let gavle = app.client_as("kommun-2180").await;
    let report = member_report(app, &[("households_moved_out", 2), ("moved_out_children_1", 2), ("moved_out_context_close_relationship", 2)]).await;
    assert_eq!(put_report(&gavle, app, report).await.status(), 200);
    let coordinator = app.client_as("samordnare").await;
    let created: Value = coordinator.post(app.url("/api/v1/releases")).json(&json!({"year": YEAR, "rho": 0.5})).send().await.unwrap().json().await.unwrap();
    let id = created["id"].as_str().unwrap();

    // Anyone can read it: 21 counties and the nation, each value inside its interval.
    let release: Value = anonymous_client().get(app.url(&format!("/api/v1/releases/{id}"))).send().await.unwrap().json().await.unwrap();
    let counties = release["counties"].as_array().unwrap();
    assert_eq!(counties.len(), 21);
    let half = release["privacy"]["ci_half_width"].as_i64().unwrap();
    assert_eq!(release["privacy"]["l2_sensitivity"], 2.0);
    assert!((release["privacy"]["noise_scale"].as_f64().unwrap() - 2.0).abs() < 1e-9);
    assert!(half >= 3 && half <= 5, "half width {half} for σ = 2");
    for area in counties.iter().chain([&release["national"]]) {
        for indicator in ["households_moved_out", "households_received"] {
            let v = &area[indicator];
            let (value, low, high) = (v["value"].as_i64().unwrap(), v["ci_low"].as_i64().unwrap(), v["ci_high"].as_i64().unwrap());
            assert!(0 <= low && low <= value && value <= high, "{area}");
            assert!(high - low <= 2 * half);
        }
    }
    assert!(release["chart_json"].as_str().unwrap().contains("\"error_y\""));
    // The stored noisy measurement is what the published value was post-processed from.
    let stored: Vec<(i64, i64)> = sqlx::query_as("SELECT noisy_value, published_value FROM release_values WHERE release_id = $1")
        .bind(id)
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 44);
    assert!(stored.iter().all(|(noisy, published)| *published == (*noisy).max(0)));

    // The public page renders it without JavaScript: chart container, figure and table.
    let page = anonymous_client().get(app.url(&format!("/?ar={YEAR}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"county-chart\"") && page.contains("data-plotly-figure"), "chart missing");
    assert!(page.contains("id=\"county-table\"") && page.contains("Gävleborgs län"));
    assert!(page.contains(kompotten_app::pages::public::PLOTLY_JS));
    // Readable without JavaScript: the table is in <main> itself, not in a streamed <template>
    // that only a script would move into place.
    let main = &page[page.find("<main").unwrap()..page.find("</main>").unwrap()];
    assert!(main.contains("id=\"county-table\"") && !page.contains("<template"), "page needs a script to show its content");
}
