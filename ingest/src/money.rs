//! Amounts in kronor as Swedish spreadsheets print them → whole öre.

/// The largest amount accepted: 10^15 öre (10 000 billion kronor), far above any
/// grant, so that sums of many rows cannot overflow an `i64`.
pub const MAX_ORE: i64 = 1_000_000_000_000_000;

/// Characters Excel and Word use to group thousands in Swedish: space, no-break
/// space (U+00A0), narrow no-break space (U+202F) and thin space (U+2009).
const THOUSANDS_SEPARATORS: [char; 4] = [' ', '\u{a0}', '\u{202f}', '\u{2009}'];

/// Minus signs: ASCII hyphen-minus and the typographic minus (U+2212) that Excel
/// and copied PDF reports use.
const MINUS_SIGNS: [char; 2] = ['-', '\u{2212}'];

/// Why a cell is not a usable amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("no amount given")]
    Missing,
    #[error("not an amount in kronor (expected e.g. \"1 836 000\" or \"1836000,50\")")]
    NotAnAmount,
    #[error("the amount is negative")]
    Negative,
    #[error("the amount has more than two decimals (öre)")]
    TooManyDecimals,
    #[error("the amount is too large")]
    TooLarge,
}

/// Kronor as Swedish spreadsheets print them, to öre (1 kr = 100 öre).
///
/// Accepted:
/// * digits, optionally grouped by thousands with a space, no-break space,
///   narrow no-break space or thin space: `1836000`, `1 836 000`;
/// * a decimal comma or point with one or two decimals: `1 836 000,50`,
///   `1836000.5`, `0,5` (= 50 öre);
/// * an optional trailing `kr`, `SEK` (any case, with or without a space) or
///   `:-` (the Swedish "whole kronor" mark, as in `1 000:-`).
///
/// Rejected:
/// * empty or blank → [`MoneyError::Missing`];
/// * a leading `-` or `−` (U+2212) in front of an amount → [`MoneyError::Negative`];
/// * more than two decimals → [`MoneyError::TooManyDecimals`];
/// * above [`MAX_ORE`] → [`MoneyError::TooLarge`];
/// * everything else → [`MoneyError::NotAnAmount`], notably: a leading `+`; more
///   than one `,` or `.` (`1.836.000` and `1,836,000` are thousands groupings from
///   other locales, and guessing which would risk a factor of 1000); and badly
///   grouped digits. When spaces group digits, the first group has one to three
///   digits and every later group exactly three (`12 000` is fine, `1 83 6` and
///   `1836 000` are not), because a misplaced space usually means two numbers
///   were pasted into one cell.
pub fn parse_sek_to_ore(raw: &str) -> Result<i64, MoneyError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(MoneyError::Missing);
    }
    let text = strip_currency(text);
    match text.strip_prefix(MINUS_SIGNS) {
        Some(magnitude) => match parse_magnitude(magnitude.trim_start()) {
            // Say "negative" only when what follows the sign is an amount.
            Ok(_) | Err(MoneyError::TooLarge | MoneyError::TooManyDecimals) => Err(MoneyError::Negative),
            Err(_) => Err(MoneyError::NotAnAmount),
        },
        None => parse_magnitude(text),
    }
}

/// Removes one trailing currency mark (`kr`, `SEK`, `:-`) and the space before it.
fn strip_currency(text: &str) -> &str {
    for mark in ["kr", "sek", ":-"] {
        let Some(split) = text.len().checked_sub(mark.len()) else {
            continue;
        };
        if let (Some(head), Some(tail)) = (text.get(..split), text.get(split..)) {
            if tail.eq_ignore_ascii_case(mark) {
                return head.trim_end();
            }
        }
    }
    text
}

/// Parses an unsigned amount: grouped integer part, optional 1–2 decimals.
fn parse_magnitude(text: &str) -> Result<i64, MoneyError> {
    let marks = text.chars().filter(|c| matches!(c, ',' | '.')).count();
    if marks > 1 {
        return Err(MoneyError::NotAnAmount);
    }
    let (integer, decimals) = match text.split_once([',', '.']) {
        Some((integer, decimals)) => (integer, Some(decimals)),
        None => (text, None),
    };
    let kronor = parse_grouped_integer(integer)?;
    let ore = match decimals {
        None => 0,
        Some(decimals) => parse_decimals(decimals)?,
    };
    let total = kronor.checked_mul(100).and_then(|kronor_in_ore| kronor_in_ore.checked_add(ore)).ok_or(MoneyError::TooLarge)?;
    if total > MAX_ORE {
        return Err(MoneyError::TooLarge);
    }
    Ok(total)
}

/// `1836000` or `1 836 000` (see [`parse_sek_to_ore`] for the grouping rule).
fn parse_grouped_integer(text: &str) -> Result<i64, MoneyError> {
    let mut groups = text.split(THOUSANDS_SEPARATORS);
    let first = groups.next().unwrap_or_default();
    let first_ok = if text.contains(THOUSANDS_SEPARATORS) { (1..=3).contains(&first.len()) } else { !first.is_empty() };
    if !first_ok || !is_digits(first) {
        return Err(MoneyError::NotAnAmount);
    }
    let mut value = digits_value(0, first)?;
    for group in groups {
        if group.len() != 3 || !is_digits(group) {
            return Err(MoneyError::NotAnAmount);
        }
        value = digits_value(value, group)?;
    }
    Ok(value)
}

/// One or two decimals → öre (`5` → 50, `05` → 5).
fn parse_decimals(text: &str) -> Result<i64, MoneyError> {
    if text.is_empty() || !is_digits(text) {
        return Err(MoneyError::NotAnAmount);
    }
    if text.len() > 2 {
        return Err(MoneyError::TooManyDecimals);
    }
    let value = digits_value(0, text)?;
    Ok(if text.len() == 1 { value * 10 } else { value })
}

fn is_digits(text: &str) -> bool {
    text.bytes().all(|byte| byte.is_ascii_digit())
}

/// Appends ASCII `digits` to `value`, failing with `TooLarge` on overflow.
fn digits_value(value: i64, digits: &str) -> Result<i64, MoneyError> {
    digits.bytes().try_fold(value, |acc, digit| acc.checked_mul(10).and_then(|acc| acc.checked_add(i64::from(digit - b'0'))).ok_or(MoneyError::TooLarge))
}

#[cfg(test)]
#[path = "money_tests.rs"]
mod tests;
