//! The submission tracker: every municipality that should report for a period and how far it
//! has come. It selects status columns only; no value column is ever read here.

use std::collections::HashMap;

use kompotten_app::domain::PeriodId;
use kompotten_app::model::{Area, MembershipFilter, Tracker, TrackerRow, TrackerStatus};
use sqlx::Row;

use crate::db::{DbError, Pool};
use crate::periods;

/// What the tracker counts per municipality.
#[derive(Default)]
struct Progress {
    submitted_versions: i64,
    latest_version: i64,
    latest_submitted: i64,
    last_change_at: Option<String>,
    last_change_by: Option<String>,
}

fn status_of(p: &Progress) -> TrackerStatus {
    match p.submitted_versions {
        0 if p.latest_version == 0 => TrackerStatus::NotStarted,
        0 => TrackerStatus::Draft,
        1 => TrackerStatus::Submitted,
        _ => TrackerStatus::Corrected,
    }
}

/// The tracker for `period` (default: the newest period), optionally for one county.
pub async fn tracker(pool: &Pool, period: Option<PeriodId>, county: Option<&str>, membership: MembershipFilter) -> Result<Tracker, DbError> {
    let periods = periods::list(pool).await?;
    let counties: Vec<Area> = sqlx::query("SELECT code, name FROM counties ORDER BY code")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok(Area { code: r.try_get("code")?, name: r.try_get("name")? }))
        .collect::<Result<_, sqlx::Error>>()?;
    let chosen = match period {
        Some(p) => periods.iter().find(|v| v.id == p.to_string()).cloned(),
        None => periods.first().cloned(),
    };
    let Some(chosen) = chosen else {
        return Ok(Tracker { period: None, periods, county: county.map(str::to_owned), membership, counties, rows: Vec::new() });
    };
    let expected = sqlx::query(
        "SELECT m.code, m.name, c.code AS county_code, c.name AS county_name,
                CASE WHEN n.municipality_code IS NULL THEN 0 ELSE 1 END AS member,
                CASE WHEN g.municipality_code IS NULL THEN 0 ELSE 1 END AS recipient
         FROM municipalities m
         JOIN counties c ON c.code = m.county_code
         LEFT JOIN network_members n ON n.municipality_code = m.code AND n.member_since <= $1
         LEFT JOIN grants g ON g.municipality_code = m.code
              AND g.import_id = (SELECT id FROM grant_imports WHERE year = $1 ORDER BY imported_at DESC, id DESC LIMIT 1)
         WHERE (n.municipality_code IS NOT NULL OR g.municipality_code IS NOT NULL)
           AND ($2 = '' OR m.county_code = $2)
         ORDER BY c.code, m.name",
    )
    .bind(chosen.year)
    .bind(county.unwrap_or(""))
    .fetch_all(pool)
    .await?;
    let versions = sqlx::query(
        "SELECT municipality_code, version, state, created_by, created_at FROM submission_versions
         WHERE period_id = $1 ORDER BY municipality_code, version",
    )
    .bind(&chosen.id)
    .fetch_all(pool)
    .await?;
    let mut progress: HashMap<String, Progress> = HashMap::new();
    for row in &versions {
        let p = progress.entry(row.try_get("municipality_code")?).or_default();
        let version: i64 = row.try_get("version")?;
        let state: String = row.try_get("state")?;
        if state == "submitted" {
            p.submitted_versions += 1;
            p.latest_submitted = version;
        }
        p.latest_version = version;
        p.last_change_at = Some(row.try_get("created_at")?);
        p.last_change_by = Some(row.try_get("created_by")?);
    }
    let none = Progress::default();
    let mut rows = Vec::with_capacity(expected.len());
    for row in &expected {
        let code: String = row.try_get("code")?;
        let network_member = row.try_get::<i64, _>("member")? == 1;
        let grant_recipient = row.try_get::<i64, _>("recipient")? == 1;
        let keep = match membership {
            MembershipFilter::All => true,
            MembershipFilter::NetworkMembers => network_member,
            MembershipFilter::GrantRecipients => grant_recipient,
        };
        if !keep {
            continue;
        }
        let p = progress.get(&code).unwrap_or(&none);
        rows.push(TrackerRow {
            status: status_of(p),
            pending_draft: p.latest_version > p.latest_submitted && p.submitted_versions > 0,
            last_change_at: p.last_change_at.clone(),
            last_change_by: p.last_change_by.clone(),
            municipality: Area { code, name: row.try_get("name")? },
            county: Area { code: row.try_get("county_code")?, name: row.try_get("county_name")? },
            network_member,
            grant_recipient,
        });
    }
    Ok(Tracker { period: Some(chosen), periods, county: county.map(str::to_owned), membership, counties, rows })
}

/// The tracker as CSV, for reminders.
pub fn to_csv(tracker: &Tracker) -> String {
    let yes_no = |b: bool| if b { "ja" } else { "nej" }.to_owned();
    crate::csv_export::to_csv(
        &["kommunkod", "kommun", "län", "nätverksmedlem", "bidragsmottagare", "status", "senast ändrad", "av", "utkast väntar"],
        tracker.rows.iter().map(|r| {
            [
                r.municipality.code.clone(),
                r.municipality.name.clone(),
                r.county.name.clone(),
                yes_no(r.network_member),
                yes_no(r.grant_recipient),
                r.status.code().to_owned(),
                r.last_change_at.clone().unwrap_or_default(),
                r.last_change_by.clone().unwrap_or_default(),
                yes_no(r.pending_draft),
            ]
        }),
    )
}
