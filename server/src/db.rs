//! Database access through sqlx's `Any` driver: the same migrations and queries run on SQLite
//! (the default, a local file created and migrated on first start, WAL, foreign keys on) and
//! on PostgreSQL. Queries use `$n` placeholders, which both accept; integers are BIGINT and
//! sums are cast back to BIGINT, because the `Any` driver cannot decode PostgreSQL's NUMERIC.

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Connection};
use std::str::FromStr;

pub type Pool = AnyPool;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot create the folder for the SQLite file {path}: {source}")]
    CreateDir { path: String, source: std::io::Error },
    #[error("{0}")]
    Instance(String),
}

/// Whether this database holds real reports or the synthetic demo year. Set when the database
/// is created, never changed: the demo command refuses a real database, so the two never mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstanceKind {
    Real,
    Demo,
}

impl InstanceKind {
    fn code(self) -> &'static str {
        match self {
            InstanceKind::Real => "real",
            InstanceKind::Demo => "demo",
        }
    }
}

pub fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

/// Adds `mode=rwc` (create if missing) to a SQLite URL and makes sure its folder exists.
fn prepare_sqlite_url(url: &str) -> Result<String, DbError> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path != ":memory:" && !path.is_empty() {
        if let Some(parent) = std::path::Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| DbError::CreateDir { path: path.to_owned(), source })?;
        }
    }
    Ok(if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// Connects, switches SQLite to WAL (persistent in the file), runs the migrations and records
/// the instance kind on a new database.
pub async fn connect_and_migrate(url: &str, kind_for_new: InstanceKind) -> Result<(Pool, InstanceKind), DbError> {
    sqlx::any::install_default_drivers();
    let url = if is_sqlite(url) { prepare_sqlite_url(url)? } else { url.to_owned() };
    let options = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
    if is_sqlite(&url) {
        let mut conn = options.connect().await?;
        sqlx::query("PRAGMA journal_mode = WAL").execute(&mut conn).await?;
        conn.close().await?;
    }
    let pool = AnyPoolOptions::new().max_connections(if is_sqlite(&url) { 8 } else { 16 }).connect_with(options).await?;
    MIGRATOR.run(&pool).await?;
    install_release_guards(&pool).await?;
    let kind = ensure_instance(&pool, kind_for_new).await?;
    Ok((pool, kind))
}

/// Tables whose rows, once written, nobody may change or delete: a published release (with its
/// table) and the budget debits that paid for it.
pub const IMMUTABLE_TABLES: [&str; 2] = ["releases", "year_ledger"];

/// Triggers that refuse UPDATE and DELETE on [`IMMUTABLE_TABLES`], so that not even a bug in
/// this server (or a hand-written query) can change a published release. Trigger syntax differs
/// between SQLite and PostgreSQL, so they are installed here rather than in a shared migration;
/// both are created only where missing, and on PostgreSQL an advisory lock serialises servers starting
/// together. On PostgreSQL the release table's JSON columns also get lz4 compression there.
async fn install_release_guards(pool: &Pool) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    if pool.connect_options().database_url.scheme() == "sqlite" {
        for table in IMMUTABLE_TABLES {
            for operation in ["UPDATE", "DELETE"] {
                sqlx::query(&format!(
                    "CREATE TRIGGER IF NOT EXISTS {table}_no_{op} BEFORE {operation} ON {table}
                     BEGIN SELECT RAISE(ABORT, '{table} are immutable: published releases cannot be changed or deleted'); END",
                    op = operation.to_lowercase()
                ))
                .execute(&mut *tx)
                .await?;
            }
        }
    } else {
        sqlx::query("SELECT pg_advisory_xact_lock(7007)").execute(&mut *tx).await?;
        sqlx::query(
            "CREATE OR REPLACE FUNCTION kompotten_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN RAISE EXCEPTION '% are immutable: published releases cannot be changed or deleted', TG_TABLE_NAME; END $$",
        )
        .execute(&mut *tx)
        .await?;
        for table in IMMUTABLE_TABLES {
            let present: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM pg_trigger WHERE tgname = $1").bind(format!("{table}_immutable")).fetch_one(&mut *tx).await?;
            if present > 0 {
                continue;
            }
            sqlx::query(&format!(
                "CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION kompotten_refuse_change()"
            ))
            .execute(&mut *tx)
            .await?;
        }
        compress_releases_with_lz4(&mut tx).await?;
    }
    tx.commit().await
}

/// A release row holds about 100 kB of JSON. PostgreSQL compresses such values with pglz by
/// default, which costs a release about 2 ms (measured with psql: 50 rows of the stored size
/// took 99–116 ms with pglz, 16–20 ms with lz4); lz4 is as safe and several times faster.
/// Set where the server has lz4 and the column does not use it yet (pg_attribute's 'l').
async fn compress_releases_with_lz4(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    let has_lz4: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)").fetch_one(&mut *conn).await?;
    if has_lz4 == 0 {
        return Ok(());
    }
    let pending: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_attribute WHERE attrelid = 'releases'::regclass
         AND attname IN ('params_json', 'noisy_json', 'table_json') AND attcompression <> 'l'",
    )
    .fetch_one(&mut *conn)
    .await?;
    if pending > 0 {
        sqlx::query(
            "ALTER TABLE releases ALTER COLUMN params_json SET COMPRESSION lz4,
             ALTER COLUMN noisy_json SET COMPRESSION lz4, ALTER COLUMN table_json SET COMPRESSION lz4",
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn ensure_instance(pool: &Pool, kind_for_new: InstanceKind) -> Result<InstanceKind, DbError> {
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO instance (id, kind, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING")
        .bind(kind_for_new.code())
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
    let kind: String = sqlx::query_scalar("SELECT kind FROM instance WHERE id = 1").fetch_one(&mut *tx).await?;
    tx.commit().await?;
    match kind.as_str() {
        "real" => Ok(InstanceKind::Real),
        "demo" => Ok(InstanceKind::Demo),
        other => Err(DbError::Instance(format!("unknown instance kind {other:?}"))),
    }
}

/// UTC time as fixed-width RFC 3339 text: sorts correctly as text on both databases.
pub fn now_text() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// `now_text` shifted by `seconds`.
pub fn time_text_in(seconds: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(seconds)).format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The last full calendar year: what reporting forms and releases start on.
pub fn default_reporting_year() -> i64 {
    use chrono::Datelike;
    i64::from(chrono::Utc::now().year()) - 1
}

/// A transaction that takes the write lock at once. On SQLite a deferred transaction that
/// reads before it writes fails with SQLITE_BUSY_SNAPSHOT when another writer committed in
/// between; `BEGIN IMMEDIATE` queues it behind the other writer instead (busy timeout).
/// PostgreSQL needs no such care: a plain BEGIN.
pub async fn begin_write(pool: &Pool) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    if pool.connect_options().database_url.scheme() == "sqlite" {
        pool.begin_with("BEGIN IMMEDIATE").await
    } else {
        pool.begin().await
    }
}

/// Runs a write transaction again when it lost a race for a unique key: on PostgreSQL two
/// concurrent saves for one municipality can pick the same next version number, and the
/// later insert fails its primary key. (SQLite's BEGIN IMMEDIATE serialises them.)
pub async fn retry_on_unique_violation<T, F, Fut>(mut run: F) -> Result<T, DbError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, DbError>>,
{
    for _ in 0..5 {
        match run().await {
            Err(DbError::Sqlx(sqlx::Error::Database(e))) if e.is_unique_violation() => continue,
            other => return other,
        }
    }
    run().await
}

/// `($1, $2, …), (…)` for a multi-row INSERT of `rows` rows of `columns` columns: one
/// statement for a whole batch instead of one round trip per row.
pub fn values_placeholders(rows: usize, columns: usize) -> String {
    let mut out = String::with_capacity(rows * columns * 5);
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns {
            if c > 0 {
                out.push_str(", ");
            }
            out.push_str(&format!("${}", r * columns + c + 1));
        }
        out.push(')');
    }
    out
}

/// `$first, $first+1, …` (`n` placeholders) for an `IN (…)` list.
pub fn in_list(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// A new time-ordered id (UUIDv7): sorts in creation order as text.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
