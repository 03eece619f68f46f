//! Reporting periods: the coordinator opens and closes them; municipalities report only into
//! an open one.

use kompotten_app::domain::{FieldError, PeriodId, Problem};
use kompotten_app::model::{PeriodOutcome, PeriodState, PeriodView};
use sqlx::Row;

use crate::audit;
use crate::db::{begin_write, now_text, DbError, Pool};

const COLUMNS: &str = "id, year, starts_on, ends_on, state, changed_by, changed_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<PeriodView, sqlx::Error> {
    let state: String = row.try_get("state")?;
    Ok(PeriodView {
        id: row.try_get("id")?,
        year: row.try_get("year")?,
        starts_on: row.try_get("starts_on")?,
        ends_on: row.try_get("ends_on")?,
        state: if state == "open" { PeriodState::Open } else { PeriodState::Closed },
        changed_by: row.try_get("changed_by")?,
        changed_at: row.try_get("changed_at")?,
    })
}

/// Every period, newest first.
pub async fn list(pool: &Pool) -> Result<Vec<PeriodView>, DbError> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM reporting_periods ORDER BY starts_on DESC, id DESC")).fetch_all(pool).await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

pub async fn get<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(executor: E, id: PeriodId) -> Result<Option<PeriodView>, sqlx::Error> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM reporting_periods WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(executor)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Opens a period (creating it on first opening) or closes it.
pub async fn set_state(pool: &Pool, actor: &str, raw_period: &str, open: bool) -> Result<PeriodOutcome, DbError> {
    let period = match PeriodId::parse("period", raw_period) {
        Ok(p) => p,
        Err(e) => return Ok(PeriodOutcome::Invalid(vec![e])),
    };
    let state = if open { "open" } else { "closed" };
    let (starts_on, ends_on) = period.bounds();
    let mut tx = begin_write(pool).await?;
    let changed = sqlx::query("UPDATE reporting_periods SET state = $1, changed_by = $2, changed_at = $3 WHERE id = $4")
        .bind(state)
        .bind(actor)
        .bind(now_text())
        .bind(period.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if changed == 0 {
        if !open {
            tx.rollback().await?;
            return Ok(PeriodOutcome::Invalid(vec![FieldError::new("period", Problem::UnknownPeriod)]));
        }
        sqlx::query(&format!("INSERT INTO reporting_periods ({COLUMNS}, half) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
            .bind(period.to_string())
            .bind(period.year().get())
            .bind(starts_on)
            .bind(ends_on)
            .bind(state)
            .bind(actor)
            .bind(now_text())
            .bind(period.half().map(i64::from))
            .execute(&mut *tx)
            .await?;
    }
    let action = if open { "period.open" } else { "period.close" };
    audit::record(&mut tx, audit::Entry { actor, action, period_id: Some(&period.to_string()), municipality_code: None, detail: String::new() }).await?;
    let view = get(&mut *tx, period).await?.ok_or_else(|| DbError::Instance("period vanished inside its transaction".into()))?;
    tx.commit().await?;
    Ok(PeriodOutcome::Saved(view))
}
