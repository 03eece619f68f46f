//! Translations. The interface is Swedish first, English second; every text a user reads
//! comes from `locales/sv.json` or `locales/en.json`.
//!
//! A small lookup rather than leptos_i18n: the slice needs flat keys and one `{name}`
//! placeholder, and the macro crate roughly doubles the WebAssembly build time on 2 cores.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;

use crate::domain::{FieldError, Problem};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Sv,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "sv" => Some(Lang::Sv),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn other(self) -> Self {
        match self {
            Lang::Sv => Lang::En,
            Lang::En => Lang::Sv,
        }
    }
}

/// The cookie that remembers the reader's language.
pub const LANG_COOKIE: &str = "kompotten_lang";

fn table(lang: Lang) -> &'static HashMap<String, String> {
    static SV: OnceLock<HashMap<String, String>> = OnceLock::new();
    static EN: OnceLock<HashMap<String, String>> = OnceLock::new();
    let (cell, source) = match lang {
        Lang::Sv => (&SV, include_str!("../locales/sv.json")),
        Lang::En => (&EN, include_str!("../locales/en.json")),
    };
    cell.get_or_init(|| serde_json::from_str(source).expect("translation file is valid JSON"))
}

/// The text for `key`; the key itself where a translation is missing (a test keeps both
/// files complete, so this only shows during development).
pub fn t(lang: Lang, key: &str) -> String {
    table(lang).get(key).cloned().unwrap_or_else(|| key.to_owned())
}

/// `t` with `{name}` placeholders filled in.
pub fn t_with(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    let mut text = t(lang, key);
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// A field's name for the reader: the catalogue's label, else the translation of
/// `field.<name>`, else the name as given (a spreadsheet's own column header).
fn field_name(lang: Lang, error: &FieldError) -> String {
    if let Some(label) = &error.label {
        return label.get(lang).to_owned();
    }
    let key = format!("field.{}", error.field);
    match table(lang).get(&key) {
        Some(text) => text.clone(),
        None => error.field.clone(),
    }
}

/// A field error as a sentence that names the field and the problem.
pub fn field_error_message(lang: Lang, error: &FieldError) -> String {
    let mut args = vec![("field", field_name(lang, error))];
    match &error.problem {
        Problem::TooLarge { max } | Problem::TooLong { max } => args.push(("max", max.to_string())),
        Problem::OutOfRange { min, max } => {
            args.push(("min", min.to_string()));
            args.push(("max", max.to_string()));
        }
        Problem::ExceedsBudget { year, remaining_rho } => {
            args.push(("year", year.to_string()));
            args.push(("remaining", format_rho(lang, *remaining_rho)));
        }
        Problem::BelowSpent { spent_rho } => args.push(("spent", format_rho(lang, *spent_rho))),
        Problem::RuleViolated { explanation, .. } => args.push(("explanation", explanation.get(lang).to_owned())),
        Problem::FileTooLarge { max_bytes } => args.push(("max", max_bytes.to_string())),
        Problem::WrongColumnCount { expected, found } => {
            args.push(("expected", expected.to_string()));
            args.push(("found", found.to_string()));
        }
        Problem::DuplicateRow { first_line } => args.push(("first_line", first_line.to_string())),
        Problem::AmbiguousMunicipality { codes } => args.push(("codes", codes.join(", "))),
        Problem::UnknownChoice { choices } => args.push(("choices", choices.join(", "))),
        _ => {}
    }
    t_with(lang, &format!("problem.{}", error.problem.code()), &args)
}

/// Both languages at once, for API clients: "Svensk text / English text".
pub fn field_error_message_bilingual(error: &FieldError) -> String {
    format!("{} / {}", field_error_message(Lang::Sv, error), field_error_message(Lang::En, error))
}

/// A number written with a decimal point, as the reader writes it (decimal comma in Swedish).
fn with_decimal_sign(lang: Lang, text: &str) -> String {
    match lang {
        Lang::Sv => text.replace('.', ","),
        Lang::En => text.to_owned(),
    }
}

/// A decimal number with a fixed number of decimals, in the reader's notation.
pub fn format_decimal(lang: Lang, value: f64, decimals: usize) -> String {
    with_decimal_sign(lang, &format!("{value:.decimals$}"))
}

/// ρ with up to four decimals and no trailing zeros, in the reader's notation.
pub fn format_rho(lang: Lang, rho: f64) -> String {
    let text = format!("{rho:.4}");
    with_decimal_sign(lang, text.trim_end_matches('0').trim_end_matches('.'))
}

/// δ as a power of ten where it is one ("10⁻⁷"), else in scientific notation.
pub fn format_delta(delta: f64) -> String {
    let exponent = delta.log10().round();
    if delta > 0.0 && (10f64.powf(exponent) - delta).abs() <= delta * 1e-9 {
        let digits: String = (exponent as i64)
            .to_string()
            .chars()
            .map(|c| match c {
                '-' => '⁻',
                d => ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'][d.to_digit(10).unwrap_or(0) as usize],
            })
            .collect();
        format!("10{digits}")
    } else {
        format!("{delta:e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let mut sv: Vec<_> = table(Lang::Sv).keys().collect();
        let mut en: Vec<_> = table(Lang::En).keys().collect();
        sv.sort();
        en.sort();
        assert_eq!(sv, en);
    }

    #[test]
    fn field_errors_name_field_and_problem() {
        let error = FieldError::new("households_moved_out", Problem::Negative);
        let sv = field_error_message(Lang::Sv, &error);
        assert!(sv.contains("flyttat ut") && sv.contains("negativ"), "{sv}");
        let en = field_error_message(Lang::En, &error);
        assert!(en.contains("moved out") && en.contains("negative"), "{en}");
    }

    #[test]
    fn catalogue_labels_and_column_headers_name_the_field() {
        let label = crate::domain::Bilingual { sv: "Hushåll som flyttat ut".into(), en: "Households moved out".into() };
        let error = FieldError::labelled("households_moved_out", &label, Problem::Negative);
        assert!(field_error_message(Lang::En, &error).starts_with("Households moved out:"));
        let column = FieldError::new("Beviljade medel (kr)", Problem::NotAnAmount);
        assert!(field_error_message(Lang::Sv, &column).starts_with("Beviljade medel (kr):"));
    }

    #[test]
    fn numbers_read_as_the_reader_writes_them() {
        assert_eq!(format_rho(Lang::Sv, 0.5), "0,5");
        assert_eq!(format_rho(Lang::En, 0.125), "0.125");
        assert_eq!(format_rho(Lang::En, 1.0), "1");
        assert_eq!(format_decimal(Lang::Sv, 5.666, 2), "5,67");
        assert_eq!(format_delta(1e-7), "10⁻⁷");
        assert_eq!(format_delta(2.5e-7), "2.5e-7");
    }

    #[test]
    fn every_problem_has_a_text() {
        let problems = [
            Problem::Missing,
            Problem::NotAnInteger,
            Problem::Negative,
            Problem::TooLarge { max: 1 },
            Problem::OutOfRange { min: 1, max: 2 },
            Problem::NotANumber,
            Problem::NotPositive,
            Problem::ExceedsBudget { year: 2025, remaining_rho: 0.1 },
            Problem::BudgetPerYear,
            Problem::DecidedByDesign,
            Problem::IncompleteDesign,
            Problem::InvalidWindow,
            Problem::UnknownRelease,
            Problem::UnknownChoice { choices: vec!["a".into(), "b".into()] },
            Problem::BelowSpent { spent_rho: 0.1 },
            Problem::UnknownMunicipality,
            Problem::NotAMember,
            Problem::UnknownIndicator,
            Problem::NotApplicable,
            Problem::NotYesNo,
            Problem::NotOnScale,
            Problem::NotAnAmount,
            Problem::TooManyDecimals,
            Problem::RuleViolated { rule: "r".into(), explanation: Default::default() },
            Problem::UnknownPeriod,
            Problem::PeriodExists,
            Problem::PeriodClosed,
            Problem::OtherMunicipality,
            Problem::FileTooLarge { max_bytes: 1 },
            Problem::FileEncoding,
            Problem::FileMalformed { line: 1 },
            Problem::WrongColumnCount { expected: 1, found: 2 },
            Problem::MissingColumn,
            Problem::DuplicateColumn,
            Problem::NoRows,
            Problem::DuplicateRow { first_line: 2 },
            Problem::AmbiguousMunicipality { codes: vec![] },
            Problem::UnusedExceedsGranted,
            Problem::TotalMismatch,
            Problem::TooLong { max: 1 },
        ];
        for lang in [Lang::Sv, Lang::En] {
            for p in &problems {
                let key = format!("problem.{}", p.code());
                assert_ne!(t(lang, &key), key, "{lang:?} lacks {key}");
            }
        }
    }
}
