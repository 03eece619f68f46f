//! Storing a release: its parameters and noisy measurements (from which the engine recomputes
//! the table), the published table, and one ledger row per debited period. Runs inside the
//! creating transaction; the rows can never be changed afterwards (db::install_release_guards).

use kompotten_app::model::ReleasedCell;
use kompotten_privacy::hierarchy::{Hierarchy, NodeKind};
use kompotten_privacy::release::{PublishedTable, Release};
use serde::{Deserialize, Serialize};

use super::request::{mechanism_code, Correction};
use super::window::Window;
use super::ReleaseError;
use crate::db::values_placeholders;
use kompotten_privacy::sensitivity::PeriodLayout;

/// The published table as stored (`releases.table_json`): labels once, then one
/// `[value, low, high]` per cell, ordered by indicator, released period and area.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredTable {
    pub indicators: Vec<String>,
    pub periods: Vec<String>,
    pub areas: Vec<String>,
    /// The level of each area (`nation`, `county`, `lanskompott`, `rest_of_county`).
    pub levels: Vec<String>,
    pub cells: Vec<[i64; 3]>,
}

impl StoredTable {
    pub fn new(h: &Hierarchy, indicators: Vec<String>, periods: Vec<String>, table: &PublishedTable) -> Self {
        StoredTable {
            indicators,
            periods,
            areas: h.nodes().iter().map(|n| n.label.clone()).collect(),
            levels: h.nodes().iter().map(|n| level_code(n.kind).to_owned()).collect(),
            cells: table.cells.iter().map(|c| [c.value, c.low, c.high]).collect(),
        }
    }

    /// Every cell with its labels.
    pub fn released_cells(&self) -> Vec<ReleasedCell> {
        let (p, a) = (self.periods.len(), self.areas.len());
        self.cells
            .iter()
            .enumerate()
            .map(|(k, [value, low, high])| ReleasedCell {
                indicator: self.indicators[k / (p * a)].clone(),
                period: self.periods[k / a % p].clone(),
                area_code: self.areas[k % a].clone(),
                level: self.levels[k % a].clone(),
                value: *value,
                ci_low: *low,
                ci_high: *high,
            })
            .collect()
    }
}

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
    let indicators = params.spec.indicators.iter().map(|i| i.code.clone()).collect();
    let table = StoredTable::new(h, indicators, released_period_labels(r.window, params.spec.periods), &r.release.table);
    sqlx::query(
        "INSERT INTO releases (id, year, periods_json, layout, mechanism, rho, epsilon, delta, engine_version, params_json, noisy_json,
                               table_json, corrects, correction_reason, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
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
    .bind(serde_json::to_string(&table)?)
    .bind(r.correction.map(|c| c.corrects.as_str()))
    .bind(r.correction.map(|c| c.reason.as_str()))
    .bind(r.created_by)
    .bind(r.created_at)
    .execute(&mut *conn)
    .await?;

    let sql = format!("INSERT INTO privacy_ledger (release_id, period_id, nano_rho, created_at) VALUES {}", values_placeholders(r.window.periods.len(), 4));
    let mut query = sqlx::query(&sql);
    for period in &r.window.periods {
        query = query.bind(r.id).bind(period).bind(r.nano_rho).bind(r.created_at);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}
