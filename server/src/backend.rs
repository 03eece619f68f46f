//! The server's implementation of the pages' [`Backend`]: role checks, then plain functions.
//! Every raw-count read is scoped to the reader's own municipality here, whatever the caller.

use async_trait::async_trait;
use kompotten_app::backend::{Backend, BackendError};
use kompotten_app::domain::Role;
use kompotten_app::i18n::Lang;
use kompotten_app::model::*;

use std::collections::BTreeMap;
use std::sync::Arc;

use kompotten_app::domain::PeriodId;

use crate::access::Actor;
use crate::catalogue::IndexedCatalogue;
use crate::db::{default_reporting_year, InstanceKind, Pool};
use crate::submissions::writer::SubmissionWriter;
use crate::submissions::{Channel, SaveJob, SaveRequest};
use crate::{audit, auth, grants, periods, releases, submissions, tokens};

#[derive(Clone)]
pub struct ServerBackend {
    pub pool: Pool,
    pub instance: InstanceKind,
    pub releases: releases::ReleaseSettings,
    pub catalogue: Arc<IndexedCatalogue>,
    pub writer: SubmissionWriter,
}

fn internal(error: impl std::fmt::Display) -> BackendError {
    // The detail goes to the log; the reader gets no internals.
    tracing::error!(%error, "request failed");
    BackendError::Internal("the request could not be completed".into())
}

fn require(user: &CurrentUser, role: Role) -> Result<(), BackendError> {
    if user.role == role {
        Ok(())
    } else {
        Err(BackendError::Forbidden("this action belongs to another role"))
    }
}

fn optional_period(raw: &str) -> Result<Option<PeriodId>, BackendError> {
    Ok(if raw.trim().is_empty() { None } else { PeriodId::parse("period", raw).ok() })
}

#[async_trait]
impl Backend for ServerBackend {
    async fn instance_info(&self) -> Result<InstanceInfo, BackendError> {
        Ok(InstanceInfo { is_demo: self.instance == InstanceKind::Demo, default_year: default_reporting_year() })
    }

    async fn session_user(&self, session_token: &str) -> Result<Option<CurrentUser>, BackendError> {
        auth::session_user(&self.pool, session_token).await.map_err(internal)
    }

    async fn login(&self, username: &str, password: &str) -> Result<Option<String>, BackendError> {
        auth::login(&self.pool, username, password).await.map_err(internal)
    }

    async fn logout(&self, session_token: &str) -> Result<(), BackendError> {
        auth::logout(&self.pool, session_token).await.map_err(internal)
    }

    async fn public_dashboard(&self, year: Option<i64>, lang: Lang) -> Result<PublicDashboard, BackendError> {
        releases::public_dashboard(&self.pool, year, self.instance == InstanceKind::Demo, lang, &self.releases).await.map_err(internal)
    }

    async fn report_page(&self, user: &CurrentUser, period: Option<String>) -> Result<ReportPageData, BackendError> {
        require(user, Role::Reporter)?;
        let actor = Actor::User(user.clone());
        let municipality = actor.own_municipality().ok_or(BackendError::Forbidden("reporter without a municipality"))?.to_owned();
        let periods = periods::list(&self.pool).await.map_err(internal)?;
        let chosen = match period.as_deref().map(optional_period).transpose()?.flatten() {
            Some(p) => Some(p),
            None => periods.iter().find(|p| p.state == PeriodState::Open).or(periods.first()).and_then(|p| PeriodId::parse("period", &p.id).ok()),
        };
        let submission = match chosen {
            Some(p) => submissions::my_submission(&self.pool, &actor, p, &municipality).await.map_err(internal)?,
            None => None,
        };
        Ok(ReportPageData { catalogue: self.catalogue.catalogue.clone(), periods, submission })
    }

    async fn save_submission(&self, user: &CurrentUser, period: String, intent: Intent, values: BTreeMap<String, String>) -> Result<SaveOutcome, BackendError> {
        require(user, Role::Reporter)?;
        let actor = Actor::User(user.clone());
        let municipality = actor.own_municipality().ok_or(BackendError::Forbidden("reporter without a municipality"))?.to_owned();
        let request = SaveRequest { period, municipality, intent, channel: Channel::Form, raw: values };
        self.writer.save(SaveJob { actor, request }).await.map_err(internal)
    }

    async fn import_submissions_csv(&self, user: &CurrentUser, period: String, intent: Intent, bytes: Vec<u8>) -> Result<ImportOutcome, BackendError> {
        if !matches!(user.role, Role::Reporter | Role::Coordinator) {
            return Err(BackendError::Forbidden("reports are imported by municipalities and the coordinator"));
        }
        let actor = Actor::User(user.clone());
        submissions::csv_import::import(&self.pool, &self.catalogue, &actor, &period, intent, &bytes).await.map_err(internal)
    }

    async fn coordinator_overview(&self, user: &CurrentUser, year: Option<i64>) -> Result<CoordinatorOverview, BackendError> {
        require(user, Role::Coordinator)?;
        let year = year.unwrap_or_else(default_reporting_year);
        Ok(CoordinatorOverview {
            year,
            budgets: releases::budgets_of_year(&self.pool, year, self.releases.default_year_rho).await.map_err(internal)?,
            periods: periods::list(&self.pool).await.map_err(internal)?,
            releases: releases::release_summaries(&self.pool, year).await.map_err(internal)?,
            tokens: tokens::list(&self.pool).await.map_err(internal)?,
            grants: grants::table(&self.pool, year, Lang::Sv).await.map_err(internal)?,
            design: releases::design::design(&self.catalogue, kompotten_privacy::standard::STANDARD)
                .transpose()
                .map_err(internal)?
                .map(|d| releases::design::design_queries(&self.catalogue, &d))
                .unwrap_or_default(),
        })
    }

    async fn create_release(&self, user: &CurrentUser, input: ReleaseInput) -> Result<ReleaseOutcome, BackendError> {
        require(user, Role::Coordinator)?;
        let outcome = releases::create_release(&self.pool, &self.catalogue, &user.username, &input, &self.releases).await.map_err(internal)?;
        if let ReleaseOutcome::Created(summary) = &outcome {
            tracing::info!(release = %summary.id, periods = %summary.periods.join(","), rho = summary.rho, by = %user.username, "release created");
        }
        Ok(outcome)
    }

    async fn set_budget(&self, user: &CurrentUser, input: BudgetInput) -> Result<BudgetOutcome, BackendError> {
        require(user, Role::Coordinator)?;
        releases::set_budget(&self.pool, &user.username, &input, self.releases.default_year_rho).await.map_err(internal)
    }

    async fn plan_release(&self, user: &CurrentUser, input: PlanInput) -> Result<PlanOutcome, BackendError> {
        require(user, Role::Coordinator)?;
        releases::plan::plan_release(&self.pool, &self.catalogue, &input, &self.releases).await.map_err(internal)
    }

    async fn set_period_state(&self, user: &CurrentUser, period: String, open: bool) -> Result<PeriodOutcome, BackendError> {
        require(user, Role::Coordinator)?;
        periods::set_state(&self.pool, &user.username, &period, open).await.map_err(internal)
    }

    async fn tracker(&self, user: &CurrentUser, period: Option<String>, county: Option<String>, membership: MembershipFilter) -> Result<Tracker, BackendError> {
        let county = match user.role {
            Role::Coordinator => county.filter(|c| !c.trim().is_empty()),
            Role::CountyBoard => Some(user.county.as_ref().ok_or(BackendError::Forbidden("county-board user without a county"))?.code.clone()),
            Role::Reporter => return Err(BackendError::Forbidden("the tracker is for the coordinator and county boards")),
        };
        let period = match period.as_deref() {
            Some(raw) => optional_period(raw)?,
            None => None,
        };
        submissions::tracker::tracker(&self.pool, period, county.as_deref(), membership).await.map_err(internal)
    }

    async fn import_grants(&self, user: &CurrentUser, year: String, bytes: Vec<u8>) -> Result<ImportOutcome, BackendError> {
        require(user, Role::Coordinator)?;
        grants::import(&self.pool, &user.username, &year, &bytes).await.map_err(internal)
    }

    async fn issue_token(&self, user: &CurrentUser, municipality: String, label: String) -> Result<TokenOutcome, BackendError> {
        require(user, Role::Coordinator)?;
        tokens::issue(&self.pool, &user.username, &municipality, &label).await.map_err(internal)
    }

    async fn revoke_token(&self, user: &CurrentUser, id: String) -> Result<bool, BackendError> {
        require(user, Role::Coordinator)?;
        tokens::revoke(&self.pool, &user.username, &id).await.map_err(internal)
    }

    async fn audit_log(&self, user: &CurrentUser, limit: i64) -> Result<Vec<AuditEntry>, BackendError> {
        require(user, Role::Coordinator)?;
        audit::entries(&self.pool, limit.clamp(1, 100_000)).await.map_err(internal)
    }
}
