//! Server functions: thin wrappers that find the signed-in user and call the [`Backend`].
//! Endpoints are named so that tests and the leak checks can call them directly.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::server_fn;
use serde::{Deserialize, Serialize};

use crate::model::*;

/// The session cookie. HttpOnly and SameSite=Strict: scripts cannot read it, and other sites
/// cannot make the browser send it with a form post (the CSRF defence for server functions).
pub const SESSION_COOKIE: &str = "kompotten_session";

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::backend::{BackendError, SharedBackend};
    use crate::domain::Role;
    use http::{request::Parts, StatusCode};

    pub fn backend() -> Result<SharedBackend, ServerFnError> {
        use_context::<SharedBackend>().ok_or_else(|| ServerFnError::new("backend not provided"))
    }

    pub fn cookie_value(headers: &http::HeaderMap, name: &str) -> Option<String> {
        headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(cookie::Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|c| c.name() == name)
            .map(|c| c.value().to_owned())
    }

    pub fn session_token() -> Option<String> {
        let parts = use_context::<Parts>()?;
        cookie_value(&parts.headers, SESSION_COOKIE)
    }

    pub async fn current_user() -> Result<Option<CurrentUser>, ServerFnError> {
        let Some(token) = session_token() else { return Ok(None) };
        backend()?.session_user(&token).await.map_err(to_server_error)
    }

    /// The signed-in user if they hold `role`; a 401 or 403 otherwise.
    pub async fn require_role(role: Role) -> Result<CurrentUser, ServerFnError> {
        match current_user().await? {
            None => Err(to_server_error(BackendError::Unauthenticated)),
            Some(user) if user.role == role => Ok(user),
            Some(_) => Err(to_server_error(BackendError::Forbidden("this page is for another role"))),
        }
    }

    pub fn to_server_error(error: BackendError) -> ServerFnError {
        let status = match &error {
            BackendError::Unauthenticated => StatusCode::UNAUTHORIZED,
            BackendError::Forbidden(_) => StatusCode::FORBIDDEN,
            BackendError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(status);
        }
        ServerFnError::new(error.to_string())
    }

    pub fn set_cookie(value: String) {
        if let (Some(response), Ok(header)) = (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(&value)) {
            response.append_header(http::header::SET_COOKIE, header);
        }
    }
}

#[server(prefix = "/sfn", endpoint = "session_info")]
pub async fn get_session_info() -> Result<SessionInfo, ServerFnError> {
    let user = ssr::current_user().await?;
    let instance = ssr::backend()?.instance_info().await.map_err(ssr::to_server_error)?;
    Ok(SessionInfo { user, is_demo: instance.is_demo, default_year: instance.default_year })
}

#[server(prefix = "/sfn", endpoint = "public_dashboard")]
pub async fn get_public_dashboard(year: Option<i64>) -> Result<PublicDashboard, ServerFnError> {
    ssr::backend()?.public_dashboard(year, crate::app::detect_lang()).await.map_err(ssr::to_server_error)
}

/// Signs in; on success sets the session cookie and sends the user to their role's page.
/// Returns `false` for wrong credentials (the form says so without naming which was wrong).
#[server(prefix = "/sfn", endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<bool, ServerFnError> {
    let backend = ssr::backend()?;
    let Some(token) = backend.login(&username, &password).await.map_err(ssr::to_server_error)? else {
        return Ok(false);
    };
    ssr::set_cookie(session_cookie(&token, 8 * 3600));
    let home = match backend.session_user(&token).await.map_err(ssr::to_server_error)? {
        Some(user) => user.role.home_path(),
        None => "/",
    };
    leptos_axum::redirect(home);
    Ok(true)
}

#[server(prefix = "/sfn", endpoint = "logout")]
pub async fn logout() -> Result<(), ServerFnError> {
    if let Some(token) = ssr::session_token() {
        ssr::backend()?.logout(&token).await.map_err(ssr::to_server_error)?;
    }
    ssr::set_cookie(session_cookie("", 0));
    leptos_axum::redirect("/");
    Ok(())
}

/// The `Set-Cookie` value for a session token (an empty token with max-age 0 clears it).
pub fn session_cookie(token: &str, max_age_seconds: i64) -> String {
    let secure = if cfg!(feature = "ssr") && std::env::var("KOMPOTTEN_SECURE_COOKIES").as_deref() == Ok("1") { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}")
}

#[server(prefix = "/sfn", endpoint = "report_page")]
pub async fn get_report_page(period: Option<String>) -> Result<ReportPageData, ServerFnError> {
    let user = ssr::require_role(crate::domain::Role::Reporter).await?;
    ssr::backend()?.report_page(&user, period).await.map_err(ssr::to_server_error)
}

/// A refused form: answered with HTTP 422 and every refused field, which the page shows
/// beside its field (or any other failure, as text).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum FormError {
    #[error("the form has errors")]
    Invalid(Vec<crate::domain::FieldError>),
    #[error("{0}")]
    Failed(String),
}

impl server_fn::error::FromServerFnError for FormError {
    type Encoder = server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: server_fn::error::ServerFnErrorErr) -> Self {
        FormError::Failed(value.to_string())
    }
}

impl From<ServerFnError> for FormError {
    fn from(value: ServerFnError) -> Self {
        FormError::Failed(value.to_string())
    }
}

/// Saves the reporter's form: `intent` is the pressed button ("draft" or "submit"), `values`
/// the fields as typed (`values[code]=…`). A refusal is a 422 carrying every refused field.
#[server(prefix = "/sfn", endpoint = "save_submission")]
pub async fn save_submission(period: String, intent: String, #[server(default)] values: BTreeMap<String, String>) -> Result<VersionInfo, FormError> {
    let user = ssr::require_role(crate::domain::Role::Reporter).await?;
    let outcome = match Intent::from_code(&intent) {
        Some(intent) => ssr::backend()?.save_submission(&user, period, intent, values).await.map_err(ssr::to_server_error)?,
        None => SaveOutcome::Invalid(vec![crate::domain::FieldError::new("intent", crate::domain::Problem::Missing)]),
    };
    match outcome {
        SaveOutcome::Saved(info) => Ok(info),
        SaveOutcome::Invalid(errors) => {
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(http::StatusCode::UNPROCESSABLE_ENTITY);
            }
            Err(FormError::Invalid(errors))
        }
    }
}

/// A CSV file sent from the page, hex-encoded so that its bytes arrive exactly as they were
/// on disk (the server, not the browser, judges the encoding).
#[server(prefix = "/sfn", endpoint = "import_submissions_csv")]
pub async fn import_submissions_csv(period: String, intent: String, file_hex: String) -> Result<ImportOutcome, ServerFnError> {
    let user = ssr::current_user().await?.ok_or_else(|| ssr::to_server_error(crate::backend::BackendError::Unauthenticated))?;
    let bytes = hex::decode(file_hex.trim()).map_err(|_| ServerFnError::new("file_hex is not hexadecimal"))?;
    let intent = Intent::from_code(&intent).unwrap_or_default();
    ssr::backend()?.import_submissions_csv(&user, period, intent, bytes).await.map_err(ssr::to_server_error)
}

#[server(prefix = "/sfn", endpoint = "coordinator_overview")]
pub async fn get_coordinator_overview(year: Option<i64>) -> Result<CoordinatorOverview, ServerFnError> {
    let user = ssr::require_role(crate::domain::Role::Coordinator).await?;
    ssr::backend()?.coordinator_overview(&user, year).await.map_err(ssr::to_server_error)
}

/// Creates a release of exactly what the coordinator planned and confirmed: the standard
/// design with `weights` (`key=weight` pairs, comma-separated; empty for the design's own), as
/// in the API's `WindowInput`.
#[server(prefix = "/sfn", endpoint = "create_release")]
pub async fn create_release(period: String, last_period: String, mechanism: String, weights: String, rho: String) -> Result<ReleaseOutcome, ServerFnError> {
    let user = ssr::require_role(crate::domain::Role::Coordinator).await?;
    let window = WindowInput { period, last_period, mechanism, weights, ..WindowInput::default() };
    ssr::backend()?.create_release(&user, ReleaseInput { window, rho, ..ReleaseInput::default() }).await.map_err(ssr::to_server_error)
}

/// Plans a release: cost and accuracy per query and level for a budget or a target margin;
/// spends nothing.
#[server(prefix = "/sfn", endpoint = "plan_release")]
pub async fn plan_release(
    period: String,
    last_period: String,
    mechanism: String,
    weights: String,
    rho: String,
    target_level: String,
    target_margin: String,
) -> Result<PlanOutcome, ServerFnError> {
    let user = ssr::require_role(crate::domain::Role::Coordinator).await?;
    let window = WindowInput { period, last_period, mechanism, weights, ..WindowInput::default() };
    ssr::backend()?.plan_release(&user, PlanInput { window, rho, target_level, target_margin }).await.map_err(ssr::to_server_error)
}

#[server(prefix = "/sfn", endpoint = "set_budget")]
pub async fn set_budget(year: String, total_rho: String) -> Result<BudgetOutcome, ServerFnError> {
    let user = ssr::require_role(crate::domain::Role::Coordinator).await?;
    ssr::backend()?.set_budget(&user, BudgetInput { year, total_rho }).await.map_err(ssr::to_server_error)
}

/// Opens (`state=open`) or closes a period.
#[server(prefix = "/sfn", endpoint = "set_period_state")]
pub async fn set_period_state(period: String, state: String) -> Result<PeriodOutcome, ServerFnError> {
    let user = ssr::require_role(crate::domain::Role::Coordinator).await?;
    ssr::backend()?.set_period_state(&user, period, state == "open").await.map_err(ssr::to_server_error)
}

#[server(prefix = "/sfn", endpoint = "tracker")]
pub async fn get_tracker(period: Option<String>, county: Option<String>, membership: Option<String>) -> Result<Tracker, ServerFnError> {
    let user = ssr::current_user().await?.ok_or_else(|| ssr::to_server_error(crate::backend::BackendError::Unauthenticated))?;
    let membership = MembershipFilter::from_code(membership.as_deref().unwrap_or("")).unwrap_or_default();
    ssr::backend()?.tracker(&user, period, county, membership).await.map_err(ssr::to_server_error)
}

#[server(prefix = "/sfn", endpoint = "import_grants")]
pub async fn import_grants(year: String, file_hex: String) -> Result<ImportOutcome, ServerFnError> {
    let user = ssr::require_role(crate::domain::Role::Coordinator).await?;
    let bytes = hex::decode(file_hex.trim()).map_err(|_| ServerFnError::new("file_hex is not hexadecimal"))?;
    ssr::backend()?.import_grants(&user, year, bytes).await.map_err(ssr::to_server_error)
}

#[server(prefix = "/sfn", endpoint = "issue_token")]
pub async fn issue_token(municipality: String, label: String) -> Result<TokenOutcome, ServerFnError> {
    let user = ssr::require_role(crate::domain::Role::Coordinator).await?;
    ssr::backend()?.issue_token(&user, municipality, label).await.map_err(ssr::to_server_error)
}

#[server(prefix = "/sfn", endpoint = "revoke_token")]
pub async fn revoke_token(id: String) -> Result<bool, ServerFnError> {
    let user = ssr::require_role(crate::domain::Role::Coordinator).await?;
    ssr::backend()?.revoke_token(&user, id).await.map_err(ssr::to_server_error)
}

#[server(prefix = "/sfn", endpoint = "audit_log")]
pub async fn get_audit_log(limit: Option<i64>) -> Result<Vec<AuditEntry>, ServerFnError> {
    let user = ssr::require_role(crate::domain::Role::Coordinator).await?;
    ssr::backend()?.audit_log(&user, limit.unwrap_or(500)).await.map_err(ssr::to_server_error)
}
