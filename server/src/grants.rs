//! The year's grant table (Bilaga 1 of the national report): imported by the coordinator as
//! CSV, published exactly. Money is public record, so it needs no privacy engine.

use kompotten_app::domain::{FieldError, Problem, ReportingYear};
use kompotten_app::i18n::Lang;
use kompotten_app::model::{Area, GrantRowView, GrantTable, ImportOutcome, RowErrors, VersionState};
use kompotten_ingest::{parse_grant_table, read_table, GrantError, GrantProblem, MoneyError};
use sqlx::Row;

use crate::audit;
use crate::chart::grant_chart_json;
use crate::db::{begin_write, new_id, now_text, DbError, Pool};
use crate::submissions::csv_import::{decode_problem, municipality_index, resolve_problem, MAX_CSV_BYTES};

fn problem_of(error: &GrantError) -> Problem {
    match &error.problem {
        GrantProblem::MissingColumn => Problem::MissingColumn,
        GrantProblem::Recipient(e) => resolve_problem(e),
        GrantProblem::Amount(MoneyError::Missing) => Problem::Missing,
        GrantProblem::Amount(MoneyError::Negative) => Problem::Negative,
        GrantProblem::Amount(MoneyError::TooManyDecimals) => Problem::TooManyDecimals,
        GrantProblem::Amount(MoneyError::TooLarge) => Problem::TooLarge { max: 10_000_000_000_000 },
        GrantProblem::Amount(MoneyError::NotAnAmount) => Problem::NotAnAmount,
        GrantProblem::UnusedExceedsGranted => Problem::UnusedExceedsGranted,
        GrantProblem::DuplicateRecipient { first_line } => Problem::DuplicateRow { first_line: *first_line as i64 },
        GrantProblem::TotalMismatch => Problem::TotalMismatch,
        GrantProblem::NoRows => Problem::NoRows,
    }
}

/// Groups the grant parser's errors by line, each naming its column and what was given.
fn row_errors(errors: &[GrantError]) -> Vec<RowErrors> {
    let mut rows: Vec<RowErrors> = Vec::new();
    for e in errors {
        let field = FieldError::new(&e.column, problem_of(e));
        match rows.last_mut() {
            Some(last) if last.line == e.line as i64 => last.errors.push(field),
            _ => rows.push(RowErrors { line: e.line as i64, municipality: (!e.given.is_empty()).then(|| e.given.clone()), errors: vec![field] }),
        }
    }
    rows
}

/// Imports a year's grant table: all rows or none. The new import becomes the year's table.
pub async fn import(pool: &Pool, actor: &str, raw_year: &str, bytes: &[u8]) -> Result<ImportOutcome, DbError> {
    let year = match ReportingYear::parse("year", raw_year) {
        Ok(y) => y,
        Err(e) => return Ok(ImportOutcome::Invalid(vec![RowErrors { line: 0, municipality: None, errors: vec![e] }])),
    };
    let table = match read_table(bytes, MAX_CSV_BYTES) {
        Ok(t) => t,
        Err(e) => {
            let (line, problem) = decode_problem(&e);
            return Ok(ImportOutcome::Invalid(vec![RowErrors { line: line as i64, municipality: None, errors: vec![FieldError::new("file", problem)] }]));
        }
    };
    let mut tx = begin_write(pool).await?;
    let index = municipality_index(&mut tx).await?;
    let rows = match parse_grant_table(&table, &index) {
        Ok(rows) => rows,
        Err(errors) => return Ok(ImportOutcome::Invalid(row_errors(&errors))),
    };
    let id = new_id();
    sqlx::query("INSERT INTO grant_imports (id, year, imported_by, imported_at) VALUES ($1, $2, $3, $4)")
        .bind(&id)
        .bind(year.get())
        .bind(actor)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
    for row in &rows {
        sqlx::query("INSERT INTO grants (import_id, municipality_code, granted_ore, unused_ore) VALUES ($1, $2, $3, $4)")
            .bind(&id)
            .bind(&row.municipality_code)
            .bind(row.granted_ore)
            .bind(row.unused_ore)
            .execute(&mut *tx)
            .await?;
    }
    let detail = format!("{} recipients", rows.len());
    audit::record(&mut tx, audit::Entry { actor, action: "grants.import", period_id: Some(&year.to_string()), municipality_code: None, detail }).await?;
    tx.commit().await?;
    Ok(ImportOutcome::Stored { rows: rows.len() as i64, state: VersionState::Submitted })
}

/// The latest grant table of `year`, if one was imported.
pub async fn table(pool: &Pool, year: i64, lang: Lang) -> Result<Option<GrantTable>, DbError> {
    let Some(import) = sqlx::query("SELECT id, imported_at FROM grant_imports WHERE year = $1 ORDER BY imported_at DESC, id DESC LIMIT 1")
        .bind(year)
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let id: String = import.try_get("id")?;
    let rows = sqlx::query(
        "SELECT g.municipality_code, m.name, g.granted_ore, g.unused_ore FROM grants g
         JOIN municipalities m ON m.code = g.municipality_code WHERE g.import_id = $1",
    )
    .bind(&id)
    .fetch_all(pool)
    .await?;
    // Sorted here rather than in SQL: the two databases collate "Ö" differently.
    let mut rows: Vec<GrantRowView> = rows
        .iter()
        .map(|r| {
            Ok(GrantRowView {
                municipality: Area { code: r.try_get("municipality_code")?, name: r.try_get("name")? },
                granted_ore: r.try_get("granted_ore")?,
                unused_ore: r.try_get("unused_ore")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    rows.sort_by(|a, b| a.municipality.name.cmp(&b.municipality.name));
    Ok(Some(GrantTable {
        year,
        imported_at: import.try_get("imported_at")?,
        total_granted_ore: rows.iter().map(|r| r.granted_ore).sum(),
        total_unused_ore: rows.iter().map(|r| r.unused_ore).sum(),
        chart_json: grant_chart_json(lang, &rows),
        rows,
    }))
}
