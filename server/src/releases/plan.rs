//! The planner: before spending, the coordinator sees what a release would cost and how
//! accurate it would be, per level, from the same preparation (`prepare_release`) the release
//! itself runs. It reads no reports and spends nothing.

use kompotten_app::domain::{FieldError, Problem, Rho};
use kompotten_app::model::{BudgetView, LevelMargin};
use kompotten_privacy::planner::{plan, PlanTarget};
use kompotten_privacy::sensitivity::Level;
use serde::{Deserialize, Serialize};

use super::create::release_spec;
use super::geography::NetworkGeography;
use super::ledger::budget_views;
use super::request::parse_window;
use super::store::level_code;
use super::window::resolve;
use super::{ReleaseError, ReleaseSettings};
use crate::catalogue::IndexedCatalogue;
use crate::db::Pool;

/// The largest target margin accepted (households).
const MAX_MARGIN: f64 = 10_000.0;

/// A plan request as typed: a window and either a budget `rho` or a `target_margin` at
/// `target_level` (default: county).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PlanInput {
    pub period: String,
    pub last_period: String,
    pub layout: String,
    pub mechanism: String,
    pub rho: String,
    pub target_level: String,
    pub target_margin: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanView {
    /// The budgets the release would debit, as they stand now.
    pub budgets: Vec<BudgetView>,
    /// What the release would cost each period (OpenDP's stated cost).
    pub rho: f64,
    pub epsilon: f64,
    pub delta: f64,
    /// ± households of the 95% interval per level.
    pub margins: Vec<LevelMargin>,
    /// For a margin target: the largest ρ tried that misses it.
    pub cheaper_rho_missing_target: Option<f64>,
    /// Whether every period's remaining budget covers the cost, and ρ is within what a release accepts.
    pub fits_budget: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PlanOutcome {
    Planned(PlanView),
    Invalid(Vec<FieldError>),
}

fn parse_margin(raw: &str) -> Result<f64, FieldError> {
    let trimmed = raw.trim().replace(',', ".");
    let value: f64 = trimmed.parse().map_err(|_| FieldError::new("target_margin", Problem::NotANumber))?;
    if !value.is_finite() {
        Err(FieldError::new("target_margin", Problem::NotANumber))
    } else if value <= 0.0 {
        Err(FieldError::new("target_margin", Problem::NotPositive))
    } else if value > MAX_MARGIN {
        Err(FieldError::new("target_margin", Problem::TooLarge { max: MAX_MARGIN as i64 }))
    } else {
        Ok(value)
    }
}

fn parse_target(input: &PlanInput, errors: &mut Vec<FieldError>) -> Option<PlanTarget> {
    let level = match input.target_level.trim() {
        "" | "county" => Level::County,
        "nation" => Level::Nation,
        "lanskompott" => Level::Lanskompott,
        _ => {
            errors.push(FieldError::new("target_level", Problem::UnknownChoice { choices: vec!["county".into(), "nation".into(), "lanskompott".into()] }));
            return None;
        }
    };
    match (input.rho.trim().is_empty(), input.target_margin.trim().is_empty()) {
        (false, true) => Rho::parse("rho", &input.rho).map(|r| PlanTarget::Budget { rho: r.get() }).map_err(|e| errors.push(e)).ok(),
        (true, false) => parse_margin(&input.target_margin).map(|households| PlanTarget::Margin { level, households }).map_err(|e| errors.push(e)).ok(),
        // Exactly one of the two is the target; the other is what the plan answers.
        (true, true) => {
            errors.push(FieldError::new("rho", Problem::Missing));
            None
        }
        (false, false) => {
            errors.push(FieldError::new("target_margin", Problem::NotApplicable));
            None
        }
    }
}

pub async fn plan_release(pool: &Pool, catalogue: &IndexedCatalogue, input: &PlanInput, settings: &ReleaseSettings) -> Result<PlanOutcome, ReleaseError> {
    let mut errors = Vec::new();
    let window_request = parse_window(&input.period, &input.last_period, &input.layout, &input.mechanism, &mut errors);
    let target = parse_target(input, &mut errors);
    let (Some(window_request), Some(target)) = (window_request, target) else {
        return Ok(PlanOutcome::Invalid(errors));
    };
    if !errors.is_empty() {
        return Ok(PlanOutcome::Invalid(errors));
    }
    let mut conn = pool.acquire().await?;
    let window = match resolve(&mut conn, &window_request).await? {
        Ok(w) => w,
        Err(e) => return Ok(PlanOutcome::Invalid(vec![e])),
    };
    let network = NetworkGeography::load(&mut conn).await?;
    let budgets = budget_views(&mut conn, &window.periods, settings.default_period_rho).await?;
    drop(conn);
    let spec = release_spec(catalogue, &window_request, &window, settings);
    let geography = network.geography;
    let planned = tokio::task::spawn_blocking(move || plan(&geography, &spec, target)).await.map_err(|e| ReleaseError::Join(e.to_string()))?;
    let planned = match planned {
        Ok(p) => p,
        Err(kompotten_privacy::PrivacyError::Unreachable { .. }) => {
            return Ok(PlanOutcome::Invalid(vec![FieldError::new("target_margin", Problem::TooLarge { max: MAX_MARGIN as i64 })]))
        }
        Err(e) => return Err(e.into()),
    };
    let cost = planned.params.mechanism.rho;
    let fits_budget = cost <= Rho::MAX && budgets.iter().all(|b| super::ledger::charge_nano_rho(cost) <= (b.remaining_rho * 1e9).round() as i64);
    Ok(PlanOutcome::Planned(PlanView {
        budgets,
        rho: cost,
        epsilon: planned.params.mechanism.epsilon,
        delta: planned.params.mechanism.delta,
        margins: planned.per_level.iter().map(|l| LevelMargin { level: level_code(l.kind).to_owned(), margin: l.margin }).collect(),
        cheaper_rho_missing_target: planned.cheaper_rho_missing_target,
        fits_budget,
    }))
}
