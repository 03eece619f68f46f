//! Import benchmark: one period for all 290 municipalities, by CSV and by the JSON API,
//! against the real server on a random port (a load script, not a timed test).
//!
//! Run: `cargo bench -p kompotten-tests --bench import` (after `source scripts/env.sh`).
//! Targets (issue 3): the whole CSV validated and stored in under a second on SQLite; the API
//! sustaining at least 5,000 validated submissions per second with durable commits.

use std::time::{Duration, Instant};

use kompotten_tests::{member_report, open_period, Db, TestApp};
use serde_json::{json, Value};

const CSV_ROUNDS: usize = 5;
const API_SUBMISSIONS: usize = 20_000;
const API_CONCURRENCY: usize = 64;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

async fn run(db: Db) {
    let Some(app) = TestApp::spawn(db).await else {
        println!("{db:?}: PostgreSQL unreachable, skipped");
        return;
    };
    // Every municipality reports in this benchmark (membership management is a later issue).
    sqlx::query("INSERT INTO network_members (municipality_code, member_since) SELECT code, 2020 FROM municipalities WHERE code NOT IN (SELECT municipality_code FROM network_members)")
        .execute(&app.pool)
        .await
        .unwrap();
    open_period(&app, "2025").await;
    let codes: Vec<String> = sqlx::query_scalar("SELECT code FROM municipalities ORDER BY code").fetch_all(&app.pool).await.unwrap();
    assert_eq!(codes.len(), 290);
    let report = member_report(
        &app,
        &[
            ("requests_sent", 4),
            ("households_moved_out", 2),
            ("moved_out_children_1", 1),
            ("moved_out_children_3", 1),
            ("moved_out_context_close_relationship", 2),
            ("requests_received", 3),
            ("requests_accepted", 1),
            ("requests_declined", 1),
            ("declined_housing_shortage", 1),
            ("decisions_within_14_days", 2),
            ("households_received", 1),
            ("time_to_move_3_6m", 1),
        ],
    )
    .await;
    let durability = if db == Db::Sqlite {
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&app.pool).await.unwrap();
        let journal: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&app.pool).await.unwrap();
        format!("journal_mode={journal}, synchronous={sync} (2 = FULL: every commit is fsynced)")
    } else {
        let sync: String = sqlx::query_scalar("SHOW synchronous_commit").fetch_one(&app.pool).await.unwrap();
        format!("synchronous_commit={sync}")
    };
    let coordinator = app.client_as("samordnare").await;

    // CSV: the coordinator imports the whole period, all or nothing, five times over.
    let header: Vec<&str> = report.keys().map(String::as_str).collect();
    let row: Vec<String> = report.values().map(Value::to_string).collect();
    let mut csv = format!("\u{feff}kommun;{}\r\n", header.join(";"));
    for code in &codes {
        csv.push_str(&format!("{code};{}\r\n", row.join(";")));
    }
    let mut csv_times = Vec::new();
    for _ in 0..CSV_ROUNDS {
        let start = Instant::now();
        let response = coordinator.post(app.url("/api/v1/periods/2025/csv")).body(csv.clone()).send().await.unwrap();
        let status = response.status();
        let body = response.text().await.unwrap();
        csv_times.push(start.elapsed());
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("\"rows\":290"), "{body}");
    }

    // API: one token per municipality, then API_CONCURRENCY case systems submitting at once.
    let mut tokens = Vec::with_capacity(codes.len());
    for code in &codes {
        let issued: Value =
            coordinator.post(app.url("/api/v1/api-tokens")).json(&json!({"municipality": code, "label": "bench"})).send().await.unwrap().json().await.unwrap();
        tokens.push((code.clone(), issued["token"].as_str().unwrap().to_owned()));
    }
    let client = reqwest::Client::builder().pool_max_idle_per_host(API_CONCURRENCY).build().unwrap();
    let body = json!({"values": report}).to_string();
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM submission_versions").fetch_one(&app.pool).await.unwrap();
    let start = Instant::now();
    let workers = (0..API_CONCURRENCY).map(|w| {
        let (client, tokens, body, base) = (client.clone(), tokens.clone(), body.clone(), app.address.clone());
        tokio::spawn(async move {
            let mut i = w;
            while i < API_SUBMISSIONS {
                let (code, token) = &tokens[i % tokens.len()];
                let response = client
                    .put(format!("{base}/api/v1/periods/2025/submissions/{code}"))
                    .bearer_auth(token)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
                i += API_CONCURRENCY;
            }
        })
    });
    for w in futures::future::join_all(workers).await {
        w.unwrap();
    }
    let elapsed = start.elapsed();
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM submission_versions").fetch_one(&app.pool).await.unwrap();
    assert_eq!((after - before) as usize, API_SUBMISSIONS, "every submission stored");

    println!("{db:?} ({durability})");
    println!(
        "  CSV, 290 municipalities, validated and stored in one transaction: median {:.0} ms (of {CSV_ROUNDS}: {:?})",
        median(csv_times.clone()).as_secs_f64() * 1e3,
        csv_times.iter().map(|t| (t.as_secs_f64() * 1e3).round() as i64).collect::<Vec<_>>()
    );
    println!(
        "  API, {API_SUBMISSIONS} submissions from {API_CONCURRENCY} concurrent clients: {:.2} s, {:.0} validated submissions/s",
        elapsed.as_secs_f64(),
        API_SUBMISSIONS as f64 / elapsed.as_secs_f64()
    );
    app.finish().await;
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    run(Db::Sqlite).await;
    run(Db::Postgres).await;
}
