use super::*;
use proptest::prelude::*;

fn ore(raw: &str) -> Result<i64, MoneyError> {
    parse_sek_to_ore(raw)
}

#[test]
fn plain_and_grouped_kronor() {
    assert_eq!(ore("1836000"), Ok(183_600_000));
    assert_eq!(ore("1 836 000"), Ok(183_600_000));
    assert_eq!(ore("12 000"), Ok(1_200_000));
    assert_eq!(ore("0"), Ok(0));
    assert_eq!(ore("  42  "), Ok(4_200));
}

#[test]
fn excel_and_typographic_thousands_separators() {
    assert_eq!(ore("1\u{a0}836\u{a0}000"), Ok(183_600_000));
    assert_eq!(ore("1\u{202f}836\u{202f}000"), Ok(183_600_000));
    assert_eq!(ore("1\u{2009}836\u{2009}000"), Ok(183_600_000));
}

#[test]
fn decimals_with_comma_or_point() {
    assert_eq!(ore("1 836 000,50"), Ok(183_600_050));
    assert_eq!(ore("1836000.5"), Ok(183_600_050));
    assert_eq!(ore("0,5"), Ok(50));
    assert_eq!(ore("0,05"), Ok(5));
    assert_eq!(ore("12,00"), Ok(1_200));
}

#[test]
fn currency_marks() {
    assert_eq!(ore("1 836 000 kr"), Ok(183_600_000));
    assert_eq!(ore("1836000kr"), Ok(183_600_000));
    assert_eq!(ore("1 836 000,50\u{a0}KR"), Ok(183_600_050));
    assert_eq!(ore("12 SEK"), Ok(1_200));
    assert_eq!(ore("12sek"), Ok(1_200));
    assert_eq!(ore("1 000:-"), Ok(100_000));
    assert_eq!(ore("kr"), Err(MoneyError::NotAnAmount));
    assert_eq!(ore("12 kr kr"), Err(MoneyError::NotAnAmount));
}

#[test]
fn missing() {
    assert_eq!(ore(""), Err(MoneyError::Missing));
    assert_eq!(ore("   "), Err(MoneyError::Missing));
    assert_eq!(ore("\u{a0}"), Err(MoneyError::Missing));
}

#[test]
fn negative_with_either_minus() {
    assert_eq!(ore("-1 000"), Err(MoneyError::Negative));
    assert_eq!(ore("\u{2212}1 000"), Err(MoneyError::Negative));
    assert_eq!(ore("-5,50 kr"), Err(MoneyError::Negative));
    assert_eq!(ore("-"), Err(MoneyError::NotAnAmount));
    assert_eq!(ore("-abc"), Err(MoneyError::NotAnAmount));
}

#[test]
fn foreign_thousands_groupings_are_ambiguous() {
    assert_eq!(ore("1.836.000"), Err(MoneyError::NotAnAmount));
    assert_eq!(ore("1,836,000"), Err(MoneyError::NotAnAmount));
    assert_eq!(ore("1,836.50"), Err(MoneyError::NotAnAmount));
}

#[test]
fn badly_grouped_digits() {
    assert_eq!(ore("1 83 6"), Err(MoneyError::NotAnAmount));
    assert_eq!(ore("1836 000"), Err(MoneyError::NotAnAmount));
    assert_eq!(ore("1  836"), Err(MoneyError::NotAnAmount));
    assert_eq!(ore("1 836 000 ,50"), Err(MoneyError::NotAnAmount));
}

#[test]
fn other_text_is_not_an_amount() {
    for raw in ["12a", "abc", "+12", "1e6", ",50", "12,", "(1 000)", "1 000-", "１２"] {
        assert_eq!(ore(raw), Err(MoneyError::NotAnAmount), "{raw:?}");
    }
}

#[test]
fn too_many_decimals() {
    assert_eq!(ore("1,555"), Err(MoneyError::TooManyDecimals));
    assert_eq!(ore("0.001"), Err(MoneyError::TooManyDecimals));
}

#[test]
fn too_large() {
    assert_eq!(ore("10 000 000 000 000"), Ok(MAX_ORE));
    assert_eq!(ore("10 000 000 000 000,01"), Err(MoneyError::TooLarge));
    assert_eq!(ore("99999999999999999999999"), Err(MoneyError::TooLarge));
}

/// Formats kronor the way Swedish Excel does: groups of three, no-break spaces.
fn excel_format(kronor: i64, ore: i64) -> String {
    let digits = kronor.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('\u{a0}');
        }
        grouped.push(digit);
    }
    format!("{grouped},{ore:02}\u{a0}kr")
}

proptest! {
    #[test]
    fn excel_formatted_amounts_round_trip(kronor in 0i64..10_000_000_000_000, ore in 0i64..100) {
        prop_assert_eq!(parse_sek_to_ore(&excel_format(kronor, ore)), Ok(kronor * 100 + ore));
    }

    #[test]
    fn arbitrary_text_never_panics(raw in "\\PC{0,40}") {
        let _ = parse_sek_to_ore(&raw);
    }
}
