//! Forged cross-site requests are refused before they reach a handler, and every answer carries
//! the security headers (server/src/hardening.rs).

use kompotten_tests::{anonymous_client, form_body, member_report, on_both_databases, open_period, snapshot, TestApp, PASSWORD};

on_both_databases! {
    forged_cross_site_requests_are_refused => forged_cross_site_requests_are_refused;
    answers_carry_security_headers => answers_carry_security_headers;
}

fn sign_in_form() -> String {
    form_body(&[("username".into(), "kommun-2180".into()), ("password".into(), PASSWORD.into())])
}

async fn forged_cross_site_requests_are_refused(app: &TestApp) {
    open_period(app, "2025").await;
    let before = snapshot(&app.pool).await;

    // Login CSRF: another site's form signs the victim's browser in as someone else.
    for (name, value) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site"), ("sec-fetch-site", "same-site")] {
        let forged = anonymous_client()
            .post(app.url("/sfn/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header(name, value)
            .body(sign_in_form())
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403, "{name}: {value}");
        assert!(forged.headers().get("set-cookie").is_none(), "a refused sign-in set a cookie ({name}: {value})");
        let body: serde_json::Value = forged.json().await.unwrap();
        assert!(body["message_sv"].as_str().unwrap().contains("annan webbplats"));
    }
    // Another port of the same host is another origin.
    let port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    let other_port = format!("http://127.0.0.1:{}", port.wrapping_add(1));
    let forged = anonymous_client().post(app.url("/sfn/login")).header("origin", other_port).body(sign_in_form()).send().await.unwrap();
    assert_eq!(forged.status(), 403);

    // With a signed-in reporter's cookie: a text/plain CSV upload and a JSON save from another
    // site change nothing.
    let gavle = app.client_as("kommun-2180").await;
    let report = member_report(app, &[]).await;
    let csv = kompotten_tests::csv_of(&[("Gävle kommun", &report)]);
    let upload = gavle
        .post(app.url("/api/v1/periods/2025/csv"))
        .header("content-type", "text/plain")
        .header("sec-fetch-site", "same-site")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 403);
    let save = gavle
        .put(app.url("/api/v1/periods/2025/submissions/2180"))
        .header("origin", "https://evil.example")
        .json(&serde_json::json!({"values": report}))
        .send()
        .await
        .unwrap();
    assert_eq!(save.status(), 403);
    let logout = gavle.post(app.url("/sfn/logout")).header("sec-fetch-site", "cross-site").send().await.unwrap();
    assert_eq!(logout.status(), 403);
    assert_eq!(snapshot(&app.pool).await, before, "a refused cross-site request changed the database");

    // The same requests from the service's own pages, and from a token client that sends no
    // browser headers, go through.
    let host = app.url("/");
    let own = anonymous_client()
        .post(app.url("/sfn/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", host.trim_end_matches('/'))
        .header("accept", "application/json")
        .body(sign_in_form())
        .send()
        .await
        .unwrap();
    assert!(own.status().is_success(), "{}", own.status());
    assert!(own.headers().get("set-cookie").is_some(), "a same-origin sign-in sets the session cookie");
    let save = gavle
        .put(app.url("/api/v1/periods/2025/submissions/2180"))
        .header("sec-fetch-site", "same-origin")
        .json(&serde_json::json!({"values": report}))
        .send()
        .await
        .unwrap();
    assert_eq!(save.status(), 200, "{}", save.text().await.unwrap());
}

async fn answers_carry_security_headers(app: &TestApp) {
    let gavle = app.client_as("kommun-2180").await;
    for (client, path) in
        [(anonymous_client(), "/"), (anonymous_client(), "/api/v1/catalogue"), (gavle.clone(), "/rapportera"), (anonymous_client(), "/finns-inte")]
    {
        let answer = client.get(app.url(path)).send().await.unwrap();
        let h = answer.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h["cache-control"], "no-store", "{path}: pages and answers may hold a municipality's own counts");
        assert!(h.get("strict-transport-security").is_none(), "{path}: HSTS only behind HTTPS");
    }
    let asset = anonymous_client().get(app.url("/vendor/plotly-basic-3.0.1.min.js")).send().await.unwrap();
    assert_eq!(asset.status(), 200);
    assert_eq!(asset.headers()["x-content-type-options"], "nosniff");
    assert!(asset.headers()["cache-control"].to_str().unwrap().contains("immutable"), "static files keep their cache policy");
}
