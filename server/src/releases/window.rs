//! The periods a release covers: the first period, the last, and every period of the same
//! kind (years, or half-years) between them.

use kompotten_app::domain::{FieldError, Problem};
use sqlx::Row;

use super::request::WindowRequest;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// Period ids in order.
    pub periods: Vec<String>,
    /// The year of the last period.
    pub year: i64,
    /// The calendar years the periods lie in, in order: each one's budget pays for the release.
    pub years: Vec<i64>,
}

impl Window {
    /// How the window's totals are labelled: `first–last`, or the period itself.
    pub fn label(&self) -> String {
        match (self.periods.first(), self.periods.last()) {
            (Some(first), Some(last)) if first != last => format!("{first}–{last}"),
            (Some(first), _) => first.clone(),
            _ => String::new(),
        }
    }
}

struct Bound {
    starts_on: String,
    is_half: bool,
    year: i64,
}

async fn bound(conn: &mut sqlx::AnyConnection, field: &str, id: &str) -> Result<Result<Bound, FieldError>, sqlx::Error> {
    let row = sqlx::query("SELECT starts_on, half, year FROM reporting_periods WHERE id = $1").bind(id).fetch_optional(&mut *conn).await?;
    Ok(match row {
        None => Err(FieldError::new(field, Problem::UnknownPeriod)),
        Some(row) => Ok(Bound { starts_on: row.try_get("starts_on")?, is_half: row.try_get::<Option<i64>, _>("half")?.is_some(), year: row.try_get("year")? }),
    })
}

/// Resolves a window against the periods the coordinator has opened. Refuses an unknown
/// period (`period`, `last_period`), and a last period before the first or of another kind
/// (`last_period`): a window mixing years and half-years would count households twice.
pub async fn resolve(conn: &mut sqlx::AnyConnection, request: &WindowRequest) -> Result<Result<Window, FieldError>, sqlx::Error> {
    let first_id = request.first.to_string();
    let first = match bound(conn, "period", &first_id).await? {
        Ok(b) => b,
        Err(e) => return Ok(Err(e)),
    };
    let last = match &request.last {
        None => None,
        Some(last) => match bound(conn, "last_period", &last.to_string()).await? {
            Ok(b) => Some(b),
            Err(e) => return Ok(Err(e)),
        },
    };
    let (last_starts_on, year) = match &last {
        Some(l) if l.is_half != first.is_half || l.starts_on < first.starts_on => return Ok(Err(FieldError::new("last_period", Problem::InvalidWindow))),
        Some(l) => (l.starts_on.clone(), l.year),
        None => (first.starts_on.clone(), first.year),
    };
    let kind = if first.is_half { "half IS NOT NULL" } else { "half IS NULL" };
    let rows: Vec<(String, i64)> =
        sqlx::query_as(&format!("SELECT id, year FROM reporting_periods WHERE starts_on >= $1 AND starts_on <= $2 AND {kind} ORDER BY starts_on"))
            .bind(&first.starts_on)
            .bind(&last_starts_on)
            .fetch_all(&mut *conn)
            .await?;
    let mut years: Vec<i64> = rows.iter().map(|(_, y)| *y).collect();
    years.dedup();
    Ok(Ok(Window { periods: rows.into_iter().map(|(id, _)| id).collect(), year, years }))
}
