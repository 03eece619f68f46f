//! The server's implementation of the pages' [`Backend`]: role checks, then plain functions.
//! Every raw-count read is scoped to the reader's own municipality here, whatever the caller.

use async_trait::async_trait;
use kompotten_app::backend::{Backend, BackendError};
use kompotten_app::domain::Role;
use kompotten_app::i18n::Lang;
use kompotten_app::model::*;

use crate::db::{default_reporting_year, DbError, InstanceKind, Pool};
use crate::{auth, releases, reports};

#[derive(Clone)]
pub struct ServerBackend {
    pub pool: Pool,
    pub instance: InstanceKind,
    pub default_year_rho: f64,
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

/// The reporter's own municipality: the only one whose raw counts they may read or write.
fn own_municipality(user: &CurrentUser) -> Result<&str, BackendError> {
    require(user, Role::Reporter)?;
    user.municipality.as_ref().map(|m| m.code.as_str()).ok_or(BackendError::Forbidden("reporter without a municipality"))
}

impl ServerBackend {
    async fn is_member(&self, municipality_code: &str) -> Result<bool, DbError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM network_members WHERE municipality_code = $1")
            .bind(municipality_code)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }
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
        releases::public_dashboard(&self.pool, year, self.instance == InstanceKind::Demo, lang).await.map_err(internal)
    }

    async fn my_report(&self, user: &CurrentUser, year: Option<i64>) -> Result<MyReport, BackendError> {
        let municipality = own_municipality(user)?;
        reports::my_report(&self.pool, municipality, year.unwrap_or_else(default_reporting_year)).await.map_err(internal)
    }

    async fn submit_report(&self, user: &CurrentUser, input: ReportInput) -> Result<SubmitOutcome, BackendError> {
        let municipality = own_municipality(user)?;
        if !self.is_member(municipality).await.map_err(internal)? {
            return Ok(SubmitOutcome::Invalid(vec![kompotten_app::domain::FieldError::new(
                "municipality",
                kompotten_app::domain::Problem::NotAMember,
            )]));
        }
        reports::submit(&self.pool, municipality, &user.username, &input).await.map_err(internal)
    }

    async fn coordinator_overview(&self, user: &CurrentUser, year: Option<i64>) -> Result<CoordinatorOverview, BackendError> {
        require(user, Role::Coordinator)?;
        let year = year.unwrap_or_else(default_reporting_year);
        Ok(CoordinatorOverview {
            year,
            budget: releases::budget_view(&self.pool, year, self.default_year_rho).await.map_err(internal)?,
            statuses: reports::submission_statuses(&self.pool, year, None).await.map_err(internal)?,
            releases: releases::release_summaries(&self.pool, year).await.map_err(internal)?,
        })
    }

    async fn create_release(&self, user: &CurrentUser, input: ReleaseInput) -> Result<ReleaseOutcome, BackendError> {
        require(user, Role::Coordinator)?;
        let outcome = releases::create_release(&self.pool, &user.username, &input, self.default_year_rho).await.map_err(internal)?;
        if let ReleaseOutcome::Created(summary) = &outcome {
            tracing::info!(release = %summary.id, year = summary.year, rho = summary.rho, by = %user.username, "release created");
        }
        Ok(outcome)
    }

    async fn set_budget(&self, user: &CurrentUser, input: BudgetInput) -> Result<BudgetOutcome, BackendError> {
        require(user, Role::Coordinator)?;
        releases::set_budget(&self.pool, &input, self.default_year_rho).await.map_err(internal)
    }

    async fn county_overview(&self, user: &CurrentUser, year: Option<i64>) -> Result<CountyOverview, BackendError> {
        require(user, Role::CountyBoard)?;
        let county = user.county.clone().ok_or(BackendError::Forbidden("county-board user without a county"))?;
        let year = year.unwrap_or_else(default_reporting_year);
        let statuses = reports::submission_statuses(&self.pool, year, Some(&county.code)).await.map_err(internal)?;
        Ok(CountyOverview { year, county, statuses })
    }
}
