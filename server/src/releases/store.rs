//! Storing a release: its parameters and noisy measurements (from which the engine recomputes
//! the table), the published cells, and one ledger row per debited period. Runs inside the
//! creating transaction; the rows can never be changed afterwards (db::install_release_guards).

use kompotten_privacy::hierarchy::{Hierarchy, NodeKind};
use kompotten_privacy::release::Release;

use super::request::{mechanism_code, Correction};
use super::window::Window;
use super::ReleaseError;
use crate::db::values_placeholders;
use kompotten_privacy::sensitivity::PeriodLayout;

/// Rows per INSERT of cells: 8 parameters each stays far below SQLite's 32,766 and
/// PostgreSQL's 65,535 bind parameters.
const CELLS_PER_INSERT: usize = 1_000;

pub struct StoredRelease<'a> {
    pub id: &'a str,
    pub window: &'a Window,
    pub release: &'a Release,
    pub correction: Option<&'a Correction>,
    pub created_by: &'a str,
    pub created_at: &'a str,
    pub nano_rho: i64,
}

pub fn level_code(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Nation => "nation",
        NodeKind::County => "county",
        NodeKind::Lanskompott => "lanskompott",
        NodeKind::RestOfCounty => "rest_of_county",
    }
}

/// The period label of each released period: the period ids, or one `first–last` label for a
/// window released as totals.
pub fn released_period_labels(window: &Window, layout: PeriodLayout) -> Vec<String> {
    match layout {
        PeriodLayout::PerPeriod(_) => window.periods.clone(),
        PeriodLayout::Summed(_) => vec![window.summed_label()],
    }
}

pub async fn store_release(conn: &mut sqlx::AnyConnection, h: &Hierarchy, r: &StoredRelease<'_>) -> Result<(), ReleaseError> {
    let params = &r.release.params;
    let layout = match params.spec.periods {
        PeriodLayout::PerPeriod(_) => "per_period",
        PeriodLayout::Summed(_) => "summed",
    };
    sqlx::query(
        "INSERT INTO releases (id, year, periods_json, layout, mechanism, rho, epsilon, delta, engine_version, params_json, noisy_json,
                               corrects, correction_reason, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(r.id)
    .bind(r.window.year)
    .bind(serde_json::to_string(&r.window.periods)?)
    .bind(layout)
    .bind(mechanism_code(params.mechanism.mechanism))
    .bind(params.mechanism.rho)
    .bind(params.mechanism.epsilon)
    .bind(params.mechanism.delta)
    .bind(&params.engine_version)
    .bind(serde_json::to_string(params)?)
    .bind(serde_json::to_string(&r.release.noisy)?)
    .bind(r.correction.map(|c| c.corrects.as_str()))
    .bind(r.correction.map(|c| c.reason.as_str()))
    .bind(r.created_by)
    .bind(r.created_at)
    .execute(&mut *conn)
    .await?;

    let labels = released_period_labels(r.window, params.spec.periods);
    let table = &r.release.table;
    for chunk in table.cells.chunks(CELLS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO release_cells (release_id, indicator, period, area_code, level, published_value, ci_low, ci_high) VALUES {}",
            values_placeholders(chunk.len(), 8)
        );
        let mut query = sqlx::query(&sql);
        for cell in chunk {
            query = query
                .bind(r.id)
                .bind(&params.spec.indicators[cell.indicator].code)
                .bind(&labels[cell.period])
                .bind(&h.nodes()[cell.node].label)
                .bind(level_code(cell.kind))
                .bind(cell.value)
                .bind(cell.low)
                .bind(cell.high);
        }
        query.execute(&mut *conn).await?;
    }

    let sql = format!("INSERT INTO privacy_ledger (release_id, period_id, nano_rho, created_at) VALUES {}", values_placeholders(r.window.periods.len(), 4));
    let mut query = sqlx::query(&sql);
    for period in &r.window.periods {
        query = query.bind(r.id).bind(period).bind(r.nano_rho).bind(r.created_at);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}
