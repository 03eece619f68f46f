//! The privacy budget of each reporting period and the debits against it.
//!
//! Amounts are whole nano-ρ (1e-9 ρ) so that the ledger's arithmetic is exact: a release is
//! charged its ρ rounded up, a budget is granted rounded down, and a debit is a conditional
//! UPDATE (`spent + cost <= total`) inside the transaction that stores the release, so that
//! what was spent can never exceed the budget however many releases run at once: on
//! PostgreSQL concurrent debits queue on the period's row lock and each re-checks the
//! condition against the committed row; on SQLite the write transaction (BEGIN IMMEDIATE)
//! serialises them. The table's CHECK (spent ≤ total) is a second line of defence.

use kompotten_app::domain::{FieldError, PeriodId, Problem, Rho};
use kompotten_app::model::{BudgetInput, BudgetOutcome, BudgetView};

use crate::audit;
use crate::db::{begin_write, in_list, values_placeholders, DbError, Pool};

const NANO_PER_RHO: f64 = 1e9;

/// A release is charged its ρ rounded up to whole nano-ρ, so integer arithmetic never
/// under-charges.
pub fn charge_nano_rho(rho: f64) -> i64 {
    (rho * NANO_PER_RHO).ceil() as i64
}

/// A budget is granted rounded down, for the same reason.
pub fn grant_nano_rho(rho: f64) -> i64 {
    (rho * NANO_PER_RHO).floor() as i64
}

pub fn nano_to_rho(nano: i64) -> f64 {
    nano as f64 / NANO_PER_RHO
}

/// Gives every period of `periods` a budget row (the default grant) if it has none yet: one
/// statement, rows in id order like [`debit`].
pub async fn ensure_budgets(conn: &mut sqlx::AnyConnection, periods: &[String], default_rho: f64) -> Result<(), sqlx::Error> {
    if periods.is_empty() {
        return Ok(());
    }
    let mut sorted: Vec<&String> = periods.iter().collect();
    sorted.sort();
    let sql = format!(
        "INSERT INTO period_budgets (period_id, total_nano_rho, spent_nano_rho) VALUES {} ON CONFLICT (period_id) DO NOTHING",
        values_placeholders(sorted.len(), 3)
    );
    let mut query = sqlx::query(&sql);
    for period in sorted {
        query = query.bind(period).bind(grant_nano_rho(default_rho)).bind(0i64);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// Debits `nano_rho` from each period in three statements at most, whatever the window's length.
/// Returns the first period (in id order) that cannot pay and what it has left; the caller then
/// rolls the transaction back, undoing the debits of the others.
///
/// On PostgreSQL the rows are first locked in id order (`ORDER BY … FOR UPDATE` locks rows as
/// the sort returns them), so that concurrent windows lock in one order and cannot deadlock; the
/// one UPDATE then waits for nobody. SQLite's write transaction (BEGIN IMMEDIATE) already
/// serialises writers.
pub async fn debit(conn: &mut sqlx::AnyConnection, periods: &[String], nano_rho: i64) -> Result<Option<(String, i64)>, sqlx::Error> {
    let mut sorted: Vec<&String> = periods.iter().collect();
    sorted.sort();
    sorted.dedup();
    if sorted.is_empty() {
        return Ok(None);
    }
    let ids = in_list(2, sorted.len());
    if conn.backend_name() == "PostgreSQL" {
        let sql = format!("SELECT period_id FROM period_budgets WHERE period_id IN ({}) ORDER BY period_id FOR UPDATE", in_list(1, sorted.len()));
        let mut lock = sqlx::query(&sql);
        for period in &sorted {
            lock = lock.bind(*period);
        }
        lock.execute(&mut *conn).await?;
    }
    let sql = format!(
        "UPDATE period_budgets SET spent_nano_rho = spent_nano_rho + $1
         WHERE period_id IN ({ids}) AND spent_nano_rho + $1 <= total_nano_rho RETURNING period_id"
    );
    let mut update = sqlx::query_scalar::<_, String>(&sql).bind(nano_rho);
    for period in &sorted {
        update = update.bind(*period);
    }
    let debited = update.fetch_all(&mut *conn).await?;
    let Some(refused) = sorted.into_iter().find(|p| !debited.contains(p)) else {
        return Ok(None);
    };
    // Not debited, so its row is as it was.
    let remaining: i64 = sqlx::query_scalar("SELECT total_nano_rho - spent_nano_rho FROM period_budgets WHERE period_id = $1")
        .bind(refused)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Some((refused.clone(), remaining)))
}

/// A period's budget in the ledger's exact units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BudgetRow {
    pub period: String,
    pub total_nano_rho: i64,
    pub spent_nano_rho: i64,
}

impl BudgetRow {
    pub fn remaining_nano_rho(&self) -> i64 {
        self.total_nano_rho - self.spent_nano_rho
    }

    pub fn view(&self) -> BudgetView {
        BudgetView {
            period: self.period.clone(),
            total_rho: nano_to_rho(self.total_nano_rho),
            spent_rho: nano_to_rho(self.spent_nano_rho),
            remaining_rho: nano_to_rho(self.remaining_nano_rho()),
        }
    }
}

/// The budgets of `periods`, in their order (a period without a row has the default grant,
/// nothing spent).
pub async fn budget_rows(conn: &mut sqlx::AnyConnection, periods: &[String], default_rho: f64) -> Result<Vec<BudgetRow>, sqlx::Error> {
    if periods.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT period_id, total_nano_rho, spent_nano_rho FROM period_budgets WHERE period_id IN ({})", in_list(1, periods.len()));
    let mut query = sqlx::query_as::<_, (String, i64, i64)>(&sql);
    for period in periods {
        query = query.bind(period);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    Ok(periods
        .iter()
        .map(|period| {
            let (total, spent) = rows.iter().find(|r| &r.0 == period).map_or((grant_nano_rho(default_rho), 0), |r| (r.1, r.2));
            BudgetRow { period: period.clone(), total_nano_rho: total, spent_nano_rho: spent }
        })
        .collect())
}

pub async fn budget_views(conn: &mut sqlx::AnyConnection, periods: &[String], default_rho: f64) -> Result<Vec<BudgetView>, sqlx::Error> {
    Ok(budget_rows(conn, periods, default_rho).await?.iter().map(BudgetRow::view).collect())
}

/// The budgets of every period of `year`, in period order.
pub async fn budgets_of_year(pool: &Pool, year: i64, default_rho: f64) -> Result<Vec<BudgetView>, DbError> {
    let mut conn = pool.acquire().await?;
    let periods: Vec<String> = sqlx::query_scalar("SELECT id FROM reporting_periods WHERE year = $1 ORDER BY starts_on, id").bind(year).fetch_all(&mut *conn).await?;
    Ok(budget_views(&mut conn, &periods, default_rho).await?)
}

/// Sets a period's budget; refused for an unknown period and below what the period has
/// already spent.
pub async fn set_budget(pool: &Pool, actor: &str, input: &BudgetInput, default_rho: f64) -> Result<BudgetOutcome, DbError> {
    let period = PeriodId::parse("period", &input.period);
    let total = Rho::parse("total_rho", &input.total_rho);
    let (period, total) = match (period, total) {
        (Ok(p), Ok(t)) => (p.to_string(), t),
        (p, t) => return Ok(BudgetOutcome::Invalid([p.err(), t.err()].into_iter().flatten().collect())),
    };
    let mut tx = begin_write(pool).await?;
    let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reporting_periods WHERE id = $1").bind(&period).fetch_one(&mut *tx).await?;
    if known == 0 {
        tx.rollback().await?;
        return Ok(BudgetOutcome::Invalid(vec![FieldError::new("period", Problem::UnknownPeriod)]));
    }
    let updated = sqlx::query(
        "INSERT INTO period_budgets (period_id, total_nano_rho, spent_nano_rho) VALUES ($1, $2, 0)
         ON CONFLICT (period_id) DO UPDATE SET total_nano_rho = excluded.total_nano_rho
         WHERE period_budgets.spent_nano_rho <= excluded.total_nano_rho",
    )
    .bind(&period)
    .bind(grant_nano_rho(total.get()))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        let spent: i64 = sqlx::query_scalar("SELECT spent_nano_rho FROM period_budgets WHERE period_id = $1").bind(&period).fetch_one(&mut *tx).await?;
        tx.rollback().await?;
        return Ok(BudgetOutcome::Invalid(vec![FieldError::new("total_rho", Problem::BelowSpent { spent_rho: nano_to_rho(spent) })]));
    }
    let detail = format!("total ρ = {}", total.get());
    audit::record(&mut tx, audit::Entry { actor, action: "budget.set", period_id: Some(&period), municipality_code: None, detail }).await?;
    let view = budget_views(&mut tx, std::slice::from_ref(&period), default_rho).await?.remove(0);
    tx.commit().await?;
    Ok(BudgetOutcome::Saved(view))
}

/// The budget row of one period, read from the row (for the API's GET).
pub async fn budget_view(pool: &Pool, period: &str, default_rho: f64) -> Result<Option<BudgetView>, DbError> {
    let mut conn = pool.acquire().await?;
    let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reporting_periods WHERE id = $1").bind(period).fetch_one(&mut *conn).await?;
    if known == 0 {
        return Ok(None);
    }
    Ok(budget_views(&mut conn, &[period.to_owned()], default_rho).await?.pop())
}
