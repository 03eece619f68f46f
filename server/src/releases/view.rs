//! What readers see of stored releases: summaries, a release's published table with its
//! privacy loss, and the public dashboard. Reads only published cells and parameters.

use kompotten_app::i18n::{t, Lang};
use kompotten_app::model::*;
use kompotten_privacy::release::ReleaseParams;
use sqlx::Row;

use super::request::mechanism_code;
use super::store::{level_code, StoredTable};
use crate::chart::county_chart_json;
use crate::db::{DbError, Pool};

/// The nation's area code.
pub const NATION: &str = "SE";
/// The indicators of the headline table and chart.
const HEADLINE: [&str; 2] = ["households_moved_out", "households_received"];

fn periods_of(json: &str) -> Result<Vec<String>, DbError> {
    serde_json::from_str(json).map_err(|e| DbError::Instance(format!("stored periods_json is not a list of periods: {e}")))
}

pub fn table_of(json: &str) -> Result<StoredTable, DbError> {
    serde_json::from_str(json).map_err(|e| DbError::Instance(format!("stored table_json cannot be read: {e}")))
}

pub fn params_of(json: &str) -> Result<ReleaseParams, DbError> {
    serde_json::from_str(json).map_err(|e| DbError::Instance(format!("stored params_json cannot be read: {e}")))
}

fn summary_from_row(row: &sqlx::any::AnyRow) -> Result<ReleaseSummary, DbError> {
    Ok(ReleaseSummary {
        id: row.try_get("id")?,
        year: row.try_get("year")?,
        periods: periods_of(&row.try_get::<String, _>("periods_json")?)?,
        created_at: row.try_get("created_at")?,
        created_by: row.try_get("created_by")?,
        mechanism: row.try_get("mechanism")?,
        rho: row.try_get("rho")?,
        epsilon: row.try_get("epsilon")?,
        delta: row.try_get("delta")?,
        corrects: row.try_get("corrects")?,
    })
}

const SUMMARY_COLUMNS: &str = "id, year, periods_json, created_at, created_by, mechanism, rho, epsilon, delta, corrects";

/// The releases whose last period is in `year`, newest first.
pub async fn release_summaries(pool: &Pool, year: i64) -> Result<Vec<ReleaseSummary>, DbError> {
    let rows = sqlx::query(&format!("SELECT {SUMMARY_COLUMNS} FROM releases WHERE year = $1 ORDER BY created_at DESC, id DESC"))
        .bind(year)
        .fetch_all(pool)
        .await?;
    rows.iter().map(summary_from_row).collect()
}

pub fn privacy_loss(params: &ReleaseParams) -> PrivacyLoss {
    PrivacyLoss {
        mechanism: mechanism_code(params.mechanism.mechanism).to_owned(),
        rho: params.mechanism.rho,
        epsilon: params.mechanism.epsilon,
        delta: params.mechanism.delta,
        l1_sensitivity: params.sensitivity.l1,
        l2_sensitivity: params.sensitivity.l2,
        noise_scale: params.mechanism.scale,
        margins: params.intervals.kinds.iter().map(|k| LevelMargin { level: level_code(k.kind).to_owned(), margin: k.margin }).collect(),
    }
}

/// A stored release as the public sees it: every published cell with its 95% interval, the
/// headline table (households moved out and received per county, for the last released
/// period) and the privacy loss. Never the noisy measurements.
pub async fn published_release(pool: &Pool, id: &str, lang: Lang) -> Result<Option<PublishedRelease>, DbError> {
    let Some(row) = sqlx::query("SELECT id, year, periods_json, created_at, engine_version, params_json, table_json, corrects, correction_reason FROM releases WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let params = params_of(&row.try_get::<String, _>("params_json")?)?;
    let cells = table_of(&row.try_get::<String, _>("table_json")?)?.released_cells();
    let headline_period = cells.iter().map(|c| c.period.clone()).max_by(|a, b| a.cmp(b)).unwrap_or_default();
    let county_names: Vec<(String, String)> = sqlx::query_as("SELECT code, name FROM counties ORDER BY code").fetch_all(pool).await?;
    let value = |indicator: &str, area: &str| {
        cells
            .iter()
            .find(|c| c.indicator == indicator && c.area_code == area && c.period == headline_period)
            .map_or(ReleasedValue { value: 0, ci_low: 0, ci_high: 0 }, |c| ReleasedValue { value: c.value, ci_low: c.ci_low, ci_high: c.ci_high })
    };
    let area = |code: &str, name: String| ReleasedArea { area: Area { code: code.to_owned(), name }, households_moved_out: value(HEADLINE[0], code), households_received: value(HEADLINE[1], code) };
    let national = area(NATION, t(lang, "public.nation"));
    // Counties only where the county level was released.
    let counties: Vec<ReleasedArea> =
        county_names.into_iter().filter(|(code, _)| cells.iter().any(|c| c.area_code == *code)).map(|(code, name)| area(&code, name)).collect();
    let chart_json = county_chart_json(lang, &counties);
    Ok(Some(PublishedRelease {
        id: row.try_get("id")?,
        year: row.try_get("year")?,
        periods: periods_of(&row.try_get::<String, _>("periods_json")?)?,
        headline_period,
        created_at: row.try_get("created_at")?,
        engine_version: row.try_get("engine_version")?,
        corrects: row.try_get("corrects")?,
        correction_reason: row.try_get("correction_reason")?,
        privacy: privacy_loss(&params),
        national,
        counties,
        cells,
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
