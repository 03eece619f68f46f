//! Group commit: saves that share one transaction are answered each on its own merits, get
//! gapless version numbers, and are each in the audit log; on SQLite and PostgreSQL.

use std::collections::{BTreeMap, BTreeSet};

use kompotten_app::model::{Intent, SaveOutcome};
use kompotten_server::access::Actor;
use kompotten_server::catalogue;
use kompotten_server::submissions::{save_all, Channel, SaveJob, SaveRequest};
use kompotten_tests::{member_report, on_both_databases, open_period, TestApp};
use serde_json::{json, Value};

const MUNICIPALITIES: [&str; 4] = ["2180", "1280", "1780", "1980"];

fn raw_of(report: &serde_json::Map<String, Value>) -> BTreeMap<String, String> {
    report.iter().map(|(k, v)| (k.clone(), v.to_string())).collect()
}

/// One batch holding valid saves, a refused value, a closed period and another municipality's
/// report: only the valid ones are stored, as consecutive versions, each with its audit entry.
async fn one_batch_answers_each_save_alone(app: &TestApp) {
    open_period(app, "2025").await;
    let catalogue = catalogue::load(&app.pool).await.unwrap();
    let report = member_report(app, &[("requests_sent", 2)]).await;
    let mut bad = report.clone();
    bad.insert("requests_sent".into(), json!(-1));
    // Gävle's case system, as the API's authentication makes it.
    let token =
        |code: &str| Actor::Token { id: "gavle-case-system".into(), municipality: kompotten_app::model::Area { code: code.into(), name: String::new() } };
    let job = |actor: Actor, period: &str, municipality: &str, values: &serde_json::Map<String, Value>| SaveJob {
        actor,
        request: SaveRequest { period: period.into(), municipality: municipality.into(), intent: Intent::Submit, channel: Channel::Api, raw: raw_of(values) },
    };
    let jobs = vec![
        job(token("2180"), "2025", "2180", &report),
        job(token("2180"), "2025", "2180", &bad),
        job(token("2180"), "2031", "2180", &report),
        job(token("2180"), "2025", "1280", &report),
        job(token("2180"), "2025", "2180", &report),
    ];
    let outcomes = save_all(&app.pool, &catalogue, &jobs).await.unwrap();
    let described: Vec<String> = outcomes
        .iter()
        .map(|o| match o {
            SaveOutcome::Saved(info) => format!("saved v{}", info.version),
            SaveOutcome::Invalid(errors) => format!("refused {}:{}", errors[0].field, serde_json::to_value(&errors[0].problem).unwrap()),
        })
        .collect();
    assert!(described[0] == "saved v1" && described[4] == "saved v2", "{described:?}");
    assert!(described[1].starts_with("refused requests_sent"), "{described:?}");
    assert!(described[2].starts_with("refused period"), "{described:?}");
    assert!(described[3].starts_with("refused municipality"), "{described:?}");
    let stored: Vec<i64> = sqlx::query_scalar("SELECT version FROM submission_versions ORDER BY version").fetch_all(&app.pool).await.unwrap();
    assert_eq!(stored, [1, 2]);
    let logged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'submission.submit' AND municipality_code = '2180'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(logged, 2);
}

/// Many case systems at once: every valid save is answered 200 after its commit with a
/// version, each municipality's versions are 1..n without gaps, and what the last version
/// holds reads back to the municipality. Tokens are checked inside the writer's batches, so
/// the same burst carries saves the batch must refuse: another municipality's token (403), an
/// unknown token and a revoked one (401); none of them stores anything.
async fn concurrent_api_saves_all_land(app: &TestApp) {
    open_period(app, "2025").await;
    let coordinator = app.client_as("samordnare").await;
    let mut tokens = Vec::new();
    for code in MUNICIPALITIES {
        let issued: Value =
            coordinator.post(app.url("/api/v1/api-tokens")).json(&json!({"municipality": code, "label": "t"})).send().await.unwrap().json().await.unwrap();
        tokens.push(issued["token"].as_str().unwrap().to_owned());
    }
    let revoked: Value = coordinator
        .post(app.url("/api/v1/api-tokens"))
        .json(&json!({"municipality": MUNICIPALITIES[0], "label": "old"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let deleted = coordinator.delete(app.url(&format!("/api/v1/api-tokens/{}", revoked["view"]["id"].as_str().unwrap()))).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    let refused = |i: usize| match i % 10 {
        5 => Some(403),
        7 | 9 => Some(401),
        _ => None,
    };
    const SAVES: usize = 160;
    let mut requests = Vec::new();
    for i in 0..SAVES {
        let code = MUNICIPALITIES[i % 4];
        let token = match i % 10 {
            5 => tokens[(i + 1) % 4].clone(),
            7 => "kmp_not-a-token".to_owned(),
            9 => revoked["token"].as_str().unwrap().to_owned(),
            _ => tokens[i % 4].clone(),
        };
        let mut values = member_report(app, &[("requests_sent", i as i64)]).await;
        if i % 10 == 3 {
            values.insert("households_moved_out".into(), json!("tre"));
        }
        let client = reqwest::Client::new();
        let url = app.url(&format!("/api/v1/periods/2025/submissions/{code}"));
        requests.push(async move {
            let response = client.put(url).bearer_auth(token).json(&json!({"values": values})).send().await.unwrap();
            let status = response.status().as_u16();
            (i, code, status, response.json::<Value>().await.unwrap())
        });
    }
    let answers = futures::future::join_all(requests).await;
    let mut versions: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    let mut last: BTreeMap<&str, (i64, usize)> = BTreeMap::new();
    for (i, code, status, body) in &answers {
        if i % 10 == 3 {
            assert_eq!(*status, 422, "{body}");
            assert_eq!(body["errors"][0]["field"], "households_moved_out", "{body}");
            continue;
        }
        if let Some(expected) = refused(*i) {
            assert_eq!(*status, expected, "save {i}: {body}");
            continue;
        }
        assert_eq!(*status, 200, "{body}");
        let version = body["version"].as_i64().unwrap();
        assert!(versions.entry(code).or_default().insert(version), "version {version} of {code} answered twice");
        if last.get(code).is_none_or(|(v, _)| *v < version) {
            last.insert(code, (version, *i));
        }
    }
    let valid = answers.iter().filter(|(i, ..)| i % 10 != 3 && refused(*i).is_none()).count();
    for (code, found) in &versions {
        let expected: BTreeSet<i64> = (1..=found.len() as i64).collect();
        assert_eq!(found, &expected, "versions of {code} have gaps");
    }
    assert_eq!(versions.values().map(BTreeSet::len).sum::<usize>(), valid);
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM submission_versions").fetch_one(&app.pool).await.unwrap();
    assert_eq!(stored as usize, valid);
    let logged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'submission.submit'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(logged as usize, valid);
    for (k, code) in MUNICIPALITIES.iter().enumerate() {
        let (version, i) = last[code];
        let own: Value = reqwest::Client::new()
            .get(app.url(&format!("/api/v1/periods/2025/submissions/{code}")))
            .bearer_auth(&tokens[k])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(own["latest"]["version"], version);
        assert_eq!(own["values"]["requests_sent"], i as i64, "the last answered version is what {code} reads back");
    }
}

on_both_databases! {
    one_batch_answers_each_save_alone => one_batch_answers_each_save_alone;
    concurrent_api_saves_all_land => concurrent_api_saves_all_land;
}
