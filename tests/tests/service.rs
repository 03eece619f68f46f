//! The real server on a random port, against a fresh SQLite file and a fresh PostgreSQL
//! database: health, geography, sign-in and roles. Releases and the ledger: tests/releases.rs.

use kompotten_tests::{anonymous_client, member_report, on_both_databases, open_period, snapshot, TestApp};
use serde_json::{json, Value};

on_both_databases! {
    health_and_openapi => health_and_openapi;
    geography_is_migrated => geography_is_migrated;
    wrong_password_and_roles_are_refused => wrong_password_and_roles_are_refused;
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
    assert!(doc["paths"]["/api/v1/release-plans"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/releases/{id}/suppression"]["get"].is_object());

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
    let release = reporter.post(app.url("/api/v1/releases")).json(&json!({"period": "2025", "rho": 0.1})).send().await.unwrap();
    assert_eq!(release.status(), 403);
    assert_eq!(reporter.get(app.url("/api/v1/periods/2025/tracker")).send().await.unwrap().status(), 403);
    assert_eq!(reporter.get(app.url("/api/v1/audit-log")).send().await.unwrap().status(), 403);
    let county_board = app.client_as("lansstyrelsen-21").await;
    assert_eq!(put_report(&county_board, app, report).await.status(), 403);
    let coordinator = app.client_as("samordnare").await;
    assert_eq!(coordinator.get(app.url("/api/v1/periods/2025/submissions/2180")).send().await.unwrap().status(), 403);
    assert_eq!(snapshot(&app.pool).await, before);
}
