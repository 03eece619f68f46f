//! Releases through the privacy engine (crate `kompotten-privacy`): national, county and
//! länskompott tables of every person-count indicator for one period or a window of periods,
//! paid for from each period's budget in the transaction that stores them.
//!
//! - [`request`]: the typed request, parsed valid;
//! - [`window`]: the periods a release covers;
//! - [`geography`]: counties, länskompotter and where each report counts;
//! - [`ledger`]: per-period budgets and debits;
//! - [`exact`]: the exact totals, read only for the measurement;
//! - [`create`]: preparation, then one transaction: debit, read, measure, store;
//! - [`store`]: parameters, noisy measurements, cells and ledger rows;
//! - [`view`]: what readers see; [`plan`]: the planner; [`suppression`]: the methodology view.

pub mod create;
pub mod exact;
pub mod geography;
pub mod ledger;
pub mod plan;
pub mod request;
pub mod store;
pub mod suppression;
pub mod view;
pub mod window;

pub use create::{create_release, releasable_indicators};
pub use ledger::{budget_view, budgets_of_year, set_budget};
pub use view::{public_dashboard, published_release, release_summaries, NATION};

use crate::db::DbError;

/// The server's settings for releases.
#[derive(Clone, Copy, Debug)]
pub struct ReleaseSettings {
    /// A period's budget until the coordinator sets one.
    pub default_period_rho: f64,
    /// Simulated releases behind each interval calibration.
    pub interval_simulations: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("privacy engine: {0}")]
    Privacy(#[from] kompotten_privacy::PrivacyError),
    #[error("stored JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the engine's worker thread failed: {0}")]
    Join(String),
    /// The exact totals did not add up. The engine's message names the values, which are raw
    /// counts, so it is not passed on, not even to the log.
    #[error("the exact totals of the release's window are inconsistent (values withheld)")]
    InconsistentTotals,
}

impl From<sqlx::Error> for ReleaseError {
    fn from(e: sqlx::Error) -> Self {
        ReleaseError::Db(DbError::Sqlx(e))
    }
}
