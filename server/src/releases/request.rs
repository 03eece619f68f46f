//! A release request as typed, parsed into values that can only be valid. Every refusal names
//! its field.

use kompotten_app::domain::{FieldError, PeriodId, Problem, Rho};
use kompotten_app::model::{ReleaseInput, WindowInput};
use kompotten_privacy::design::{Query, ReleaseDesign};
use kompotten_privacy::mechanism::Mechanism;
use kompotten_privacy::sensitivity::Level;
use kompotten_privacy::standard::STANDARD;

/// The most characters a correction's reason may have.
pub const MAX_REASON_CHARS: usize = 1000;
/// The largest weight a query may be given (weights are relative; this only keeps them sane).
pub const MAX_WEIGHT: f64 = 1000.0;

pub fn mechanism_code(mechanism: Mechanism) -> &'static str {
    match mechanism {
        Mechanism::DiscreteGaussian => "discrete_gaussian",
        Mechanism::DiscreteLaplace => "discrete_laplace",
    }
}

/// The levels a design can release, nation first.
pub const ALL_LEVELS: [Level; 3] = [Level::Nation, Level::County, Level::Lanskompott];

/// What is released and how: shared by releases and plans.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowRequest {
    pub first: PeriodId,
    pub last: Option<PeriodId>,
    pub mechanism: Mechanism,
    /// The design with the chosen weights, filtered to the chosen indicators and levels.
    pub design: ReleaseDesign,
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

/// The chosen levels; all three when none is named.
pub fn parse_levels(raw: &str) -> Result<Vec<Level>, FieldError> {
    let named = listed(raw);
    if named.iter().any(|n| !ALL_LEVELS.iter().any(|l| level_name(*l) == *n)) {
        return Err(FieldError::new("levels", Problem::UnknownChoice { choices: ALL_LEVELS.iter().map(|l| level_name(*l).to_owned()).collect() }));
    }
    Ok(ALL_LEVELS.into_iter().filter(|l| named.is_empty() || named.contains(&level_name(*l))).collect())
}

/// Weights by query key (`households_moved_out@county=8,…`); every key must be the design's,
/// every weight a number from 0 (leave the query out) to [`MAX_WEIGHT`].
pub fn parse_weights(raw: &str, design: &ReleaseDesign) -> Result<Vec<(String, f64)>, FieldError> {
    let keys: Vec<String> = design.queries.iter().map(Query::key).collect();
    listed(raw)
        .into_iter()
        .map(|pair| {
            let (key, weight) = pair.split_once('=').ok_or_else(|| FieldError::new("weights", Problem::NotANumber))?;
            let key = key.trim();
            if !keys.iter().any(|k| k == key) {
                return Err(FieldError::new("weights", Problem::UnknownChoice { choices: keys.clone() }));
            }
            let weight: f64 = weight.trim().replace(',', ".").parse().map_err(|_| FieldError::new("weights", Problem::NotANumber))?;
            if !weight.is_finite() {
                Err(FieldError::new("weights", Problem::NotANumber))
            } else if weight < 0.0 {
                Err(FieldError::new("weights", Problem::Negative))
            } else if weight > MAX_WEIGHT {
                Err(FieldError::new("weights", Problem::TooLarge { max: MAX_WEIGHT as i64 }))
            } else {
                Ok((key.to_owned(), weight))
            }
        })
        .collect()
}

/// The design's queries that release one of `codes` (all when empty); a code the design does
/// not release is refused.
fn parse_indicators(raw: &str, design: &ReleaseDesign) -> Result<Vec<String>, FieldError> {
    let named: Vec<String> = listed(raw).into_iter().map(str::to_owned).collect();
    if named.iter().any(|code| design.indicator_index(code).is_none()) {
        return Err(FieldError::new("indicators", Problem::UnknownIndicator));
    }
    Ok(named)
}

/// One of `options` by its code; the first when empty.
pub fn choice<T: Copy>(field: &str, raw: &str, options: &[(&str, T)]) -> Result<T, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(options[0].1);
    }
    options
        .iter()
        .find(|(code, _)| *code == raw)
        .map(|(_, v)| *v)
        .ok_or_else(|| FieldError::new(field, Problem::UnknownChoice { choices: options.iter().map(|(c, _)| (*c).to_owned()).collect() }))
}

/// Parses the window fields; `design_named` gives a design by its stored name (`None` for a
/// name the server does not know).
pub fn parse_window(input: &WindowInput, design_named: &dyn Fn(&str) -> Option<ReleaseDesign>, errors: &mut Vec<FieldError>) -> Option<WindowRequest> {
    let WindowInput { period, last_period, mechanism, design, weights, indicators, levels } = input;
    let first = PeriodId::parse("period", period).map_err(|e| errors.push(e)).ok();
    let last = if last_period.trim().is_empty() { Some(None) } else { PeriodId::parse("last_period", last_period).map(Some).map_err(|e| errors.push(e)).ok() };
    let mechanism = choice("mechanism", mechanism, &[("discrete_gaussian", Mechanism::DiscreteGaussian), ("discrete_laplace", Mechanism::DiscreteLaplace)])
        .map_err(|e| errors.push(e))
        .ok();
    let name = if design.trim().is_empty() { STANDARD } else { design.trim() };
    let base = design_named(name);
    if base.is_none() {
        errors.push(FieldError::new("design", Problem::UnknownChoice { choices: vec![STANDARD.to_owned()] }));
    }
    let chosen = base.and_then(|base| {
        let weights = parse_weights(weights, &base).map_err(|e| errors.push(e)).ok();
        let codes = parse_indicators(indicators, &base).map_err(|e| errors.push(e)).ok();
        let levels = parse_levels(levels).map_err(|e| errors.push(e)).ok();
        let (weights, codes, levels) = (weights?, codes?, levels?);
        let keep = |q: &Query| levels.contains(&q.level) && (codes.is_empty() || q.indicators.iter().any(|i| codes.contains(&i.code)));
        let chosen = base.reweighted(|q| weights.iter().find(|(k, _)| *k == q.key()).map(|(_, w)| *w)).and_then(|d| d.filtered(keep));
        let field = if weights.is_empty() { "levels" } else { "weights" };
        chosen.map_err(|_| errors.push(FieldError::new(field, Problem::IncompleteDesign))).ok()
    });
    Some(WindowRequest { first: first?, last: last?, mechanism: mechanism?, design: chosen? })
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

/// Parses a whole release request; every refused field is reported, not only the first.
pub fn parse_release(input: &ReleaseInput, design_named: &dyn Fn(&str) -> Option<ReleaseDesign>) -> Result<ReleaseRequest, Vec<FieldError>> {
    let mut errors = Vec::new();
    let window = parse_window(&input.window, design_named, &mut errors);
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
