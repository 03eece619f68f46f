//! Creating a release: the data-independent preparation outside any transaction, then one
//! transaction that debits every year's budget, reads the exact totals, measures them once
//! through the engine and stores the release.
//!
//! # Privacy
//! The exact totals are read and measured only after every year the window touches has paid
//! the release's ρ ([`ledger::debit`]); a refused debit rolls back before anything is read. The
//! engine's `release_with` is the single invocation of the design's composed OpenDP measurement
//! (its proof is in `kompotten_privacy::release`); what is stored besides the parameters is its
//! output and the post-processed table. The exact totals are dropped when the measurement
//! returns.

use kompotten_app::domain::{FieldError, Problem};
use kompotten_app::model::{ReleaseInput, ReleaseOutcome, ReleaseSummary};
use kompotten_privacy::design::ReleaseDesign;
use kompotten_privacy::release::{release_with, ReleaseParams, ReleaseSpec};
use kompotten_privacy::PrivacyError;

use super::design::design;
use super::exact::exact_totals;
use super::geography::NetworkGeography;
use super::ledger::{self, charge_nano_rho, nano_to_rho};
use super::request::{mechanism_code, parse_release, WindowRequest};
use super::store::{store_release, StoredRelease};
use super::window::{resolve, Window};
use super::{ReleaseError, ReleaseSettings};
use crate::audit;
use crate::catalogue::IndexedCatalogue;
use crate::db::{begin_write, now_text, Pool};

/// The designs over `catalogue` by name, as request parsing looks them up. A design the
/// catalogue cannot carry (a code it lacks) is a server fault, found by the catalogue test.
pub fn designs(catalogue: &IndexedCatalogue) -> impl Fn(&str) -> Option<ReleaseDesign> + '_ {
    move |name| design(catalogue, name).and_then(Result::ok)
}

/// The engine's description of a release of `window` (data-independent).
pub fn release_spec(request: &WindowRequest, window: &Window, settings: &ReleaseSettings) -> ReleaseSpec {
    let mut spec = ReleaseSpec::new(request.design.clone(), window.periods.len());
    spec.mechanism = request.mechanism;
    spec.simulations = settings.interval_simulations;
    spec
}

/// Resolves the window and prepares the parameters (the budget's split, every query's noise,
/// the interval calibration), off the async runtime: a new parameter set simulates for seconds.
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

pub async fn create_release(
    pool: &Pool,
    catalogue: &IndexedCatalogue,
    username: &str,
    input: &ReleaseInput,
    settings: &ReleaseSettings,
) -> Result<ReleaseOutcome, ReleaseError> {
    let request = match parse_release(input, &designs(catalogue)) {
        Ok(r) => r,
        Err(errors) => return Ok(ReleaseOutcome::Invalid(errors)),
    };
    let started = std::time::Instant::now();
    let (window, network, params) = match prepare(pool, &request.window, request.rho.get(), settings).await? {
        Ok(prepared) => prepared,
        Err(e) => return Ok(ReleaseOutcome::Invalid(vec![e])),
    };
    // What the ledger debits is the cost OpenDP states for the composed measurement, which is
    // at most the ρ asked for.
    let cost = charge_nano_rho(params.cost.rho);

    let mut tx = begin_write(pool).await?;
    if let Some(correction) = &request.correction {
        let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM releases WHERE id = $1").bind(&correction.corrects).fetch_one(&mut *tx).await?;
        if known == 0 {
            tx.rollback().await?;
            return Ok(ReleaseOutcome::Invalid(vec![FieldError::new("corrects", Problem::UnknownRelease)]));
        }
    }
    ledger::ensure_budgets(&mut tx, &window.years, settings.default_year_rho).await?;
    if let Some((year, remaining)) = ledger::debit(&mut tx, &window.years, cost).await? {
        tx.rollback().await?;
        return Ok(ReleaseOutcome::Invalid(vec![FieldError::new("rho", Problem::ExceedsBudget { year, remaining_rho: nano_to_rho(remaining) })]));
    }

    let debited = started.elapsed();
    let exact = exact_totals(&mut tx, &network, &params.spec.design.indicators, &window, username).await?;
    let read = started.elapsed();
    // The measurement draws thousands of exact samples: off the async workers, like the
    // preparation. `exact` moves into it and is dropped there.
    let release =
        tokio::task::spawn_blocking(move || release_with(&params, &exact)).await.map_err(|e| ReleaseError::Join(e.to_string()))?.map_err(|e| match e {
            PrivacyError::InconsistentTotals(_) => ReleaseError::InconsistentTotals,
            other => ReleaseError::Privacy(other),
        })?;
    let params = &release.params;
    let measured = started.elapsed();

    let id = uuid::Uuid::now_v7().to_string();
    let created_at = now_text();
    let stored = StoredRelease {
        id: &id,
        window: &window,
        release: &release,
        correction: request.correction.as_ref(),
        created_by: username,
        created_at: &created_at,
        nano_rho: cost,
    };
    store_release(&mut tx, &stored).await?;
    let years = window.years.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let detail = format!("ρ = {} ({} design) charged to {years}", params.cost.rho, params.spec.design.name);
    audit::record(
        &mut tx,
        audit::Entry { actor: username, action: "release.create", period_id: window.periods.last().map(String::as_str), municipality_code: None, detail },
    )
    .await?;
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
        mechanism: mechanism_code(params.cost.mechanism).to_owned(),
        rho: params.cost.rho,
        epsilon: params.cost.epsilon,
        delta: params.cost.delta,
        corrects: request.correction.map(|c| c.corrects),
        design: Some(params.spec.design.name.clone()),
    }))
}
