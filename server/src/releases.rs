//! Releases: totals per county and for the nation, measured through the privacy engine, stored
//! with their parameters, and paid for from the year's privacy budget in the same transaction.

use kompotten_app::domain::{FieldError, Indicator, Problem, ReportingYear, Rho};
use kompotten_app::i18n::Lang;
use kompotten_app::model::*;
use sqlx::Row;

use std::collections::HashMap;

use crate::audit;
use crate::chart::county_chart_json;
use crate::submissions;
use crate::db::{now_text, DbError, Pool};
use crate::privacy::discrete_gaussian::{make_discrete_gaussian_release, PrivacyError};
use crate::privacy::postprocess::publish;
use crate::privacy::sensitivity::{l2_sensitivity, GeographyLevel};
use crate::privacy::{DEFAULT_DELTA, ENGINE_VERSION};

/// The nation's area code in `release_values`.
pub const NATION: &str = "SE";
const NANO_PER_RHO: f64 = 1e9;
pub const MECHANISM: &str = "discrete_gaussian_zcdp";

/// A release is charged its ρ rounded up to whole nano-ρ, so integer ledger arithmetic can
/// never under-charge.
pub fn charge_nano_rho(rho: f64) -> i64 {
    (rho * NANO_PER_RHO).ceil() as i64
}

/// A budget is granted rounded down, for the same reason.
pub fn grant_nano_rho(rho: f64) -> i64 {
    (rho * NANO_PER_RHO).floor() as i64
}

fn nano_to_rho(nano: i64) -> f64 {
    nano as f64 / NANO_PER_RHO
}

#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Privacy(#[from] PrivacyError),
}

impl From<sqlx::Error> for ReleaseError {
    fn from(e: sqlx::Error) -> Self {
        ReleaseError::Db(DbError::Sqlx(e))
    }
}

async fn ensure_budget<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(executor: E, year: i64, default_rho: f64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO privacy_budgets (year, total_nano_rho, spent_nano_rho) VALUES ($1, $2, 0) ON CONFLICT (year) DO NOTHING")
        .bind(year)
        .bind(grant_nano_rho(default_rho))
        .execute(executor)
        .await?;
    Ok(())
}

pub async fn budget_view(pool: &Pool, year: i64, default_rho: f64) -> Result<BudgetView, DbError> {
    let row = sqlx::query("SELECT total_nano_rho, spent_nano_rho FROM privacy_budgets WHERE year = $1")
        .bind(year)
        .fetch_optional(pool)
        .await?;
    let (total, spent): (i64, i64) = match row {
        Some(row) => (row.try_get("total_nano_rho")?, row.try_get("spent_nano_rho")?),
        None => (grant_nano_rho(default_rho), 0),
    };
    Ok(BudgetView { year, total_rho: nano_to_rho(total), spent_rho: nano_to_rho(spent), remaining_rho: nano_to_rho(total - spent) })
}

/// Sets a year's budget; refused below what the year has already spent.
pub async fn set_budget(pool: &Pool, input: &BudgetInput, default_rho: f64) -> Result<BudgetOutcome, DbError> {
    let year = ReportingYear::parse("year", &input.year);
    let total = Rho::parse("total_rho", &input.total_rho);
    let (year, total) = match (year, total) {
        (Ok(y), Ok(t)) => (y, t),
        (y, t) => return Ok(BudgetOutcome::Invalid([y.err(), t.err()].into_iter().flatten().collect())),
    };
    let mut tx = pool.begin().await?;
    let updated = sqlx::query(
        "INSERT INTO privacy_budgets (year, total_nano_rho, spent_nano_rho) VALUES ($1, $2, 0)
         ON CONFLICT (year) DO UPDATE SET total_nano_rho = excluded.total_nano_rho
         WHERE privacy_budgets.spent_nano_rho <= excluded.total_nano_rho",
    )
    .bind(year.get())
    .bind(grant_nano_rho(total.get()))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        tx.rollback().await?;
        let view = budget_view(pool, year.get(), default_rho).await?;
        return Ok(BudgetOutcome::Invalid(vec![FieldError::new("total_rho", Problem::BelowSpent { spent_rho: view.spent_rho })]));
    }
    tx.commit().await?;
    Ok(BudgetOutcome::Saved(budget_view(pool, year.get(), default_rho).await?))
}

/// Exact totals per county (all 21, in code order, zero where nobody reported) for each
/// indicator, from each municipality's counting (latest submitted) version of the year's
/// period. Only the privacy engine reads these; the read is written to the audit log.
async fn exact_county_totals(conn: &mut sqlx::AnyConnection, year: i64, actor: &str) -> Result<(Vec<String>, Vec<[i64; 2]>), DbError> {
    let counties: Vec<String> = sqlx::query_scalar("SELECT code FROM counties ORDER BY code").fetch_all(&mut *conn).await?;
    let county_of: HashMap<String, usize> = sqlx::query("SELECT code, county_code FROM municipalities")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            let county: String = r.try_get("county_code")?;
            Ok((r.try_get("code")?, counties.iter().position(|c| *c == county).unwrap_or(0)))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    let counting = submissions::counting_values(conn, &year.to_string()).await?;
    let mut totals = vec![[0i64; 2]; counties.len()];
    for (municipality, values) in &counting {
        let Some(&i) = county_of.get(municipality) else { continue };
        for (slot, indicator) in Indicator::ALL.iter().enumerate() {
            totals[i][slot] += values.get(indicator.code()).copied().flatten().unwrap_or(0);
        }
    }
    let detail = format!("{} municipalities' submitted counts summed per county for a release", counting.len());
    audit::record(conn, audit::Entry { actor, action: "release.read_counts", period_id: Some(&year.to_string()), municipality_code: None, detail }).await?;
    Ok((counties, totals))
}

/// Creates a release for a year at privacy loss ρ. In one transaction: debit the year's budget
/// (refused if it would overspend), read the exact totals, measure them once through OpenDP,
/// and store the noisy measurements, the published values, the parameters and the ledger
/// entry. The debit is the transaction's first write, a conditional UPDATE: concurrent
/// releases queue on the budget row (PostgreSQL) or the write lock (SQLite), and each sees
/// what the others spent.
pub async fn create_release(pool: &Pool, username: &str, input: &ReleaseInput, default_rho: f64) -> Result<ReleaseOutcome, ReleaseError> {
    let year = ReportingYear::parse("year", &input.year);
    let rho = Rho::parse("rho", &input.rho);
    let (year, rho) = match (year, rho) {
        (Ok(y), Ok(r)) => (y, r),
        (y, r) => return Ok(ReleaseOutcome::Invalid([y.err(), r.err()].into_iter().flatten().collect())),
    };
    let levels = [GeographyLevel::County, GeographyLevel::Nation];
    let sensitivity = l2_sensitivity(&Indicator::ALL, &levels);
    let mechanism = make_discrete_gaussian_release(sensitivity, rho, DEFAULT_DELTA)?;
    let cost = charge_nano_rho(rho.get());

    let mut tx = pool.begin().await?;
    ensure_budget(&mut *tx, year.get(), default_rho).await?;
    let debited = sqlx::query(
        "UPDATE privacy_budgets SET spent_nano_rho = spent_nano_rho + $1
         WHERE year = $2 AND spent_nano_rho + $1 <= total_nano_rho",
    )
    .bind(cost)
    .bind(year.get())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if debited == 0 {
        let remaining: i64 = sqlx::query_scalar("SELECT total_nano_rho - spent_nano_rho FROM privacy_budgets WHERE year = $1")
            .bind(year.get())
            .fetch_one(&mut *tx)
            .await?;
        tx.rollback().await?;
        return Ok(ReleaseOutcome::Invalid(vec![FieldError::new("rho", Problem::ExceedsBudget { remaining_rho: nano_to_rho(remaining) })]));
    }

    let (counties, totals) = exact_county_totals(&mut tx, year.get(), username).await?;
    // [moved out: counties.., nation, received: counties.., nation]
    let mut exact = Vec::with_capacity(2 * (counties.len() + 1));
    for indicator in 0..2 {
        exact.extend(totals.iter().map(|t| t[indicator]));
        exact.push(totals.iter().map(|t| t[indicator]).sum());
    }
    let noisy = mechanism.invoke(&exact)?;
    drop(exact);

    let id = uuid::Uuid::new_v4().to_string();
    let created_at = now_text();
    sqlx::query(
        "INSERT INTO releases (id, year, mechanism, rho, l2_sensitivity, noise_scale, delta, epsilon, ci_half_width, engine_version, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&id)
    .bind(year.get())
    .bind(MECHANISM)
    .bind(mechanism.rho)
    .bind(mechanism.sensitivity)
    .bind(mechanism.scale)
    .bind(mechanism.delta)
    .bind(mechanism.epsilon)
    .bind(mechanism.ci_half_width)
    .bind(ENGINE_VERSION)
    .bind(username)
    .bind(&created_at)
    .execute(&mut *tx)
    .await?;

    let areas: Vec<&str> = counties.iter().map(String::as_str).chain([NATION]).collect();
    let mut insert = String::from("INSERT INTO release_values (release_id, indicator, area_code, noisy_value, published_value, ci_low, ci_high) VALUES ");
    let mut cells = Vec::with_capacity(noisy.len());
    for (i, indicator) in Indicator::ALL.iter().enumerate() {
        for (j, area) in areas.iter().enumerate() {
            cells.push((indicator.code(), *area, publish(noisy[i * areas.len() + j], mechanism.ci_half_width)));
        }
    }
    for k in 0..cells.len() {
        let b = k * 7;
        insert.push_str(&format!("{}(${}, ${}, ${}, ${}, ${}, ${}, ${})", if k == 0 { "" } else { ", " }, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7));
    }
    let mut query = sqlx::query(&insert);
    for (indicator, area, cell) in &cells {
        query = query.bind(&id).bind(*indicator).bind(*area).bind(cell.noisy).bind(cell.value).bind(cell.ci_low).bind(cell.ci_high);
    }
    query.execute(&mut *tx).await?;

    sqlx::query("INSERT INTO privacy_ledger (id, year, release_id, nano_rho, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(year.get())
        .bind(&id)
        .bind(cost)
        .bind(&created_at)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;

    Ok(ReleaseOutcome::Created(ReleaseSummary {
        id,
        year: year.get(),
        created_at,
        created_by: username.to_owned(),
        rho: mechanism.rho,
        epsilon: mechanism.epsilon,
        delta: mechanism.delta,
        ci_half_width: mechanism.ci_half_width,
    }))
}

fn summary_from_row(row: &sqlx::any::AnyRow) -> Result<ReleaseSummary, sqlx::Error> {
    Ok(ReleaseSummary {
        id: row.try_get("id")?,
        year: row.try_get("year")?,
        created_at: row.try_get("created_at")?,
        created_by: row.try_get("created_by")?,
        rho: row.try_get("rho")?,
        epsilon: row.try_get("epsilon")?,
        delta: row.try_get("delta")?,
        ci_half_width: row.try_get("ci_half_width")?,
    })
}

const SUMMARY_COLUMNS: &str = "id, year, created_at, created_by, rho, epsilon, delta, ci_half_width";

pub async fn release_summaries(pool: &Pool, year: i64) -> Result<Vec<ReleaseSummary>, DbError> {
    let rows = sqlx::query(&format!("SELECT {SUMMARY_COLUMNS} FROM releases WHERE year = $1 ORDER BY created_at DESC, id DESC"))
        .bind(year)
        .fetch_all(pool)
        .await?;
    Ok(rows.iter().map(summary_from_row).collect::<Result<_, _>>()?)
}

/// A stored release as the public sees it: published values and intervals, never the
/// stored noisy measurements' exact inputs (which are not stored at all).
pub async fn published_release(pool: &Pool, id: &str, lang: Lang) -> Result<Option<PublishedRelease>, DbError> {
    let Some(row) = sqlx::query(
        "SELECT id, year, created_at, engine_version, mechanism, rho, epsilon, delta, l2_sensitivity, noise_scale, ci_half_width
         FROM releases WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let values = sqlx::query(
        "SELECT v.indicator, v.area_code, COALESCE(c.name, '') AS area_name, v.published_value, v.ci_low, v.ci_high
         FROM release_values v LEFT JOIN counties c ON c.code = v.area_code
         WHERE v.release_id = $1 ORDER BY v.area_code",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;

    let empty = ReleasedValue { value: 0, ci_low: 0, ci_high: 0 };
    let mut national = ReleasedArea { area: Area { code: NATION.into(), name: kompotten_app::i18n::t(lang, "public.nation") }, households_moved_out: empty, households_received: empty };
    let mut counties: Vec<ReleasedArea> = Vec::new();
    for v in values {
        let code: String = v.try_get("area_code")?;
        let indicator: String = v.try_get("indicator")?;
        let value = ReleasedValue { value: v.try_get("published_value")?, ci_low: v.try_get("ci_low")?, ci_high: v.try_get("ci_high")? };
        let area = if code == NATION {
            &mut national
        } else {
            if counties.last().is_none_or(|c| c.area.code != code) {
                counties.push(ReleasedArea { area: Area { code: code.clone(), name: v.try_get("area_name")? }, households_moved_out: empty, households_received: empty });
            }
            counties.last_mut().expect("pushed above")
        };
        match Indicator::from_code(&indicator) {
            Some(Indicator::HouseholdsMovedOut) => area.households_moved_out = value,
            Some(Indicator::HouseholdsReceived) => area.households_received = value,
            None => return Err(DbError::Instance(format!("unknown indicator {indicator:?} in release {id}"))),
        }
    }
    let privacy = PrivacyLoss {
        mechanism: row.try_get("mechanism")?,
        rho: row.try_get("rho")?,
        epsilon: row.try_get("epsilon")?,
        delta: row.try_get("delta")?,
        l2_sensitivity: row.try_get("l2_sensitivity")?,
        noise_scale: row.try_get("noise_scale")?,
        ci_half_width: row.try_get("ci_half_width")?,
    };
    let chart_json = county_chart_json(lang, &counties);
    Ok(Some(PublishedRelease {
        id: row.try_get("id")?,
        year: row.try_get("year")?,
        created_at: row.try_get("created_at")?,
        engine_version: row.try_get("engine_version")?,
        privacy,
        national,
        counties,
        chart_json,
    }))
}

/// The public dashboard: the latest release of `year`, or of the newest year with a release.
pub async fn public_dashboard(pool: &Pool, year: Option<i64>, is_demo: bool, lang: Lang) -> Result<PublicDashboard, DbError> {
    let years: Vec<i64> =
        sqlx::query_scalar("SELECT year FROM releases UNION SELECT year FROM grant_imports ORDER BY year DESC").fetch_all(pool).await?;
    let Some(year) = year.or(years.first().copied()) else {
        return Ok(PublicDashboard { is_demo, years, release: None, grants: None });
    };
    let latest: Option<String> = sqlx::query_scalar("SELECT id FROM releases WHERE year = $1 ORDER BY created_at DESC, id DESC LIMIT 1")
        .bind(year)
        .fetch_optional(pool)
        .await?;
    let release = match latest {
        Some(id) => published_release(pool, &id, lang).await?,
        None => None,
    };
    let grants = crate::grants::table(pool, year, lang).await?;
    Ok(PublicDashboard { is_demo, years, release, grants })
}
