//! Test harness: starts the real application on a random port against a fresh database.
//!
//! PostgreSQL comes from `KOMPOTTEN_TEST_POSTGRES_URL` (default: the local server on
//! 127.0.0.1:5432); every test gets a database of its own, dropped when it passes. Under the
//! README's test command (`KOMPOTTEN_REQUIRE_POSTGRES=1`) an unreachable PostgreSQL fails the
//! test instead of skipping it.

use std::path::PathBuf;

use kompotten_app::domain::Role;
use kompotten_server::auth::{create_user, NewUser};
use kompotten_server::db::{InstanceKind, Pool};
use kompotten_server::{prepare, Config};
use sqlx::Connection;

pub const PASSWORD: &str = "correct horse battery staple";

/// Simulated releases per interval calibration in tests (the production default is 20,000):
/// enough for the calibration's checks, fast in a debug build. The coverage test of
/// kompotten-privacy measures the calibration at full size.
pub const TEST_INTERVAL_SIMULATIONS: usize = 2_000;

/// The release settings every test app runs with.
pub fn release_settings() -> kompotten_server::releases::ReleaseSettings {
    kompotten_server::releases::ReleaseSettings { default_year_rho: 1.0, interval_simulations: TEST_INTERVAL_SIMULATIONS }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub pool: Pool,
    pub database_url: String,
    admin_url: Option<(String, String)>,
    _dir: Option<TempDir>,
    server: tokio::task::JoinHandle<()>,
}

/// A temporary folder removed on drop (std has none; the tempfile crate would be one more
/// dependency for four lines).
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("kompotten-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn postgres_admin_url() -> String {
    std::env::var("KOMPOTTEN_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// The site folder cargo-leptos built (pkg/, assets/, vendor/).
pub fn site_root() -> PathBuf {
    std::env::var("LEPTOS_SITE_ROOT").map(PathBuf::from).unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/site"))
}

/// A fresh, empty PostgreSQL database; `None` (skip) only when PostgreSQL is unreachable and
/// the test command did not require it.
pub async fn fresh_postgres_database() -> Option<(String, String, String)> {
    sqlx::any::install_default_drivers();
    let admin = postgres_admin_url();
    let mut conn = match sqlx::AnyConnection::connect(&admin).await {
        Ok(conn) => conn,
        Err(e) if std::env::var("KOMPOTTEN_REQUIRE_POSTGRES").as_deref() == Ok("1") => {
            panic!("PostgreSQL at {admin} is required by the test command but unreachable: {e}")
        }
        Err(e) => {
            eprintln!("SKIPPED: PostgreSQL at {admin} unreachable ({e}); set KOMPOTTEN_REQUIRE_POSTGRES=1 to fail instead");
            return None;
        }
    };
    let name = format!("kompotten_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create test database");
    let (base, _) = admin.rsplit_once('/').expect("a PostgreSQL URL ends in /database");
    Some((format!("{base}/{name}"), admin, name))
}

impl TestApp {
    /// Starts the application on 127.0.0.1 at a random port. `None` when PostgreSQL is
    /// unavailable and not required.
    pub async fn spawn(db: Db) -> Option<Self> {
        Self::spawn_with(db, InstanceKind::Real).await
    }

    pub async fn spawn_with(db: Db, kind: InstanceKind) -> Option<Self> {
        let (database_url, admin_url, dir) = match db {
            Db::Sqlite => {
                let dir = TempDir::new();
                (format!("sqlite://{}/kompotten.sqlite", dir.0.display()), None, Some(dir))
            }
            Db::Postgres => {
                let (url, admin, name) = fresh_postgres_database().await?;
                (url, Some((admin, name)), None)
            }
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a random port");
        let address = format!("http://{}", listener.local_addr().unwrap());
        let config = Config {
            database_url: database_url.clone(),
            site_addr: listener.local_addr().unwrap(),
            site_root: site_root(),
            default_year_rho: 1.0,
            interval_simulations: TEST_INTERVAL_SIMULATIONS,
            seed_password: Some(PASSWORD.into()),
        };
        let prepared = prepare(&config, kind).await.expect("the application starts");
        let pool = prepared.pool.clone();
        let server = tokio::spawn(async move {
            axum_serve(listener, prepared.router).await;
        });
        Some(Self { address, pool, database_url, admin_url, _dir: dir, server })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A client with its own cookie jar, signed in as `username` (a seed account).
    pub async fn client_as(&self, username: &str) -> reqwest::Client {
        let client = anonymous_client();
        let response = client
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({ "username": username, "password": PASSWORD }))
            .send()
            .await
            .expect("login request");
        assert_eq!(response.status(), 200, "login as {username}: {}", response.text().await.unwrap_or_default());
        client
    }

    pub async fn add_reporter(&self, username: &str, municipality: &str) {
        create_user(
            &self.pool,
            NewUser { username, display_name: username, password: PASSWORD, role: Role::Reporter, municipality_code: Some(municipality), county_code: None },
        )
        .await
        .expect("create reporter");
    }

    /// Stops the server and drops a PostgreSQL test database.
    pub async fn finish(self) {
        self.server.abort();
        self.pool.close().await;
        if let Some((admin, name)) = &self.admin_url {
            if let Ok(mut conn) = sqlx::AnyConnection::connect(admin).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
            }
        }
    }
}

async fn axum_serve(listener: tokio::net::TcpListener, router: axum::Router) {
    kompotten_server::serve(listener, router).await.expect("server runs");
}

pub fn anonymous_client() -> reqwest::Client {
    // A request that hangs fails its test with its URL instead of stalling the suite.
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).timeout(std::time::Duration::from_secs(30)).build().unwrap()
}

/// Every row of every table the application writes, as text, for before/after comparisons.
pub async fn snapshot(pool: &Pool) -> Vec<String> {
    let mut rows = Vec::new();
    for (table, columns) in [
        ("reporting_periods", "id, state, changed_by, changed_at"),
        ("submission_versions", "period_id, municipality_code, version, state, channel, values_json, created_by, created_at"),
        ("counting_reports", "period_id, municipality_code, version, counts_json"),
        ("grant_imports", "id, year, imported_by"),
        ("grants", "import_id, municipality_code, granted_ore, unused_ore"),
        ("api_tokens", "id, municipality_code, label, revoked_at"),
        ("audit_log", "id, actor, action, detail"),
        ("year_budgets", "year, total_nano_rho, spent_nano_rho"),
        ("releases", "id, year, periods_json, rho, noisy_json, table_json, corrects, created_at, design"),
        ("year_ledger", "release_id, year, nano_rho"),
        ("users", "username, role"),
    ] {
        let text_columns = columns.split(", ").map(|c| format!("COALESCE(CAST({c} AS TEXT), '∅')")).collect::<Vec<_>>().join(" || '|' || ");
        let mut table_rows: Vec<String> = sqlx::query_scalar(&format!("SELECT {text_columns} FROM {table}")).fetch_all(pool).await.expect("snapshot query");
        table_rows.sort();
        rows.extend(table_rows.into_iter().map(|r| format!("{table}: {r}")));
    }
    rows
}

/// A CSV import file of `rows` (municipality name or code, report), the columns in the first
/// report's order; text values unquoted, as a spreadsheet writes them.
pub fn csv_of(rows: &[(&str, &serde_json::Map<String, serde_json::Value>)]) -> String {
    let header: Vec<&str> = rows[0].1.keys().map(String::as_str).collect();
    let mut out = format!("kommun;{}\n", header.join(";"));
    for (m, r) in rows {
        out.push_str(&format!("{m};{}\n", r.values().map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())).collect::<Vec<_>>().join(";")));
    }
    out
}

/// Opens a reporting period as the coordinator.
pub async fn open_period(app: &TestApp, period: &str) {
    let coordinator = app.client_as("samordnare").await;
    let response = coordinator.put(app.url(&format!("/api/v1/periods/{period}"))).json(&serde_json::json!({"state": "open"})).send().await.unwrap();
    assert_eq!(response.status(), 200, "open period {period}: {}", response.text().await.unwrap_or_default());
}

/// A complete, rule-abiding report for a network member (not a grant recipient): every count
/// zero except the given ones, which must keep the catalogue's rules.
pub async fn member_report(app: &TestApp, overrides: &[(&str, i64)]) -> serde_json::Map<String, serde_json::Value> {
    let catalogue: serde_json::Value = anonymous_client().get(app.url("/api/v1/catalogue")).send().await.unwrap().json().await.unwrap();
    let mut values = serde_json::Map::new();
    for group in catalogue["groups"].as_array().unwrap() {
        if group["reported_by"] != "network_member" {
            continue;
        }
        for indicator in group["indicators"].as_array().unwrap() {
            values.insert(indicator["code"].as_str().unwrap().to_owned(), serde_json::json!(0));
        }
    }
    for (code, value) in overrides {
        assert!(values.contains_key(*code), "{code} is not a network indicator");
        values.insert((*code).to_owned(), serde_json::json!(value));
    }
    values
}

/// An `application/x-www-form-urlencoded` body, as a browser sends a form.
pub fn form_body(pairs: &[(String, String)]) -> String {
    let encode = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

/// Runs one async test body against SQLite and against PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident => $body:ident;)*) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::TestApp::spawn($crate::Db::Sqlite).await.expect("SQLite always runs");
                    super::$body(&app).await;
                    app.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(app) = $crate::TestApp::spawn($crate::Db::Postgres).await else { return };
                    super::$body(&app).await;
                    app.finish().await;
                }
            )*
        }
    };
}
