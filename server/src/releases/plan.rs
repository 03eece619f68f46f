//! The planner: before spending, the coordinator sees what a release would cost and how
//! accurate each of its queries would be, from the same preparation (`prepare_release`) the
//! release itself runs. It reads no reports and spends nothing.

use kompotten_app::domain::{FieldError, Problem, Rho};
use kompotten_app::model::{LevelMargin, PlanInput, PlanOutcome, PlanView, PlannedQuery, RemainingPlan};
use kompotten_privacy::planner::{kind_margins, plan, LevelAccuracy, PlanTarget};
use kompotten_privacy::release::prepare_release;
use kompotten_privacy::sensitivity::Level;

use super::create::{designs, release_spec};
use super::design::{design_queries, plausible_sizes};
use super::geography::NetworkGeography;
use super::ledger::{budget_rows, charge_nano_rho, nano_to_rho, BudgetRow};
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

fn level_margins(per_level: &[LevelAccuracy]) -> Vec<LevelMargin> {
    per_level.iter().map(|l| LevelMargin { level: level_code(l.kind).to_owned(), margin: l.margin }).collect()
}

pub async fn plan_release(pool: &Pool, catalogue: &IndexedCatalogue, input: &PlanInput, settings: &ReleaseSettings) -> Result<PlanOutcome, ReleaseError> {
    let mut errors = Vec::new();
    let window_request = parse_window(&input.window, &designs(catalogue), &mut errors);
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
    let budgets = budget_rows(&mut conn, &window.years, settings.default_year_rho).await?;
    drop(conn);
    let spec = release_spec(&window_request, &window, settings);
    let plausible = plausible_sizes(catalogue, &spec.design);
    let geography = network.geography;
    let remaining = budgets.iter().map(BudgetRow::remaining_nano_rho).min().map_or(0.0, nano_to_rho);
    let planned = tokio::task::spawn_blocking(move || {
        let planned = plan(&geography, &spec, &plausible, target)?;
        // What the budget left would buy, where the plan does not fit it.
        let with_remaining = if charge_nano_rho(planned.params.cost.rho) > charge_nano_rho(remaining) && remaining > 0.0 {
            let params = prepare_release(&geography, &spec, remaining)?;
            Some(RemainingPlan { rho: params.cost.rho, margins: level_margins(&kind_margins(&geography, &spec, &params)?) })
        } else {
            None
        };
        Ok::<_, kompotten_privacy::PrivacyError>((planned, with_remaining))
    })
    .await
    .map_err(|e| ReleaseError::Join(e.to_string()))?;
    let (planned, with_remaining) = match planned {
        Ok(p) => p,
        Err(kompotten_privacy::PrivacyError::Unreachable { .. }) => {
            return Ok(PlanOutcome::Invalid(vec![FieldError::new("target_margin", Problem::TooLarge { max: MAX_MARGIN as i64 })]))
        }
        // The design publishes nothing at the target's level.
        Err(kompotten_privacy::PrivacyError::InvalidParameter(_)) => {
            return Ok(PlanOutcome::Invalid(vec![FieldError::new("target_level", Problem::NotApplicable)]))
        }
        Err(other) => return Err(other.into()),
    };
    let cost = planned.params.cost.rho;
    let beyond_allowed = cost > Rho::MAX;
    let fits_budget = !beyond_allowed && budgets.iter().all(|b| charge_nano_rho(cost) <= b.remaining_nano_rho());
    let shown = design_queries(catalogue, &planned.params.spec.design);
    Ok(PlanOutcome::Planned(PlanView {
        budgets: budgets.iter().map(BudgetRow::view).collect(),
        budget: planned.params.budget,
        rho: cost,
        epsilon: planned.params.cost.epsilon,
        delta: planned.params.cost.delta,
        margins: level_margins(&planned.per_level),
        queries: planned
            .per_query
            .iter()
            .zip(shown)
            .map(|(q, query)| PlannedQuery { query, rho: q.rho, margin: q.margin, plausible: q.plausible, mostly_noise: q.mostly_noise })
            .collect(),
        cheaper_rho_missing_target: planned.cheaper_rho_missing_target,
        fits_budget,
        beyond_allowed,
        with_remaining,
    }))
}
