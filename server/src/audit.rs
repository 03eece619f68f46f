//! The audit log: every write, and every read of raw person counts. Entries name fields and
//! counts of rows, never values, so the coordinator can read the log without seeing data.

use kompotten_app::model::AuditEntry;
use sqlx::Row;

use crate::db::{new_id, now_text, values_placeholders, DbError, Pool};

pub struct Entry<'a> {
    pub actor: &'a str,
    pub action: &'static str,
    pub period_id: Option<&'a str>,
    pub municipality_code: Option<&'a str>,
    pub detail: String,
}

/// Records `entry` inside the caller's transaction, so the log and the write stand or fall
/// together.
pub async fn record(conn: &mut sqlx::AnyConnection, entry: Entry<'_>) -> Result<(), sqlx::Error> {
    record_all(conn, vec![entry]).await
}

/// Records several entries with one statement, inside the caller's transaction.
pub async fn record_all(conn: &mut sqlx::AnyConnection, entries: Vec<Entry<'_>>) -> Result<(), sqlx::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let at = now_text();
    let sql = format!("INSERT INTO audit_log (id, at, actor, action, period_id, municipality_code, detail) VALUES {}", values_placeholders(entries.len(), 7));
    let mut query = sqlx::query(&sql);
    for entry in entries {
        query =
            query.bind(new_id()).bind(at.clone()).bind(entry.actor).bind(entry.action).bind(entry.period_id).bind(entry.municipality_code).bind(entry.detail);
    }
    query.execute(conn).await?;
    Ok(())
}

/// Records a read in a transaction of its own.
pub async fn record_read(pool: &Pool, entry: Entry<'_>) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    record(&mut tx, entry).await?;
    tx.commit().await
}

/// The newest `limit` entries, newest first.
pub async fn entries(pool: &Pool, limit: i64) -> Result<Vec<AuditEntry>, DbError> {
    let rows = sqlx::query("SELECT id, at, actor, action, period_id, municipality_code, detail FROM audit_log ORDER BY id DESC LIMIT $1")
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditEntry {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                action: r.try_get("action")?,
                period_id: r.try_get("period_id")?,
                municipality_code: r.try_get("municipality_code")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(DbError::from)
}

/// The log as CSV for the coordinator's export.
pub fn to_csv(entries: &[AuditEntry]) -> String {
    crate::csv_export::to_csv(
        &["id", "tid", "vem", "handling", "period", "kommun", "detaljer"],
        entries.iter().map(|e| {
            [
                &e.id,
                &e.at,
                &e.actor,
                &e.action,
                e.period_id.as_ref().unwrap_or(&String::new()),
                e.municipality_code.as_ref().unwrap_or(&String::new()),
                &e.detail,
            ]
            .map(|s| s.to_owned())
        }),
    )
}
