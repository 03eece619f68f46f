//! Server functions: thin wrappers that find the signed-in user and call the [`Backend`].
//! Endpoints are named so that tests and the leak checks can call them directly.

use leptos::prelude::*;

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
        if let (Some(response), Ok(header)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            http::HeaderValue::from_str(&value),
        ) {
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
    let secure = if cfg!(feature = "ssr") && std::env::var("KOMPOTTEN_SECURE_COOKIES").as_deref() == Ok("1") {
        "; Secure"
    } else {
        ""
    };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}")
}

#[server(prefix = "/sfn", endpoint = "my_report")]
pub async fn get_my_report(year: Option<i64>) -> Result<MyReport, ServerFnError> {
    let user = ssr::require_role(crate::domain::Role::Reporter).await?;
    ssr::backend()?.my_report(&user, year).await.map_err(ssr::to_server_error)
}

#[server(prefix = "/sfn", endpoint = "submit_report")]
pub async fn submit_report(
    year: String,
    households_moved_out: String,
    households_received: String,
) -> Result<SubmitOutcome, ServerFnError> {
    let user = ssr::require_role(crate::domain::Role::Reporter).await?;
    let input = ReportInput { year, households_moved_out, households_received };
    ssr::backend()?.submit_report(&user, input).await.map_err(ssr::to_server_error)
}

#[server(prefix = "/sfn", endpoint = "coordinator_overview")]
pub async fn get_coordinator_overview(year: Option<i64>) -> Result<CoordinatorOverview, ServerFnError> {
    let user = ssr::require_role(crate::domain::Role::Coordinator).await?;
    ssr::backend()?.coordinator_overview(&user, year).await.map_err(ssr::to_server_error)
}

#[server(prefix = "/sfn", endpoint = "create_release")]
pub async fn create_release(year: String, rho: String) -> Result<ReleaseOutcome, ServerFnError> {
    let user = ssr::require_role(crate::domain::Role::Coordinator).await?;
    ssr::backend()?
        .create_release(&user, ReleaseInput { year, rho })
        .await
        .map_err(ssr::to_server_error)
}

#[server(prefix = "/sfn", endpoint = "set_budget")]
pub async fn set_budget(year: String, total_rho: String) -> Result<BudgetOutcome, ServerFnError> {
    let user = ssr::require_role(crate::domain::Role::Coordinator).await?;
    ssr::backend()?
        .set_budget(&user, BudgetInput { year, total_rho })
        .await
        .map_err(ssr::to_server_error)
}

#[server(prefix = "/sfn", endpoint = "county_overview")]
pub async fn get_county_overview(year: Option<i64>) -> Result<CountyOverview, ServerFnError> {
    let user = ssr::require_role(crate::domain::Role::CountyBoard).await?;
    ssr::backend()?.county_overview(&user, year).await.map_err(ssr::to_server_error)
}
