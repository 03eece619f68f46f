//! CSV import of reports: one row per municipality for one period, one column per indicator
//! code, plus a municipality column (SCB code or name). All or nothing: one bad row stores
//! nothing, and the answer lists every bad row and field.

use std::collections::{BTreeMap, HashMap};

use kompotten_app::domain::{FieldError, PeriodId, Problem};
use kompotten_app::model::{ImportOutcome, Intent, RowErrors};
use kompotten_ingest::{read_table, DecodeError, MunicipalityIndex, ResolveError, Table};
use sqlx::Row;

use super::{check_open, insert_versions, intent_state, prepare, Channel, Draft, NewVersion};
use crate::access::Actor;
use crate::audit;
use crate::catalogue::IndexedCatalogue;
use crate::db::{begin_write, retry_on_unique_violation, DbError, Pool};
use crate::periods;

/// 290 municipalities × 48 indicators fit in well under 200 KB; 2 MiB leaves room for
/// verbose spreadsheets and refuses anything that is clearly not a report.
pub const MAX_CSV_BYTES: usize = 2 * 1024 * 1024;

/// Headers that name the municipality column.
const MUNICIPALITY_HEADERS: &[&str] = &["kommun", "kommunkod", "municipality", "municipality_code", "mottagare"];

/// A whole-file problem, reported as line 0 (the file) or the line it points at.
fn file_error(line: usize, field: &str, problem: Problem) -> Vec<RowErrors> {
    vec![RowErrors { line: line as i64, municipality: None, errors: vec![FieldError::new(field, problem)] }]
}

/// A decoding problem in the words of the domain.
pub fn decode_problem(error: &DecodeError) -> (usize, Problem) {
    match error {
        DecodeError::TooLarge { max_bytes, .. } => (0, Problem::FileTooLarge { max_bytes: *max_bytes as i64 }),
        DecodeError::Empty => (0, Problem::NoRows),
        DecodeError::Utf16 => (0, Problem::FileEncoding),
        DecodeError::NotUtf8 { line } => (*line, Problem::FileEncoding),
        DecodeError::WrongColumnCount { line, expected, found } => (*line, Problem::WrongColumnCount { expected: *expected as i64, found: *found as i64 }),
        DecodeError::EmptyHeader { .. } => (1, Problem::MissingColumn),
        DecodeError::DuplicateHeader { .. } => (1, Problem::DuplicateColumn),
        DecodeError::Malformed { line, .. } => (*line, Problem::FileMalformed { line: *line as i64 }),
    }
}

pub fn resolve_problem(error: &ResolveError) -> Problem {
    match error {
        ResolveError::Missing => Problem::Missing,
        ResolveError::Unknown { .. } => Problem::UnknownMunicipality,
        ResolveError::Ambiguous { codes, .. } => Problem::AmbiguousMunicipality { codes: codes.clone() },
    }
}

/// All municipalities by code and name, for resolving what a spreadsheet calls them.
pub async fn municipality_index(conn: &mut sqlx::AnyConnection) -> Result<MunicipalityIndex, sqlx::Error> {
    let rows = sqlx::query("SELECT code, name FROM municipalities").fetch_all(conn).await?;
    rows.iter().map(|r| Ok((r.try_get("code")?, r.try_get("name")?))).collect::<Result<Vec<_>, _>>().map(MunicipalityIndex::new)
}

/// Reads the file into (line, municipality text, raw values) rows, or the file's problems.
fn rows_of(table: &Table, catalogue: &IndexedCatalogue) -> Result<(usize, Vec<String>), Vec<RowErrors>> {
    let Some(municipality_column) = table.headers.iter().position(|h| MUNICIPALITY_HEADERS.contains(&h.trim().to_lowercase().as_str())) else {
        return Err(file_error(1, "kommun", Problem::MissingColumn));
    };
    let mut codes = Vec::with_capacity(table.headers.len());
    let mut unknown = Vec::new();
    for (i, header) in table.headers.iter().enumerate() {
        let code = header.trim().to_lowercase();
        if i != municipality_column && catalogue.get(&code).is_none() {
            unknown.push(FieldError::new(header, Problem::UnknownIndicator));
        }
        codes.push(code);
    }
    if !unknown.is_empty() {
        return Err(vec![RowErrors { line: 1, municipality: None, errors: unknown }]);
    }
    if table.rows.is_empty() {
        return Err(file_error(0, "file", Problem::NoRows));
    }
    Ok((municipality_column, codes))
}

/// Validates every row of `bytes` and, only if all pass, stores each as a new version of its
/// municipality's report, in one transaction.
pub async fn import(
    pool: &Pool,
    catalogue: &IndexedCatalogue,
    actor: &Actor,
    raw_period: &str,
    intent: Intent,
    bytes: &[u8],
) -> Result<ImportOutcome, DbError> {
    retry_on_unique_violation(|| import_once(pool, catalogue, actor, raw_period, intent, bytes)).await
}

async fn import_once(
    pool: &Pool,
    catalogue: &IndexedCatalogue,
    actor: &Actor,
    raw_period: &str,
    intent: Intent,
    bytes: &[u8],
) -> Result<ImportOutcome, DbError> {
    let period = match PeriodId::parse("period", raw_period) {
        Ok(p) => p,
        Err(e) => return Ok(ImportOutcome::Invalid(vec![RowErrors { line: 0, municipality: None, errors: vec![e] }])),
    };
    let table = match read_table(bytes, MAX_CSV_BYTES) {
        Ok(table) => table,
        Err(e) => {
            let (line, problem) = decode_problem(&e);
            return Ok(ImportOutcome::Invalid(file_error(line, "file", problem)));
        }
    };
    let (municipality_column, codes) = match rows_of(&table, catalogue) {
        Ok(found) => found,
        Err(errors) => return Ok(ImportOutcome::Invalid(errors)),
    };

    let mut tx = begin_write(pool).await?;
    if let Err(e) = check_open(periods::get(&mut *tx, period).await?.as_ref()) {
        return Ok(ImportOutcome::Invalid(vec![RowErrors { line: 0, municipality: None, errors: vec![e] }]));
    }
    let index = municipality_index(&mut tx).await?;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut resolved = Vec::with_capacity(table.rows.len());
    let mut refused = Vec::new();
    for row in &table.rows {
        let given = row.cells[municipality_column].clone();
        let code = match index.resolve(&given) {
            Ok(code) => code,
            Err(e) => {
                refused.push(RowErrors {
                    line: row.line as i64,
                    municipality: Some(given),
                    errors: vec![FieldError::new("municipality", resolve_problem(&e))],
                });
                continue;
            }
        };
        if let Some(first_line) = seen.insert(code.clone(), row.line) {
            let problem = Problem::DuplicateRow { first_line: first_line as i64 };
            refused.push(RowErrors { line: row.line as i64, municipality: Some(code), errors: vec![FieldError::new("municipality", problem)] });
            continue;
        }
        let raw: BTreeMap<String, String> =
            codes.iter().zip(&row.cells).enumerate().filter(|(i, _)| *i != municipality_column).map(|(_, (c, v))| (c.clone(), v.clone())).collect();
        resolved.push((row.line, code, raw));
    }
    let drafts: Vec<Draft> = resolved.iter().map(|(_, code, raw)| Draft { actor, municipality: code, intent, raw }).collect();
    let mut accepted = Vec::with_capacity(resolved.len());
    for ((line, code, _), prepared) in resolved.iter().zip(prepare(&mut tx, catalogue, period, &drafts).await?) {
        match prepared {
            Ok(found) => accepted.push(found),
            Err(errors) => refused.push(RowErrors { line: *line as i64, municipality: Some(code.clone()), errors }),
        }
    }
    if !refused.is_empty() {
        tx.rollback().await?;
        refused.sort_by_key(|r| r.line);
        return Ok(ImportOutcome::Invalid(refused));
    }
    let state = intent_state(intent);
    let new: Vec<NewVersion> = accepted.iter().map(|(code, values)| NewVersion { actor, municipality: code, state, channel: Channel::Csv, values }).collect();
    insert_versions(&mut tx, catalogue, period, &new).await?;
    let detail = format!("{} rows", accepted.len());
    audit::record(
        &mut tx,
        audit::Entry { actor: &actor.name(), action: "submission.csv_import", period_id: Some(&period.to_string()), municipality_code: None, detail },
    )
    .await?;
    tx.commit().await?;
    Ok(ImportOutcome::Stored { rows: accepted.len() as i64, state })
}

/// An empty file with the right header for a period: the municipality column, then every
/// indicator code in catalogue order.
pub fn template(catalogue: &IndexedCatalogue) -> String {
    let mut header = vec!["kommun".to_owned()];
    header.extend(catalogue.catalogue.indicators().map(|(_, d)| d.code.clone()));
    format!("\u{feff}{}\r\n", header.join(";"))
}
