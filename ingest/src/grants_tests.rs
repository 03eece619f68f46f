use super::*;
use crate::table::read_table;

fn index() -> MunicipalityIndex {
    MunicipalityIndex::new(
        [("1882", "Askersund"), ("1280", "Malmö"), ("0687", "Tranås"), ("1256", "Östra Göinge"), ("0980", "Gotland")]
            .map(|(code, name)| (code.to_string(), name.to_string())),
    )
}

fn table(text: &str) -> Table {
    read_table(text.as_bytes(), 1 << 20).unwrap()
}

fn grant(line: usize, code: &str, granted_ore: i64, unused_ore: i64) -> GrantRow {
    GrantRow { line, municipality_code: code.to_string(), granted_ore, unused_ore }
}

fn error(line: usize, column: &str, given: &str, problem: GrantProblem) -> GrantError {
    GrantError { line, column: column.to_string(), given: given.to_string(), problem }
}

const HEADER: &str = "Mottagare;Beviljade medel (kr);Oanvända medel (kr);Andel oanvända medel (%)\r\n";

/// Bilaga 1 as the national report prints it, saved by Swedish Excel.
fn national_report(total_row: &str) -> String {
    format!(
        "{HEADER}\
         Askersunds kommun;1\u{a0}836\u{a0}000;120\u{a0}000;6,5\r\n\
         Malmö stad;12\u{a0}500\u{a0}000;0;0\r\n\
         Tranås Kommun;950\u{a0}000,50;950\u{a0}000,50;100\r\n\
         Region Gotland;2\u{a0}000\u{a0}000;500\u{a0}000;25\r\n\
         {total_row}\r\n\
         ;;;\r\n"
    )
}

#[test]
fn national_report_with_correct_total() {
    let table = table(&national_report("Totalt;17 286 000,50;1 570 000,50;9,1"));
    assert_eq!(
        parse_grant_table(&table, &index()),
        Ok(vec![
            grant(2, "1882", 183_600_000, 12_000_000),
            grant(3, "1280", 1_250_000_000, 0),
            grant(4, "0687", 95_000_050, 95_000_050),
            grant(5, "0980", 200_000_000, 50_000_000),
        ])
    );
}

#[test]
fn national_report_without_total_row() {
    let text = national_report("");
    let rows = parse_grant_table(&table(&text), &index()).unwrap();
    assert_eq!(rows.len(), 4);
}

#[test]
fn comma_separated_report_with_quoted_amounts() {
    let text = "Kommunkod,Beviljat,Oförbrukade medel\n\
                1280,\"1 836 000,50\",\"100,25\"\n\
                Summa,\"1 836 000,50\",\"100,25\"\n";
    assert_eq!(parse_grant_table(&table(text), &index()), Ok(vec![grant(2, "1280", 183_600_050, 10_025)]));
}

#[test]
fn wrong_total_is_reported_on_its_line_per_column() {
    let table = table(&national_report("Totalt;17 286 000;1 570 000,50;9,1"));
    assert_eq!(parse_grant_table(&table, &index()), Err(vec![error(6, "Beviljade medel (kr)", "17 286 000", GrantProblem::TotalMismatch)]));
}

#[test]
fn unknown_recipient() {
    let text = format!("{HEADER}Atlantis kommun;100;0;0\r\nMalmö;200;0;0\r\n");
    assert_eq!(
        parse_grant_table(&table(&text), &index()),
        Err(vec![error(2, "Mottagare", "Atlantis kommun", GrantProblem::Recipient(ResolveError::Unknown { given: "Atlantis kommun".to_string() }))])
    );
}

#[test]
fn ambiguous_recipient() {
    let index = MunicipalityIndex::new([("2001", "Ås"), ("1001", "Ås"), ("1280", "Malmö")].map(|(code, name)| (code.to_string(), name.to_string())));
    let text = format!("{HEADER}Ås kommun;100;0;0\r\nMalmö;200;0;0\r\n");
    assert_eq!(
        parse_grant_table(&table(&text), &index),
        Err(vec![error(
            2,
            "Mottagare",
            "Ås kommun",
            GrantProblem::Recipient(ResolveError::Ambiguous { given: "Ås kommun".to_string(), codes: vec!["1001".to_string(), "2001".to_string()] })
        )])
    );
}

#[test]
fn duplicate_recipient_is_flagged_on_the_second_line() {
    let text = format!("{HEADER}Malmö stad;100;0;0\r\nAskersund;5;0;0\r\n1280;200;0;0\r\n");
    assert_eq!(parse_grant_table(&table(&text), &index()), Err(vec![error(4, "Mottagare", "1280", GrantProblem::DuplicateRecipient { first_line: 2 })]));
}

#[test]
fn unused_exceeding_granted() {
    let text = format!("{HEADER}Malmö;100;100,01;100\r\n");
    assert_eq!(parse_grant_table(&table(&text), &index()), Err(vec![error(2, "Oanvända medel (kr)", "100,01", GrantProblem::UnusedExceedsGranted)]));
}

#[test]
fn every_error_in_every_row_is_collected_in_line_order() {
    let text = format!(
        "{HEADER}\
         Atlantis;12a;;0\r\n\
         Malmö;-5;1,555;0\r\n\
         Totalt;100;0;0\r\n\
         Tranås;10;20;0\r\n"
    );
    assert_eq!(
        parse_grant_table(&table(&text), &index()),
        Err(vec![
            error(2, "Mottagare", "Atlantis", GrantProblem::Recipient(ResolveError::Unknown { given: "Atlantis".to_string() })),
            error(2, "Beviljade medel (kr)", "12a", GrantProblem::Amount(MoneyError::NotAnAmount)),
            error(2, "Oanvända medel (kr)", "", GrantProblem::Amount(MoneyError::Missing)),
            error(3, "Beviljade medel (kr)", "-5", GrantProblem::Amount(MoneyError::Negative)),
            error(3, "Oanvända medel (kr)", "1,555", GrantProblem::Amount(MoneyError::TooManyDecimals)),
            // Line 4's total cannot be checked: the rows' amounts are unreadable.
            error(5, "Oanvända medel (kr)", "20", GrantProblem::UnusedExceedsGranted),
        ])
    );
}

#[test]
fn missing_columns_are_each_reported_on_line_1() {
    // A share column must not be taken for the unused column.
    let text = "Kommun;Andel oförbrukade medel (%)\nMalmö;5\n";
    assert_eq!(
        parse_grant_table(&table(text), &index()),
        Err(vec![error(1, "Beviljade medel", "", GrantProblem::MissingColumn), error(1, "Oanvända medel", "", GrantProblem::MissingColumn),])
    );
}

#[test]
fn share_column_before_the_unused_column_is_skipped() {
    let text = "Recipient;Andel oanvända medel (%);Granted (SEK);Unused (SEK)\n\
                Malmö;50;100;50\n";
    assert_eq!(parse_grant_table(&table(text), &index()), Ok(vec![grant(2, "1280", 10_000, 5_000)]));
}

#[test]
fn code_column_is_preferred_over_name_column() {
    let text = "Kommun;Kommunkod;Beviljat;Oanvända medel\nMalmö;1882;100;0\n";
    assert_eq!(parse_grant_table(&table(text), &index()), Ok(vec![grant(2, "1882", 10_000, 0)]));
}

#[test]
fn no_rows() {
    let expected = Err(vec![error(1, "", "", GrantProblem::NoRows)]);
    assert_eq!(parse_grant_table(&table(HEADER), &index()), expected);
    let only_total = format!("{HEADER}Totalt;0;0;0\r\n");
    assert_eq!(parse_grant_table(&table(&only_total), &index()), expected);
}

#[test]
fn messages_say_where_and_what() {
    let amount = error(3, "Beviljade medel (kr)", "12a", GrantProblem::Amount(MoneyError::NotAnAmount));
    assert_eq!(
        amount.to_string(),
        "line 3, column \"Beviljade medel (kr)\": \"12a\": \
         not an amount in kronor (expected e.g. \"1 836 000\" or \"1836000,50\")"
    );
    let missing = error(1, "Oanvända medel", "", GrantProblem::MissingColumn);
    assert_eq!(missing.to_string(), "line 1: column \"Oanvända medel\" is missing from the header line");
    let duplicate = error(4, "Mottagare", "1280", GrantProblem::DuplicateRecipient { first_line: 2 });
    assert_eq!(duplicate.to_string(), "line 4, column \"Mottagare\": \"1280\": the same municipality already appears on line 2");
}
