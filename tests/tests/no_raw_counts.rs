//! Raw person counts reach nobody but the reporting municipality's own users.
//!
//! Gävle reports two distinctive counts. Every page, API endpoint and server function is then
//! read as the public, the national coordinator, Gävle's own county board and another
//! municipality's reporter: neither count may appear. Gävle's own reporter is the positive
//! control: the same search finds the counts in what it reads, so the check can fail.
//!
//! The planner is compared whole: its answer must not change when the reports do.
//!
//! Releases are the one sanctioned view of these counts, after noise: the national figure is
//! the raw total plus discrete Gaussian noise and may by chance equal it. So everything is read
//! before any release exists, and the non-release views are read again after one.

use kompotten_tests::{anonymous_client, member_report, on_both_databases, open_period, TestApp};
use serde_json::json;

on_both_databases! {
    raw_counts_reach_only_their_municipality => raw_counts_reach_only_their_municipality;
}

const MOVED_OUT: &str = "613";
const RECEIVED: &str = "587";

const PAGES: &[&str] = &[
    "/",
    "/?ar=2025",
    "/logga-in",
    "/rapportera",
    "/rapportera?period=2025",
    "/samordnare",
    "/samordnare?ar=2025",
    "/samordnare/inrapportering?period=2025",
    "/samordnare/logg",
    "/lan",
    "/lan?period=2025",
];
const API: &[&str] = &[
    "/api/v1/releases?year=2025",
    "/api/v1/catalogue",
    "/api/v1/periods",
    "/api/v1/periods/2025/submissions/2180",
    "/api/v1/periods/2025/submissions/1280",
    "/api/v1/periods/2025/tracker",
    "/api/v1/periods/2025/tracker.csv",
    "/api/v1/periods/2025/template.csv",
    "/api/v1/grants/2025",
    "/api/v1/api-tokens",
    "/api/v1/audit-log",
    "/api/v1/audit-log.csv",
    "/api/v1/budgets/2025",
    "/api/openapi.json",
];
const SERVER_FNS: &[&str] = &["session_info", "public_dashboard", "report_page", "coordinator_overview", "tracker", "audit_log"];

/// Everything a client can read, as (what, body).
async fn read_everything(app: &TestApp, client: &reqwest::Client, include_release_views: bool) -> Vec<(String, String)> {
    let mut bodies = Vec::new();
    for path in PAGES.iter().chain(API) {
        if !include_release_views && (*path == "/" || path.starts_with("/?") || path.starts_with("/api/v1/releases")) {
            continue;
        }
        let body = client.get(app.url(path)).send().await.unwrap().text().await.unwrap();
        bodies.push((format!("GET {path}"), body));
    }
    for name in SERVER_FNS {
        if !include_release_views && *name == "public_dashboard" {
            continue;
        }
        for form in ["", "year=2025", "period=2025"] {
            let body = client
                .post(app.url(&format!("/sfn/{name}")))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            bodies.push((format!("POST /sfn/{name} {form}"), body));
        }
    }
    bodies
}

/// Whether `number` stands alone in `body` (not as part of a longer number, token or time).
fn contains_number(body: &str, number: &str) -> bool {
    body.match_indices(number).any(|(i, _)| {
        let before = body[..i].chars().next_back();
        let after = body[i + number.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.') && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

fn assert_no_raw_counts(who: &str, bodies: &[(String, String)]) {
    for (what, body) in bodies {
        for number in [MOVED_OUT, RECEIVED] {
            assert!(!contains_number(body, number), "{who} read Gävle's raw count {number} in {what}:\n{body}");
        }
    }
}

/// What the coordinator's planner answers for a county target and for a budget.
async fn plans(app: &TestApp, coordinator: &reqwest::Client) -> Vec<String> {
    let mut answers = Vec::new();
    for body in [json!({"period": "2025", "target_margin": 3}), json!({"period": "2025", "rho": 0.5, "levels": ["nation", "county"]})] {
        let planned = coordinator.post(app.url("/api/v1/release-plans")).json(&body).send().await.unwrap();
        assert_eq!(planned.status(), 200);
        answers.push(planned.text().await.unwrap());
    }
    answers
}

async fn raw_counts_reach_only_their_municipality(app: &TestApp) {
    open_period(app, "2025").await;
    // The planner reads no report: what it answers cannot depend on them. (Its margins are
    // decimals, where a search for the marker digits could match by chance, so it is compared
    // whole instead.)
    let coordinator = app.client_as("samordnare").await;
    let plans_before = plans(app, &coordinator).await;
    let (out, received) = (MOVED_OUT.parse::<i64>().unwrap(), RECEIVED.parse::<i64>().unwrap());
    let values = member_report(
        app,
        &[
            ("households_moved_out", out),
            ("moved_out_children_2", out),
            ("moved_out_context_honour", out),
            ("households_received", received),
            ("time_to_move_6_12m", received),
        ],
    )
    .await;
    let gavle = app.client_as("kommun-2180").await;
    let saved = gavle.put(app.url("/api/v1/periods/2025/submissions/2180")).json(&json!({"values": values})).send().await.unwrap();
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    // A later draft (a correction in progress) holds the counts too, through a second channel.
    let csv = format!("kommun;households_moved_out;households_received\nGävle;{out};{received}\n");
    let draft = gavle.post(app.url("/api/v1/periods/2025/csv?status=draft")).body(csv).send().await.unwrap();
    assert_eq!(draft.status(), 200, "{}", draft.text().await.unwrap());
    let malmo = app.client_as("kommun-1280").await;
    let other = member_report(app, &[("households_moved_out", 1), ("moved_out_children_0", 1), ("moved_out_context_other", 1)]).await;
    let saved = malmo.put(app.url("/api/v1/periods/2025/submissions/1280")).json(&json!({"values": other})).send().await.unwrap();
    assert_eq!(saved.status(), 200);

    // Positive control: Gävle's own reporter sees both counts, in the API and on its page.
    let own = read_everything(app, &gavle, true).await;
    let own_text: String = own.iter().map(|(_, b)| b.as_str()).collect();
    assert!(contains_number(&own_text, MOVED_OUT) && contains_number(&own_text, RECEIVED), "the control failed: the search cannot find the counts");
    let page = own.iter().find(|(w, _)| w == "GET /rapportera?period=2025").unwrap();
    assert!(contains_number(&page.1, MOVED_OUT), "Gävle's page does not show its own count");

    assert_eq!(plans(app, &coordinator).await, plans_before, "the planner's answer changed with Gävle's reports");
    let county_board = app.client_as("lansstyrelsen-21").await;
    let readers = [
        ("the public", anonymous_client()),
        ("the coordinator", coordinator.clone()),
        ("Gävleborg's county board", county_board.clone()),
        ("Malmö's reporter", malmo.clone()),
    ];
    for (who, client) in &readers {
        assert_no_raw_counts(who, &read_everything(app, client, true).await);
    }
    // The coordinator and the county board do see that Gävle has reported.
    let statuses = county_board.get(app.url("/api/v1/periods/2025/tracker")).send().await.unwrap().text().await.unwrap();
    assert!(statuses.contains("\"code\":\"2180\"") && statuses.contains("kommun-2180"), "{statuses}");
    // A case system holding Malmö's token reads nothing of Gävle's either.
    let issued: serde_json::Value = coordinator
        .post(app.url("/api/v1/api-tokens"))
        .json(&json!({"municipality": "1280", "label": "ärendesystem"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = issued["token"].as_str().unwrap().to_owned();
    let with_token = reqwest::Client::new();
    for path in API {
        let body = with_token.get(app.url(path)).bearer_auth(&token).send().await.unwrap().text().await.unwrap();
        assert_no_raw_counts("Malmö's API token", &[(format!("GET {path}"), body)]);
    }

    // The coordinator may write a municipality's report (it imports spreadsheets) but learns
    // nothing of what the report held: neither its answer nor the audit log says which fields
    // differed from Gävle's counts.
    let zeros = member_report(app, &[]).await;
    let written = coordinator.put(app.url("/api/v1/periods/2025/submissions/2180")).json(&json!({"status": "draft", "values": zeros})).send().await.unwrap();
    assert_eq!(written.status(), 200);
    let written: serde_json::Value = written.json().await.unwrap();
    assert_eq!(written["changed_fields"], json!([]), "the answer tells the coordinator which of Gävle's counts were not zero");
    let log = coordinator.get(app.url("/api/v1/audit-log")).send().await.unwrap().text().await.unwrap();
    for code in ["households_moved_out", "moved_out_children_2", "moved_out_context_honour", "households_received", "time_to_move_6_12m"] {
        assert!(!log.contains(code), "the audit log tells the coordinator that Gävle's {code} changed: {log}");
    }

    // After a release, the views that are not the release itself still show no raw count.
    let release = coordinator.post(app.url("/api/v1/releases")).json(&json!({"period": "2025", "rho": 0.5})).send().await.unwrap();
    assert_eq!(release.status(), 201);
    for (who, client) in &readers {
        assert_no_raw_counts(who, &read_everything(app, client, false).await);
    }
}

#[test]
fn the_number_search_ignores_longer_numbers_and_times() {
    assert!(contains_number("value 613 here", "613"));
    assert!(contains_number("{\"x\":613}", "613"));
    assert!(contains_number("<td>613</td>", "613"));
    assert!(!contains_number("2026-11-22T05:01:23.613587Z", "613"));
    assert!(!contains_number("16130", "613"));
    assert!(!contains_number("a613f", "613"));
}
