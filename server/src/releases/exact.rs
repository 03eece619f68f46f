//! The exact totals a release measures, summed from each municipality's counting (latest
//! submitted) version of each period of the window. Only the privacy engine's single
//! measurement reads the result; the read is written to the audit log.

use std::collections::HashMap;
use std::fmt;

use kompotten_app::domain::PeriodId;
use kompotten_privacy::sensitivity::IndicatorBound;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use super::geography::{area_positions, NetworkGeography};
use super::window::Window;
use crate::audit;
use crate::db::DbError;
use crate::submissions;

/// `[indicator][period of the window][area]`, the layout
/// `kompotten_privacy::release::release_with` takes (areas in `Geography::areas` order). A
/// municipality the geography does not know (impossible under the foreign keys) is refused
/// rather than dropped.
pub async fn exact_totals(
    conn: &mut sqlx::AnyConnection,
    network: &NetworkGeography,
    indicators: &[IndicatorBound],
    window: &Window,
    actor: &str,
) -> Result<Vec<i64>, DbError> {
    let position = area_positions(&network.geography);
    let areas = position.len();
    let periods = window.periods.len();
    let period_index: HashMap<&str, (usize, i64)> = window
        .periods
        .iter()
        .enumerate()
        .map(|(p, id)| {
            let period = PeriodId::parse("period", id).map_err(|_| DbError::Instance(format!("stored period id {id:?} is not a period")))?;
            Ok((id.as_str(), (p, period.year().get())))
        })
        .collect::<Result<_, DbError>>()?;
    let indicator_index: HashMap<&str, usize> = indicators.iter().enumerate().map(|(i, b)| (b.code.as_str(), i)).collect();

    let reports = submissions::counting_values(conn, &window.periods).await?;
    let mut exact = vec![0i64; indicators.len() * periods * areas];
    let mut values = vec![0i64; indicators.len()];
    for (period, municipality, json) in &reports {
        let &(p, year) = period_index.get(period.as_str()).ok_or_else(|| DbError::Instance(format!("a report of {period:?}, which is not in the window")))?;
        read_values(json, &indicator_index, &mut values).map_err(|e| unreadable(municipality, period, &e))?;
        let (county, part) = network.cells_of(municipality, year).ok_or_else(|| DbError::Instance(format!("municipality {municipality} has no county")))?;
        let unknown = |label: &str| DbError::Instance(format!("area {label} is not in the geography"));
        let mut cells = vec![position["SE"], *position.get(county).ok_or_else(|| unknown(county))?];
        if let Some(part) = part {
            cells.push(*position.get(&part).ok_or_else(|| unknown(&part))?);
        }
        for (i, &value) in values.iter().enumerate() {
            let block = (i * periods + p) * areas;
            for &cell in &cells {
                exact[block + cell] += value;
            }
        }
    }
    let detail = format!("{} submitted reports over {periods} period(s) summed per area for a release", reports.len());
    audit::record(
        conn,
        audit::Entry { actor, action: "release.read_counts", period_id: window.periods.last().map(String::as_str), municipality_code: None, detail },
    )
    .await?;
    Ok(exact)
}

/// Reads the released indicators' values of one stored report into `values` (by position in
/// `index`; absent or empty counts as 0). Written as a serde visitor rather than parsed into a
/// map: a ten-period window sums thousands of reports, and a map of every field per report was
/// most of the reading time. Keys are borrowed: stored codes are plain ASCII, never escaped.
fn read_values(json: &str, index: &HashMap<&str, usize>, values: &mut [i64]) -> Result<(), serde_json::Error> {
    values.fill(0);
    let mut de = serde_json::Deserializer::from_str(json);
    ReportValues { index, values }.deserialize(&mut de)?;
    de.end()
}

/// The error for a stored report that cannot be read. serde's own message can quote the
/// offending value, a raw count, so only where it failed is told.
fn unreadable(municipality: &str, period: &str, e: &serde_json::Error) -> DbError {
    DbError::Instance(format!(
        "stored values of {municipality} for {period} are not whole counts ({:?} at column {}; value withheld)",
        e.classify(),
        e.column()
    ))
}

struct ReportValues<'a> {
    index: &'a HashMap<&'a str, usize>,
    values: &'a mut [i64],
}

impl<'de> DeserializeSeed<'de> for ReportValues<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ReportValues<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of indicator values")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<&str>()? {
            match self.index.get(key) {
                Some(&i) => self.values[i] = map.next_value::<Option<i64>>()?.unwrap_or(0),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_the_released_indicators_and_counts_empty_as_zero() {
        let index: HashMap<&str, usize> =
            [("households_moved_out", 0), ("households_received", 1), ("requests_sent", 2), ("requests_received", 3)].into_iter().collect();
        let mut values = vec![7; 4];
        read_values(r#"{"requests_sent": 4, "note_ignored": [1, {"x": 2}], "households_moved_out": 3, "households_received": null}"#, &index, &mut values)
            .unwrap();
        assert_eq!(values, [3, 0, 4, 0]);
    }

    #[test]
    fn refuses_what_is_not_a_report() {
        let index: HashMap<&str, usize> = [("households_moved_out", 0)].into_iter().collect();
        let mut values = vec![0];
        assert!(read_values(r#"{"households_moved_out": "three"}"#, &index, &mut values).is_err());
        assert!(read_values(r#"[1, 2]"#, &index, &mut values).is_err());
        assert!(read_values(r#"{"households_moved_out": 1} trailing"#, &index, &mut values).is_err());
    }

    #[test]
    fn an_unreadable_report_is_named_without_its_value() {
        let index: HashMap<&str, usize> = [("households_moved_out", 0)].into_iter().collect();
        let error = read_values(r#"{"households_moved_out": 613.5}"#, &index, &mut [0]).unwrap_err();
        assert!(error.to_string().contains("613"), "the control: serde's own message quotes the value");
        let message = unreadable("2180", "2025", &error).to_string();
        assert!(message.contains("2180") && message.contains("2025") && !message.contains("613"), "{message}");
    }
}
