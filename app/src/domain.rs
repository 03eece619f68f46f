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
    TooLarge { max: i64 },
    OutOfRange { min: i64, max: i64 },
    NotANumber,
    NotPositive,
    ExceedsBudget { remaining_rho: f64 },
    BelowSpent { spent_rho: f64 },
    UnknownMunicipality,
    NotAMember,
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
            Problem::UnknownMunicipality => "unknown_municipality",
            Problem::NotAMember => "not_a_member",
        }
    }
}

/// A refused field: which one, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    #[serde(flatten)]
    pub problem: Problem,
}

impl FieldError {
    pub fn new(field: &str, problem: Problem) -> Self {
        Self { field: field.to_owned(), problem }
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
        Err(_) if trimmed.starts_with('-') && trimmed[1..].parse::<f64>().is_ok() => {
            return Err(FieldError::new(field, Problem::Negative))
        }
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
        let value: f64 = trimmed
            .parse()
            .map_err(|_| FieldError::new(field, Problem::NotANumber))?;
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
