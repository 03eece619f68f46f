//! Reporting endpoints: the catalogue, periods, a municipality's submissions (form-equivalent
//! JSON for case systems, and CSV), and the submission tracker.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use kompotten_app::domain::{FieldError, PeriodId, Problem, Role};
use kompotten_app::model::*;
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::{as_field_text, bearer, caller, json_body, upload, user, ApiError, ErrorBody};
use crate::access::Actor;
use crate::submissions::writer::Refusal;
use crate::submissions::{self, csv_import, Channel, SaveJob, SaveRequest};
use crate::AppState;

fn period(raw: &str) -> Result<PeriodId, ApiError> {
    PeriodId::parse("period", raw).map_err(|e| ApiError::Invalid(vec![e]))
}

/// The `status` a caller asked for: "draft" or "submitted" (the default).
fn intent(status: Option<&str>) -> Result<Intent, ApiError> {
    match status {
        None => Ok(Intent::Submit),
        Some(s) => Intent::from_code(s).ok_or_else(|| ApiError::Invalid(vec![FieldError::new("status", Problem::UnknownIndicator)])),
    }
}

/// The indicator catalogue: codes, labels, help texts, types, limits and rules (public).
#[utoipa::path(get, path = "/api/v1/catalogue", responses((status = 200, body = Catalogue)))]
pub async fn get_catalogue(State(state): State<AppState>) -> Json<Catalogue> {
    Json(state.catalogue.catalogue.clone())
}

/// Reporting periods, newest first (public).
#[utoipa::path(get, path = "/api/v1/periods", responses((status = 200, body = Vec<PeriodView>)))]
pub async fn list_periods(State(state): State<AppState>) -> Result<Json<Vec<PeriodView>>, ApiError> {
    Ok(Json(crate::periods::list(&state.pool).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct PeriodBody {
    /// "open" or "closed".
    pub state: String,
}

/// Open (creating it if new) or close a period (coordinator).
#[utoipa::path(put, path = "/api/v1/periods/{period}", params(("period" = String, Path, description = "2025, 2025H1 or 2025H2")),
    request_body = PeriodBody, responses((status = 200, body = PeriodView), (status = 422, body = ErrorBody)))]
pub async fn put_period(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    body: Result<Json<PeriodBody>, JsonRejection>,
) -> Result<Json<PeriodView>, ApiError> {
    let user = user(&state, &headers).await?;
    let body = json_body(body)?;
    let open = match body.state.as_str() {
        "open" => true,
        "closed" => false,
        _ => return Err(ApiError::Invalid(vec![FieldError::new("state", Problem::OutOfRange { min: 0, max: 1 })])),
    };
    match state.backend.set_period_state(&user, raw, open).await? {
        PeriodOutcome::Saved(view) => Ok(Json(view)),
        PeriodOutcome::Invalid(errors) => Err(ApiError::Invalid(errors)),
    }
}

/// A municipality's own report for a period, raw, with its version history. Only the
/// municipality's own users and tokens may read it.
#[utoipa::path(get, path = "/api/v1/periods/{period}/submissions/{municipality}",
    params(("period" = String, Path), ("municipality" = String, Path, description = "SCB code")),
    responses((status = 200, body = MySubmission), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("municipality_token" = [])))]
pub async fn get_submission(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((raw_period, municipality)): Path<(String, String)>,
) -> Result<Json<MySubmission>, ApiError> {
    let actor = caller(&state, &headers).await?;
    let period = period(&raw_period)?;
    if actor.own_municipality() != Some(municipality.as_str()) {
        return Err(ApiError::Forbidden("raw values are shown only to the municipality's own users"));
    }
    submissions::my_submission(&state.pool, &actor, period, &municipality).await?.map(Json).ok_or(ApiError::NotFound)
}

#[derive(Deserialize, ToSchema)]
pub struct SubmissionBody {
    /// "draft" (field checks only) or "submitted" (complete, every rule holds). Default: submitted.
    pub status: Option<String>,
    /// Indicator code → value: whole numbers, "ja"/"nej" or true/false, 1–5 or null for
    /// "no answer" on scales, kronor as a number or a string ("1 836 000,50").
    #[schema(value_type = Object)]
    pub values: Option<BTreeMap<String, Value>>,
}

/// Save a municipality's report as a new version (its own users and tokens; the coordinator
/// for any municipality). Earlier versions are kept.
#[utoipa::path(put, path = "/api/v1/periods/{period}/submissions/{municipality}",
    params(("period" = String, Path), ("municipality" = String, Path, description = "SCB code")), request_body = SubmissionBody,
    responses((status = 200, body = VersionInfo), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("municipality_token" = [])))]
pub async fn put_submission(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((raw_period, municipality)): Path<(String, String)>,
    body: Result<Json<SubmissionBody>, JsonRejection>,
) -> Result<Json<VersionInfo>, ApiError> {
    let parsed = json_body(body).and_then(|body| Ok((intent(body.status.as_deref())?, body)));
    let sender = match bearer(&headers).filter(|_| parsed.is_ok()) {
        // The common case: the writer checks the token together with the rest of its batch.
        Some(token) => Sender::Token(token),
        // Otherwise (a session, or a body refused anyway) the caller is authenticated first,
        // so that an unknown caller learns nothing from the body's errors.
        None => {
            let actor = caller(&state, &headers).await?;
            if !actor.may_write(municipality.trim()) {
                return Err(FORBIDDEN_OTHER);
            }
            Sender::Actor(actor)
        }
    };
    let (intent, body) = parsed?;
    let raw = body
        .values
        .unwrap_or_default()
        .into_iter()
        .map(|(code, value)| {
            let scale = state.catalogue.get(&code).is_some_and(|(_, d)| d.value_type == ValueType::Scale1To5);
            let text = if scale && value.is_null() { "no_answer".to_owned() } else { as_field_text(Some(&value)) };
            (code, text)
        })
        .collect();
    let request = SaveRequest { period: raw_period, municipality, intent, channel: Channel::Api, raw };
    let outcome = match sender {
        Sender::Token(token) => state.writer.save_with_token(token, request).await?.map_err(|refusal| match refusal {
            Refusal::Unauthenticated => ApiError::Unauthenticated,
            Refusal::Forbidden => FORBIDDEN_OTHER,
        })?,
        Sender::Actor(actor) => state.writer.save(SaveJob { actor, request }).await?,
    };
    match outcome {
        SaveOutcome::Saved(info) => Ok(Json(info)),
        SaveOutcome::Invalid(errors) => Err(ApiError::Invalid(errors)),
    }
}

enum Sender<'a> {
    Token(&'a str),
    Actor(Actor),
}

const FORBIDDEN_OTHER: ApiError = ApiError::Forbidden("a municipality reports only for itself");

#[derive(Deserialize, IntoParams)]
pub struct CsvQuery {
    /// "draft" or "submitted" (default).
    pub status: Option<String>,
}

/// Import reports as CSV (body: the file, UTF-8 with or without BOM, `;` or `,`): one row per
/// municipality, a `kommun` column (SCB code or name) and one column per indicator code.
/// All or nothing. A municipality may send only its own row; the coordinator any.
#[utoipa::path(post, path = "/api/v1/periods/{period}/csv", params(("period" = String, Path), CsvQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportOutcome), (status = 422, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("municipality_token" = [])))]
pub async fn post_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw_period): Path<String>,
    Query(q): Query<CsvQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ImportOutcome>, ApiError> {
    let actor = caller(&state, &headers).await?;
    if let Actor::User(user) = &actor {
        if !matches!(user.role, Role::Reporter | Role::Coordinator) {
            return Err(ApiError::Forbidden("reports are imported by municipalities and the coordinator"));
        }
    }
    let bytes = body.map_err(|_| ApiError::TooLarge)?;
    let intent = intent(q.status.as_deref())?;
    match csv_import::import(&state.pool, &state.catalogue, &actor, &raw_period, intent, &bytes).await? {
        ImportOutcome::Invalid(rows) => Err(ApiError::InvalidRows(rows)),
        stored => Ok(Json(stored)),
    }
}

/// An empty CSV with the header the import expects (public).
#[utoipa::path(get, path = "/api/v1/periods/{period}/template.csv", params(("period" = String, Path)), responses((status = 200, content_type = "text/csv", body = String)))]
pub async fn get_template(State(state): State<AppState>, Path(raw_period): Path<String>) -> Result<Response, ApiError> {
    let period = period(&raw_period)?;
    Ok(csv_response(csv_import::template(&state.catalogue), &format!("kompotten-{period}-mall.csv")))
}

#[derive(Deserialize, IntoParams)]
pub struct TrackerQuery {
    /// A county code ("21"); ignored for county boards, who always see their own county.
    pub county: Option<String>,
    /// all (default), network_members or grant_recipients.
    pub membership: Option<String>,
}

async fn tracker_for(state: &AppState, headers: &HeaderMap, raw_period: String, q: TrackerQuery) -> Result<Tracker, ApiError> {
    let user = user(state, headers).await?;
    if user.role == Role::Reporter {
        return Err(ApiError::Forbidden("the tracker is for the coordinator and county boards"));
    }
    period(&raw_period)?;
    let membership = MembershipFilter::from_code(q.membership.as_deref().unwrap_or(""))
        .ok_or_else(|| ApiError::Invalid(vec![FieldError::new("membership", Problem::UnknownIndicator)]))?;
    let tracker = state.backend.tracker(&user, Some(raw_period), q.county, membership).await?;
    if tracker.period.is_none() {
        return Err(ApiError::NotFound);
    }
    Ok(tracker)
}

/// Who should report for a period and how far each has come: status, never values.
#[utoipa::path(get, path = "/api/v1/periods/{period}/tracker", params(("period" = String, Path), TrackerQuery),
    responses((status = 200, body = Tracker), (status = 403, body = ErrorBody)))]
pub async fn get_tracker(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw_period): Path<String>,
    Query(q): Query<TrackerQuery>,
) -> Result<Json<Tracker>, ApiError> {
    Ok(Json(tracker_for(&state, &headers, raw_period, q).await?))
}

/// The tracker as CSV (semicolons, UTF-8 with BOM: opens in Swedish Excel as it is).
#[utoipa::path(get, path = "/api/v1/periods/{period}/tracker.csv", params(("period" = String, Path), TrackerQuery),
    responses((status = 200, content_type = "text/csv", body = String)))]
pub async fn get_tracker_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw_period): Path<String>,
    Query(q): Query<TrackerQuery>,
) -> Result<Response, ApiError> {
    let tracker = tracker_for(&state, &headers, raw_period.clone(), q).await?;
    Ok(csv_response(submissions::tracker::to_csv(&tracker), &format!("kompotten-{raw_period}-inrapportering.csv")))
}

pub fn csv_response(body: String, filename: &str) -> Response {
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\""))], body)
        .into_response()
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/catalogue", get(get_catalogue))
        .route("/periods", get(list_periods))
        .route("/periods/{period}", put(put_period))
        .route("/periods/{period}/submissions/{municipality}", get(get_submission).put(put_submission))
        .route("/periods/{period}/csv", upload(post(post_csv)))
        .route("/periods/{period}/template.csv", get(get_template))
        .route("/periods/{period}/tracker", get(get_tracker))
        .route("/periods/{period}/tracker.csv", get(get_tracker_csv))
}
