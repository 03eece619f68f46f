//! The coordinator's administration: the grant table, API tokens and the audit log.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use kompotten_app::domain::{ReportingYear, Role};
use kompotten_app::i18n::Lang;
use kompotten_app::model::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::reporting::csv_response;
use super::{json_body, require_role, upload, user, ApiError, ErrorBody};
use crate::AppState;

/// Import the year's grant table as CSV (coordinator): columns Mottagare (SCB code or name as
/// national reports print it), Beviljade medel (kr), Oanvända medel (kr); an "Andel …" column
/// and a "Totalt" row are allowed (the total is checked). All or nothing; replaces the year's
/// table, which is published exactly.
#[utoipa::path(put, path = "/api/v1/grants/{year}", params(("year" = i64, Path)), request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportOutcome), (status = 422, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn put_grants(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(year): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ImportOutcome>, ApiError> {
    let user = user(&state, &headers).await?;
    let bytes = body.map_err(|_| ApiError::TooLarge)?;
    match state.backend.import_grants(&user, year, bytes.to_vec()).await? {
        ImportOutcome::Invalid(rows) => Err(ApiError::InvalidRows(rows)),
        stored => Ok(Json(stored)),
    }
}

/// The year's grant table: per recipient and in total, exact (public record).
#[utoipa::path(get, path = "/api/v1/grants/{year}", params(("year" = i64, Path)), responses((status = 200, body = GrantTable), (status = 404, body = ErrorBody)))]
pub async fn get_grants(State(state): State<AppState>, Path(year): Path<String>) -> Result<Json<GrantTable>, ApiError> {
    let year = ReportingYear::parse("year", &year).map_err(|e| ApiError::Invalid(vec![e]))?;
    crate::grants::table(&state.pool, year.get(), Lang::Sv).await?.map(Json).ok_or(ApiError::NotFound)
}

#[derive(Deserialize, ToSchema)]
pub struct TokenBody {
    /// SCB code of the municipality the token reports for.
    pub municipality: String,
    /// What the token is for, e.g. the case system's name.
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct IssuedToken {
    /// Shown once; store it in the case system. Only its SHA-256 is kept here.
    pub token: String,
    pub view: ApiTokenView,
}

/// Issue an API token for one municipality (coordinator).
#[utoipa::path(post, path = "/api/v1/api-tokens", request_body = TokenBody, responses((status = 201, body = IssuedToken), (status = 422, body = ErrorBody)))]
pub async fn post_token(State(state): State<AppState>, headers: HeaderMap, body: Result<Json<TokenBody>, JsonRejection>) -> Result<Response, ApiError> {
    let user = user(&state, &headers).await?;
    let body = json_body(body)?;
    match state.backend.issue_token(&user, body.municipality, body.label).await? {
        TokenOutcome::Issued { token, view } => Ok((StatusCode::CREATED, Json(IssuedToken { token, view })).into_response()),
        TokenOutcome::Invalid(errors) => Err(ApiError::Invalid(errors)),
    }
}

/// Every API token, live and revoked (coordinator).
#[utoipa::path(get, path = "/api/v1/api-tokens", responses((status = 200, body = Vec<ApiTokenView>)))]
pub async fn list_tokens(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Vec<ApiTokenView>>, ApiError> {
    let user = user(&state, &headers).await?;
    require_role(&user, Role::Coordinator)?;
    Ok(Json(crate::tokens::list(&state.pool).await?))
}

/// Revoke a token at once (coordinator).
#[utoipa::path(delete, path = "/api/v1/api-tokens/{id}", params(("id" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_token(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    let user = user(&state, &headers).await?;
    if state.backend.revoke_token(&user, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Newest entries to return (default 1,000).
    pub limit: Option<i64>,
}

/// The audit log, newest first (coordinator): every write and every read of raw counts.
#[utoipa::path(get, path = "/api/v1/audit-log", params(AuditQuery), responses((status = 200, body = Vec<AuditEntry>)))]
pub async fn get_audit_log(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<AuditQuery>) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let user = user(&state, &headers).await?;
    Ok(Json(state.backend.audit_log(&user, q.limit.unwrap_or(1000)).await?))
}

/// The audit log as CSV (coordinator).
#[utoipa::path(get, path = "/api/v1/audit-log.csv", params(AuditQuery), responses((status = 200, content_type = "text/csv", body = String)))]
pub async fn get_audit_log_csv(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<AuditQuery>) -> Result<Response, ApiError> {
    let user = user(&state, &headers).await?;
    let entries = state.backend.audit_log(&user, q.limit.unwrap_or(100_000)).await?;
    Ok(csv_response(crate::audit::to_csv(&entries), "kompotten-granskningslogg.csv"))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/grants/{year}", upload(get(get_grants).put(put_grants)))
        .route("/api-tokens", get(list_tokens).post(post_token))
        .route("/api-tokens/{id}", delete(delete_token))
        .route("/audit-log", get(get_audit_log))
        .route("/audit-log.csv", get(get_audit_log_csv))
}
