//! The geography a release is measured on, read from the database: the counties, which of them
//! have a länskompott, and where each municipality's report is counted. Data-independent: it
//! reads no reports.

use std::collections::HashMap;

use kompotten_privacy::hierarchy::{CountySpec, Geography};
use sqlx::Row;

pub struct NetworkGeography {
    pub geography: Geography,
    /// Municipality → (its county's code, whether the county has a länskompott).
    county_of: HashMap<String, (String, bool)>,
    /// Municipality → the year it joined the network.
    member_since: HashMap<String, i64>,
}

impl NetworkGeography {
    pub async fn load(conn: &mut sqlx::AnyConnection) -> Result<Self, sqlx::Error> {
        let counties = sqlx::query(
            "SELECT c.code, CAST(CASE WHEN r.code IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_lanskompott
             FROM counties c LEFT JOIN regional_networks r ON r.county_code = c.code ORDER BY c.code",
        )
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok(CountySpec { code: r.try_get("code")?, has_lanskompott: r.try_get::<i64, _>("has_lanskompott")? == 1 }))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let has: HashMap<&str, bool> = counties.iter().map(|c| (c.code.as_str(), c.has_lanskompott)).collect();
        let county_of = sqlx::query("SELECT code, county_code FROM municipalities")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                let county: String = r.try_get("county_code")?;
                let lanskompott = has.get(county.as_str()).copied().unwrap_or(false);
                Ok((r.try_get("code")?, (county, lanskompott)))
            })
            .collect::<Result<_, sqlx::Error>>()?;
        let member_since = sqlx::query("SELECT municipality_code, member_since FROM network_members")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("municipality_code")?, r.try_get("member_since")?)))
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(NetworkGeography { geography: Geography { counties }, county_of, member_since })
    }

    /// The labels of the areas a municipality's report of a period in `year` counts in: its
    /// county, and in a county with a länskompott either the länskompott (a network member that
    /// year) or the rest of the county. The nation ("SE") is implied.
    pub fn cells_of(&self, municipality: &str, year: i64) -> Option<(&str, Option<String>)> {
        let (county, has_lanskompott) = self.county_of.get(municipality)?;
        let part = has_lanskompott.then(|| {
            let member = self.member_since.get(municipality).is_some_and(|since| *since <= year);
            format!("{}{county}", if member { "L" } else { "R" })
        });
        Some((county.as_str(), part))
    }
}

/// Position of each area's label in the engine's area order ([`Geography::areas`]).
pub fn area_positions(geography: &Geography) -> HashMap<String, usize> {
    geography.areas().into_iter().enumerate().map(|(k, a)| (a.label, k)).collect()
}
