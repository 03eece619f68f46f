//! The privacy budget of each calendar year and the debits against it.
//!
//! One budget per year, whatever the period shape: the unit of protection is one household in
//! one year, so a release of 2024H1, one of 2024H2 and one of 2024 all protect 2024's households
//! and all draw on 2024's budget, and together can never spend more than it.
//!
//! Amounts are whole nano-ρ (1e-9 ρ) so that the ledger's arithmetic is exact: a release is
//! charged its ρ rounded up, a budget is granted rounded down, and a debit is a conditional
//! UPDATE (`spent + cost <= total`) inside the transaction that stores the release, so that
//! what was spent can never exceed the budget however many releases run at once: on
//! PostgreSQL concurrent debits queue on the year's row lock and each re-checks the condition
//! against the committed row; on SQLite the write transaction (BEGIN IMMEDIATE) serialises
//! them. The table's CHECK (spent ≤ total) is a second line of defence.

use kompotten_app::domain::{FieldError, PeriodId, Problem, Rho};
use kompotten_app::model::{BudgetInput, BudgetOutcome, BudgetView, YearLoss};
use kompotten_privacy::mechanism::gaussian_epsilon;
use kompotten_privacy::DEFAULT_DELTA;

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

fn binds_years<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    years: &[i64],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for year in years {
        query = query.bind(*year);
    }
    query
}

fn sorted(years: &[i64]) -> Vec<i64> {
    let mut years = years.to_vec();
    years.sort_unstable();
    years.dedup();
    years
}

/// Gives every year of `years` a budget row (the default grant) if it has none yet.
pub async fn ensure_budgets(conn: &mut sqlx::AnyConnection, years: &[i64], default_rho: f64) -> Result<(), sqlx::Error> {
    let years = sorted(years);
    if years.is_empty() {
        return Ok(());
    }
    let sql =
        format!("INSERT INTO year_budgets (year, total_nano_rho, spent_nano_rho) VALUES {} ON CONFLICT (year) DO NOTHING", values_placeholders(years.len(), 3));
    let mut query = sqlx::query(&sql);
    for year in years {
        query = query.bind(year).bind(grant_nano_rho(default_rho)).bind(0i64);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// Debits `nano_rho` from each year in three statements at most, whatever the window's length.
/// Returns the first year that cannot pay and what it has left; the caller then rolls the
/// transaction back, undoing the debits of the others.
///
/// On PostgreSQL the rows are first locked in year order (`ORDER BY … FOR UPDATE` locks rows as
/// the sort returns them), so that concurrent windows lock in one order and cannot deadlock; the
/// one UPDATE then waits for nobody. SQLite's write transaction (BEGIN IMMEDIATE) already
/// serialises writers.
pub async fn debit(conn: &mut sqlx::AnyConnection, years: &[i64], nano_rho: i64) -> Result<Option<(i64, i64)>, sqlx::Error> {
    let years = sorted(years);
    if years.is_empty() {
        return Ok(None);
    }
    if conn.backend_name() == "PostgreSQL" {
        let sql = format!("SELECT year FROM year_budgets WHERE year IN ({}) ORDER BY year FOR UPDATE", in_list(1, years.len()));
        binds_years(sqlx::query(&sql), &years).execute(&mut *conn).await?;
    }
    let sql = format!(
        "UPDATE year_budgets SET spent_nano_rho = spent_nano_rho + $1
         WHERE year IN ({}) AND spent_nano_rho + $1 <= total_nano_rho RETURNING year",
        in_list(2, years.len())
    );
    let mut update = sqlx::query_scalar::<_, i64>(&sql).bind(nano_rho);
    for year in &years {
        update = update.bind(*year);
    }
    let debited = update.fetch_all(&mut *conn).await?;
    let Some(refused) = years.into_iter().find(|y| !debited.contains(y)) else {
        return Ok(None);
    };
    // Not debited, so its row is as it was.
    let remaining: i64 =
        sqlx::query_scalar("SELECT total_nano_rho - spent_nano_rho FROM year_budgets WHERE year = $1").bind(refused).fetch_one(&mut *conn).await?;
    Ok(Some((refused, remaining)))
}

/// A year's budget in the ledger's exact units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BudgetRow {
    pub year: i64,
    pub total_nano_rho: i64,
    pub spent_nano_rho: i64,
}

impl BudgetRow {
    pub fn remaining_nano_rho(&self) -> i64 {
        self.total_nano_rho - self.spent_nano_rho
    }

    pub fn view(&self) -> BudgetView {
        BudgetView {
            year: self.year,
            total_rho: nano_to_rho(self.total_nano_rho),
            spent_rho: nano_to_rho(self.spent_nano_rho),
            remaining_rho: nano_to_rho(self.remaining_nano_rho()),
        }
    }
}

/// The budgets of `years`, in their order (a year without a row has the default grant,
/// nothing spent).
pub async fn budget_rows(conn: &mut sqlx::AnyConnection, years: &[i64], default_rho: f64) -> Result<Vec<BudgetRow>, sqlx::Error> {
    if years.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT year, total_nano_rho, spent_nano_rho FROM year_budgets WHERE year IN ({})", in_list(1, years.len()));
    let mut query = sqlx::query_as::<_, (i64, i64, i64)>(&sql);
    for year in years {
        query = query.bind(*year);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    Ok(years
        .iter()
        .map(|&year| {
            let (total, spent) = rows.iter().find(|r| r.0 == year).map_or((grant_nano_rho(default_rho), 0), |r| (r.1, r.2));
            BudgetRow { year, total_nano_rho: total, spent_nano_rho: spent }
        })
        .collect())
}

pub async fn budget_views(conn: &mut sqlx::AnyConnection, years: &[i64], default_rho: f64) -> Result<Vec<BudgetView>, sqlx::Error> {
    Ok(budget_rows(conn, years, default_rho).await?.iter().map(BudgetRow::view).collect())
}

/// The year's budget, as a one-row list (what the coordinator's overview shows).
pub async fn budgets_of_year(pool: &Pool, year: i64, default_rho: f64) -> Result<Vec<BudgetView>, DbError> {
    let mut conn = pool.acquire().await?;
    Ok(budget_views(&mut conn, &[year], default_rho).await?)
}

/// Every year's privacy loss so far among `years`: its spending, as ρ and as ε at the default δ
/// (OpenDP's conversion of the total: zCDP composes by adding ρ), and how many releases debited
/// it. Read from the ledger's rows.
pub async fn year_losses(conn: &mut sqlx::AnyConnection, years: &[i64], default_rho: f64) -> Result<Vec<YearLoss>, DbError> {
    let years = sorted(years);
    if years.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT year, CAST(COUNT(*) AS BIGINT) FROM year_ledger WHERE year IN ({}) GROUP BY year", in_list(1, years.len()));
    let mut query = sqlx::query_as::<_, (i64, i64)>(&sql);
    for year in &years {
        query = query.bind(*year);
    }
    let counts = query.fetch_all(&mut *conn).await?;
    budget_rows(conn, &years, default_rho)
        .await?
        .into_iter()
        .map(|row| {
            let rho = nano_to_rho(row.spent_nano_rho);
            let epsilon =
                if rho > 0.0 { gaussian_epsilon(rho, DEFAULT_DELTA).map_err(|e| DbError::Instance(format!("ε of year {}: {e}", row.year)))? } else { 0.0 };
            let releases = counts.iter().find(|c| c.0 == row.year).map_or(0, |c| c.1);
            Ok(YearLoss { year: row.year, rho, epsilon, delta: DEFAULT_DELTA, releases, budget: nano_to_rho(row.total_nano_rho) })
        })
        .collect()
}

/// Parses the year a budget is set for: a year; a half-year is refused with the reason (it
/// draws on its year's budget).
fn budget_year(raw: &str) -> Result<i64, FieldError> {
    let period = PeriodId::parse("year", raw)?;
    if period.half().is_some() {
        return Err(FieldError::new("year", Problem::BudgetPerYear));
    }
    Ok(period.year().get())
}

/// Sets a year's budget; refused for a year without periods and below what it has already
/// spent.
pub async fn set_budget(pool: &Pool, actor: &str, input: &BudgetInput, default_rho: f64) -> Result<BudgetOutcome, DbError> {
    let year = budget_year(&input.year);
    let total = Rho::parse("total_rho", &input.total_rho);
    let (year, total) = match (year, total) {
        (Ok(y), Ok(t)) => (y, t),
        (y, t) => return Ok(BudgetOutcome::Invalid([y.err(), t.err()].into_iter().flatten().collect())),
    };
    let mut tx = begin_write(pool).await?;
    let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reporting_periods WHERE year = $1").bind(year).fetch_one(&mut *tx).await?;
    if known == 0 {
        tx.rollback().await?;
        return Ok(BudgetOutcome::Invalid(vec![FieldError::new("year", Problem::UnknownPeriod)]));
    }
    let updated = sqlx::query(
        "INSERT INTO year_budgets (year, total_nano_rho, spent_nano_rho) VALUES ($1, $2, 0)
         ON CONFLICT (year) DO UPDATE SET total_nano_rho = excluded.total_nano_rho
         WHERE year_budgets.spent_nano_rho <= excluded.total_nano_rho",
    )
    .bind(year)
    .bind(grant_nano_rho(total.get()))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        let spent: i64 = sqlx::query_scalar("SELECT spent_nano_rho FROM year_budgets WHERE year = $1").bind(year).fetch_one(&mut *tx).await?;
        tx.rollback().await?;
        return Ok(BudgetOutcome::Invalid(vec![FieldError::new("total_rho", Problem::BelowSpent { spent_rho: nano_to_rho(spent) })]));
    }
    let detail = format!("total ρ = {} for {year}", total.get());
    audit::record(&mut tx, audit::Entry { actor, action: "budget.set", period_id: None, municipality_code: None, detail }).await?;
    let view = budget_views(&mut tx, &[year], default_rho).await?.remove(0);
    tx.commit().await?;
    Ok(BudgetOutcome::Saved(view))
}

/// The budget of one year (for the API's GET); `None` for a year without periods.
pub async fn budget_view(pool: &Pool, raw_year: &str, default_rho: f64) -> Result<Result<Option<BudgetView>, FieldError>, DbError> {
    let year = match budget_year(raw_year) {
        Ok(y) => y,
        Err(e) => return Ok(Err(e)),
    };
    let mut conn = pool.acquire().await?;
    let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reporting_periods WHERE year = $1").bind(year).fetch_one(&mut *conn).await?;
    if known == 0 {
        return Ok(Ok(None));
    }
    Ok(Ok(budget_views(&mut conn, &[year], default_rho).await?.pop()))
}
