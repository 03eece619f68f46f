//! The demo fills only a database created as a demo, and its year looks like the network's.

use kompotten_server::db::InstanceKind;
use kompotten_server::demo::{fill, DemoError};
use kompotten_server::catalogue::{load, IndexedCatalogue};
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
    let reported: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT municipality_code) FROM submission_versions WHERE state = 'submitted'").fetch_one(&demo.pool).await.unwrap();
    let members: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM network_members").fetch_one(&demo.pool).await.unwrap();
    assert!((55..=70).contains(&members) && reported == members - 5, "{reported} of {members} reported");
    let stored: Vec<String> = sqlx::query_scalar("SELECT values_json FROM submission_versions").fetch_all(&demo.pool).await.unwrap();
    let sum = |code: &str| stored.iter().map(|json| serde_json::from_str::<Value>(json).unwrap()[code].as_i64().unwrap_or(0)).sum::<i64>();
    let (out, received) = (sum("households_moved_out"), sum("households_received"));
    assert_eq!(sum("moved_out_children_0") + sum("moved_out_children_1") + sum("moved_out_children_2") + sum("moved_out_children_3"), out);
    assert!((13..=15).contains(&out) && out == received, "{out} moved out, {received} received");
    // Filling twice leaves the year as it was.
    let once = snapshot(&demo.pool).await;
    fill(&demo.pool, &catalogue(&demo).await, &release_settings(), InstanceKind::Demo, &demo.database_url).await.unwrap();
    assert_eq!(snapshot(&demo.pool).await, once);
    // The public page has a release and says DEMODATA.
    let dashboard: Value = anonymous_client().get(demo.url("/api/v1/releases")).send().await.unwrap().json().await.unwrap();
    assert_eq!(dashboard["is_demo"], true);
    assert_eq!(dashboard["release"]["counties"].as_array().unwrap().len(), 21);
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
