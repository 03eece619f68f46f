//! What readers see of stored releases: summaries, a release's published table with its
//! privacy loss and each charged year's loss so far, and the public dashboard. Reads only
//! published cells, parameters and the ledger.

use kompotten_app::i18n::{t, Lang};
use kompotten_app::model::*;
use kompotten_privacy::planner::{kind_margins, query_margins};
use kompotten_privacy::release::ReleaseParams;
use sqlx::Row;

use super::design::IntoModel;
use super::ledger::year_losses;
use super::store::{level_code, StoredTable};
use super::ReleaseSettings;
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
    StoredTable::from_json(json).map_err(|e| DbError::Instance(format!("stored table_json cannot be read: {e}")))
}

/// The parameters of a release made with designs; `None` for an older release (made by an
/// engine without them), whose parameters this engine no longer reads.
pub fn params_of(json: &str) -> Option<ReleaseParams> {
    serde_json::from_str(json).ok()
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
        design: row.try_get("design")?,
    })
}

const SUMMARY_COLUMNS: &str = "id, year, periods_json, created_at, created_by, mechanism, rho, epsilon, delta, corrects, design";

/// The releases whose last period is in `year`, newest first.
pub async fn release_summaries(pool: &Pool, year: i64) -> Result<Vec<ReleaseSummary>, DbError> {
    let rows =
        sqlx::query(&format!("SELECT {SUMMARY_COLUMNS} FROM releases WHERE year = $1 ORDER BY created_at DESC, id DESC")).bind(year).fetch_all(pool).await?;
    rows.iter().map(summary_from_row).collect()
}

/// The release's cost, each query's share and margin, and the margin per level.
pub fn privacy_loss(params: Option<&ReleaseParams>, row: &sqlx::any::AnyRow) -> Result<PrivacyLoss, DbError> {
    let (queries, margins) = match params {
        Some(p) => {
            let engine = |e: kompotten_privacy::PrivacyError| DbError::Instance(format!("stored release parameters: {e}"));
            let per_query = query_margins(&p.geography, &p.spec, p, &[]).map_err(engine)?;
            let queries = per_query
                .iter()
                .map(|q| {
                    let query = &p.spec.design.queries[q.query];
                    QueryLoss {
                        key: query.key(),
                        indicators: query.indicators.iter().map(|i| i.code.clone()).collect(),
                        level: q.level.into_model(),
                        time: q.time.into_model(),
                        rho: q.rho,
                        margin: q.margin,
                    }
                })
                .collect();
            let margins = kind_margins(&p.geography, &p.spec, p)
                .map_err(engine)?
                .iter()
                .map(|l| LevelMargin { level: level_code(l.kind).to_owned(), margin: l.margin })
                .collect();
            (queries, margins)
        }
        None => (Vec::new(), Vec::new()),
    };
    Ok(PrivacyLoss {
        mechanism: row.try_get("mechanism")?,
        rho: row.try_get("rho")?,
        epsilon: row.try_get("epsilon")?,
        delta: row.try_get("delta")?,
        queries,
        margins,
    })
}

/// A stored release as the public sees it: every published cell with its 95% interval and its
/// unbiased estimate, the headline figures (households moved out and received nationally per
/// period, and per county as the release publishes them), the privacy loss and every charged
/// year's loss so far. Never the noisy measurements.
pub async fn published_release(pool: &Pool, id: &str, lang: Lang, settings: &ReleaseSettings) -> Result<Option<PublishedRelease>, DbError> {
    let Some(row) = sqlx::query(
        "SELECT id, year, periods_json, created_at, engine_version, params_json, table_json, corrects, correction_reason, mechanism, rho, epsilon, delta, design
         FROM releases WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let params = params_of(&row.try_get::<String, _>("params_json")?);
    let periods = periods_of(&row.try_get::<String, _>("periods_json")?)?;
    let cells = table_of(&row.try_get::<String, _>("table_json")?)?.released_cells();
    let headline_period = periods.last().cloned().unwrap_or_default();
    let value = |indicator: &str, area: &str, period: &str| {
        cells.iter().find(|c| c.indicator == indicator && c.area_code == area && c.period == period).map(|c| ReleasedValue {
            value: c.value,
            ci_low: c.ci_low,
            ci_high: c.ci_high,
        })
    };
    // Every period with a national figure, then the window's total where it has one.
    let mut labels: Vec<String> = periods.clone();
    if let Some(window) = cells.iter().map(|c| &c.period).find(|p| !periods.contains(p)) {
        labels.push(window.clone());
    }
    let headline_periods: Vec<PeriodHeadline> = labels
        .iter()
        .filter(|p| cells.iter().any(|c| c.area_code == NATION && &c.period == *p))
        .map(|p| PeriodHeadline { period: p.clone(), households_moved_out: value(HEADLINE[0], NATION, p), households_received: value(HEADLINE[1], NATION, p) })
        .collect();
    let zero = ReleasedValue { value: 0, ci_low: 0, ci_high: 0 };
    // The counties' figures are for whichever period label the release gives them.
    let county_period = cells.iter().find(|c| c.level == "county" && c.indicator == HEADLINE[0]).map_or(headline_period.clone(), |c| c.period.clone());
    let area = |code: &str, name: String, period: &str| ReleasedArea {
        area: Area { code: code.to_owned(), name },
        households_moved_out: value(HEADLINE[0], code, period).unwrap_or(zero),
        households_received: value(HEADLINE[1], code, period).unwrap_or(zero),
    };
    // The national headline: the window's last period with a figure of its own, else the total.
    let national_period =
        headline_periods.iter().rev().find(|h| periods.contains(&h.period)).or(headline_periods.last()).map_or(headline_period.clone(), |h| h.period.clone());
    let national = area(NATION, t(lang, "public.nation"), &national_period);
    let county_names: Vec<(String, String)> = sqlx::query_as("SELECT code, name FROM counties ORDER BY code").fetch_all(pool).await?;
    // Counties only where the county level was released.
    let counties: Vec<ReleasedArea> = county_names
        .into_iter()
        .filter(|(code, _)| cells.iter().any(|c| c.area_code == *code && c.period == county_period))
        .map(|(code, name)| area(&code, name, &county_period))
        .collect();
    let chart_json = county_chart_json(lang, &counties);
    let charged_years: Vec<i64> = sqlx::query_scalar("SELECT year FROM year_ledger WHERE release_id = $1 ORDER BY year").bind(id).fetch_all(pool).await?;
    let mut conn = pool.acquire().await?;
    let ledger = year_losses(&mut conn, &charged_years, settings.default_year_rho).await?;
    Ok(Some(PublishedRelease {
        id: row.try_get("id")?,
        year: row.try_get("year")?,
        periods,
        headline_period: national_period,
        county_period,
        headline_periods,
        charged_years,
        ledger,
        design: row.try_get("design")?,
        created_at: row.try_get("created_at")?,
        engine_version: row.try_get("engine_version")?,
        corrects: row.try_get("corrects")?,
        correction_reason: row.try_get("correction_reason")?,
        privacy: privacy_loss(params.as_ref(), &row)?,
        national,
        counties,
        cells,
        chart_json,
    }))
}

/// The public dashboard: the latest release of `year`, or of the newest year with a release,
/// with every release of that year listed.
pub async fn public_dashboard(pool: &Pool, year: Option<i64>, is_demo: bool, lang: Lang, settings: &ReleaseSettings) -> Result<PublicDashboard, DbError> {
    let years: Vec<i64> = sqlx::query_scalar("SELECT year FROM releases UNION SELECT year FROM grant_imports ORDER BY year DESC").fetch_all(pool).await?;
    let Some(year) = year.or(years.first().copied()) else {
        return Ok(PublicDashboard { is_demo, years, release: None, releases: Vec::new(), grants: None });
    };
    let releases = release_summaries(pool, year).await?;
    let release = match releases.first() {
        Some(latest) => published_release(pool, &latest.id, lang, settings).await?,
        None => None,
    };
    let grants = crate::grants::table(pool, year, lang).await?;
    Ok(PublicDashboard { is_demo, years, release, releases, grants })
}
