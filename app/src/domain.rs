//! Domain types that can only be built valid, so that handlers and the privacy engine never
//! re-check their input. Parsing returns a [`FieldError`] that names the field and the problem.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What is wrong with one submitted field. The user-facing text comes from the translation
/// files (`problem.<code>`), so the same error reads in Swedish and English.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    Missing,
    NotAnInteger,
    Negative,
    TooLarge {
        max: i64,
    },
    OutOfRange {
        min: i64,
        max: i64,
    },
    NotANumber,
    NotPositive,
    /// The release would overspend `year`'s budget, of which `remaining_rho` is left.
    ExceedsBudget {
        year: i64,
        remaining_rho: f64,
    },
    /// Budgets are kept per calendar year; a half-year draws on its year's.
    BudgetPerYear,
    /// What this field chose is now the release design's to decide.
    DecidedByDesign,
    /// The chosen queries do not form one design (a county query without its national one).
    IncompleteDesign,
    BelowSpent {
        spent_rho: f64,
    },
    UnknownMunicipality,
    NotAMember,
    // Catalogue-driven reports.
    UnknownIndicator,
    NotApplicable,
    NotYesNo,
    NotOnScale,
    NotAnAmount,
    TooManyDecimals,
    RuleViolated {
        rule: String,
        explanation: Bilingual,
    },
    // Periods and who may write where.
    UnknownPeriod,
    PeriodExists,
    PeriodClosed,
    OtherMunicipality,
    // Files.
    FileTooLarge {
        max_bytes: i64,
    },
    FileEncoding,
    FileMalformed {
        line: i64,
    },
    WrongColumnCount {
        expected: i64,
        found: i64,
    },
    MissingColumn,
    DuplicateColumn,
    NoRows,
    DuplicateRow {
        first_line: i64,
    },
    AmbiguousMunicipality {
        codes: Vec<String>,
    },
    UnusedExceedsGranted,
    TotalMismatch,
    TooLong {
        max: i64,
    },
    // Releases.
    /// A window's last period is before its first, or of another kind (year vs half-year).
    InvalidWindow,
    UnknownRelease,
    /// Not one of `choices`.
    UnknownChoice {
        choices: Vec<String>,
    },
}

impl Problem {
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Missing => "missing",
            Problem::NotAnInteger => "not_an_integer",
            Problem::Negative => "negative",
            Problem::TooLarge { .. } => "too_large",
            Problem::OutOfRange { .. } => "out_of_range",
            Problem::NotANumber => "not_a_number",
            Problem::NotPositive => "not_positive",
            Problem::ExceedsBudget { .. } => "exceeds_budget",
            Problem::BelowSpent { .. } => "below_spent",
            Problem::BudgetPerYear => "budget_per_year",
            Problem::DecidedByDesign => "decided_by_design",
            Problem::IncompleteDesign => "incomplete_design",
            Problem::UnknownMunicipality => "unknown_municipality",
            Problem::NotAMember => "not_a_member",
            Problem::UnknownIndicator => "unknown_indicator",
            Problem::NotApplicable => "not_applicable",
            Problem::NotYesNo => "not_yes_no",
            Problem::NotOnScale => "not_on_scale",
            Problem::NotAnAmount => "not_an_amount",
            Problem::TooManyDecimals => "too_many_decimals",
            Problem::RuleViolated { .. } => "rule_violated",
            Problem::UnknownPeriod => "unknown_period",
            Problem::PeriodExists => "period_exists",
            Problem::PeriodClosed => "period_closed",
            Problem::OtherMunicipality => "other_municipality",
            Problem::FileTooLarge { .. } => "file_too_large",
            Problem::FileEncoding => "file_encoding",
            Problem::FileMalformed { .. } => "file_malformed",
            Problem::WrongColumnCount { .. } => "wrong_column_count",
            Problem::MissingColumn => "missing_column",
            Problem::DuplicateColumn => "duplicate_column",
            Problem::NoRows => "no_rows",
            Problem::DuplicateRow { .. } => "duplicate_row",
            Problem::AmbiguousMunicipality { .. } => "ambiguous_municipality",
            Problem::UnusedExceedsGranted => "unused_exceeds_granted",
            Problem::TotalMismatch => "total_mismatch",
            Problem::TooLong { .. } => "too_long",
            Problem::InvalidWindow => "invalid_window",
            Problem::UnknownRelease => "unknown_release",
            Problem::UnknownChoice { .. } => "unknown_choice",
        }
    }
}

/// A text in both of the interface's languages, for what the catalogue (data, not the
/// translation files) names: indicator labels, help texts and rule explanations.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Bilingual {
    pub sv: String,
    pub en: String,
}

impl Bilingual {
    pub fn get(&self, lang: crate::i18n::Lang) -> &str {
        match lang {
            crate::i18n::Lang::Sv => &self.sv,
            crate::i18n::Lang::En => &self.en,
        }
    }
}

/// A refused field: which one, and why. Catalogue fields carry their label, since it lives
/// in the database rather than the translation files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    #[serde(flatten)]
    pub problem: Problem,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Bilingual>,
}

impl FieldError {
    pub fn new(field: &str, problem: Problem) -> Self {
        Self { field: field.to_owned(), problem, label: None }
    }

    pub fn labelled(field: &str, label: &Bilingual, problem: Problem) -> Self {
        Self { field: field.to_owned(), problem, label: Some(label.clone()) }
    }
}

/// Parses a whole number within `min..=max`, naming `field` in every error.
fn parse_bounded_integer(field: &str, raw: &str, min: i64, max: i64) -> Result<i64, FieldError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, Problem::Missing));
    }
    let value: i64 = match trimmed.parse() {
        Ok(v) => v,
        // "-1.5" is negative before it is fractional: report the sign first, it is the clearer fix.
        Err(_) if trimmed.starts_with('-') && trimmed[1..].replace(',', ".").parse::<f64>().is_ok() => return Err(FieldError::new(field, Problem::Negative)),
        Err(_) => return Err(FieldError::new(field, Problem::NotAnInteger)),
    };
    if value < 0 && min == 0 {
        return Err(FieldError::new(field, Problem::Negative));
    }
    if value > max && min == 0 {
        return Err(FieldError::new(field, Problem::TooLarge { max }));
    }
    if !(min..=max).contains(&value) {
        return Err(FieldError::new(field, Problem::OutOfRange { min, max }));
    }
    Ok(value)
}

/// A whole number 0..=`max`, naming `field` in every error (catalogue counts).
pub fn parse_count(field: &str, raw: &str, max: i64) -> Result<i64, FieldError> {
    parse_bounded_integer(field, raw, 0, max)
}

/// A count of households reported by one municipality for one period: 0 to 1,000.
/// The network moves about 15 households a year nationally, so anything above 1,000 for a
/// single municipality is a typing error, not data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct HouseholdCount(u16);

impl HouseholdCount {
    pub const MAX: i64 = 1000;

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        parse_bounded_integer(field, raw, 0, Self::MAX).map(|v| Self(v as u16))
    }

    pub fn get(self) -> i64 {
        i64::from(self.0)
    }
}

/// A reporting year (calendar year). Half-year periods come with the reporting issue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ReportingYear(i32);

impl ReportingYear {
    pub const MIN: i64 = 2000;
    pub const MAX: i64 = 2100;

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        parse_bounded_integer(field, raw, Self::MIN, Self::MAX).map(|v| Self(v as i32))
    }

    pub fn new(year: i64) -> Option<Self> {
        (Self::MIN..=Self::MAX).contains(&year).then_some(Self(year as i32))
    }

    pub fn get(self) -> i64 {
        i64::from(self.0)
    }
}

impl fmt::Display for ReportingYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A reporting period: a calendar year ("2025") or a half-year ("2025H1", "2025H2"). Only
/// whole years are opened today; the half-year form keeps the model ready for them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PeriodId {
    year: i32,
    half: Option<u8>,
}

impl PeriodId {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new(field, Problem::Missing));
        }
        let upper = trimmed.to_ascii_uppercase();
        let (year_text, half) = match upper.split_once('H') {
            Some((year, "1")) => (year.trim_end_matches('-'), Some(1)),
            Some((year, "2")) => (year.trim_end_matches('-'), Some(2)),
            Some(_) => return Err(FieldError::new(field, Problem::UnknownPeriod)),
            None => (upper.as_str(), None),
        };
        match year_text.parse::<i64>() {
            Ok(year) if (ReportingYear::MIN..=ReportingYear::MAX).contains(&year) => Ok(Self { year: year as i32, half }),
            Ok(_) => Err(FieldError::new(field, Problem::OutOfRange { min: ReportingYear::MIN, max: ReportingYear::MAX })),
            Err(_) => Err(FieldError::new(field, Problem::UnknownPeriod)),
        }
    }

    pub fn year(self) -> ReportingYear {
        ReportingYear(self.year)
    }

    pub fn half(self) -> Option<u8> {
        self.half
    }

    /// First and last day, as ISO dates.
    pub fn bounds(self) -> (String, String) {
        match self.half {
            None => (format!("{}-01-01", self.year), format!("{}-12-31", self.year)),
            Some(1) => (format!("{}-01-01", self.year), format!("{}-06-30", self.year)),
            Some(_) => (format!("{}-07-01", self.year), format!("{}-12-31", self.year)),
        }
    }
}

impl fmt::Display for PeriodId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.half {
            None => write!(f, "{}", self.year),
            Some(h) => write!(f, "{}H{h}", self.year),
        }
    }
}

impl TryFrom<String> for PeriodId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse("period", &value).map_err(|e| format!("invalid period {value:?}: {}", e.problem.code()))
    }
}

impl From<PeriodId> for String {
    fn from(value: PeriodId) -> Self {
        value.to_string()
    }
}

/// A zero-concentrated DP privacy parameter ρ: finite and positive. The upper bound keeps a
/// slip of the keyboard ("5" for "0.5") from publishing nearly raw counts.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Rho(f64);

impl Rho {
    pub const MAX: f64 = 5.0;

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim().replace(',', ".");
        if trimmed.is_empty() {
            return Err(FieldError::new(field, Problem::Missing));
        }
        let value: f64 = trimmed.parse().map_err(|_| FieldError::new(field, Problem::NotANumber))?;
        Self::new(value).ok_or_else(|| {
            if value.is_finite() && value > Self::MAX {
                FieldError::new(field, Problem::TooLarge { max: Self::MAX as i64 })
            } else if value.is_finite() {
                FieldError::new(field, Problem::NotPositive)
            } else {
                FieldError::new(field, Problem::NotANumber)
            }
        })
    }

    pub fn new(value: f64) -> Option<Self> {
        (value.is_finite() && value > 0.0 && value <= Self::MAX).then_some(Self(value))
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

/// A municipality's four-digit SCB code, e.g. "2180" for Gävle. Existence is checked against
/// the geography tables by the server; this type only guarantees the form.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MunicipalityCode(String);

impl MunicipalityCode {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new(field, Problem::Missing));
        }
        if trimmed.len() == 4 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(FieldError::new(field, Problem::UnknownMunicipality))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The two person counts of the foundation slice. Each declares how much one household can
/// add to it across all municipalities' reports of a period (the unit of protection).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// Households moved out through the network, reported by the sending municipality.
    HouseholdsMovedOut,
    /// Households received through the network, reported by the receiving municipality.
    HouseholdsReceived,
}

impl Indicator {
    pub const ALL: [Indicator; 2] = [Indicator::HouseholdsMovedOut, Indicator::HouseholdsReceived];

    pub fn code(self) -> &'static str {
        match self {
            Indicator::HouseholdsMovedOut => "households_moved_out",
            Indicator::HouseholdsReceived => "households_received",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.code() == code)
    }

    /// The most one household can add to this indicator, summed over every municipality's
    /// report of one period: it is moved out by exactly one sender and received by exactly
    /// one receiver.
    pub fn max_contribution_per_household(self) -> u32 {
        1
    }
}

/// Who a signed-in user is to the service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Reporter,
    CountyBoard,
    Coordinator,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Reporter => "reporter",
            Role::CountyBoard => "county_board",
            Role::Coordinator => "coordinator",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "reporter" => Some(Role::Reporter),
            "county_board" => Some(Role::CountyBoard),
            "coordinator" => Some(Role::Coordinator),
            _ => None,
        }
    }

    /// Where the user lands after signing in.
    pub fn home_path(self) -> &'static str {
        match self {
            Role::Reporter => "/rapportera",
            Role::CountyBoard => "/lan",
            Role::Coordinator => "/samordnare",
        }
    }
}

#[cfg(test)]
#[path = "domain_tests.rs"]
mod tests;
