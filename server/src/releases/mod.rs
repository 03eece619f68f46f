//! Releases through the privacy engine (crate `kompotten-privacy`): the queries of a release
//! design (the standard one by default) for one period or a window of periods, paid for from
//! each year's budget in the transaction that stores them.
//!
//! - [`design`]: release designs over the catalogue, with the coordinator's weights;
//! - [`request`]: the typed request, parsed valid;
//! - [`window`]: the periods a release covers, and the years they lie in;
//! - [`geography`]: counties, länskompotter and where each report counts;
//! - [`ledger`]: per-year budgets and debits;
//! - [`exact`]: the exact totals, read only for the measurement;
//! - [`create`]: preparation, then one transaction: debit, read, measure, store;
//! - [`store`]: parameters, noisy measurements, cells and ledger rows;
//! - [`view`]: what readers see; [`plan`]: the planner; [`suppression`]: the methodology view.

pub mod create;
pub mod design;
pub mod exact;
pub mod geography;
pub mod ledger;
pub mod plan;
pub mod request;
pub mod store;
pub mod suppression;
pub mod view;
pub mod window;

pub use create::create_release;
pub use ledger::{budget_view, budgets_of_year, set_budget};
pub use view::{public_dashboard, published_release, release_summaries, NATION};

use crate::db::DbError;

/// The server's settings for releases.
#[derive(Clone, Copy, Debug)]
pub struct ReleaseSettings {
    /// A period's budget until the coordinator sets one.
    pub default_year_rho: f64,
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
