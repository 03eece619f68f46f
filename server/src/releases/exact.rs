//! The exact totals a release measures, summed from each municipality's counting (latest
//! submitted) version of each period. Only the privacy engine's single measurement reads the
//! result; the read is written to the audit log.

use std::collections::HashMap;

use kompotten_privacy::hierarchy::Hierarchy;
use kompotten_privacy::sensitivity::IndicatorBound;

use super::geography::{measured_positions, NetworkGeography};
use super::window::Window;
use crate::audit;
use crate::db::DbError;
use crate::submissions;

/// `[indicator][period of the window][measured node]`, the layout
/// `kompotten_privacy::release::release_with` takes. A municipality the geography does not
/// know (impossible under the foreign keys) is refused rather than dropped.
pub async fn exact_totals(
    conn: &mut sqlx::AnyConnection,
    network: &NetworkGeography,
    h: &Hierarchy,
    indicators: &[IndicatorBound],
    window: &Window,
    actor: &str,
) -> Result<Vec<i64>, DbError> {
    let m = h.measured().len();
    let periods = window.periods.len();
    let position = measured_positions(h);
    let nation = position["SE"];
    let mut exact = vec![0i64; indicators.len() * periods * m];
    let mut municipalities = 0;
    for (p, period) in window.periods.iter().enumerate() {
        let year: i64 = period[..4].parse().map_err(|_| DbError::Instance(format!("period id {period:?} does not start with its year")))?;
        let counting = submissions::counting_values(conn, period).await?;
        municipalities += counting.len();
        for (municipality, json) in &counting {
            // Borrowed keys: no allocation per field (stored codes are plain ASCII, never escaped).
            let values: HashMap<&str, Option<i64>> =
                serde_json::from_str(json).map_err(|e| DbError::Instance(format!("stored values of {municipality} for {period}: {e}")))?;
            let (county, part) = network.cells_of(municipality, year).ok_or_else(|| DbError::Instance(format!("municipality {municipality} has no county")))?;
            // The cells of the released levels this report counts in (a level not released
            // has no cell).
            let mut cells = vec![nation];
            cells.extend(position.get(county).copied());
            cells.extend(part.and_then(|p| position.get(&p).copied()));
            for (i, indicator) in indicators.iter().enumerate() {
                let value = values.get(indicator.code.as_str()).copied().flatten().unwrap_or(0);
                let block = (i * periods + p) * m;
                for &cell in &cells {
                    exact[block + cell] += value;
                }
            }
        }
    }
    let detail = format!("{municipalities} submitted reports over {} period(s) summed per area for a release", periods);
    audit::record(conn, audit::Entry { actor, action: "release.read_counts", period_id: window.periods.last().map(String::as_str), municipality_code: None, detail }).await?;
    Ok(exact)
}
