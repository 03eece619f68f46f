//! The JSON API under `/api/v1`, described at `/api/openapi.json`. Handlers are thin: find the
//! user from the session cookie, then call the same [`Backend`] the pages use.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use kompotten_app::backend::BackendError;
use kompotten_app::domain::{FieldError, Role};
use kompotten_app::i18n::{field_error_message_bilingual, Lang};
use kompotten_app::model::*;
use kompotten_app::server_fns::{session_cookie, ssr::cookie_value, SESSION_COOKIE};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use crate::auth::SESSION_SECONDS;
use crate::AppState;

#[derive(Debug)]
pub enum ApiError {
    BadRequest(String),
    Unauthenticated,
    Forbidden(&'static str),
    NotFound,
    Invalid(Vec<FieldError>),
    Internal(String),
}

/// An error body: a code, a sentence in Swedish and English, and the refused fields.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldErrorBody>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldErrorBody {
    #[serde(flatten)]
    pub error: FieldError,
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error, message, errors) = match self {
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m, vec![]),
            ApiError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated", "Inloggning krävs / Sign-in required".into(), vec![]),
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, "forbidden", format!("Åtkomst nekad / Forbidden: {m}"), vec![]),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found", "Finns inte / Not found".into(), vec![]),
            ApiError::Invalid(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                errors.iter().map(field_error_message_bilingual).collect::<Vec<_>>().join(" "),
                errors.into_iter().map(|e| FieldErrorBody { message: field_error_message_bilingual(&e), error: e }).collect(),
            ),
            ApiError::Internal(m) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", m, vec![]),
        };
        (status, Json(ErrorBody { error, message, errors })).into_response()
    }
}

impl From<BackendError> for ApiError {
    fn from(e: BackendError) -> Self {
        match e {
            BackendError::Unauthenticated => ApiError::Unauthenticated,
            BackendError::Forbidden(m) => ApiError::Forbidden(m),
            BackendError::Internal(m) => ApiError::Internal(m),
        }
    }
}

fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(v)| v).map_err(|e| ApiError::BadRequest(format!("Ogiltig JSON / Invalid JSON body: {}", e.body_text())))
}

async fn user(state: &AppState, headers: &HeaderMap) -> Result<CurrentUser, ApiError> {
    let token = cookie_value(headers, SESSION_COOKIE).ok_or(ApiError::Unauthenticated)?;
    state.backend.session_user(&token).await?.ok_or(ApiError::Unauthenticated)
}

/// A JSON value as the text a form would have sent, so that the API and the form share one
/// validation path. Anything but a number or a string reads as something that is no number.
fn as_field_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => format!("<{}>", match other {
            Value::Bool(_) => "boolean",
            Value::Array(_) => "array",
            _ => "object",
        }),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// Sign in; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", request_body = LoginRequest,
    responses((status = 200, body = CurrentUser), (status = 401, body = ErrorBody)))]
async fn create_session(State(state): State<AppState>, body: Result<Json<LoginRequest>, JsonRejection>) -> Result<Response, ApiError> {
    let body = json_body(body)?;
    let token = state.backend.login(&body.username, &body.password).await?.ok_or(ApiError::Unauthenticated)?;
    let user = state.backend.session_user(&token).await?.ok_or(ApiError::Unauthenticated)?;
    Ok(([(header::SET_COOKIE, session_cookie(&token, SESSION_SECONDS))], Json(user)).into_response())
}

/// Sign out.
#[utoipa::path(delete, path = "/api/v1/session", responses((status = 204)))]
async fn delete_session(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(token) = cookie_value(&headers, SESSION_COOKIE) {
        state.backend.logout(&token).await?;
    }
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, session_cookie("", 0))]).into_response())
}

/// The signed-in reporter's own report for a year (raw values: only their municipality's).
#[utoipa::path(get, path = "/api/v1/reports/{year}", params(("year" = i64, Path)),
    responses((status = 200, body = MyReport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn get_report(State(state): State<AppState>, headers: HeaderMap, Path(year): Path<String>) -> Result<Json<MyReport>, ApiError> {
    let user = user(&state, &headers).await?;
    let year = kompotten_app::domain::ReportingYear::parse("year", &year).map_err(|e| ApiError::Invalid(vec![e]))?;
    Ok(Json(state.backend.my_report(&user, Some(year.get())).await?))
}

/// Report body: whole numbers 0–1,000.
#[derive(Deserialize, ToSchema)]
pub struct ReportBody {
    #[schema(value_type = Option<i64>)]
    pub households_moved_out: Option<Value>,
    #[schema(value_type = Option<i64>)]
    pub households_received: Option<Value>,
}

/// Submit (or replace) the signed-in reporter's report for a year.
#[utoipa::path(put, path = "/api/v1/reports/{year}", params(("year" = i64, Path)), request_body = ReportBody,
    responses((status = 200, body = MyReport), (status = 422, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn put_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(year): Path<String>,
    body: Result<Json<ReportBody>, JsonRejection>,
) -> Result<Json<MyReport>, ApiError> {
    let user = user(&state, &headers).await?;
    let body = json_body(body)?;
    let input = ReportInput {
        year,
        households_moved_out: as_field_text(body.households_moved_out.as_ref()),
        households_received: as_field_text(body.households_received.as_ref()),
    };
    match state.backend.submit_report(&user, input).await? {
        SubmitOutcome::Saved(report) => Ok(Json(report)),
        SubmitOutcome::Invalid(errors) => Err(ApiError::Invalid(errors)),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct YearQuery {
    pub year: Option<i64>,
}

/// Who has reported (status only, never values): all members for the coordinator, the own
/// county for a county board.
#[utoipa::path(get, path = "/api/v1/submissions", params(YearQuery),
    responses((status = 200, body = Vec<SubmissionStatus>), (status = 403, body = ErrorBody)))]
async fn get_submissions(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<YearQuery>) -> Result<Json<Vec<SubmissionStatus>>, ApiError> {
    let user = user(&state, &headers).await?;
    let statuses = match user.role {
        Role::Coordinator => state.backend.coordinator_overview(&user, q.year).await?.statuses,
        Role::CountyBoard => state.backend.county_overview(&user, q.year).await?.statuses,
        Role::Reporter => return Err(ApiError::Forbidden("submission status is for the coordinator and county boards")),
    };
    Ok(Json(statuses))
}

/// The releases of a year (public).
#[utoipa::path(get, path = "/api/v1/releases", params(YearQuery), responses((status = 200, body = PublicDashboard)))]
async fn list_releases(State(state): State<AppState>, Query(q): Query<YearQuery>) -> Result<Json<PublicDashboard>, ApiError> {
    Ok(Json(state.backend.public_dashboard(q.year, Lang::Sv).await?))
}

/// One published release (public): values, 95% intervals and privacy loss.
#[utoipa::path(get, path = "/api/v1/releases/{id}", params(("id" = String, Path)),
    responses((status = 200, body = PublishedRelease), (status = 404, body = ErrorBody)))]
async fn get_release(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<PublishedRelease>, ApiError> {
    crate::releases::published_release(&state.pool, &id, Lang::Sv)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

#[derive(Deserialize, ToSchema)]
pub struct ReleaseBody {
    #[schema(value_type = i64)]
    pub year: Option<Value>,
    #[schema(value_type = f64)]
    pub rho: Option<Value>,
}

/// Create a release (coordinator): spends ρ of the year's budget.
#[utoipa::path(post, path = "/api/v1/releases", request_body = ReleaseBody,
    responses((status = 201, body = ReleaseSummary), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn post_release(State(state): State<AppState>, headers: HeaderMap, body: Result<Json<ReleaseBody>, JsonRejection>) -> Result<Response, ApiError> {
    let user = user(&state, &headers).await?;
    let body = json_body(body)?;
    let input = ReleaseInput { year: as_field_text(body.year.as_ref()), rho: as_field_text(body.rho.as_ref()) };
    match state.backend.create_release(&user, input).await? {
        ReleaseOutcome::Created(summary) => Ok((StatusCode::CREATED, Json(summary)).into_response()),
        ReleaseOutcome::Invalid(errors) => Err(ApiError::Invalid(errors)),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct BudgetBody {
    #[schema(value_type = f64)]
    pub total_rho: Option<Value>,
}

/// Set a year's privacy budget (coordinator).
#[utoipa::path(put, path = "/api/v1/budgets/{year}", params(("year" = i64, Path)), request_body = BudgetBody,
    responses((status = 200, body = BudgetView), (status = 422, body = ErrorBody)))]
async fn put_budget(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(year): Path<String>,
    body: Result<Json<BudgetBody>, JsonRejection>,
) -> Result<Json<BudgetView>, ApiError> {
    let user = user(&state, &headers).await?;
    let body = json_body(body)?;
    match state.backend.set_budget(&user, BudgetInput { year, total_rho: as_field_text(body.total_rho.as_ref()) }).await? {
        BudgetOutcome::Saved(view) => Ok(Json(view)),
        BudgetOutcome::Invalid(errors) => Err(ApiError::Invalid(errors)),
    }
}

/// A year's privacy budget (coordinator).
#[utoipa::path(get, path = "/api/v1/budgets/{year}", params(("year" = i64, Path)), responses((status = 200, body = BudgetView)))]
async fn get_budget(State(state): State<AppState>, headers: HeaderMap, Path(year): Path<i64>) -> Result<Json<BudgetView>, ApiError> {
    let user = user(&state, &headers).await?;
    Ok(Json(state.backend.coordinator_overview(&user, Some(year)).await?.budget))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Kompotten statistics API", description = "Reporting and differentially private releases for the Kompotten municipal network."),
    paths(create_session, delete_session, get_report, put_report, get_submissions, list_releases, get_release, post_release, put_budget, get_budget)
)]
pub struct ApiDoc;

pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/session", post(create_session).delete(delete_session))
        .route("/reports/{year}", get(get_report).put(put_report))
        .route("/submissions", get(get_submissions))
        .route("/releases", get(list_releases).post(post_release))
        .route("/releases/{id}", get(get_release))
        .route("/budgets/{year}", get(get_budget).put(put_budget))
}
