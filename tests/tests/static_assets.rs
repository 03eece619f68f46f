//! Static assets come from the built site through ServeDir, precompressed and cached.

use kompotten_tests::{anonymous_client, Db, TestApp};

#[tokio::test]
async fn plotly_js_is_served_by_this_server_gzipped_and_immutable() {
    let app = TestApp::spawn(Db::Sqlite).await.unwrap();
    let response = anonymous_client().get(app.url(kompotten_app::pages::public::PLOTLY_JS)).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(response.status(), 200, "run the README's test command: it builds the site with plotly.js");
    assert_eq!(response.headers()["content-encoding"], "gzip");
    assert!(response.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    let wasm = anonymous_client().get(app.url("/pkg/kompotten.wasm")).send().await.unwrap();
    assert_eq!(wasm.status(), 200, "the WebAssembly bundle is built by `cargo leptos build`");
    app.finish().await;
}
