//! Bytes from Excel's "Save as CSV" → a rectangular table of trimmed text cells.
//!
//! The `csv` crate does the parsing. This module adds what Swedish Excel needs:
//! encoding checks with advice the user can act on, `;`/`,` separator detection,
//! skipping of the empty `;;;;` lines Excel leaves behind, and errors that carry
//! the physical line number the user sees when opening the file in a text editor.

use std::collections::HashSet;

/// A decoded CSV file: the header line plus every non-empty data row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The separator that was detected: `b';'` or `b','`.
    pub separator: u8,
    /// Column names from the header line, trimmed, none of them empty.
    pub headers: Vec<String>,
    /// Data rows in file order; rows whose cells are all empty are left out.
    pub rows: Vec<Row>,
}

/// One data row of a [`Table`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 1-based physical line on which the row starts (the header line is line 1).
    pub line: usize,
    /// Trimmed cells, exactly as many as [`Table::headers`].
    pub cells: Vec<String>,
}

impl Table {
    /// Index of the first column whose name equals `name`, ignoring case and
    /// surrounding whitespace.
    pub fn column(&self, name: &str) -> Option<usize> {
        let wanted = name.trim().to_lowercase();
        self.headers.iter().position(|header| header.to_lowercase() == wanted)
    }
}

/// Why a file could not be read as a table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the file is {actual_bytes} bytes; at most {max_bytes} bytes are accepted")]
    TooLarge { max_bytes: usize, actual_bytes: usize },
    #[error("the file is empty: its first line should name the columns")]
    Empty,
    #[error(
        "the file is saved as UTF-16 (Excel's \"Unicode text\"); \
         save it as \"CSV UTF-8 (comma delimited)\" / \"CSV UTF-8 (kommaavgränsad)\" instead"
    )]
    Utf16,
    #[error(
        "line {line} is not valid UTF-8 (the file was probably saved as plain \"CSV\", \
         which writes Windows-1252); save it as \"CSV UTF-8 (comma delimited)\" / \
         \"CSV UTF-8 (kommaavgränsad)\" instead"
    )]
    NotUtf8 { line: usize },
    #[error("line {line} has {found} columns but the header line has {expected}")]
    WrongColumnCount { line: usize, expected: usize, found: usize },
    #[error("column {column} has no name on the header line")]
    EmptyHeader { column: usize },
    #[error("the column name \"{name}\" appears more than once on the header line")]
    DuplicateHeader { name: String },
    #[error("line {line}: {message}")]
    Malformed { line: usize, message: String },
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const UTF16_LE_BOM: &[u8] = b"\xFF\xFE";
const UTF16_BE_BOM: &[u8] = b"\xFE\xFF";

/// Reads a CSV file as Excel writes it.
///
/// Rules, in the order they are checked:
/// 1. more than `max_bytes` bytes → [`DecodeError::TooLarge`] (before anything else);
/// 2. a UTF-16 BOM → [`DecodeError::Utf16`]; a UTF-8 BOM is stripped;
/// 3. invalid UTF-8 → [`DecodeError::NotUtf8`] with the line of the first bad byte;
/// 4. the separator is `,` if the header line has more `,` than `;` outside double
///    quotes, otherwise `;` (tabs are not separators: such a header is one column);
/// 5. a quoted field that is never closed → [`DecodeError::Malformed`];
/// 6. header: trailing empty header cells are dropped (Excel often writes a trailing
///    separator), any other empty one is [`DecodeError::EmptyHeader`], and names
///    must be unique ignoring case;
/// 7. rows whose cells are all empty are skipped; trailing empty cells beyond the
///    header are ignored; otherwise a row must have exactly one cell per header.
///
/// Line endings may be `\r\n` or `\n`. Line numbers are 1-based physical lines.
pub fn read_table(bytes: &[u8], max_bytes: usize) -> Result<Table, DecodeError> {
    if bytes.len() > max_bytes {
        return Err(DecodeError::TooLarge { max_bytes, actual_bytes: bytes.len() });
    }
    let text = decode_utf8(bytes)?;
    let separator = detect_separator(text);
    if let Some(offset) = unclosed_quote(text, separator) {
        return Err(DecodeError::Malformed {
            line: line_at(text.as_bytes(), offset),
            message: "a quoted field starts here but its closing double quote (\") is missing".to_string(),
        });
    }
    let records = parse_records(text, separator)?;
    build_table(separator, records)
}

/// Strips a UTF-8 BOM and checks the rest is UTF-8.
fn decode_utf8(bytes: &[u8]) -> Result<&str, DecodeError> {
    if bytes.starts_with(UTF16_LE_BOM) || bytes.starts_with(UTF16_BE_BOM) {
        return Err(DecodeError::Utf16);
    }
    let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    std::str::from_utf8(body).map_err(|error| DecodeError::NotUtf8 { line: line_at(body, error.valid_up_to()) })
}

/// 1-based physical line of the byte at `offset`.
///
/// `\r\n`, `\n` and a lone `\r` each end a line, as they do for the `csv` crate.
pub(crate) fn line_at(bytes: &[u8], offset: usize) -> usize {
    let end = offset.min(bytes.len());
    let breaks = (0..end)
        .filter(|&i| match bytes[i] {
            b'\n' => true,
            b'\r' => bytes.get(i + 1) != Some(&b'\n'),
            _ => false,
        })
        .count();
    breaks + 1
}

/// Counts `;` and `,` outside double quotes on the first non-empty line.
///
/// `;` wins ties and files with neither: Swedish Excel writes `;` because `,` is
/// the decimal mark, so a one-column file is far more likely to be `;`-separated.
fn detect_separator(text: &str) -> u8 {
    let (mut semicolons, mut commas) = (0usize, 0usize);
    let mut in_quotes = false;
    let mut seen_content = false;
    for byte in text.bytes() {
        match byte {
            b'"' => in_quotes = !in_quotes,
            b'\r' | b'\n' if !in_quotes => {
                if seen_content {
                    break;
                }
                continue;
            }
            b';' if !in_quotes => semicolons += 1,
            b',' if !in_quotes => commas += 1,
            _ => {}
        }
        seen_content = true;
    }
    if commas > semicolons {
        b','
    } else {
        b';'
    }
}

/// Byte offset of a double quote that opens a field and is never closed.
///
/// The `csv` crate silently reads such a field to the end of the file, which would
/// turn one typo into a confusing column-count error far away. The state machine
/// mirrors `csv-core`: a quote opens a field only at its very start, and `""`
/// inside a quoted field is an escaped quote.
fn unclosed_quote(text: &str, separator: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut open_at: Option<usize> = None;
    let mut at_field_start = true;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if open_at.is_some() {
            if byte == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 2;
                    continue;
                }
                open_at = None;
                at_field_start = false;
            }
        } else if byte == b'"' && at_field_start {
            open_at = Some(i);
        } else {
            at_field_start = byte == separator || byte == b'\n' || byte == b'\r';
        }
        i += 1;
    }
    open_at
}

/// A record as the `csv` crate returned it, with its physical start line.
struct Record {
    line: usize,
    cells: Vec<String>,
}

fn parse_records(text: &str, separator: u8) -> Result<Vec<Record>, DecodeError> {
    let bytes = text.as_bytes();
    let mut reader = csv::ReaderBuilder::new().delimiter(separator).has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let mut records = Vec::new();
    for result in reader.records() {
        let record = result.map_err(|error| DecodeError::Malformed {
            line: error.position().map_or(1, |position| record_line(bytes, position.byte())),
            message: error.to_string(),
        })?;
        let start = record.position().map_or(0, |position| position.byte());
        records.push(Record {
            line: record_line(bytes, start),
            // `str::trim` also removes the non-breaking spaces Excel pads with.
            cells: record.iter().map(|cell| cell.trim().to_string()).collect(),
        });
    }
    Ok(records)
}

/// Line of a record that `csv` says starts at byte `start`.
///
/// `csv` reports where it started reading, which is before any empty lines it
/// skipped, so skip those here too.
fn record_line(bytes: &[u8], start: u64) -> usize {
    let mut offset = usize::try_from(start).map_or(bytes.len(), |s| s.min(bytes.len()));
    while matches!(bytes.get(offset), Some(b'\r' | b'\n')) {
        offset += 1;
    }
    line_at(bytes, offset)
}

/// Number of cells up to and including the last non-empty one.
fn used_width(cells: &[String]) -> usize {
    cells.iter().rposition(|cell| !cell.is_empty()).map_or(0, |last| last + 1)
}

fn build_table(separator: u8, records: Vec<Record>) -> Result<Table, DecodeError> {
    let mut records = records.into_iter();
    let header = records.next().ok_or(DecodeError::Empty)?;
    let written_width = header.cells.len();
    let named_width = used_width(&header.cells);
    if named_width == 0 {
        return Err(DecodeError::Empty);
    }
    let mut headers = header.cells;
    headers.truncate(named_width);
    check_headers(&headers)?;

    let mut rows = Vec::new();
    for record in records {
        let used = used_width(&record.cells);
        if used == 0 {
            continue; // Excel's ";;;;" lines
        }
        if used > written_width {
            return Err(DecodeError::WrongColumnCount { line: record.line, expected: named_width, found: used });
        }
        if used > named_width {
            // Data under a trailing header cell that was left empty.
            let column = (named_width..used).find(|&index| !record.cells[index].is_empty()).map_or(used, |index| index + 1);
            return Err(DecodeError::EmptyHeader { column });
        }
        if record.cells.len() < named_width {
            return Err(DecodeError::WrongColumnCount { line: record.line, expected: named_width, found: record.cells.len() });
        }
        let mut cells = record.cells;
        cells.truncate(named_width);
        rows.push(Row { line: record.line, cells });
    }
    Ok(Table { separator, headers, rows })
}

fn check_headers(headers: &[String]) -> Result<(), DecodeError> {
    if let Some(index) = headers.iter().position(|header| header.is_empty()) {
        return Err(DecodeError::EmptyHeader { column: index + 1 });
    }
    let mut seen = HashSet::new();
    for header in headers {
        if !seen.insert(header.to_lowercase()) {
            return Err(DecodeError::DuplicateHeader { name: header.clone() });
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
