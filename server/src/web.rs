//! The HTTP surface: pages (Leptos), server functions, the JSON API, static files, health.

use std::path::Path;

use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use kompotten_app::app::{shell, App};
use kompotten_app::backend::SharedBackend;
use kompotten_app::i18n::{Lang, LANG_COOKIE};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::AppState;

async fn healthz(State(state): State<AppState>) -> Response {
    match sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&state.pool).await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Remembers the reader's language and sends them back to the page they came from (same
/// site only: a Referer's path, never another host).
async fn set_language(UrlPath(code): UrlPath<String>, headers: HeaderMap) -> Response {
    let lang = Lang::from_code(&code).unwrap_or_default();
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_owned()))
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".into());
    let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code());
    ([(header::SET_COOKIE, cookie)], Redirect::to(&back)).into_response()
}

/// Static files through tower-http's ServeDir with precompressed siblings. The vendored
/// plotly.js has its version in its name and is cached for a year; the WebAssembly bundle is
/// revalidated (Last-Modified) because cargo-leptos keeps its name stable between builds.
fn static_dir(dir: &Path, cache_control: &'static str) -> Router<AppState> {
    Router::new()
        .fallback_service(ServeDir::new(dir).precompressed_gzip().precompressed_br())
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static(cache_control)))
}

/// The page routes, generated once per process. Generating them renders the app with a
/// process-global "suppress resource loading" flag set, and a resource first polled by another
/// request meanwhile never resolves (leptos issue #4773): so never generate while serving.
fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub fn router(state: AppState, site_root: &Path) -> Router {
    let routes = page_routes();
    let backend: SharedBackend = state.backend.clone();
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/sprak/{lang}", get(set_language))
        .route("/api/openapi.json", get(crate::api::openapi))
        .nest("/api/v1", crate::api::router())
        .nest("/pkg", static_dir(&site_root.join("pkg"), "public, max-age=0, must-revalidate"))
        .nest("/assets", static_dir(&site_root.join("assets"), "public, max-age=3600"))
        .nest("/vendor", static_dir(&site_root.join("vendor"), "public, max-age=31536000, immutable"))
        .leptos_routes_with_context(&state, routes, move || provide_context(backend.clone()), move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // Inner first: a refused cross-site request still gets the security headers.
        .layer(axum::middleware::from_fn(crate::hardening::refuse_cross_site))
        .layer(axum::middleware::from_fn(crate::hardening::security_headers))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
