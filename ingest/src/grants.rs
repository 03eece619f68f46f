//! The layout of Bilaga 1 ("Appendix 1") in the national grant report: one row per
//! recipient municipality with the granted and the unused funds, often followed by
//! a totals row.

use std::collections::HashMap;
use std::fmt;

use crate::money::{parse_sek_to_ore, MoneyError};
use crate::names::{MunicipalityIndex, ResolveError};
use crate::table::{Row, Table};

/// Accepted names of the recipient column (compared trimmed, ignoring case).
const RECIPIENT_HEADERS: [&str; 5] = ["mottagare", "kommun", "kommunkod", "recipient", "municipality"];
/// The recipient column preferred when several are present: codes are unambiguous.
const RECIPIENT_CODE_HEADER: &str = "kommunkod";
/// Prefixes of the granted-funds column ("Beviljade medel (kr)", "Beviljat 2024").
const GRANTED_PREFIXES: [&str; 3] = ["beviljade medel", "beviljat", "granted"];
/// Prefixes of the unused-funds column ("Oanvända medel (kr)").
const UNUSED_PREFIXES: [&str; 3] = ["oanvända medel", "oförbrukade medel", "unused"];
/// Prefix of share columns ("Andel oförbrukade medel (%)"), which are ignored so
/// that they are never taken for an amount column.
const SHARE_PREFIX: &str = "andel";
/// Recipient cells that mark a totals row.
const TOTAL_LABELS: [&str; 4] = ["totalt", "summa", "total", "totalsumma"];

/// Names used in [`GrantError::column`] when a required column is missing.
pub const RECIPIENT_COLUMN: &str = "Mottagare";
pub const GRANTED_COLUMN: &str = "Beviljade medel";
pub const UNUSED_COLUMN: &str = "Oanvända medel";

/// The header line's number, which [`GrantProblem::MissingColumn`] refers to.
const HEADER_LINE: usize = 1;

/// One recipient's row of Bilaga 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    pub line: usize,
    pub municipality_code: String,
    pub granted_ore: i64,
    pub unused_ore: i64,
}

/// One problem in the grant table, located by line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantError {
    /// 1-based physical line (the header line is line 1).
    pub line: usize,
    /// The column's header as written, or the expected name for a missing column.
    pub column: String,
    /// The cell's text as written (empty when there is no cell).
    pub given: String,
    pub problem: GrantProblem,
}

/// What is wrong; the server translates these by variant, so keep them stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantProblem {
    #[error("the column is missing from the header line")]
    MissingColumn,
    #[error("{0}")]
    Recipient(ResolveError),
    #[error("{0}")]
    Amount(MoneyError),
    #[error("the unused funds are larger than the granted funds")]
    UnusedExceedsGranted,
    #[error("the same municipality already appears on line {first_line}")]
    DuplicateRecipient { first_line: usize },
    #[error("the total does not equal the sum of the other rows")]
    TotalMismatch,
    #[error("the table has no rows with recipients")]
    NoRows,
}

impl fmt::Display for GrantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            GrantProblem::MissingColumn => write!(f, "line {}: column \"{}\" is missing from the header line", self.line, self.column),
            GrantProblem::NoRows => write!(f, "line {}: {}", self.line, self.problem),
            // Resolve errors already quote the cell.
            GrantProblem::Recipient(_) => write!(f, "line {}, column \"{}\": {}", self.line, self.column, self.problem),
            _ => write!(f, "line {}, column \"{}\": \"{}\": {}", self.line, self.column, self.given, self.problem),
        }
    }
}

impl std::error::Error for GrantError {}

/// Where the three required columns are.
struct Columns {
    recipient: usize,
    granted: usize,
    unused: usize,
}

/// Reads Bilaga 1: every data row becomes a [`GrantRow`]; a totals row ("Totalt",
/// "Summa", "Total", "Totalsumma") is checked against the sum of the other rows and
/// not returned.
///
/// All problems in all rows are reported, in line order, so that a user can fix
/// the file in one go.
pub fn parse_grant_table(table: &Table, index: &MunicipalityIndex) -> Result<Vec<GrantRow>, Vec<GrantError>> {
    let columns = find_columns(&table.headers)?;
    let mut reader = GrantReader { table, columns: &columns, errors: Vec::new() };
    let mut grants = Vec::new();
    let mut totals = Vec::new();
    let mut first_line_by_code: HashMap<String, usize> = HashMap::new();
    // `None` once a data row's amount is unreadable: the sum is then unknown.
    let mut granted_sum: Option<i128> = Some(0);
    let mut unused_sum: Option<i128> = Some(0);

    for row in &table.rows {
        let recipient = cell(row, columns.recipient);
        if is_total_label(recipient) {
            let granted = reader.amount(row, columns.granted);
            let unused = reader.amount(row, columns.unused);
            totals.push((row, granted, unused));
            continue;
        }
        let code = reader.recipient(row, index, &mut first_line_by_code);
        let granted = reader.amount(row, columns.granted);
        let unused = reader.amount(row, columns.unused);
        granted_sum = granted_sum.zip(granted).map(|(sum, ore)| sum + i128::from(ore));
        unused_sum = unused_sum.zip(unused).map(|(sum, ore)| sum + i128::from(ore));
        if let (Some(granted), Some(unused)) = (granted, unused) {
            if unused > granted {
                reader.push(row, columns.unused, GrantProblem::UnusedExceedsGranted);
            }
        }
        if let (Some(code), Some(granted_ore), Some(unused_ore)) = (code, granted, unused) {
            grants.push(GrantRow { line: row.line, municipality_code: code, granted_ore, unused_ore });
        }
    }

    let data_rows = table.rows.len() - totals.len();
    if data_rows == 0 {
        reader.errors.push(GrantError { line: HEADER_LINE, column: String::new(), given: String::new(), problem: GrantProblem::NoRows });
    } else {
        for (row, granted, unused) in totals {
            reader.check_total(row, columns.granted, granted, granted_sum);
            reader.check_total(row, columns.unused, unused, unused_sum);
        }
    }

    let mut errors = reader.errors;
    if errors.is_empty() {
        return Ok(grants);
    }
    errors.sort_by_key(|error| error.line); // stable: keeps column order within a line
    Err(errors)
}

/// Finds the required columns, or reports every missing one.
fn find_columns(headers: &[String]) -> Result<Columns, Vec<GrantError>> {
    let normalised: Vec<String> = headers.iter().map(|header| header.trim().to_lowercase()).collect();
    let relevant = |header: &String| !header.starts_with(SHARE_PREFIX);
    let find = |matches: &dyn Fn(&str) -> bool| normalised.iter().position(|header| relevant(header) && matches(header));
    let recipient = find(&|header| header == RECIPIENT_CODE_HEADER).or_else(|| find(&|header| RECIPIENT_HEADERS.contains(&header)));
    let granted = find(&|header| GRANTED_PREFIXES.iter().any(|p| header.starts_with(p)));
    let unused = find(&|header| UNUSED_PREFIXES.iter().any(|p| header.starts_with(p)));

    match (recipient, granted, unused) {
        (Some(recipient), Some(granted), Some(unused)) => Ok(Columns { recipient, granted, unused }),
        _ => Err([(recipient, RECIPIENT_COLUMN), (granted, GRANTED_COLUMN), (unused, UNUSED_COLUMN)]
            .into_iter()
            .filter(|(found, _)| found.is_none())
            .map(|(_, name)| GrantError { line: HEADER_LINE, column: name.to_string(), given: String::new(), problem: GrantProblem::MissingColumn })
            .collect()),
    }
}

fn cell(row: &Row, column: usize) -> &str {
    row.cells.get(column).map_or("", String::as_str)
}

fn is_total_label(text: &str) -> bool {
    let label = text.trim().trim_end_matches(':').to_lowercase();
    TOTAL_LABELS.contains(&label.as_str())
}

/// Reads cells and collects the problems found along the way.
struct GrantReader<'a> {
    table: &'a Table,
    columns: &'a Columns,
    errors: Vec<GrantError>,
}

impl GrantReader<'_> {
    fn push(&mut self, row: &Row, column: usize, problem: GrantProblem) {
        self.errors.push(GrantError {
            line: row.line,
            column: self.table.headers.get(column).cloned().unwrap_or_default(),
            given: cell(row, column).to_string(),
            problem,
        });
    }

    fn amount(&mut self, row: &Row, column: usize) -> Option<i64> {
        parse_sek_to_ore(cell(row, column)).map_err(|error| self.push(row, column, GrantProblem::Amount(error))).ok()
    }

    /// Resolves the recipient and flags a municipality seen on an earlier line.
    fn recipient(&mut self, row: &Row, index: &MunicipalityIndex, first_line_by_code: &mut HashMap<String, usize>) -> Option<String> {
        let column = self.columns.recipient;
        let code = match index.resolve(cell(row, column)) {
            Ok(code) => code,
            Err(error) => {
                self.push(row, column, GrantProblem::Recipient(error));
                return None;
            }
        };
        if let Some(&first_line) = first_line_by_code.get(&code) {
            self.push(row, column, GrantProblem::DuplicateRecipient { first_line });
            return None;
        }
        first_line_by_code.insert(code.clone(), row.line);
        Some(code)
    }

    /// Flags a readable total that differs from a known sum.
    fn check_total(&mut self, row: &Row, column: usize, total: Option<i64>, sum: Option<i128>) {
        if let (Some(total), Some(sum)) = (total, sum) {
            if i128::from(total) != sum {
                self.push(row, column, GrantProblem::TotalMismatch);
            }
        }
    }
}

#[cfg(test)]
#[path = "grants_tests.rs"]
mod tests;
