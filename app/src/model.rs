//! What crosses between server and browser. None of these carries another municipality's raw
//! person counts: `MyReport` goes only to the reporting municipality's own users, and release
//! figures have passed through the privacy engine.

use serde::{Deserialize, Serialize};

use crate::domain::{FieldError, Role};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Area {
    pub code: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CurrentUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Set for reporters: the one municipality whose raw counts this user may read.
    pub municipality: Option<Area>,
    /// Set for county-board users.
    pub county: Option<Area>,
}

/// What every page needs to know about the reader and the instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub user: Option<CurrentUser>,
    pub is_demo: bool,
    /// The year forms start on: the last full calendar year.
    pub default_year: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InstanceInfo {
    pub is_demo: bool,
    pub default_year: i64,
}

/// A released figure: the post-processed value and its 95% interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReleasedValue {
    pub value: i64,
    pub ci_low: i64,
    pub ci_high: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReleasedArea {
    pub area: Area,
    pub households_moved_out: ReleasedValue,
    pub households_received: ReleasedValue,
}

/// How much privacy a release spent, in the mechanism's own terms and as (ε, δ).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PrivacyLoss {
    pub mechanism: String,
    pub rho: f64,
    pub epsilon: f64,
    pub delta: f64,
    pub l2_sensitivity: f64,
    pub noise_scale: f64,
    pub ci_half_width: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PublishedRelease {
    pub id: String,
    pub year: i64,
    pub created_at: String,
    pub engine_version: String,
    pub privacy: PrivacyLoss,
    pub national: ReleasedArea,
    pub counties: Vec<ReleasedArea>,
    /// The county chart as Plotly figure JSON, built by the server with the plotly crate.
    pub chart_json: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PublicDashboard {
    pub is_demo: bool,
    /// Years that have at least one release, newest first.
    pub years: Vec<i64>,
    pub release: Option<PublishedRelease>,
}

/// A municipality's own report, raw. Only ever sent to that municipality's users.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MyReport {
    pub municipality: Area,
    pub year: i64,
    pub households_moved_out: Option<i64>,
    pub households_received: Option<i64>,
    pub submitted_at: Option<String>,
    pub submitted_by: Option<String>,
}

/// Form input as typed; the server parses it into domain types.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReportInput {
    pub year: String,
    pub households_moved_out: String,
    pub households_received: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum SubmitOutcome {
    Saved(MyReport),
    Invalid(Vec<FieldError>),
}

/// Whether a municipality has reported: status, never values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubmissionStatus {
    pub municipality: Area,
    pub county: Area,
    pub submitted_at: Option<String>,
    pub submitted_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BudgetView {
    pub year: i64,
    pub total_rho: f64,
    pub spent_rho: f64,
    pub remaining_rho: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReleaseSummary {
    pub id: String,
    pub year: i64,
    pub created_at: String,
    pub created_by: String,
    pub rho: f64,
    pub epsilon: f64,
    pub delta: f64,
    pub ci_half_width: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CoordinatorOverview {
    pub year: i64,
    pub budget: BudgetView,
    pub statuses: Vec<SubmissionStatus>,
    pub releases: Vec<ReleaseSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CountyOverview {
    pub year: i64,
    pub county: Area,
    pub statuses: Vec<SubmissionStatus>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReleaseInput {
    pub year: String,
    pub rho: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ReleaseOutcome {
    Created(ReleaseSummary),
    Invalid(Vec<FieldError>),
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BudgetInput {
    pub year: String,
    pub total_rho: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum BudgetOutcome {
    Saved(BudgetView),
    Invalid(Vec<FieldError>),
}
