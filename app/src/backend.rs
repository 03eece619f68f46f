//! The seam between the pages and the server. Server functions call this trait; the server
//! crate implements it over the database and the privacy engine, so this crate never sees
//! SQL or OpenDP (and the WebAssembly never carries them).

use std::sync::Arc;

use async_trait::async_trait;

use crate::model::*;

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("internal error: {0}")]
    Internal(String),
}

#[async_trait]
/// Years are optional where a page may be opened without one: the backend then uses the
/// instance's default reporting year (the last full calendar year).
pub trait Backend: Send + Sync + 'static {
    async fn instance_info(&self) -> Result<InstanceInfo, BackendError>;
    async fn session_user(&self, session_token: &str) -> Result<Option<CurrentUser>, BackendError>;
    /// A new session token for valid credentials; `None` for wrong ones.
    async fn login(&self, username: &str, password: &str) -> Result<Option<String>, BackendError>;
    async fn logout(&self, session_token: &str) -> Result<(), BackendError>;
    async fn public_dashboard(&self, year: Option<i64>, lang: crate::i18n::Lang) -> Result<PublicDashboard, BackendError>;
    async fn my_report(&self, user: &CurrentUser, year: Option<i64>) -> Result<MyReport, BackendError>;
    async fn submit_report(&self, user: &CurrentUser, input: ReportInput) -> Result<SubmitOutcome, BackendError>;
    async fn coordinator_overview(&self, user: &CurrentUser, year: Option<i64>) -> Result<CoordinatorOverview, BackendError>;
    async fn create_release(&self, user: &CurrentUser, input: ReleaseInput) -> Result<ReleaseOutcome, BackendError>;
    async fn set_budget(&self, user: &CurrentUser, input: BudgetInput) -> Result<BudgetOutcome, BackendError>;
    async fn county_overview(&self, user: &CurrentUser, year: Option<i64>) -> Result<CountyOverview, BackendError>;
}

pub type SharedBackend = Arc<dyn Backend>;
