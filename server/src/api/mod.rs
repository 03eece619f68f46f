//! The JSON API under `/api/v1`, described at `/api/openapi.json`. Handlers are thin: find the
//! user from the session cookie, then call the same [`Backend`] the pages use.

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use kompotten_app::backend::BackendError;
use kompotten_app::domain::{FieldError, Problem, Role};
use kompotten_app::i18n::{field_error_message_bilingual, Lang};
use kompotten_app::model::*;
use kompotten_app::server_fns::{session_cookie, ssr::cookie_value, SESSION_COOKIE};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use crate::access::Actor;
use crate::auth::SESSION_SECONDS;
use crate::releases::suppression::{suppression_report, SuppressionReport};
use crate::submissions::csv_import::MAX_CSV_BYTES;
use crate::AppState;

mod admin;
mod reporting;

/// Upload bodies above this are refused before they are read in full; files up to
/// [`MAX_CSV_BYTES`] are read and checked with a precise answer.
const MAX_BODY_BYTES: usize = 4 * MAX_CSV_BYTES;

/// An upload route: bodies over [`MAX_BODY_BYTES`] are refused, and one that declares more
/// than that is refused before any of it is read.
fn upload<S: Clone + Send + Sync + 'static>(route: MethodRouter<S>) -> MethodRouter<S> {
    route.layer(DefaultBodyLimit::max(MAX_BODY_BYTES)).layer(middleware::from_fn(refuse_declared_oversize))
}

/// Answers 413 at once when the declared `Content-Length` is over the limit: reading megabytes
/// that can only be refused wastes the server's time, and a refusal sent after reading part of
/// the body races the client still sending it (the client may see a reset, not the answer).
/// The body is left unread, so the connection is closed after the answer. tower-http's
/// `RequestBodyLimitLayer` makes the same check but answers in plain text, not with the API's
/// error body and its `too_large` code.
async fn refuse_declared_oversize(request: Request, next: Next) -> Response {
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|bytes| bytes > MAX_BODY_BYTES as u64) {
        let mut response = ApiError::TooLarge.into_response();
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    next.run(request).await
}

#[derive(Debug)]
pub enum ApiError {
    BadRequest(String),
    Unauthenticated,
    Forbidden(&'static str),
    NotFound,
    Invalid(Vec<FieldError>),
    InvalidRows(Vec<RowErrors>),
    TooLarge,
    Internal(String),
}

/// An error body: a code, a sentence in Swedish and English, and the refused fields.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldErrorBody>,
    /// For files: every refused row (line 1 is the header, 0 the whole file).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<RowErrorBody>,
}

#[derive(Serialize, ToSchema)]
pub struct RowErrorBody {
    pub line: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub municipality: Option<String>,
    pub errors: Vec<FieldErrorBody>,
}

fn field_error_body(error: FieldError) -> FieldErrorBody {
    FieldErrorBody { message: field_error_message_bilingual(&error), error }
}

#[derive(Serialize, ToSchema)]
pub struct FieldErrorBody {
    #[serde(flatten)]
    pub error: FieldError,
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let plain = |status, error, message: String| (status, error, message, vec![], vec![]);
        let (status, error, message, errors, rows) = match self {
            ApiError::BadRequest(m) => plain(StatusCode::BAD_REQUEST, "bad_request", m),
            ApiError::Unauthenticated => plain(StatusCode::UNAUTHORIZED, "unauthenticated", "Inloggning krävs / Sign-in required".into()),
            ApiError::Forbidden(m) => plain(StatusCode::FORBIDDEN, "forbidden", format!("Åtkomst nekad / Forbidden: {m}")),
            ApiError::NotFound => plain(StatusCode::NOT_FOUND, "not_found", "Finns inte / Not found".into()),
            ApiError::TooLarge => plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("Filen är för stor (högst {MAX} byte) / The file is too large (at most {MAX} bytes)", MAX = MAX_CSV_BYTES),
            ),
            ApiError::Invalid(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                errors.iter().map(field_error_message_bilingual).collect::<Vec<_>>().join(" "),
                errors.into_iter().map(field_error_body).collect(),
                vec![],
            ),
            ApiError::InvalidRows(rows) => {
                let message = rows
                    .iter()
                    .flat_map(|r| r.errors.iter().map(move |e| format!("rad/line {}: {}", r.line, field_error_message_bilingual(e))))
                    .collect::<Vec<_>>()
                    .join(" ");
                let too_large = rows.iter().any(|r| r.errors.iter().any(|e| matches!(e.problem, Problem::FileTooLarge { .. })));
                let status = if too_large { StatusCode::PAYLOAD_TOO_LARGE } else { StatusCode::UNPROCESSABLE_ENTITY };
                let rows = rows
                    .into_iter()
                    .map(|r| RowErrorBody { line: r.line, municipality: r.municipality, errors: r.errors.into_iter().map(field_error_body).collect() })
                    .collect();
                (status, "validation", message, vec![], rows)
            }
            ApiError::Internal(m) => plain(StatusCode::INTERNAL_SERVER_ERROR, "internal", m),
        };
        (status, Json(ErrorBody { error, message, errors, rows })).into_response()
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

impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> Self {
        tracing::error!(error = %e, "API request failed");
        ApiError::Internal("the request could not be completed".into())
    }
}

/// The signed-in user behind the session cookie.
async fn user(state: &AppState, headers: &HeaderMap) -> Result<CurrentUser, ApiError> {
    let token = cookie_value(headers, SESSION_COOKIE).ok_or(ApiError::Unauthenticated)?;
    state.backend.session_user(&token).await?.ok_or(ApiError::Unauthenticated)
}

/// A municipality's API token (`Authorization: Bearer kmp_…`) or else the session cookie.
async fn caller(state: &AppState, headers: &HeaderMap) -> Result<Actor, ApiError> {
    match bearer(headers) {
        Some(token) => crate::tokens::authenticate(&state.pool, token).await?.ok_or(ApiError::Unauthenticated),
        None => Ok(Actor::User(user(state, headers).await?)),
    }
}

/// The bearer token a case system sends, if any.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).map(str::trim)
}

fn require_role(user: &CurrentUser, role: Role) -> Result<(), ApiError> {
    if user.role == role {
        Ok(())
    } else {
        Err(ApiError::Forbidden("this action belongs to another role"))
    }
}

/// A JSON value as the text a form would have sent, so that the API and the form share one
/// validation path. Anything but a number or a string reads as something that is no number.
fn as_field_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(true)) => "yes".into(),
        Some(Value::Bool(false)) => "no".into(),
        Some(other) => format!(
            "<{}>",
            match other {
                Value::Bool(_) => "boolean",
                Value::Array(_) => "array",
                _ => "object",
            }
        ),
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

#[derive(Deserialize, utoipa::IntoParams)]
pub struct YearQuery {
    pub year: Option<i64>,
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
    crate::releases::published_release(&state.pool, &id, Lang::Sv, &state.releases)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

fn text(value: &Option<Value>) -> String {
    as_field_text(value.as_ref())
}

/// A JSON list of texts as the comma-separated text a form would send (anything else as text).
fn list_text(value: &Option<Value>) -> String {
    match value {
        Some(Value::Array(items)) => items.iter().map(|v| as_field_text(Some(v))).collect::<Vec<_>>().join(","),
        other => text(other),
    }
}

/// What a release or a plan covers (flattened into both bodies).
#[derive(Deserialize, ToSchema)]
pub struct WindowBody {
    /// The first (or only) period, e.g. `2025` or `2025H1`.
    #[schema(value_type = String)]
    pub period: Option<Value>,
    /// The last period of a window (optional).
    #[schema(value_type = Option<String>)]
    pub last_period: Option<Value>,
    /// `discrete_gaussian` (default, zCDP) or `discrete_laplace` (pure DP).
    #[schema(value_type = Option<String>)]
    pub mechanism: Option<Value>,
    /// The release design: `standard` (default).
    #[schema(value_type = Option<String>)]
    pub design: Option<Value>,
    /// Weights other than the design's, by query key: `{"households_moved_out@county": 16}`
    /// (0 leaves a query out).
    #[schema(value_type = Option<std::collections::BTreeMap<String, f64>>)]
    pub weights: Option<Value>,
    /// Only the design's queries of these person-count indicators (a list, or comma-separated
    /// text); all when absent.
    #[schema(value_type = Option<Vec<String>>)]
    pub indicators: Option<Value>,
    /// Only the design's queries at `nation`, `county`, `lanskompott` (a list, or
    /// comma-separated text); all when absent.
    #[schema(value_type = Option<Vec<String>>)]
    pub levels: Option<Value>,
    /// No longer taken: each query of the design has its own time layout. Refused when given.
    #[schema(value_type = Option<String>)]
    pub layout: Option<Value>,
}

/// A JSON object of weights as the `key=weight` text a form would send (anything else as text).
fn weights_text(value: &Option<Value>) -> String {
    match value {
        Some(Value::Object(map)) => map.iter().map(|(k, v)| format!("{k}={}", as_field_text(Some(v)))).collect::<Vec<_>>().join(","),
        other => text(other),
    }
}

impl WindowBody {
    fn input(&self) -> Result<WindowInput, ApiError> {
        if self.layout.is_some() {
            return Err(ApiError::Invalid(vec![FieldError::new("layout", Problem::DecidedByDesign)]));
        }
        Ok(WindowInput {
            period: text(&self.period),
            last_period: text(&self.last_period),
            mechanism: text(&self.mechanism),
            design: text(&self.design),
            weights: weights_text(&self.weights),
            indicators: list_text(&self.indicators),
            levels: list_text(&self.levels),
        })
    }
}

#[derive(Deserialize, ToSchema)]
pub struct ReleaseBody {
    #[serde(flatten)]
    pub window: WindowBody,
    /// ρ charged to every period of the window.
    #[schema(value_type = f64)]
    pub rho: Option<Value>,
    /// The id of the release this one corrects (optional), and why (required with it).
    #[schema(value_type = Option<String>)]
    pub corrects: Option<Value>,
    #[schema(value_type = Option<String>)]
    pub reason: Option<Value>,
}

/// Create a release (coordinator): the queries of a release design (national, county and
/// länskompott figures of the person-count indicators) for a period or a window; spends ρ of
/// each year's budget, in the transaction that stores it.
#[utoipa::path(post, path = "/api/v1/releases", request_body = ReleaseBody,
    responses((status = 201, body = ReleaseSummary), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn post_release(State(state): State<AppState>, headers: HeaderMap, body: Result<Json<ReleaseBody>, JsonRejection>) -> Result<Response, ApiError> {
    let user = user(&state, &headers).await?;
    let body = json_body(body)?;
    let input = ReleaseInput { window: body.window.input()?, rho: text(&body.rho), corrects: text(&body.corrects), reason: text(&body.reason) };
    match state.backend.create_release(&user, input).await? {
        ReleaseOutcome::Created(summary) => Ok((StatusCode::CREATED, Json(summary)).into_response()),
        ReleaseOutcome::Invalid(errors) => Err(ApiError::Invalid(errors)),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct PlanBody {
    #[serde(flatten)]
    pub window: WindowBody,
    /// A budget: the plan answers with the accuracy it buys. Give this or `target_margin`.
    #[schema(value_type = Option<f64>)]
    pub rho: Option<Value>,
    /// `county` (default), `nation` or `lanskompott`.
    #[schema(value_type = Option<String>)]
    pub target_level: Option<Value>,
    /// ± households at `target_level` (95%): the plan answers with the smallest ρ that achieves it.
    #[schema(value_type = Option<f64>)]
    pub target_margin: Option<Value>,
}

/// Plan a release (coordinator): cost and accuracy per level, from the same calculation the
/// release runs. Reads no reports and spends nothing.
#[utoipa::path(post, path = "/api/v1/release-plans", request_body = PlanBody,
    responses((status = 200, body = PlanView), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn post_plan(State(state): State<AppState>, headers: HeaderMap, body: Result<Json<PlanBody>, JsonRejection>) -> Result<Json<PlanView>, ApiError> {
    let user = user(&state, &headers).await?;
    let body = json_body(body)?;
    let input =
        PlanInput { window: body.window.input()?, rho: text(&body.rho), target_level: text(&body.target_level), target_margin: text(&body.target_margin) };
    match state.backend.plan_release(&user, input).await? {
        PlanOutcome::Planned(view) => Ok(Json(view)),
        PlanOutcome::Invalid(errors) => Err(ApiError::Invalid(errors)),
    }
}

/// What "suppress counts 1–4" would have hidden in a release, and what its totals give away
/// (public: computed from published cells only).
#[utoipa::path(get, path = "/api/v1/releases/{id}/suppression", params(("id" = String, Path)),
    responses((status = 200, body = SuppressionReport), (status = 404, body = ErrorBody)))]
async fn get_suppression(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<SuppressionReport>, ApiError> {
    suppression_report(&state.pool, &id).await.map_err(|e| ApiError::Internal(e.to_string()))?.map(Json).ok_or(ApiError::NotFound)
}

#[derive(Deserialize, ToSchema)]
pub struct BudgetBody {
    #[schema(value_type = f64)]
    pub total_rho: Option<Value>,
}

/// Set a calendar year's privacy budget (coordinator; every period of the year draws on it);
/// never below what it has spent.
#[utoipa::path(put, path = "/api/v1/budgets/{year}", params(("year" = String, Path)), request_body = BudgetBody,
    responses((status = 200, body = BudgetView), (status = 422, body = ErrorBody)))]
async fn put_budget(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(year): Path<String>,
    body: Result<Json<BudgetBody>, JsonRejection>,
) -> Result<Json<BudgetView>, ApiError> {
    let user = user(&state, &headers).await?;
    let body = json_body(body)?;
    match state.backend.set_budget(&user, BudgetInput { year, total_rho: text(&body.total_rho) }).await? {
        BudgetOutcome::Saved(view) => Ok(Json(view)),
        BudgetOutcome::Invalid(errors) => Err(ApiError::Invalid(errors)),
    }
}

/// A calendar year's privacy budget (coordinator).
#[utoipa::path(get, path = "/api/v1/budgets/{year}", params(("year" = String, Path)),
    responses((status = 200, body = BudgetView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn get_budget(State(state): State<AppState>, headers: HeaderMap, Path(year): Path<String>) -> Result<Json<BudgetView>, ApiError> {
    let user = user(&state, &headers).await?;
    require_role(&user, Role::Coordinator)?;
    crate::releases::budget_view(&state.pool, &year, state.releases.default_year_rho)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Invalid(vec![e]))?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kompotten statistics API",
        description = "Reporting and differentially private releases for the Kompotten municipal network.\n\nMunicipal case systems authenticate with `Authorization: Bearer <token>`, a per-municipality token the national coordinator issues; people sign in with `POST /api/v1/session` (cookie). Every refusal names the field and the problem in Swedish and English."
    ),
    paths(
        create_session, delete_session, list_releases, get_release, post_release, post_plan, get_suppression, put_budget, get_budget,
        reporting::get_catalogue, reporting::list_periods, reporting::put_period, reporting::get_submission, reporting::put_submission,
        reporting::post_csv, reporting::get_template, reporting::get_tracker, reporting::get_tracker_csv,
        admin::put_grants, admin::get_grants, admin::post_token, admin::list_tokens, admin::delete_token, admin::get_audit_log, admin::get_audit_log_csv
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("municipality_token", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/session", post(create_session).delete(delete_session))
        .route("/releases", get(list_releases).post(post_release))
        .route("/releases/{id}", get(get_release))
        .route("/releases/{id}/suppression", get(get_suppression))
        .route("/release-plans", post(post_plan))
        .route("/budgets/{year}", get(get_budget).put(put_budget))
        .merge(reporting::router())
        .merge(admin::router())
}
