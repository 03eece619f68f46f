//! A release request as typed, parsed into values that can only be valid. Every refusal names
//! its field.

use kompotten_app::domain::{FieldError, PeriodId, Problem, Rho};
use kompotten_app::model::ReleaseInput;
use kompotten_privacy::mechanism::Mechanism;

/// The most characters a correction's reason may have.
pub const MAX_REASON_CHARS: usize = 1000;

/// How a window's periods are released.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// One table per period (default).
    PerPeriod,
    /// The window's totals.
    Summed,
}

impl Layout {
    pub fn code(self) -> &'static str {
        match self {
            Layout::PerPeriod => "per_period",
            Layout::Summed => "summed",
        }
    }
}

pub fn mechanism_code(mechanism: Mechanism) -> &'static str {
    match mechanism {
        Mechanism::DiscreteGaussian => "discrete_gaussian",
        Mechanism::DiscreteLaplace => "discrete_laplace",
    }
}

/// The window and the way it is released: shared by releases and plans.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowRequest {
    pub first: PeriodId,
    pub last: Option<PeriodId>,
    pub layout: Layout,
    pub mechanism: Mechanism,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Correction {
    pub corrects: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReleaseRequest {
    pub window: WindowRequest,
    pub rho: Rho,
    pub correction: Option<Correction>,
}

fn choice<T: Copy>(field: &str, raw: &str, options: &[(&str, T)]) -> Result<T, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(options[0].1);
    }
    options.iter().find(|(code, _)| *code == raw).map(|(_, v)| *v).ok_or_else(|| {
        FieldError::new(field, Problem::UnknownChoice { choices: options.iter().map(|(c, _)| (*c).to_owned()).collect() })
    })
}

/// Parses the window fields (`period`, `last_period`, `layout`, `mechanism`).
pub fn parse_window(period: &str, last_period: &str, layout: &str, mechanism: &str, errors: &mut Vec<FieldError>) -> Option<WindowRequest> {
    let first = PeriodId::parse("period", period).map_err(|e| errors.push(e)).ok();
    let last = if last_period.trim().is_empty() { Some(None) } else { PeriodId::parse("last_period", last_period).map(Some).map_err(|e| errors.push(e)).ok() };
    let layout = choice("layout", layout, &[("per_period", Layout::PerPeriod), ("summed", Layout::Summed)]).map_err(|e| errors.push(e)).ok();
    let mechanism = choice("mechanism", mechanism, &[("discrete_gaussian", Mechanism::DiscreteGaussian), ("discrete_laplace", Mechanism::DiscreteLaplace)])
        .map_err(|e| errors.push(e))
        .ok();
    Some(WindowRequest { first: first?, last: last?, layout: layout?, mechanism: mechanism? })
}

/// Parses a whole release request; every refused field is reported, not only the first.
pub fn parse_release(input: &ReleaseInput) -> Result<ReleaseRequest, Vec<FieldError>> {
    let mut errors = Vec::new();
    let window = parse_window(&input.period, &input.last_period, &input.layout, &input.mechanism, &mut errors);
    let rho = Rho::parse("rho", &input.rho).map_err(|e| errors.push(e)).ok();
    let corrects = input.corrects.trim();
    let reason = input.reason.trim();
    let correction = match (corrects.is_empty(), reason.is_empty()) {
        (true, true) => None,
        (true, false) => {
            errors.push(FieldError::new("corrects", Problem::Missing));
            None
        }
        (false, true) => {
            errors.push(FieldError::new("reason", Problem::Missing));
            None
        }
        (false, false) if reason.chars().count() > MAX_REASON_CHARS => {
            errors.push(FieldError::new("reason", Problem::TooLong { max: MAX_REASON_CHARS as i64 }));
            None
        }
        (false, false) => Some(Correction { corrects: corrects.to_owned(), reason: reason.to_owned() }),
    };
    match (window, rho) {
        (Some(window), Some(rho)) if errors.is_empty() => Ok(ReleaseRequest { window, rho, correction }),
        _ => Err(errors),
    }
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
