//! The seam between the pages and the server. Server functions call this trait; the server
//! crate implements it over the database and the privacy engine, so this crate never sees
//! SQL or OpenDP (and the WebAssembly never carries them).

use std::collections::BTreeMap;
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
    /// The reporter's page: catalogue, periods and their own report for `period` (default:
    /// the newest open period).
    async fn report_page(&self, user: &CurrentUser, period: Option<String>) -> Result<ReportPageData, BackendError>;
    async fn save_submission(&self, user: &CurrentUser, period: String, intent: Intent, values: BTreeMap<String, String>) -> Result<SaveOutcome, BackendError>;
    async fn import_submissions_csv(&self, user: &CurrentUser, period: String, intent: Intent, bytes: Vec<u8>) -> Result<ImportOutcome, BackendError>;
    async fn coordinator_overview(&self, user: &CurrentUser, year: Option<i64>) -> Result<CoordinatorOverview, BackendError>;
    async fn create_release(&self, user: &CurrentUser, input: ReleaseInput) -> Result<ReleaseOutcome, BackendError>;
    async fn set_budget(&self, user: &CurrentUser, input: BudgetInput) -> Result<BudgetOutcome, BackendError>;
    /// What a release would cost and how accurate it would be; spends nothing.
    async fn plan_release(&self, user: &CurrentUser, input: PlanInput) -> Result<PlanOutcome, BackendError>;
    async fn set_period_state(&self, user: &CurrentUser, period: String, open: bool) -> Result<PeriodOutcome, BackendError>;
    /// The coordinator sees any county; a county board only its own, whatever it asks for.
    async fn tracker(&self, user: &CurrentUser, period: Option<String>, county: Option<String>, membership: MembershipFilter) -> Result<Tracker, BackendError>;
    async fn import_grants(&self, user: &CurrentUser, year: String, bytes: Vec<u8>) -> Result<ImportOutcome, BackendError>;
    async fn issue_token(&self, user: &CurrentUser, municipality: String, label: String) -> Result<TokenOutcome, BackendError>;
    async fn revoke_token(&self, user: &CurrentUser, id: String) -> Result<bool, BackendError>;
    async fn audit_log(&self, user: &CurrentUser, limit: i64) -> Result<Vec<AuditEntry>, BackendError>;
}

pub type SharedBackend = Arc<dyn Backend>;
