//! A municipality's own reports. Raw values leave this module only towards that
//! municipality's users (`my_report`) or, summed, towards the privacy engine.

use kompotten_app::domain::{FieldError, HouseholdCount, ReportingYear};
use kompotten_app::model::{Area, MyReport, ReportInput, SubmissionStatus, SubmitOutcome};
use sqlx::Row;

use crate::db::{now_text, DbError, Pool};

/// A report that passed validation: can only be built from valid input.
#[derive(Clone, Copy, Debug)]
pub struct ValidReport {
    pub year: ReportingYear,
    pub households_moved_out: HouseholdCount,
    pub households_received: HouseholdCount,
}

/// Parses every field and returns all errors at once, each naming its field.
pub fn validate(input: &ReportInput) -> Result<ValidReport, Vec<FieldError>> {
    let year = ReportingYear::parse("year", &input.year);
    let out = HouseholdCount::parse("households_moved_out", &input.households_moved_out);
    let received = HouseholdCount::parse("households_received", &input.households_received);
    match (year, out, received) {
        (Ok(year), Ok(households_moved_out), Ok(households_received)) => {
            Ok(ValidReport { year, households_moved_out, households_received })
        }
        (year, out, received) => Err([year.err(), out.err(), received.err()].into_iter().flatten().collect()),
    }
}

pub async fn municipality(pool: &Pool, code: &str) -> Result<Area, DbError> {
    let name: String = sqlx::query_scalar("SELECT name FROM municipalities WHERE code = $1")
        .bind(code)
        .fetch_one(pool)
        .await?;
    Ok(Area { code: code.to_owned(), name })
}

/// Stores a municipality's report for a year (replacing its earlier one: versioning arrives
/// with the reporting issue), in one transaction.
pub async fn submit(pool: &Pool, municipality_code: &str, username: &str, input: &ReportInput) -> Result<SubmitOutcome, DbError> {
    let report = match validate(input) {
        Ok(report) => report,
        Err(errors) => return Ok(SubmitOutcome::Invalid(errors)),
    };
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO exchange_reports (municipality_code, year, households_moved_out, households_received, submitted_by, submitted_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (municipality_code, year) DO UPDATE SET
             households_moved_out = excluded.households_moved_out,
             households_received = excluded.households_received,
             submitted_by = excluded.submitted_by,
             submitted_at = excluded.submitted_at",
    )
    .bind(municipality_code)
    .bind(report.year.get())
    .bind(report.households_moved_out.get())
    .bind(report.households_received.get())
    .bind(username)
    .bind(now_text())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(SubmitOutcome::Saved(my_report(pool, municipality_code, report.year.get()).await?))
}

/// The municipality's own report for a year, raw. Callers must have checked that the reader
/// belongs to this municipality.
pub async fn my_report(pool: &Pool, municipality_code: &str, year: i64) -> Result<MyReport, DbError> {
    let row = sqlx::query(
        "SELECT households_moved_out, households_received, submitted_at, submitted_by
         FROM exchange_reports WHERE municipality_code = $1 AND year = $2",
    )
    .bind(municipality_code)
    .bind(year)
    .fetch_optional(pool)
    .await?;
    let municipality = municipality(pool, municipality_code).await?;
    Ok(match row {
        Some(row) => MyReport {
            municipality,
            year,
            households_moved_out: Some(row.try_get("households_moved_out")?),
            households_received: Some(row.try_get("households_received")?),
            submitted_at: Some(row.try_get("submitted_at")?),
            submitted_by: Some(row.try_get("submitted_by")?),
        },
        None => MyReport { municipality, year, households_moved_out: None, households_received: None, submitted_at: None, submitted_by: None },
    })
}

/// Which member municipalities (optionally of one county) have reported for a year. Selects
/// status columns only: no value column is ever read here.
pub async fn submission_statuses(pool: &Pool, year: i64, county_code: Option<&str>) -> Result<Vec<SubmissionStatus>, DbError> {
    let rows = sqlx::query(
        "SELECT m.code, m.name, c.code AS county_code, c.name AS county_name, r.submitted_at, r.submitted_by
         FROM network_members n
         JOIN municipalities m ON m.code = n.municipality_code
         JOIN counties c ON c.code = m.county_code
         LEFT JOIN exchange_reports r ON r.municipality_code = m.code AND r.year = $1
         WHERE ($2 = '' OR m.county_code = $2)
         ORDER BY c.code, m.name",
    )
    .bind(year)
    .bind(county_code.unwrap_or(""))
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(SubmissionStatus {
                municipality: Area { code: row.try_get("code")?, name: row.try_get("name")? },
                county: Area { code: row.try_get("county_code")?, name: row.try_get("county_name")? },
                submitted_at: row.try_get("submitted_at")?,
                submitted_by: row.try_get("submitted_by")?,
            })
        })
        .collect()
}
