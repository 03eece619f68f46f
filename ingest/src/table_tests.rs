use super::*;
use proptest::prelude::*;

const LIMIT: usize = 1 << 20;

fn read(text: &str) -> Result<Table, DecodeError> {
    read_table(text.as_bytes(), LIMIT)
}

fn strings(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|cell| cell.to_string()).collect()
}

fn row(line: usize, cells: &[&str]) -> Row {
    Row { line, cells: strings(cells) }
}

#[test]
fn semicolon_file_without_bom() {
    let table = read("Kommun;Belopp\nMalmö;1 836 000\nLund;12\n").unwrap();
    assert_eq!(table, Table { separator: b';', headers: strings(&["Kommun", "Belopp"]), rows: vec![row(2, &["Malmö", "1 836 000"]), row(3, &["Lund", "12"])] });
}

#[test]
fn utf8_bom_is_stripped() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice("Kommun;Belopp\r\nÖrebro;5\r\n".as_bytes());
    let table = read_table(&bytes, LIMIT).unwrap();
    assert_eq!(table.headers, strings(&["Kommun", "Belopp"]));
    assert_eq!(table.rows, vec![row(2, &["Örebro", "5"])]);
}

#[test]
fn comma_file_with_quoted_decimal_comma_amount() {
    let table = read("Kommun,Belopp\r\n\"Malmö\",\"1 836 000,50\"\r\nLund,7\r\n").unwrap();
    assert_eq!(table.separator, b',');
    assert_eq!(table.rows, vec![row(2, &["Malmö", "1 836 000,50"]), row(3, &["Lund", "7"])]);
}

#[test]
fn separator_inside_quotes_is_text() {
    let table = read("\"Namn; med semikolon\";B\n\"a;b\";\"c \"\"citat\"\"\"\n").unwrap();
    assert_eq!(table.separator, b';');
    assert_eq!(table.headers, strings(&["Namn; med semikolon", "B"]));
    assert_eq!(table.rows, vec![row(2, &["a;b", "c \"citat\""])]);
}

#[test]
fn commas_inside_quotes_do_not_decide_the_separator() {
    let table = read("\"a,b,c\";d\n1;2\n").unwrap();
    assert_eq!(table.separator, b';');
    assert_eq!(table.headers, strings(&["a,b,c", "d"]));
}

#[test]
fn semicolon_wins_ties_and_single_columns() {
    assert_eq!(read("a;b,c\n").unwrap().separator, b';');
    assert_eq!(read("Kommun\nMalmö\n").unwrap().separator, b';');
}

#[test]
fn tab_separated_header_is_one_column() {
    let table = read("a\tb\n1\t2\n").unwrap();
    assert_eq!(table.headers, strings(&["a\tb"]));
    assert_eq!(table.rows, vec![row(2, &["1\t2"])]);
}

#[test]
fn crlf_and_trailing_empty_lines_from_excel() {
    let table = read("A;B;C\r\n1;2;3\r\n;;\r\n;;;\r\n4;5;6\r\n;;\r\n;;\r\n").unwrap();
    assert_eq!(table.rows, vec![row(2, &["1", "2", "3"]), row(5, &["4", "5", "6"])]);
}

#[test]
fn blank_lines_keep_physical_line_numbers() {
    let table = read("A;B\n\n\n1;2\r\n\r\n3;4").unwrap();
    assert_eq!(table.rows, vec![row(4, &["1", "2"]), row(6, &["3", "4"])]);
}

#[test]
fn quoted_newline_counts_as_a_physical_line() {
    let table = read("A;B\n\"two\nlines\";1\n2;3\n").unwrap();
    assert_eq!(table.rows, vec![row(2, &["two\nlines", "1"]), row(4, &["2", "3"])]);
}

#[test]
fn cells_are_trimmed_including_no_break_spaces() {
    let table = read(" A ; B\u{a0}\n  x ;\u{a0}1 836 000\u{a0}\n").unwrap();
    assert_eq!(table.headers, strings(&["A", "B"]));
    assert_eq!(table.rows, vec![row(2, &["x", "1 836 000"])]);
}

#[test]
fn trailing_empty_header_columns_are_dropped() {
    let table = read("A;B;;\n1;2;;\n3;;;\n").unwrap();
    assert_eq!(table.headers, strings(&["A", "B"]));
    assert_eq!(table.rows, vec![row(2, &["1", "2"]), row(3, &["3", ""])]);
}

#[test]
fn data_under_a_dropped_header_column_is_an_empty_header() {
    assert_eq!(read("A;B;;\n1;2;;\n3;4;;x\n"), Err(DecodeError::EmptyHeader { column: 4 }));
}

#[test]
fn empty_header_in_the_middle() {
    assert_eq!(read("A;;C\n1;2;3\n"), Err(DecodeError::EmptyHeader { column: 2 }));
}

#[test]
fn duplicate_headers_ignore_case() {
    assert_eq!(read("Kommun;Belopp;KOMMUN\n"), Err(DecodeError::DuplicateHeader { name: "KOMMUN".to_string() }));
}

#[test]
fn too_many_cells_reports_line_and_counts() {
    assert_eq!(read("A;B\n1;2\n1;2;3\n"), Err(DecodeError::WrongColumnCount { line: 3, expected: 2, found: 3 }));
}

#[test]
fn too_few_cells_reports_line_and_counts() {
    assert_eq!(read("A;B;C\r\n1;2;3\r\n\r\n1;2\r\n"), Err(DecodeError::WrongColumnCount { line: 4, expected: 3, found: 2 }));
}

#[test]
fn trailing_empty_cells_beyond_the_header_are_ignored() {
    let table = read("A;B\n1;2;;;\n").unwrap();
    assert_eq!(table.rows, vec![row(2, &["1", "2"])]);
}

#[test]
fn header_only_gives_no_rows() {
    let table = read("A;B\n").unwrap();
    assert_eq!(table.headers, strings(&["A", "B"]));
    assert!(table.rows.is_empty());
}

#[test]
fn empty_inputs() {
    assert_eq!(read(""), Err(DecodeError::Empty));
    assert_eq!(read("\r\n\n"), Err(DecodeError::Empty));
    assert_eq!(read_table(b"\xEF\xBB\xBF", LIMIT), Err(DecodeError::Empty));
    assert_eq!(read(";;;\n;;;\n"), Err(DecodeError::Empty));
}

#[test]
fn windows_1252_byte_reports_its_line() {
    // "Örebro" saved as plain "CSV": Ö is the single byte 0xD6.
    let bytes = b"Kommun;Belopp\r\nMalm\xC3\xB6;1\r\n\xD6rebro;2\r\n";
    assert_eq!(read_table(bytes, LIMIT), Err(DecodeError::NotUtf8 { line: 3 }));
}

#[test]
fn windows_1252_message_tells_how_to_save() {
    let message = DecodeError::NotUtf8 { line: 3 }.to_string();
    assert!(message.contains("line 3"), "{message}");
    assert!(message.contains("CSV UTF-8"), "{message}");
}

#[test]
fn utf16_boms_are_rejected() {
    // Excel "Unicode text" is UTF-16 LE with a BOM.
    assert_eq!(read_table(b"\xFF\xFEK\x00o\x00", LIMIT), Err(DecodeError::Utf16));
    assert_eq!(read_table(b"\xFE\xFF\x00K\x00o", LIMIT), Err(DecodeError::Utf16));
    assert!(DecodeError::Utf16.to_string().contains("CSV UTF-8"));
}

#[test]
fn too_large_is_checked_first() {
    // Even invalid content is not looked at when the file is too large.
    assert_eq!(read_table(b"\xFF\xFEabc", 4), Err(DecodeError::TooLarge { max_bytes: 4, actual_bytes: 5 }));
    assert!(read_table(b"A;B", 3).is_ok());
}

#[test]
fn unterminated_quote_is_malformed_on_its_line() {
    let result = read("A;B\n1;2\n\"3;4\n5;6\n");
    match result {
        Err(DecodeError::Malformed { line, message }) => {
            assert_eq!(line, 3);
            assert!(message.contains("closing double quote"), "{message}");
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn quote_inside_an_unquoted_field_is_text() {
    let table = read("A;B\n12\" skärm;2\n").unwrap();
    assert_eq!(table.rows, vec![row(2, &["12\" skärm", "2"])]);
}

#[test]
fn column_lookup_ignores_case() {
    let table = read("Kommun;Belopp\n").unwrap();
    assert_eq!(table.column(" belopp "), Some(1));
    assert_eq!(table.column("saknas"), None);
}

#[test]
fn line_at_counts_all_line_endings() {
    assert_eq!(line_at(b"a\r\nb\nc\rd", 0), 1);
    assert_eq!(line_at(b"a\r\nb\nc\rd", 3), 2);
    assert_eq!(line_at(b"a\r\nb\nc\rd", 5), 3);
    assert_eq!(line_at(b"a\r\nb\nc\rd", 7), 4);
    assert_eq!(line_at(b"a", 99), 1);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = read_table(&bytes, LIMIT);
    }

    #[test]
    fn csv_like_text_never_panics(text in "[a-c;,\"\r\n \t\u{a0}Ö]{0,200}") {
        if let Ok(table) = read(&text) {
            for row in &table.rows {
                prop_assert_eq!(row.cells.len(), table.headers.len());
                prop_assert!(row.line >= 2);
            }
        }
    }
}
