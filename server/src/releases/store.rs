//! Storing a release: its parameters and noisy measurements (from which the engine recomputes
//! the table), the published table, and one ledger row per debited year. Runs inside the
//! creating transaction; the rows can never be changed afterwards (db::install_release_guards).

use kompotten_app::model::ReleasedCell;
use kompotten_privacy::hierarchy::{NodeKind, TimeCell};
use kompotten_privacy::release::Release;
use serde::{Deserialize, Serialize};

use super::request::{mechanism_code, Correction};
use super::window::Window;
use super::ReleaseError;
use crate::db::values_placeholders;

/// One published cell as stored: indicator, period label and area by index, then value, 95%
/// interval and the unbiased estimate.
pub type StoredCell = (usize, usize, usize, i64, i64, i64, f64);

/// The published table as stored (`releases.table_json`): labels once, then one row per cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredTable {
    pub indicators: Vec<String>,
    /// Period labels: the window's periods, and the window's own label for its totals.
    pub periods: Vec<String>,
    pub areas: Vec<String>,
    /// The level of each area (`nation`, `county`, `lanskompott`, `rest_of_county`).
    pub levels: Vec<String>,
    pub cells: Vec<StoredCell>,
}

/// The table as releases before designs stored it: a full grid of `[value, low, high]`,
/// ordered by indicator, period and area.
#[derive(Deserialize)]
struct GridTable {
    indicators: Vec<String>,
    periods: Vec<String>,
    areas: Vec<String>,
    levels: Vec<String>,
    cells: Vec<[i64; 3]>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum AnyTable {
    Cells(StoredTable),
    Grid(GridTable),
}

impl StoredTable {
    /// Reads a stored table in either format (older releases keep theirs: they are immutable).
    pub fn from_json(json: &str) -> Result<Self, serde_json::Error> {
        Ok(match serde_json::from_str(json)? {
            AnyTable::Cells(table) => table,
            AnyTable::Grid(g) => {
                let (p, a) = (g.periods.len(), g.areas.len());
                let cells = g.cells.iter().enumerate().map(|(k, [v, lo, hi])| (k / (p * a), k / a % p, k % a, *v, *lo, *hi, f64::NAN)).collect();
                StoredTable { indicators: g.indicators, periods: g.periods, areas: g.areas, levels: g.levels, cells }
            }
        })
    }

    pub fn new(release: &Release, window: &Window, area_labels: Vec<String>, area_levels: Vec<String>) -> Self {
        let indicators = release.params.spec.design.indicators.iter().map(|i| i.code.clone()).collect();
        let mut periods = window.periods.clone();
        let window_label = window.label();
        let window_index = match periods.iter().position(|p| *p == window_label) {
            Some(k) => k,
            None => {
                periods.push(window_label);
                periods.len() - 1
            }
        };
        let cells = release
            .table
            .cells
            .iter()
            .map(|c| {
                let period = match c.time {
                    TimeCell::Period(p) => p,
                    TimeCell::Window => window_index,
                };
                (c.indicator, period, c.area, c.value, c.low, c.high, c.estimate)
            })
            .collect();
        StoredTable { indicators, periods, areas: area_labels, levels: area_levels, cells }
    }

    /// Every cell with its labels.
    pub fn released_cells(&self) -> Vec<ReleasedCell> {
        self.cells
            .iter()
            .map(|&(i, p, a, value, low, high, estimate)| ReleasedCell {
                indicator: self.indicators[i].clone(),
                period: self.periods[p].clone(),
                area_code: self.areas[a].clone(),
                level: self.levels[a].clone(),
                value,
                ci_low: low,
                ci_high: high,
                estimate: estimate.is_finite().then_some(estimate),
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

pub async fn store_release(conn: &mut sqlx::AnyConnection, r: &StoredRelease<'_>) -> Result<(), ReleaseError> {
    let params = &r.release.params;
    let areas = params.geography.areas();
    let table =
        StoredTable::new(r.release, r.window, areas.iter().map(|a| a.label.clone()).collect(), areas.iter().map(|a| level_code(a.kind).to_owned()).collect());
    let per_period = r.release.table.cells.iter().any(|c| matches!(c.time, TimeCell::Period(_))) && r.window.periods.len() > 1;
    sqlx::query(
        "INSERT INTO releases (id, year, periods_json, layout, mechanism, rho, epsilon, delta, engine_version, params_json, noisy_json,
                               table_json, corrects, correction_reason, created_by, created_at, design)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(r.id)
    .bind(r.window.year)
    .bind(serde_json::to_string(&r.window.periods)?)
    .bind(if per_period || r.window.periods.len() == 1 { "per_period" } else { "summed" })
    .bind(mechanism_code(params.cost.mechanism))
    .bind(params.cost.rho)
    .bind(params.cost.epsilon)
    .bind(params.cost.delta)
    .bind(&params.engine_version)
    .bind(serde_json::to_string(params)?)
    .bind(serde_json::to_string(&r.release.noisy)?)
    .bind(serde_json::to_string(&table)?)
    .bind(r.correction.map(|c| c.corrects.as_str()))
    .bind(r.correction.map(|c| c.reason.as_str()))
    .bind(r.created_by)
    .bind(r.created_at)
    .bind(&params.spec.design.name)
    .execute(&mut *conn)
    .await?;

    let sql = format!("INSERT INTO year_ledger (release_id, year, nano_rho, created_at) VALUES {}", values_placeholders(r.window.years.len(), 4));
    let mut query = sqlx::query(&sql);
    for year in &r.window.years {
        query = query.bind(r.id).bind(*year).bind(r.nano_rho).bind(r.created_at);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}
