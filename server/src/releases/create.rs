//! Creating a release: the data-independent preparation outside any transaction, then one
//! transaction that debits every period's budget, reads the exact totals, measures them once
//! through the engine and stores the release.
//!
//! # Privacy
//! The exact totals are read and measured only after every period of the window has paid the
//! release's ρ ([`ledger::debit`]); a refused debit rolls back before anything is read. The
//! engine's `release_with` is the single OpenDP measurement of the whole vector (its proof is
//! in `kompotten_privacy::release`); what is stored besides the parameters is its output and the
//! post-processed table. The exact totals are dropped when the measurement returns.

use kompotten_app::domain::{FieldError, Problem};
use kompotten_app::model::{ReleasableIndicator, ReleaseInput, ReleaseOutcome, ReleaseSummary};
use kompotten_privacy::release::{release_with, ReleaseParams, ReleaseSpec};
use kompotten_privacy::PrivacyError;
use kompotten_privacy::sensitivity::{IndicatorBound, PeriodLayout};

use super::exact::exact_totals;
use super::geography::NetworkGeography;
use super::ledger::{self, charge_nano_rho, nano_to_rho};
use super::request::{mechanism_code, parse_release, Layout, WindowRequest};
use super::store::{store_release, StoredRelease};
use super::window::{resolve, Window};
use super::{ReleaseError, ReleaseSettings};
use crate::audit;
use crate::catalogue::IndexedCatalogue;
use crate::db::{begin_write, now_text, Pool};
use kompotten_app::model::IndicatorKind;

/// Every person-count indicator of the catalogue with its declared bound, in catalogue order.
pub fn person_count_bounds(catalogue: &IndexedCatalogue) -> Vec<IndicatorBound> {
    catalogue
        .catalogue
        .groups
        .iter()
        .flat_map(|g| &g.indicators)
        .filter(|d| d.kind == IndicatorKind::PersonCount)
        .filter_map(|d| Some(IndicatorBound::new(d.code.clone(), u32::try_from(d.max_per_household?).ok()?)))
        .collect()
}

/// What the release form offers: the same indicators as [`person_count_bounds`], with labels.
pub fn releasable_indicators(catalogue: &IndexedCatalogue) -> Vec<ReleasableIndicator> {
    let bounded = person_count_bounds(catalogue);
    catalogue
        .catalogue
        .indicators()
        .filter(|(_, d)| bounded.iter().any(|b| b.code == d.code))
        .map(|(_, d)| ReleasableIndicator { code: d.code.clone(), label: d.label.clone() })
        .collect()
}

/// The engine's description of a release of `window` (data-independent).
pub fn release_spec(request: &WindowRequest, window: &Window, settings: &ReleaseSettings) -> ReleaseSpec {
    let periods = window.periods.len() as u32;
    let layout = match request.layout {
        Layout::PerPeriod => PeriodLayout::PerPeriod(periods),
        Layout::Summed => PeriodLayout::Summed(periods),
    };
    let mut spec = ReleaseSpec::new(request.indicators.clone(), request.levels.clone(), layout);
    spec.mechanism = request.mechanism;
    spec.simulations = settings.interval_simulations;
    spec
}

/// Resolves the window and prepares the parameters (sensitivity, calibrated mechanism, interval
/// calibration), off the async runtime: a new parameter set simulates for seconds.
pub async fn prepare(
    pool: &Pool,
    request: &WindowRequest,
    rho: f64,
    settings: &ReleaseSettings,
) -> Result<Result<(Window, NetworkGeography, ReleaseParams), FieldError>, ReleaseError> {
    let mut conn = pool.acquire().await?;
    let window = match resolve(&mut conn, request).await? {
        Ok(w) => w,
        Err(e) => return Ok(Err(e)),
    };
    let network = NetworkGeography::load(&mut conn).await?;
    drop(conn);
    let spec = release_spec(request, &window, settings);
    let geography = network.geography.clone();
    let params = tokio::task::spawn_blocking(move || kompotten_privacy::release::prepare_release(&geography, &spec, rho))
        .await
        .map_err(|e| ReleaseError::Join(e.to_string()))??;
    Ok(Ok((window, network, params)))
}

pub async fn create_release(pool: &Pool, catalogue: &IndexedCatalogue, username: &str, input: &ReleaseInput, settings: &ReleaseSettings) -> Result<ReleaseOutcome, ReleaseError> {
    let request = match parse_release(input, &person_count_bounds(catalogue)) {
        Ok(r) => r,
        Err(errors) => return Ok(ReleaseOutcome::Invalid(errors)),
    };
    let started = std::time::Instant::now();
    let (window, network, params) = match prepare(pool, &request.window, request.rho.get(), settings).await? {
        Ok(prepared) => prepared,
        Err(e) => return Ok(ReleaseOutcome::Invalid(vec![e])),
    };
    let h = kompotten_privacy::hierarchy::make_hierarchy(&params.geography, &params.spec.levels)?;
    // What the ledger debits is the cost OpenDP states for the calibrated mechanism, which is
    // at most the ρ asked for.
    let cost = charge_nano_rho(params.mechanism.rho);

    let mut tx = begin_write(pool).await?;
    if let Some(correction) = &request.correction {
        let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM releases WHERE id = $1").bind(&correction.corrects).fetch_one(&mut *tx).await?;
        if known == 0 {
            tx.rollback().await?;
            return Ok(ReleaseOutcome::Invalid(vec![FieldError::new("corrects", Problem::UnknownRelease)]));
        }
    }
    ledger::ensure_budgets(&mut tx, &window.periods, settings.default_period_rho).await?;
    if let Some((period, remaining)) = ledger::debit(&mut tx, &window.periods, cost).await? {
        tx.rollback().await?;
        return Ok(ReleaseOutcome::Invalid(vec![FieldError::new("rho", Problem::ExceedsBudget { period, remaining_rho: nano_to_rho(remaining) })]));
    }

    let debited = started.elapsed();
    let exact = exact_totals(&mut tx, &network, &h, &params.spec.indicators, &window, username).await?;
    let read = started.elapsed();
    // The measurement draws thousands of exact samples: off the async workers, like the
    // preparation. `exact` moves into it and is dropped there.
    let release = tokio::task::spawn_blocking(move || release_with(&params, &exact))
        .await
        .map_err(|e| ReleaseError::Join(e.to_string()))?
        .map_err(|e| match e {
            PrivacyError::InconsistentTotals(_) => ReleaseError::InconsistentTotals,
            other => ReleaseError::Privacy(other),
        })?;
    let params = &release.params;
    let measured = started.elapsed();

    let id = uuid::Uuid::now_v7().to_string();
    let created_at = now_text();
    let stored = StoredRelease { id: &id, window: &window, release: &release, correction: request.correction.as_ref(), created_by: username, created_at: &created_at, nano_rho: cost };
    store_release(&mut tx, &h, &stored).await?;
    let detail = format!("ρ = {} charged to {}", params.mechanism.rho, window.periods.join(", "));
    audit::record(&mut tx, audit::Entry { actor: username, action: "release.create", period_id: window.periods.last().map(String::as_str), municipality_code: None, detail }).await?;
    tx.commit().await?;
    // Stage timings (cumulative), for whoever watches a slow release: nothing about the data.
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    tracing::info!(
        release = %id, values = release.noisy.len(), debited_ms = ms(debited), read_ms = ms(read), measured_ms = ms(measured), committed_ms = ms(started.elapsed()),
        "release created"
    );

    Ok(ReleaseOutcome::Created(ReleaseSummary {
        id,
        year: window.year,
        periods: window.periods,
        created_at,
        created_by: username.to_owned(),
        mechanism: mechanism_code(params.mechanism.mechanism).to_owned(),
        rho: params.mechanism.rho,
        epsilon: params.mechanism.epsilon,
        delta: params.mechanism.delta,
        corrects: request.correction.map(|c| c.corrects),
    }))
}
