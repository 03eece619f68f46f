//! The planner: before spending, the coordinator sees what a release would cost and how
//! accurate it would be, per level, from the same preparation (`prepare_release`) the release
//! itself runs. It reads no reports and spends nothing.

use kompotten_app::domain::{FieldError, Problem, Rho};
use kompotten_app::model::{LevelMargin, PlanInput, PlanOutcome, PlanView};
use kompotten_privacy::planner::{plan, PlanTarget};
use kompotten_privacy::sensitivity::Level;

use super::create::{person_count_bounds, release_spec};
use super::geography::NetworkGeography;
use super::ledger::{budget_rows, charge_nano_rho, BudgetRow};
use super::request::{choice, level_name, parse_window};
use super::store::level_code;
use super::window::resolve;
use super::{ReleaseError, ReleaseSettings};
use crate::catalogue::IndexedCatalogue;
use crate::db::Pool;

/// The largest target margin accepted (households).
const MAX_MARGIN: f64 = 10_000.0;

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
    // County by default: the level the coordinator and the county boards read.
    let levels = [Level::County, Level::Nation, Level::Lanskompott].map(|l| (level_name(l), l));
    let level = match choice("target_level", &input.target_level, &levels) {
        Ok(level) => level,
        Err(e) => {
            errors.push(e);
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
    let window_request = parse_window(&input.window, &person_count_bounds(catalogue), &mut errors);
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
    let budgets = budget_rows(&mut conn, &window.periods, settings.default_period_rho).await?;
    drop(conn);
    let spec = release_spec(&window_request, &window, settings);
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
    let fits_budget = cost <= Rho::MAX && budgets.iter().all(|b| charge_nano_rho(cost) <= b.remaining_nano_rho());
    Ok(PlanOutcome::Planned(PlanView {
        budgets: budgets.iter().map(BudgetRow::view).collect(),
        rho: cost,
        epsilon: planned.params.mechanism.epsilon,
        delta: planned.params.mechanism.delta,
        margins: planned.per_level.iter().map(|l| LevelMargin { level: level_code(l.kind).to_owned(), margin: l.margin }).collect(),
        cheaper_rho_missing_target: planned.cheaper_rho_missing_target,
        fits_budget,
    }))
}
