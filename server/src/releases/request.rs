//! A release request as typed, parsed into values that can only be valid. Every refusal names
//! its field.

use kompotten_app::domain::{FieldError, PeriodId, Problem, Rho};
use kompotten_app::model::{ReleaseInput, WindowInput};
use kompotten_privacy::mechanism::Mechanism;
use kompotten_privacy::sensitivity::{IndicatorBound, Level};

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

/// The levels a release measures unless fewer are chosen, nation first.
pub const ALL_LEVELS: [Level; 3] = [Level::Nation, Level::County, Level::Lanskompott];

/// What is released and how: shared by releases and plans.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowRequest {
    pub first: PeriodId,
    pub last: Option<PeriodId>,
    pub layout: Layout,
    pub mechanism: Mechanism,
    /// The chosen person-count indicators, in catalogue order.
    pub indicators: Vec<IndicatorBound>,
    /// The chosen levels, nation first.
    pub levels: Vec<Level>,
}

pub fn level_name(level: Level) -> &'static str {
    match level {
        Level::Nation => "nation",
        Level::County => "county",
        Level::Lanskompott => "lanskompott",
    }
}

fn listed(raw: &str) -> Vec<&str> {
    raw.split(',').map(str::trim).filter(|s| !s.is_empty()).collect()
}

/// The chosen indicators among the catalogue's person counts (`all`, in catalogue order); all
/// of them when none is named.
pub fn parse_indicators(raw: &str, all: &[IndicatorBound]) -> Result<Vec<IndicatorBound>, FieldError> {
    let named = listed(raw);
    if named.iter().any(|code| !all.iter().any(|i| i.code == *code)) {
        return Err(FieldError::new("indicators", Problem::UnknownIndicator));
    }
    Ok(all.iter().filter(|i| named.is_empty() || named.contains(&i.code.as_str())).cloned().collect())
}

/// The chosen levels; all three when none is named. The nation is always released (the table
/// is made consistent from it down), and a länskompott only with its county.
pub fn parse_levels(raw: &str) -> Result<Vec<Level>, FieldError> {
    let named = listed(raw);
    if named.iter().any(|n| !ALL_LEVELS.iter().any(|l| level_name(*l) == *n)) {
        return Err(FieldError::new("levels", Problem::UnknownChoice { choices: ALL_LEVELS.iter().map(|l| level_name(*l).to_owned()).collect() }));
    }
    let chosen: Vec<Level> = ALL_LEVELS.into_iter().filter(|l| named.is_empty() || *l == Level::Nation || named.contains(&level_name(*l))).collect();
    if chosen.contains(&Level::Lanskompott) && !chosen.contains(&Level::County) {
        return Err(FieldError::new("levels", Problem::UnknownChoice { choices: vec!["nation".into(), "nation,county".into(), "nation,county,lanskompott".into()] }));
    }
    Ok(chosen)
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

/// One of `options` by its code; the first when empty.
pub fn choice<T: Copy>(field: &str, raw: &str, options: &[(&str, T)]) -> Result<T, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(options[0].1);
    }
    options.iter().find(|(code, _)| *code == raw).map(|(_, v)| *v).ok_or_else(|| {
        FieldError::new(field, Problem::UnknownChoice { choices: options.iter().map(|(c, _)| (*c).to_owned()).collect() })
    })
}

/// Parses the window fields against the catalogue's person counts (`all`).
pub fn parse_window(input: &WindowInput, all: &[IndicatorBound], errors: &mut Vec<FieldError>) -> Option<WindowRequest> {
    let WindowInput { period, last_period, layout, mechanism, indicators, levels } = input;
    let first = PeriodId::parse("period", period).map_err(|e| errors.push(e)).ok();
    let last = if last_period.trim().is_empty() { Some(None) } else { PeriodId::parse("last_period", last_period).map(Some).map_err(|e| errors.push(e)).ok() };
    let layout = choice("layout", layout, &[("per_period", Layout::PerPeriod), ("summed", Layout::Summed)]).map_err(|e| errors.push(e)).ok();
    let mechanism = choice("mechanism", mechanism, &[("discrete_gaussian", Mechanism::DiscreteGaussian), ("discrete_laplace", Mechanism::DiscreteLaplace)])
        .map_err(|e| errors.push(e))
        .ok();
    let indicators = parse_indicators(indicators, all).map_err(|e| errors.push(e)).ok();
    let levels = parse_levels(levels).map_err(|e| errors.push(e)).ok();
    Some(WindowRequest { first: first?, last: last?, layout: layout?, mechanism: mechanism?, indicators: indicators?, levels: levels? })
}

/// Parses a whole release request; every refused field is reported, not only the first.
pub fn parse_release(input: &ReleaseInput, all: &[IndicatorBound]) -> Result<ReleaseRequest, Vec<FieldError>> {
    let mut errors = Vec::new();
    let window = parse_window(&input.window, all, &mut errors);
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
