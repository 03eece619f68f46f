//! More than a hundred malformed inputs across the form, CSV and the API. Each must be
//! answered with a 4xx whose body names the problem, and leave the database exactly as it was
//! (every row of every table compared before and after).

use kompotten_tests::{anonymous_client, csv_of, form_body, member_report, on_both_databases, open_period, snapshot, TestApp};
use serde_json::{json, Map, Value};

on_both_databases! {
    malformed_inputs_are_refused_and_change_nothing => malformed_inputs_are_refused_and_change_nothing;
}

const P: &str = "2025";

/// Gävle is a network member and, after the grant import below, a grant recipient: its
/// complete report covers every catalogue group.
async fn complete_report(app: &TestApp) -> Map<String, Value> {
    let mut report = member_report(app, &[]).await;
    for (k, v) in [
        ("grant_applied_sek", json!("2 000 000")),
        ("grant_granted_sek", json!("1 500 000")),
        ("grant_used_sek", json!("1 000 000,50")),
        ("assessment_strengthened_work", json!(4)),
        ("assessment_more_victims_helped", json!("vet ej")),
        ("households_permanent_housing", json!(2)),
        ("permanent_first_hand_lease", json!(1)),
        ("permanent_social_contract", json!(0)),
        ("permanent_priority", json!(0)),
        ("permanent_other_municipality", json!(1)),
    ] {
        report.insert(k.into(), v);
    }
    for code in [
        "activity_collaboration",
        "activity_housing_search_support",
        "activity_social_contracts",
        "activity_housing_priority",
        "activity_move_perpetrator",
        "activity_other",
        "partner_municipal_landlords",
        "partner_county_municipalities",
        "partner_internal",
        "partner_municipalities_outside_county",
        "partner_agencies",
        "partner_civil_society",
        "partner_private_landlords",
        "partner_other",
    ] {
        report.insert(code.into(), json!("nej"));
    }
    report
}

struct Checker<'a> {
    app: &'a TestApp,
    before: Vec<String>,
    count: usize,
}

impl Checker<'_> {
    async fn check(&mut self, name: &str, response: reqwest::Response, status: u16, needle: &str) {
        let got = response.status().as_u16();
        let body = response.text().await.unwrap();
        self.check_answer(name, got, body, status, needle).await;
    }

    async fn check_answer(&mut self, name: &str, got: u16, body: String, status: u16, needle: &str) {
        assert_eq!(got, status, "{name}: {body}");
        assert!(body.contains(needle), "{name}: the answer does not name {needle:?}: {body}");
        if body.starts_with('{') && status != 401 && status != 400 && body.contains("\"message\"") {
            let parsed: Value = serde_json::from_str(&body).unwrap();
            assert!(!parsed["message"].as_str().unwrap_or("").is_empty(), "{name}: empty message");
        }
        assert_eq!(snapshot(&self.app.pool).await, self.before, "{name}: the database changed");
        self.count += 1;
    }
}

/// Sends only the head of an upload that declares `length` bytes, and reads the answer. The
/// server must refuse from the declaration alone: sending the body would race its refusal
/// (a client still writing when the server closes may see a reset instead of the answer).
async fn declare_without_sending(app: &TestApp, path: &str, length: usize) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!("POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/csv\r\nContent-Length: {length}\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(30), stream.read_to_end(&mut answer))
        .await
        .expect("the server waited for a body it must refuse")
        .unwrap();
    let answer = String::from_utf8(answer).unwrap();
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("not an HTTP answer: {answer}"));
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

fn with(report: &Map<String, Value>, changes: &[(&str, Value)]) -> Value {
    let mut r = report.clone();
    for (k, v) in changes {
        if v.is_null() && k.starts_with('-') {
            r.remove(&k[1..]);
        } else {
            r.insert((*k).into(), v.clone());
        }
    }
    json!({ "values": r })
}

async fn malformed_inputs_are_refused_and_change_nothing(app: &TestApp) {
    open_period(app, P).await;
    let coordinator = app.client_as("samordnare").await;
    // Closed 2023 for the closed-period cases; Gävle a grant recipient for the grant fields.
    open_period(app, "2023").await;
    assert_eq!(coordinator.put(app.url("/api/v1/periods/2023")).json(&json!({"state": "closed"})).send().await.unwrap().status(), 200);
    let grants = "Mottagare;Beviljade medel (kr);Oanvända medel (kr)\nGävle kommun;1 500 000;499 999,50\n";
    assert_eq!(coordinator.put(app.url("/api/v1/grants/2025")).body(grants).send().await.unwrap().status(), 200);
    app.add_reporter("kommun-0114", "0114").await; // Upplands Väsby: not in the network
    let gavle = app.client_as("kommun-2180").await;
    let outsider = app.client_as("kommun-0114").await;
    let board = app.client_as("lansstyrelsen-21").await;
    let report = complete_report(app).await;
    // The base report is valid: one good submission first, so corrections are refused too.
    let ok = gavle.put(app.url(&format!("/api/v1/periods/{P}/submissions/2180"))).json(&json!({"values": report})).send().await.unwrap();
    assert_eq!(ok.status(), 200, "{}", ok.text().await.unwrap());

    let mut c = Checker { app, before: snapshot(&app.pool).await, count: 0 };
    let api = |path: &str| app.url(&format!("/api/v1{path}"));
    let own = api(&format!("/periods/{P}/submissions/2180"));

    // ---------------------------------------------------------------- API: values
    let value_cases: Vec<(&str, Vec<(&str, Value)>, &str)> = vec![
        ("negative count", vec![("households_moved_out", json!(-1))], "negative"),
        ("fractional count", vec![("households_moved_out", json!(2.5))], "not_an_integer"),
        ("count as words", vec![("households_moved_out", json!("två"))], "not_an_integer"),
        ("count over 1000", vec![("households_moved_out", json!(1001))], "too_large"),
        ("count as boolean", vec![("households_received", json!(true))], "not_an_integer"),
        ("count as array", vec![("households_received", json!([1]))], "not_an_integer"),
        ("count as object", vec![("households_received", json!({"n": 1}))], "not_an_integer"),
        ("requests over 3000", vec![("requests_sent", json!(3001))], "too_large"),
        ("negative fraction", vec![("requests_sent", json!("-0,5"))], "negative"),
        ("count with thousands space", vec![("requests_sent", json!("1 000"))], "not_an_integer"),
        ("count with decimal comma", vec![("requests_sent", json!("2,0"))], "not_an_integer"),
        ("huge number", vec![("requests_sent", json!(1e30))], "not_an_integer"),
        ("missing field", vec![("-households_received", Value::Null)], "missing"),
        ("null count", vec![("households_received", Value::Null)], "missing"),
        ("empty count", vec![("households_received", json!(""))], "missing"),
        ("blank count", vec![("households_received", json!("   "))], "missing"),
        ("unknown indicator", vec![("households_teleported", json!(1))], "unknown_indicator"),
        ("children do not sum", vec![("households_moved_out", json!(2))], "children_sum_to_moved_out"),
        ("context does not sum", vec![("households_moved_out", json!(1)), ("moved_out_children_1", json!(1))], "context_sums_to_moved_out"),
        ("decisions exceed requests", vec![("requests_accepted", json!(1))], "decisions_within_received"),
        ("declined reasons do not sum", vec![("requests_received", json!(2)), ("requests_declined", json!(1))], "declined_reasons_sum"),
        ("deadline exceeds decisions", vec![("decisions_within_14_days", json!(1))], "deadline_within_decisions"),
        ("time bands do not sum", vec![("households_received", json!(1))], "time_bands_sum_to_received"),
        ("yes/no as maybe", vec![("activity_collaboration", json!("kanske"))], "not_yes_no"),
        ("yes/no as 2", vec![("activity_other", json!(2))], "not_yes_no"),
        ("scale 6", vec![("assessment_strengthened_work", json!(6))], "not_on_scale"),
        ("scale 0", vec![("assessment_strengthened_work", json!(0))], "not_on_scale"),
        ("scale in words", vec![("assessment_more_victims_helped", json!("bra"))], "not_on_scale"),
        ("scale fraction", vec![("assessment_more_victims_helped", json!(2.5))], "not_on_scale"),
        ("money in words", vec![("grant_used_sek", json!("tio kronor"))], "not_an_amount"),
        ("negative money", vec![("grant_used_sek", json!("-5"))], "negative"),
        ("three decimals", vec![("grant_used_sek", json!("5,555"))], "too_many_decimals"),
        ("dots as thousands", vec![("grant_used_sek", json!("1.836.000"))], "not_an_amount"),
        ("commas as thousands", vec![("grant_used_sek", json!("1,836,000"))], "not_an_amount"),
        ("money over the cap", vec![("grant_applied_sek", json!("200 000 000"))], "too_large"),
        ("used above granted", vec![("grant_used_sek", json!("1 500 000,01"))], "used_within_granted"),
        ("granted above applied", vec![("grant_granted_sek", json!(2_000_001)), ("grant_used_sek", json!(1))], "granted_within_applied"),
        ("ways above total", vec![("permanent_priority", json!(1))], "permanent_ways_within_total"),
        ("missing money", vec![("grant_granted_sek", json!(""))], "missing"),
        ("missing scale", vec![("assessment_strengthened_work", json!(""))], "missing"),
    ];
    for (name, changes, needle) in &value_cases {
        let response = gavle.put(&own).json(&with(&report, changes)).send().await.unwrap();
        c.check(&format!("API {name}"), response, 422, needle).await;
    }
    let outsider_report = member_report(app, &[]).await;
    c.check(
        "API non-member",
        outsider.put(api(&format!("/periods/{P}/submissions/0114"))).json(&json!({"values": outsider_report})).send().await.unwrap(),
        422,
        "not_a_member",
    )
    .await;
    c.check(
        "API grant field from non-recipient",
        {
            let malmo = app.client_as("kommun-1280").await;
            let mut r = member_report(app, &[]).await;
            r.insert("grant_used_sek".into(), json!(5));
            malmo.put(api(&format!("/periods/{P}/submissions/1280"))).json(&json!({"values": r})).send().await.unwrap()
        },
        422,
        "not_applicable",
    )
    .await;

    // ---------------------------------------------------------------- API: where, who, how
    let body = json!({"values": report});
    c.check("API status word", gavle.put(&own).json(&json!({"status": "kanske", "values": report})).send().await.unwrap(), 422, "status").await;
    c.check("API half-year 3", gavle.put(api("/periods/2025H3/submissions/2180")).json(&body).send().await.unwrap(), 422, "unknown_period").await;
    c.check("API period 1999", gavle.put(api("/periods/1999/submissions/2180")).json(&body).send().await.unwrap(), 422, "out_of_range").await;
    c.check("API period in words", gavle.put(api("/periods/tjugo/submissions/2180")).json(&body).send().await.unwrap(), 422, "unknown_period").await;
    c.check("API period never opened", gavle.put(api("/periods/2024/submissions/2180")).json(&body).send().await.unwrap(), 422, "unknown_period").await;
    c.check("API closed period", gavle.put(api("/periods/2023/submissions/2180")).json(&body).send().await.unwrap(), 422, "period_closed").await;
    c.check("API other municipality", gavle.put(api(&format!("/periods/{P}/submissions/1280"))).json(&body).send().await.unwrap(), 403, "forbidden").await;
    c.check("API unknown municipality", gavle.put(api(&format!("/periods/{P}/submissions/9999"))).json(&body).send().await.unwrap(), 403, "forbidden").await;
    c.check(
        "API coordinator to unknown municipality",
        coordinator.put(api(&format!("/periods/{P}/submissions/9999"))).json(&body).send().await.unwrap(),
        422,
        "unknown_municipality",
    )
    .await;
    c.check(
        "API malformed municipality",
        coordinator.put(api(&format!("/periods/{P}/submissions/G%C3%A4vle"))).json(&body).send().await.unwrap(),
        422,
        "unknown_municipality",
    )
    .await;
    c.check("API not JSON", gavle.put(&own).header("content-type", "application/json").body("{not json").send().await.unwrap(), 400, "JSON").await;
    c.check("API values not an object", gavle.put(&own).json(&json!({"values": [1, 2]})).send().await.unwrap(), 400, "JSON").await;
    c.check("API no content type", gavle.put(&own).body(body.to_string()).send().await.unwrap(), 400, "JSON").await;
    c.check("API anonymous", anonymous_client().put(&own).json(&body).send().await.unwrap(), 401, "unauthenticated").await;
    c.check("API bad token", reqwest::Client::new().put(&own).bearer_auth("kmp_0000").json(&body).send().await.unwrap(), 401, "unauthenticated").await;
    c.check("API county board writes", board.put(&own).json(&body).send().await.unwrap(), 403, "forbidden").await;

    // ---------------------------------------------------------------- CSV
    let csv_url = api(&format!("/periods/{P}/csv"));
    let post = |client: &reqwest::Client, url: &str, bytes: Vec<u8>| client.post(url).body(bytes).send();
    let bad = |changes: &[(&str, Value)]| {
        let mut r = report.clone();
        for (k, v) in changes {
            r.insert((*k).into(), v.clone());
        }
        r
    };
    let good_csv = csv_of(&[("2180", &report)]);
    let malmo_report = member_report(app, &[]).await;
    c.check("CSV other municipality's row", post(&gavle, &csv_url, csv_of(&[("1280", &malmo_report)]).into_bytes()).await.unwrap(), 422, "other_municipality")
        .await;
    c.check(
        "CSV unknown municipality name",
        post(&coordinator, &csv_url, csv_of(&[("Atlantis kommun", &report)]).into_bytes()).await.unwrap(),
        422,
        "unknown_municipality",
    )
    .await;
    c.check(
        "CSV unknown municipality code",
        post(&coordinator, &csv_url, csv_of(&[("9999", &report)]).into_bytes()).await.unwrap(),
        422,
        "unknown_municipality",
    )
    .await;
    c.check(
        "CSV unknown column",
        post(&gavle, &csv_url, good_csv.replacen("requests_sent", "hushåll", 1).into_bytes()).await.unwrap(),
        422,
        "unknown_indicator",
    )
    .await;
    c.check("CSV no municipality column", post(&gavle, &csv_url, good_csv.replacen("kommun;", "ort;", 1).into_bytes()).await.unwrap(), 422, "missing_column")
        .await;
    c.check(
        "CSV duplicate rows",
        post(&coordinator, &csv_url, csv_of(&[("2180", &report), ("Gävle", &report)]).into_bytes()).await.unwrap(),
        422,
        "duplicate_row",
    )
    .await;
    let latin1: Vec<u8> = good_csv.replacen("2180", "G\u{e4}vle", 1).chars().map(|ch| ch as u32 as u8).collect();
    c.check("CSV Windows-1252", post(&gavle, &csv_url, latin1).await.unwrap(), 422, "file_encoding").await;
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(good_csv.encode_utf16().flat_map(|u| u.to_le_bytes()));
    c.check("CSV UTF-16", post(&gavle, &csv_url, utf16).await.unwrap(), 422, "file_encoding").await;
    c.check("CSV empty file", post(&gavle, &csv_url, Vec::new()).await.unwrap(), 422, "no_rows").await;
    c.check("CSV header only", post(&gavle, &csv_url, good_csv.lines().next().unwrap().as_bytes().to_vec()).await.unwrap(), 422, "no_rows").await;
    let mut big = good_csv.clone().into_bytes();
    big.resize(2 * 1024 * 1024 + 1, b'\n');
    c.check("CSV over 2 MiB", post(&gavle, &csv_url, big).await.unwrap(), 413, "file_too_large").await;
    let (got, body) = declare_without_sending(app, &format!("/api/v1/periods/{P}/csv"), 9 * 1024 * 1024).await;
    c.check_answer("CSV declared over the body limit", got, body, 413, "too_large").await;
    let (got, body) = declare_without_sending(app, "/api/v1/grants/2025", 9 * 1024 * 1024).await;
    c.check_answer("grants declared over the body limit", got, body, 413, "too_large").await;
    c.check(
        "CSV short row",
        post(&gavle, &csv_url, format!("{}\n2180;1;2\n", good_csv.lines().next().unwrap()).into_bytes()).await.unwrap(),
        422,
        "wrong_column_count",
    )
    .await;
    c.check("CSV unclosed quote", post(&gavle, &csv_url, good_csv.replacen("\n2180;", "\n\"2180;", 1).into_bytes()).await.unwrap(), 422, "file_malformed")
        .await;
    c.check(
        "CSV duplicate header",
        post(&gavle, &csv_url, good_csv.replacen("requests_sent", "households_moved_out", 1).into_bytes()).await.unwrap(),
        422,
        "duplicate_column",
    )
    .await;
    c.check("CSV negative", post(&gavle, &csv_url, csv_of(&[("2180", &bad(&[("requests_sent", json!(-3))]))]).into_bytes()).await.unwrap(), 422, "negative")
        .await;
    c.check(
        "CSV rule",
        post(&gavle, &csv_url, csv_of(&[("2180", &bad(&[("households_moved_out", json!(4))]))]).into_bytes()).await.unwrap(),
        422,
        "rule_violated",
    )
    .await;
    c.check(
        "CSV decimal comma count",
        post(&gavle, &csv_url, csv_of(&[("2180", &bad(&[("requests_sent", json!("1,5"))]))]).into_bytes()).await.unwrap(),
        422,
        "not_an_integer",
    )
    .await;
    c.check(
        "CSV money in words",
        post(&gavle, &csv_url, csv_of(&[("2180", &bad(&[("grant_used_sek", json!("mycket"))]))]).into_bytes()).await.unwrap(),
        422,
        "not_an_amount",
    )
    .await;
    c.check(
        "CSV bad yes/no",
        post(&gavle, &csv_url, csv_of(&[("2180", &bad(&[("partner_other", json!("jo"))]))]).into_bytes()).await.unwrap(),
        422,
        "not_yes_no",
    )
    .await;
    c.check("CSV closed period", post(&gavle, &api("/periods/2023/csv"), good_csv.clone().into_bytes()).await.unwrap(), 422, "period_closed").await;
    c.check("CSV unknown period", post(&gavle, &api("/periods/2024/csv"), good_csv.clone().into_bytes()).await.unwrap(), 422, "unknown_period").await;
    c.check("CSV bad period", post(&gavle, &api("/periods/20x5/csv"), good_csv.clone().into_bytes()).await.unwrap(), 422, "unknown_period").await;
    c.check("CSV status word", post(&gavle, &format!("{csv_url}?status=kanske"), good_csv.clone().into_bytes()).await.unwrap(), 422, "status").await;
    c.check("CSV county board", post(&board, &csv_url, good_csv.clone().into_bytes()).await.unwrap(), 403, "forbidden").await;
    c.check("CSV anonymous", post(&anonymous_client(), &csv_url, good_csv.clone().into_bytes()).await.unwrap(), 401, "unauthenticated").await;
    let mixed = csv_of(&[("2180", &report), ("Malmö stad", &bad(&[("households_received", json!(-1))]))]);
    c.check("CSV one bad row among good ones", post(&coordinator, &csv_url, mixed.into_bytes()).await.unwrap(), 422, "\"line\":3").await;
    c.check("CSV non-member row", post(&coordinator, &csv_url, csv_of(&[("Upplands Väsby", &malmo_report)]).into_bytes()).await.unwrap(), 422, "not_a_member")
        .await;
    c.check(
        "CSV every bad row is listed",
        post(&coordinator, &csv_url, csv_of(&[("Atlantis", &report), ("9998", &report), ("2180", &bad(&[("requests_sent", json!("x"))]))]).into_bytes())
            .await
            .unwrap(),
        422,
        "\"line\":4",
    )
    .await;

    // ---------------------------------------------------------------- grant table
    let grant_url = api("/grants/2025");
    let header = "Mottagare;Beviljade medel (kr);Oanvända medel (kr)\n";
    let put = |client: &reqwest::Client, body: String| client.put(&grant_url).body(body).send();
    c.check("grants unknown recipient", put(&coordinator, format!("{header}Atlantis kommun;100;0\n")).await.unwrap(), 422, "unknown_municipality").await;
    c.check("grants amount in words", put(&coordinator, format!("{header}Malmö stad;mycket;0\n")).await.unwrap(), 422, "not_an_amount").await;
    c.check("grants negative", put(&coordinator, format!("{header}Malmö stad;-100;0\n")).await.unwrap(), 422, "negative").await;
    c.check("grants unused above granted", put(&coordinator, format!("{header}Malmö stad;100;200\n")).await.unwrap(), 422, "unused_exceeds_granted").await;
    c.check("grants total mismatch", put(&coordinator, format!("{header}Malmö stad;100;0\nTotalt;999;0\n")).await.unwrap(), 422, "total_mismatch").await;
    c.check("grants missing column", put(&coordinator, "Mottagare;Beviljade medel (kr)\nMalmö stad;100\n".into()).await.unwrap(), 422, "missing_column").await;
    c.check("grants duplicate recipient", put(&coordinator, format!("{header}Malmö stad;100;0\n1280;100;0\n")).await.unwrap(), 422, "duplicate_row").await;
    c.check("grants no rows", put(&coordinator, header.to_owned()).await.unwrap(), 422, "no_rows").await;
    c.check("grants missing amount", put(&coordinator, format!("{header}Malmö stad;;0\n")).await.unwrap(), 422, "missing").await;
    c.check("grants three decimals", put(&coordinator, format!("{header}Malmö stad;\"100,123\";0\n")).await.unwrap(), 422, "too_many_decimals").await;
    c.check("grants bad year", coordinator.put(api("/grants/tjugo")).body(format!("{header}Malmö stad;100;0\n")).send().await.unwrap(), 422, "not_an_integer")
        .await;
    c.check("grants by a reporter", put(&gavle, format!("{header}Malmö stad;100;0\n")).await.unwrap(), 403, "forbidden").await;
    let latin1: Vec<u8> = format!("{header}Malm\u{f6} stad;100;0\n").chars().map(|ch| ch as u32 as u8).collect();
    c.check("grants Windows-1252", coordinator.put(&grant_url).body(latin1).send().await.unwrap(), 422, "file_encoding").await;
    c.check("grants anonymous", anonymous_client().put(&grant_url).body(format!("{header}Malmö stad;100;0\n")).send().await.unwrap(), 401, "unauthenticated")
        .await;

    // ---------------------------------------------------------------- periods and tokens
    c.check("period state word", coordinator.put(api("/periods/2026")).json(&json!({"state": "halvöppen"})).send().await.unwrap(), 422, "state").await;
    c.check("period half 3", coordinator.put(api("/periods/2026H3")).json(&json!({"state": "open"})).send().await.unwrap(), 422, "unknown_period").await;
    c.check("close unknown period", coordinator.put(api("/periods/2030")).json(&json!({"state": "closed"})).send().await.unwrap(), 422, "unknown_period").await;
    c.check("period out of range", coordinator.put(api("/periods/2101")).json(&json!({"state": "open"})).send().await.unwrap(), 422, "out_of_range").await;
    c.check("period by a reporter", gavle.put(api("/periods/2026")).json(&json!({"state": "open"})).send().await.unwrap(), 403, "forbidden").await;
    c.check("period without body", coordinator.put(api("/periods/2026")).send().await.unwrap(), 400, "JSON").await;
    let tokens = api("/api-tokens");
    c.check(
        "token bad code",
        coordinator.post(&tokens).json(&json!({"municipality": "abcd", "label": "x"})).send().await.unwrap(),
        422,
        "unknown_municipality",
    )
    .await;
    c.check(
        "token unknown code",
        coordinator.post(&tokens).json(&json!({"municipality": "9999", "label": "x"})).send().await.unwrap(),
        422,
        "unknown_municipality",
    )
    .await;
    c.check("token empty label", coordinator.post(&tokens).json(&json!({"municipality": "2180", "label": " "})).send().await.unwrap(), 422, "missing").await;
    c.check(
        "token long label",
        coordinator.post(&tokens).json(&json!({"municipality": "2180", "label": "x".repeat(201)})).send().await.unwrap(),
        422,
        "too_long",
    )
    .await;
    c.check("token by a reporter", gavle.post(&tokens).json(&json!({"municipality": "2180", "label": "x"})).send().await.unwrap(), 403, "forbidden").await;
    c.check("token missing fields", coordinator.post(&tokens).json(&json!({"label": "x"})).send().await.unwrap(), 400, "JSON").await;
    c.check("revoke unknown token", coordinator.delete(api("/api-tokens/nope")).send().await.unwrap(), 404, "not_found").await;

    // ---------------------------------------------------------------- the form (server function)
    let form = |pairs: Vec<(String, String)>| {
        let body = form_body(&pairs);
        gavle.post(app.url("/sfn/save_submission")).header("content-type", "application/x-www-form-urlencoded").body(body).send()
    };
    let fields = |changes: &[(&str, &str)], period: &str, intent: &str| {
        let mut pairs = vec![("period".to_owned(), period.to_owned()), ("intent".to_owned(), intent.to_owned())];
        for (k, v) in &report {
            let v = changes
                .iter()
                .find(|(c, _)| c == k)
                .map(|(_, v)| (*v).to_owned())
                .unwrap_or_else(|| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()));
            pairs.push((format!("values[{k}]"), v));
        }
        for (k, v) in changes.iter().filter(|(k, _)| !report.contains_key(*k)) {
            pairs.push((format!("values[{k}]"), (*v).to_owned()));
        }
        pairs
    };
    let form_cases: Vec<(&str, Vec<(String, String)>, &str)> = vec![
        ("form negative", fields(&[("households_moved_out", "-1")], P, "submit"), "negative"),
        ("form words", fields(&[("requests_sent", "många")], P, "submit"), "not_an_integer"),
        ("form too large", fields(&[("households_received", "5000")], P, "submit"), "too_large"),
        ("form yes/no", fields(&[("activity_collaboration", "kanske")], P, "submit"), "not_yes_no"),
        ("form scale", fields(&[("assessment_strengthened_work", "9")], P, "submit"), "not_on_scale"),
        ("form money", fields(&[("grant_used_sek", "abc")], P, "submit"), "not_an_amount"),
        ("form rule", fields(&[("requests_accepted", "2")], P, "submit"), "rule_violated"),
        ("form missing", fields(&[("households_moved_out", "")], P, "submit"), "missing"),
        ("form unknown indicator", fields(&[("not_a_code", "1")], P, "submit"), "unknown_indicator"),
        ("form bad intent", fields(&[], P, "kanske"), "intent"),
        ("form bad period", fields(&[], "2025H3", "submit"), "unknown_period"),
        ("form closed period", fields(&[], "2023", "submit"), "period_closed"),
        ("form draft with a bad field", fields(&[("households_moved_out", "-2")], P, "draft"), "negative"),
    ];
    for (name, pairs, needle) in form_cases {
        let response = form(pairs).await.unwrap();
        c.check(name, response, 422, needle).await;
    }
    let anonymous_form = anonymous_client()
        .post(app.url("/sfn/save_submission"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("period=2025&intent=submit")
        .send()
        .await
        .unwrap();
    c.check("form anonymous", anonymous_form, 401, "").await;

    assert!(c.count >= 100, "only {} malformed inputs checked", c.count);
    eprintln!("{} malformed inputs refused, database unchanged after each", c.count);
}
