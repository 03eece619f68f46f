//! The table releases read (`counting_reports`) follows each municipality's latest submitted
//! version through drafts, resubmissions and CSV imports, and holds only its person counts
//! that are not 0 (an absent count is 0): compared with the definition itself, the latest
//! submitted version among all versions.

use std::collections::BTreeMap;

use kompotten_server::submissions::counting_values;
use kompotten_tests::{csv_of, member_report, on_both_databases, open_period, TestApp};
use serde_json::{json, Map, Value};

on_both_databases! {
    counting_reports_follow_the_latest_submitted_version => counting_reports_follow_the_latest_submitted_version;
}

const P: &str = "2025";

/// A rule-abiding report with `out` households moved out (and as many children and
/// close-relationship cases); every other count 0.
async fn report(app: &TestApp, out: i64) -> Map<String, Value> {
    member_report(
        app,
        &[("requests_sent", out + 1), ("households_moved_out", out), ("moved_out_children_0", out), ("moved_out_context_close_relationship", out)],
    )
    .await
}

async fn put(client: &reqwest::Client, app: &TestApp, municipality: &str, values: &Map<String, Value>, status: &str) {
    let url = app.url(&format!("/api/v1/periods/{P}/submissions/{municipality}"));
    let response = client.put(url).json(&json!({"values": values, "status": status})).send().await.unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

async fn csv(client: &reqwest::Client, app: &TestApp, rows: &[(&str, &Map<String, Value>)], status: &str) {
    let response = client.post(app.url(&format!("/api/v1/periods/{P}/csv?status={status}"))).body(csv_of(rows)).send().await.unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

/// municipality → (version, person counts), from the table the engine reads.
async fn from_counting_table(app: &TestApp) -> BTreeMap<String, (i64, Map<String, Value>)> {
    let mut conn = app.pool.acquire().await.unwrap();
    let read = counting_values(&mut conn, &[P.to_owned()]).await.unwrap();
    let versions: BTreeMap<String, i64> = sqlx::query_as("SELECT municipality_code, version FROM counting_reports WHERE period_id = $1")
        .bind(P)
        .fetch_all(&app.pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    read.into_iter()
        .map(|(period, municipality, json)| {
            assert_eq!(period, P);
            (municipality.clone(), (versions[&municipality], serde_json::from_str(&json).unwrap()))
        })
        .collect()
}

/// The same from the definition: each municipality's latest submitted version among all its
/// versions, whole.
async fn from_definition(app: &TestApp) -> BTreeMap<String, (i64, Map<String, Value>)> {
    let rows: Vec<(String, i64, String)> = sqlx::query_as(
        "SELECT municipality_code, version, values_json FROM submission_versions s WHERE period_id = $1 AND state = 'submitted'
         AND version = (SELECT MAX(version) FROM submission_versions l WHERE l.period_id = s.period_id AND l.municipality_code = s.municipality_code AND l.state = 'submitted')",
    )
    .bind(P)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    rows.into_iter().map(|(municipality, version, json)| (municipality, (version, serde_json::from_str(&json).unwrap()))).collect()
}

/// Keeps only the person counts that are not 0.
async fn nonzero_counts(app: &TestApp, mut table: BTreeMap<String, (i64, Map<String, Value>)>) -> BTreeMap<String, (i64, Map<String, Value>)> {
    let person_counts: Vec<String> = sqlx::query_scalar("SELECT code FROM indicators WHERE kind = 'person_count'").fetch_all(&app.pool).await.unwrap();
    for (_, values) in table.values_mut() {
        values.retain(|code, value| person_counts.contains(code) && value.as_i64().is_some_and(|n| n != 0));
    }
    table
}

async fn counting_reports_follow_the_latest_submitted_version(app: &TestApp) {
    open_period(app, P).await;
    let gavle = app.client_as("kommun-2180").await;
    let coordinator = app.client_as("samordnare").await;
    let households_out = |table: &BTreeMap<String, (i64, Map<String, Value>)>, m: &str| {
        table.get(m).map(|(v, values)| (*v, values.get("households_moved_out").map_or(0, |n| n.as_i64().unwrap())))
    };

    put(&gavle, app, "2180", &report(app, 2).await, "submitted").await;
    put(&gavle, app, "2180", &report(app, 3).await, "draft").await;
    put(&coordinator, app, "1280", &report(app, 1).await, "draft").await;
    let table = from_counting_table(app).await;
    assert_eq!(households_out(&table, "2180"), Some((1, 2)), "a draft after a submission does not count");
    assert_eq!(households_out(&table, "1280"), None, "a municipality with only drafts has no counting report");
    assert_eq!(table, nonzero_counts(app, from_definition(app).await).await);

    // One import submitting Gävle again and Malmö for the first time, then a later draft of Malmö.
    csv(&coordinator, app, &[("2180", &report(app, 0).await), ("1280", &report(app, 3).await)], "submitted").await;
    put(&coordinator, app, "1280", &report(app, 1).await, "draft").await;
    put(&gavle, app, "2180", &report(app, 1).await, "submitted").await;
    let table = from_counting_table(app).await;
    assert_eq!(households_out(&table, "2180"), Some((4, 1)), "the latest submission counts");
    assert_eq!(households_out(&table, "1280"), Some((2, 3)), "Malmö's imported submission counts, not its later draft");
    assert_eq!(table, nonzero_counts(app, from_definition(app).await).await);

    let person_counts: Vec<String> = sqlx::query_scalar("SELECT code FROM indicators WHERE kind = 'person_count'").fetch_all(&app.pool).await.unwrap();
    for (municipality, (_, counts)) in &table {
        for (code, value) in counts {
            assert!(person_counts.contains(code) && value.as_i64().is_some_and(|n| n > 0), "{municipality}: {code} = {value} is kept");
        }
    }
    let stored: String = sqlx::query_scalar("SELECT counts_json FROM counting_reports WHERE municipality_code = '1280'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(stored.matches(':').count(), 4, "Malmö's four non-zero counts, nothing else: {stored}");

    // The migration's copy for databases that had reports before the table: whole reports,
    // which read the same.
    let migration = include_str!("../../migrations/0008_counting_reports.sql");
    let copy = &migration[migration.find("INSERT INTO counting_reports").unwrap()..];
    sqlx::query("DELETE FROM counting_reports").execute(&app.pool).await.unwrap();
    sqlx::query(copy).execute(&app.pool).await.unwrap();
    let copied = from_counting_table(app).await;
    assert_eq!(copied, from_definition(app).await, "the copy holds each counting version whole");
    assert_eq!(nonzero_counts(app, copied).await, table);
}
