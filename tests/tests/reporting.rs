//! Reporting end to end on both databases: periods, drafts and versions, the three ways in
//! (form, CSV, API) reading back identically to the municipality and to nobody else, the
//! tracker, API tokens, the grant table and the audit log.

use kompotten_tests::{anonymous_client, form_body, member_report, on_both_databases, open_period, snapshot, TestApp};
use serde_json::{json, Map, Value};

on_both_databases! {
    three_ways_in_read_back_identically => three_ways_in_read_back_identically;
    versions_are_kept_and_the_latest_submitted_counts => versions_are_kept_and_the_latest_submitted_counts;
    periods_open_and_close => periods_open_and_close;
    tracker_shows_status_never_values => tracker_shows_status_never_values;
    tokens_write_only_their_municipality_until_revoked => tokens_write_only_their_municipality_until_revoked;
    grant_table_is_imported_and_published_exactly => grant_table_is_imported_and_published_exactly;
    coordinator_imports_many_municipalities => coordinator_imports_many_municipalities;
}

const P: &str = "2025";

async fn read_own(client: &reqwest::Client, app: &TestApp, municipality: &str) -> (u16, Value) {
    let response = client.get(app.url(&format!("/api/v1/periods/{P}/submissions/{municipality}"))).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A report with distinct values in every group, keeping every rule.
async fn distinct_report(app: &TestApp) -> Map<String, Value> {
    member_report(
        app,
        &[
            ("requests_sent", 5),
            ("households_moved_out", 3),
            ("moved_out_children_0", 1),
            ("moved_out_children_4plus", 2),
            ("moved_out_context_close_relationship", 2),
            ("moved_out_context_honour", 1),
            ("requests_received", 7),
            ("requests_accepted", 4),
            ("requests_declined", 2),
            ("declined_support_needs", 2),
            ("decisions_within_14_days", 5),
            ("households_received", 4),
            ("time_to_move_1_3m", 3),
            ("time_to_move_over_12m", 1),
        ],
    )
    .await
}

fn as_csv(municipality: &str, values: &Map<String, Value>, separator: char) -> String {
    let header: Vec<&str> = values.keys().map(String::as_str).collect();
    let row: Vec<String> = values.values().map(|v| v.to_string()).collect();
    format!("\u{feff}kommun{separator}{}\r\n{municipality}{separator}{}\r\n", header.join(&separator.to_string()), row.join(&separator.to_string()))
}

async fn three_ways_in_read_back_identically(app: &TestApp) {
    open_period(app, P).await;
    let expected = distinct_report(app).await;
    let gavle = app.client_as("kommun-2180").await;

    // 1. The JSON API.
    let saved = gavle.put(app.url(&format!("/api/v1/periods/{P}/submissions/2180"))).json(&json!({"values": expected})).send().await.unwrap();
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    let (status, own) = read_own(&gavle, app, "2180").await;
    assert_eq!(status, 200);
    assert_eq!(own["values"], Value::Object(expected.clone()), "API round trip");

    // 2. CSV, with a BOM, semicolons and the municipality by name, as a correction.
    let csv = as_csv("Gävle kommun", &expected, ';');
    let imported = gavle.post(app.url(&format!("/api/v1/periods/{P}/csv"))).body(csv).send().await.unwrap();
    assert_eq!(imported.status(), 200, "{}", imported.text().await.unwrap());
    let (_, own) = read_own(&gavle, app, "2180").await;
    assert_eq!(own["values"], Value::Object(expected.clone()), "CSV round trip");
    assert_eq!(own["history"].as_array().unwrap().len(), 2);
    assert_eq!(own["latest"]["channel"], "csv");
    assert_eq!(own["latest"]["changed_fields"], json!([]), "same values: nothing changed");

    // 3. The form's server function, as the browser sends it (values[code]=…).
    let mut form: Vec<(String, String)> = vec![("period".into(), P.into()), ("intent".into(), "submit".into())];
    form.extend(expected.iter().map(|(k, v)| (format!("values[{k}]"), v.to_string())));
    let body = form_body(&form);
    let response = gavle.post(app.url("/sfn/save_submission")).header("content-type", "application/x-www-form-urlencoded").body(body).send().await.unwrap();
    let text = response.text().await.unwrap();
    assert!(text.contains("\"version\":3") && text.contains("\"channel\":\"form\""), "{text}");
    let (_, own) = read_own(&gavle, app, "2180").await;
    assert_eq!(own["values"], Value::Object(expected.clone()), "form round trip");
    assert_eq!(own["latest"]["channel"], "form");
    // The reporter's own page shows the values; the page is rendered on the server.
    let page = gavle.get(app.url(&format!("/rapportera?period={P}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"requests_received\"") && page.contains("value=\"7\""), "the form shows the stored values");

    // Nobody else reads them: another municipality, the coordinator, the county board, the public.
    for who in ["kommun-1280", "samordnare", "lansstyrelsen-21"] {
        let client = app.client_as(who).await;
        let (status, body) = read_own(&client, app, "2180").await;
        assert_eq!(status, 403, "{who} read Gävle's report: {body}");
    }
    assert_eq!(read_own(&anonymous_client(), app, "2180").await.0, 401);
    // Every read of the raw values is in the audit log, with who read them.
    let reads: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'submission.read' AND actor = 'kommun-2180'").fetch_one(&app.pool).await.unwrap();
    assert!(reads >= 4, "{reads} reads logged");
}

async fn versions_are_kept_and_the_latest_submitted_counts(app: &TestApp) {
    open_period(app, P).await;
    let gavle = app.client_as("kommun-2180").await;
    let url = app.url(&format!("/api/v1/periods/{P}/submissions/2180"));
    // A draft may be incomplete.
    let draft = gavle.put(&url).json(&json!({"status": "draft", "values": {"households_moved_out": 2}})).send().await.unwrap();
    assert_eq!(draft.status(), 200, "{}", draft.text().await.unwrap());
    let first = member_report(app, &[("households_moved_out", 1), ("moved_out_children_1", 1), ("moved_out_context_other", 1)]).await;
    assert_eq!(gavle.put(&url).json(&json!({"values": first})).send().await.unwrap().status(), 200);
    let second = member_report(app, &[("households_moved_out", 2), ("moved_out_children_1", 2), ("moved_out_context_other", 2)]).await;
    assert_eq!(gavle.put(&url).json(&json!({"values": second})).send().await.unwrap().status(), 200);
    let later_draft = gavle.put(&url).json(&json!({"status": "draft", "values": {"households_moved_out": 9}})).send().await.unwrap();
    assert_eq!(later_draft.status(), 200);

    let (_, own) = read_own(&gavle, app, "2180").await;
    let history = own["history"].as_array().unwrap();
    assert_eq!(
        history.iter().map(|v| (v["version"].as_i64().unwrap(), v["state"].as_str().unwrap())).collect::<Vec<_>>(),
        vec![(4, "draft"), (3, "submitted"), (2, "submitted"), (1, "draft")]
    );
    assert_eq!(own["counting_version"], 3);
    assert_eq!(history[1]["changed_fields"], json!(["households_moved_out", "moved_out_children_1", "moved_out_context_other"]));
    assert!(history.iter().all(|v| v["created_by"] == "kommun-2180"));
    // Earlier versions are stored unchanged.
    let stored: Vec<(i64, String)> = sqlx::query_as("SELECT version, values_json FROM submission_versions WHERE municipality_code = '2180' ORDER BY version")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 4);
    assert_eq!(serde_json::from_str::<Value>(&stored[1].1).unwrap()["households_moved_out"], 1);
    // The release reads the latest submitted version (2), not the later draft (9).
    let coordinator = app.client_as("samordnare").await;
    let tracker: Value = coordinator.get(app.url(&format!("/api/v1/periods/{P}/tracker?county=21"))).send().await.unwrap().json().await.unwrap();
    let row = tracker["rows"].as_array().unwrap().iter().find(|r| r["municipality"]["code"] == "2180").unwrap();
    assert_eq!(row["status"], "corrected");
    assert_eq!(row["pending_draft"], true);
    // Every write is in the audit log: who, when, what (how much was written; the changed
    // fields are in the municipality's own history above).
    let writes: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, detail FROM audit_log WHERE municipality_code = '2180' AND action LIKE 'submission.%' AND action <> 'submission.read' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(writes.len(), 4);
    assert_eq!(writes[0].0, "submission.draft");
    assert!(writes[2].1.contains("version 3 via api") && writes[2].1.contains("24 fields written"), "{writes:?}");
    assert!(writes.iter().all(|(_, d)| !d.contains("households_moved_out")), "the log names no changed field: {writes:?}");
}

async fn periods_open_and_close(app: &TestApp) {
    let coordinator = app.client_as("samordnare").await;
    let gavle = app.client_as("kommun-2180").await;
    let report = member_report(app, &[]).await;
    let url = app.url(&format!("/api/v1/periods/{P}/submissions/2180"));
    let refused = gavle.put(&url).json(&json!({"values": report})).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("unknown_period"));
    open_period(app, P).await;
    assert_eq!(gavle.put(&url).json(&json!({"values": report})).send().await.unwrap().status(), 200);
    let closed = coordinator.put(app.url(&format!("/api/v1/periods/{P}"))).json(&json!({"state": "closed"})).send().await.unwrap();
    assert_eq!(closed.status(), 200);
    let before = snapshot(&app.pool).await;
    let refused = gavle.put(&url).json(&json!({"values": report})).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["errors"][0]["problem"], "period_closed");
    assert!(body["message"].as_str().unwrap().contains("stängd"), "{body}");
    assert_eq!(snapshot(&app.pool).await, before);
    // Half-years fit the same model; a reporter cannot open periods.
    let half = coordinator.put(app.url("/api/v1/periods/2026H1")).json(&json!({"state": "open"})).send().await.unwrap();
    let half: Value = half.json().await.unwrap();
    assert_eq!((half["starts_on"].as_str(), half["ends_on"].as_str()), (Some("2026-01-01"), Some("2026-06-30")));
    assert_eq!(gavle.put(app.url("/api/v1/periods/2027")).json(&json!({"state": "open"})).send().await.unwrap().status(), 403);
}

async fn tracker_shows_status_never_values(app: &TestApp) {
    open_period(app, P).await;
    let gavle = app.client_as("kommun-2180").await;
    let report = member_report(app, &[]).await;
    gavle.put(app.url(&format!("/api/v1/periods/{P}/submissions/2180"))).json(&json!({"values": report})).send().await.unwrap();
    let coordinator = app.client_as("samordnare").await;
    let all: Value = coordinator.get(app.url(&format!("/api/v1/periods/{P}/tracker"))).send().await.unwrap().json().await.unwrap();
    let rows = all["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 69, "every network member should report");
    assert_eq!(rows.iter().filter(|r| r["status"] == "submitted").count(), 1);
    assert_eq!(rows.iter().filter(|r| r["status"] == "not_started").count(), 68);
    let skane: Value =
        coordinator.get(app.url(&format!("/api/v1/periods/{P}/tracker?county=12&membership=network_members"))).send().await.unwrap().json().await.unwrap();
    assert!(skane["rows"].as_array().unwrap().iter().all(|r| r["county"]["code"] == "12"));
    assert_eq!(skane["rows"].as_array().unwrap().len(), 33);
    let recipients: Value =
        coordinator.get(app.url(&format!("/api/v1/periods/{P}/tracker?membership=grant_recipients"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(recipients["rows"].as_array().unwrap().len(), 0, "no grant table imported yet");
    // The CSV export lists who is missing, with a BOM and semicolons for Swedish Excel.
    let csv = coordinator.get(app.url(&format!("/api/v1/periods/{P}/tracker.csv?county=21"))).send().await.unwrap();
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}') && csv.contains("2180;Gävle;Gävleborgs län;ja;nej;submitted"), "{csv}");
    assert_eq!(csv.lines().filter(|l| l.contains(";not_started;")).count(), 9);
    // A county board sees its own county whatever it asks for.
    let board = app.client_as("lansstyrelsen-21").await;
    let own: Value = board.get(app.url(&format!("/api/v1/periods/{P}/tracker?county=12"))).send().await.unwrap().json().await.unwrap();
    assert!(own["rows"].as_array().unwrap().iter().all(|r| r["county"]["code"] == "21"));
    assert_eq!(own["rows"].as_array().unwrap().len(), 10);
    let page = board.get(app.url(&format!("/lan?period={P}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Gävle") && page.contains("Inskickad"), "the county page lists statuses");
}

async fn tokens_write_only_their_municipality_until_revoked(app: &TestApp) {
    open_period(app, P).await;
    let coordinator = app.client_as("samordnare").await;
    let issued: Value = coordinator
        .post(app.url("/api/v1/api-tokens"))
        .json(&json!({"municipality": "2180", "label": "Ärendesystem X"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = issued["token"].as_str().unwrap().to_owned();
    let id = issued["view"]["id"].as_str().unwrap().to_owned();
    let stored: String = sqlx::query_scalar("SELECT token_sha256 FROM api_tokens WHERE id = $1").bind(&id).fetch_one(&app.pool).await.unwrap();
    assert!(!stored.contains(&token[4..]), "the token is stored only as a digest");
    let system = reqwest::Client::new();
    let report = member_report(app, &[("requests_sent", 2)]).await;
    let own = system.put(app.url(&format!("/api/v1/periods/{P}/submissions/2180"))).bearer_auth(&token).json(&json!({"values": report})).send().await.unwrap();
    assert_eq!(own.status(), 200, "{}", own.text().await.unwrap());
    let read: Value = system.get(app.url(&format!("/api/v1/periods/{P}/submissions/2180"))).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(read["values"]["requests_sent"], 2);
    assert!(read["latest"]["created_by"].as_str().unwrap().starts_with("api-token:"));
    let before = snapshot(&app.pool).await;
    let other =
        system.put(app.url(&format!("/api/v1/periods/{P}/submissions/1280"))).bearer_auth(&token).json(&json!({"values": report})).send().await.unwrap();
    assert_eq!(other.status(), 403);
    assert_eq!(system.get(app.url(&format!("/api/v1/periods/{P}/submissions/1280"))).bearer_auth(&token).send().await.unwrap().status(), 403);
    assert_eq!(system.get(app.url("/api/v1/audit-log")).bearer_auth(&token).send().await.unwrap().status(), 401);
    assert_eq!(snapshot(&app.pool).await, before);
    assert_eq!(coordinator.delete(app.url(&format!("/api/v1/api-tokens/{id}"))).send().await.unwrap().status(), 204);
    let revoked =
        system.put(app.url(&format!("/api/v1/periods/{P}/submissions/2180"))).bearer_auth(&token).json(&json!({"values": report})).send().await.unwrap();
    assert_eq!(revoked.status(), 401);
    let log: Value = coordinator.get(app.url("/api/v1/audit-log")).send().await.unwrap().json().await.unwrap();
    let actions: Vec<&str> = log.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"token.issue") && actions.contains(&"token.revoke"), "{actions:?}");
    let csv = coordinator.get(app.url("/api/v1/audit-log.csv")).send().await.unwrap().text().await.unwrap();
    assert!(csv.contains(";token.revoke;"), "{csv}");
}

const GRANT_TABLE: &str = "Mottagare;Beviljade medel (kr);Oanvända medel (kr);Andel oförbrukade medel (%)\r\n\
Askersunds kommun;1 836 000;0;0\r\n\
Malmö stad;2 500 000;312 500,50;12,5\r\n\
Tranås Kommun;600 000;600 000;100\r\n\
Östra Göinge Kommun;400 000;0;0\r\n\
Totalt;5 336 000;912 500,50;17,1\r\n";

async fn grant_table_is_imported_and_published_exactly(app: &TestApp) {
    let coordinator = app.client_as("samordnare").await;
    let imported = coordinator.put(app.url("/api/v1/grants/2025")).body(GRANT_TABLE).send().await.unwrap();
    assert_eq!(imported.status(), 200, "{}", imported.text().await.unwrap());
    let table: Value = anonymous_client().get(app.url("/api/v1/grants/2025")).send().await.unwrap().json().await.unwrap();
    let rows = table["rows"].as_array().unwrap();
    let codes: Vec<&str> = rows.iter().map(|r| r["municipality"]["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec!["1882", "1280", "0687", "1256"]);
    assert_eq!(table["total_granted_ore"], 533_600_000);
    assert_eq!(table["total_unused_ore"], 91_250_050);
    let page = anonymous_client().get(app.url("/?ar=2025")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"grant-table\"") && page.contains("id=\"grant-chart\""), "public table and chart");
    assert!(page.contains("1\u{a0}836\u{a0}000\u{a0}kr") && page.contains("312\u{a0}500,50\u{a0}kr"), "amounts are exact");
    // Recipients now report the grant groups: Malmö is expected in the tracker as a recipient.
    open_period(app, P).await;
    let tracker: Value =
        coordinator.get(app.url(&format!("/api/v1/periods/{P}/tracker?membership=grant_recipients"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(tracker["rows"].as_array().unwrap().len(), 4);
    let malmo = app.client_as("kommun-1280").await;
    let mut report = member_report(app, &[]).await;
    let url = app.url(&format!("/api/v1/periods/{P}/submissions/1280"));
    let missing = malmo.put(&url).json(&json!({"values": report})).send().await.unwrap();
    assert_eq!(missing.status(), 422, "a recipient must report the grant groups");
    for (k, v) in [
        ("grant_applied_sek", json!("3 000 000")),
        ("grant_granted_sek", json!(2_500_000)),
        ("grant_used_sek", json!("2 187 499,50")),
        ("activity_collaboration", json!(true)),
        ("activity_housing_search_support", json!("ja")),
        ("activity_social_contracts", json!("nej")),
        ("activity_housing_priority", json!(false)),
        ("activity_move_perpetrator", json!("no")),
        ("activity_other", json!(0)),
        ("partner_municipal_landlords", json!("ja")),
        ("partner_county_municipalities", json!("nej")),
        ("partner_internal", json!("ja")),
        ("partner_municipalities_outside_county", json!("nej")),
        ("partner_agencies", json!("nej")),
        ("partner_civil_society", json!("ja")),
        ("partner_private_landlords", json!("nej")),
        ("partner_other", json!("nej")),
        ("assessment_strengthened_work", json!(4)),
        ("assessment_more_victims_helped", Value::Null),
        ("households_permanent_housing", json!(3)),
        ("permanent_first_hand_lease", json!(1)),
        ("permanent_social_contract", json!(1)),
        ("permanent_priority", json!(0)),
        ("permanent_other_municipality", json!(1)),
    ] {
        report.insert(k.into(), v);
    }
    let saved = malmo.put(&url).json(&json!({"values": report})).send().await.unwrap();
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    let (_, own) = read_own(&malmo, app, "1280").await;
    assert_eq!(own["values"]["grant_used_sek"], 218_749_950);
    assert_eq!(own["values"]["assessment_more_victims_helped"], Value::Null);
    assert_eq!(own["values"]["activity_collaboration"], 1);
}

async fn coordinator_imports_many_municipalities(app: &TestApp) {
    open_period(app, P).await;
    let report = member_report(app, &[]).await;
    let header: Vec<&str> = report.keys().map(String::as_str).collect();
    let mut csv = format!("kommun,{}\n", header.join(","));
    let members: Vec<String> =
        sqlx::query_scalar("SELECT municipality_code FROM network_members ORDER BY municipality_code").fetch_all(&app.pool).await.unwrap();
    for code in &members {
        csv.push_str(&format!("{code},{}\n", report.values().map(|v| v.to_string()).collect::<Vec<_>>().join(",")));
    }
    let coordinator = app.client_as("samordnare").await;
    let imported = coordinator.post(app.url(&format!("/api/v1/periods/{P}/csv?status=draft"))).body(csv).send().await.unwrap();
    assert_eq!(imported.status(), 200, "{}", imported.text().await.unwrap());
    let body: Value = imported.json().await.unwrap();
    assert_eq!(body["Stored"]["rows"], 69);
    let drafts: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM submission_versions WHERE state = 'draft' AND channel = 'csv'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(drafts, 69);
    // The coordinator imported them but still cannot read them back.
    assert_eq!(read_own(&coordinator, app, "2180").await.0, 403);
}
