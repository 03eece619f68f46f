//! The demo fills only a database created as a demo, its years look like the network's, and it
//! publishes them with the standard design.

use kompotten_server::catalogue::{load, IndexedCatalogue};
use kompotten_server::db::InstanceKind;
use kompotten_server::demo::{demo_years, fill, DemoError};
use kompotten_tests::{anonymous_client, release_settings, snapshot, Db, TestApp};

async fn catalogue(app: &TestApp) -> IndexedCatalogue {
    load(&app.pool).await.unwrap()
}
use serde_json::Value;

async fn demo_fills_a_demo_database_and_refuses_a_real_one(db: Db) {
    let Some(real) = TestApp::spawn_with(db, InstanceKind::Real).await else { return };
    let before = snapshot(&real.pool).await;
    let refused = fill(&real.pool, &catalogue(&real).await, &release_settings(), InstanceKind::Real, &real.database_url).await;
    assert!(matches!(refused, Err(DemoError::RealDatabase(_))), "{refused:?}");
    assert_eq!(snapshot(&real.pool).await, before, "the demo wrote into a real database");
    real.finish().await;

    let demo = TestApp::spawn_with(db, InstanceKind::Demo).await.unwrap();
    fill(&demo.pool, &catalogue(&demo).await, &release_settings(), InstanceKind::Demo, &demo.database_url).await.unwrap();
    let members: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM network_members").fetch_one(&demo.pool).await.unwrap();
    let years: Vec<i64> = demo_years().collect();
    assert_eq!(years.len(), 4);
    for &year in &years {
        let period = year.to_string();
        let reported: i64 =
            sqlx::query_scalar("SELECT COUNT(DISTINCT municipality_code) FROM submission_versions WHERE state = 'submitted' AND period_id = $1")
                .bind(&period)
                .fetch_one(&demo.pool)
                .await
                .unwrap();
        let late = if year == *years.last().unwrap() { 5 } else { 0 };
        assert!((55..=70).contains(&members) && reported == members - late, "{year}: {reported} of {members} reported");
        let stored: Vec<String> =
            sqlx::query_scalar("SELECT values_json FROM submission_versions WHERE period_id = $1").bind(&period).fetch_all(&demo.pool).await.unwrap();
        let sum = |code: &str| stored.iter().map(|json| serde_json::from_str::<Value>(json).unwrap()[code].as_i64().unwrap_or(0)).sum::<i64>();
        let (out, received) = (sum("households_moved_out"), sum("households_received"));
        assert_eq!(sum("moved_out_children_0") + sum("moved_out_children_1") + sum("moved_out_children_2") + sum("moved_out_children_3"), out);
        assert!((13..=15).contains(&out) && out == received, "{year}: {out} moved out, {received} received");
    }
    // One release with the standard design over the four years, at ρ = 1 of each year's budget.
    let (design, periods, rho): (String, String, f64) = sqlx::query_as("SELECT design, periods_json, rho FROM releases").fetch_one(&demo.pool).await.unwrap();
    assert_eq!(design, "standard");
    assert_eq!(periods, serde_json::to_string(&years.iter().map(i64::to_string).collect::<Vec<_>>()).unwrap());
    assert!(rho <= 1.0 && rho > 0.95, "{rho}");
    let charged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM year_ledger").fetch_one(&demo.pool).await.unwrap();
    assert_eq!(charged, 4);
    // Filling twice leaves the year as it was.
    let once = snapshot(&demo.pool).await;
    fill(&demo.pool, &catalogue(&demo).await, &release_settings(), InstanceKind::Demo, &demo.database_url).await.unwrap();
    assert_eq!(snapshot(&demo.pool).await, once);
    // The public page has a release and says DEMODATA.
    let dashboard: Value = anonymous_client().get(demo.url("/api/v1/releases")).send().await.unwrap().json().await.unwrap();
    assert_eq!(dashboard["is_demo"], true);
    assert_eq!(dashboard["release"]["counties"].as_array().unwrap().len(), 21);
    assert_eq!(dashboard["release"]["county_period"], format!("{}–{}", years[0], years[3]));
    assert_eq!(dashboard["release"]["headline_periods"].as_array().unwrap().len(), 5, "four years and their total");
    let page = anonymous_client().get(demo.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("DEMODATA"));
    assert!(page.contains("id=\"grant-table\""), "the demo's grant table is on the public page");
    demo.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_demo() {
    demo_fills_a_demo_database_and_refuses_a_real_one(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_demo() {
    demo_fills_a_demo_database_and_refuses_a_real_one(Db::Postgres).await;
}
