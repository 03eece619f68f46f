//! What crosses between server and browser. None of these carries another municipality's raw
//! person counts: `MyReport` goes only to the reporting municipality's own users, and release
//! figures have passed through the privacy engine.

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use crate::domain::{Bilingual, FieldError, Role};

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

/// How much privacy a release spent, in the mechanism's own terms and as (ε, δ), how its
/// budget was split between its queries, and how wide its 95% intervals are per level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PrivacyLoss {
    /// `discrete_gaussian` (zCDP) or `discrete_laplace` (pure DP).
    pub mechanism: String,
    /// Charged to the budget of every year the release covers.
    pub rho: f64,
    pub epsilon: f64,
    pub delta: f64,
    /// Each query's share of ρ and the widest margin of its cells.
    pub queries: Vec<QueryLoss>,
    /// ± households of the 95% interval per level (`nation`, `county`, `lanskompott`,
    /// `rest_of_county`): the widest over the level's cells.
    pub margins: Vec<LevelMargin>,
}

/// One query of a published release.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QueryLoss {
    pub key: String,
    pub indicators: Vec<String>,
    pub level: QueryLevel,
    pub time: QueryTime,
    /// This query's share of ρ.
    pub rho: f64,
    /// ± at 95%, the widest over the query's cells.
    pub margin: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LevelMargin {
    pub level: String,
    pub margin: f64,
}

impl PrivacyLoss {
    pub fn margin(&self, level: &str) -> Option<f64> {
        self.margins.iter().find(|m| m.level == level).map(|m| m.margin)
    }
}

/// One published cell of a release's full table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReleasedCell {
    pub indicator: String,
    /// The period, or `first–last` for a window released as totals.
    pub period: String,
    /// `SE`, a county code, `L<county>` (the county's länskompott) or `R<county>` (the rest of the county).
    pub area_code: String,
    /// `nation`, `county`, `lanskompott` or `rest_of_county`.
    pub level: String,
    pub value: i64,
    pub ci_low: i64,
    pub ci_high: i64,
    /// The unbiased estimate the value was made whole, non-negative and consistent from (it can
    /// be negative); `None` for releases made before the engine published it.
    pub estimate: Option<f64>,
}

/// The headline figures of one released period (national, per period).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PeriodHeadline {
    pub period: String,
    pub households_moved_out: Option<ReleasedValue>,
    pub households_received: Option<ReleasedValue>,
}

/// A year's privacy loss so far: every release that has debited its budget, composed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct YearLoss {
    pub year: i64,
    /// ρ spent on the year's households by every release so far (zCDP adds up).
    pub rho: f64,
    /// The same as ε at `delta` (OpenDP's conversion of the total ρ).
    pub epsilon: f64,
    pub delta: f64,
    /// Releases that have debited the year.
    pub releases: i64,
    /// The year's budget (ρ).
    pub budget: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PublishedRelease {
    pub id: String,
    /// The year of the release's last period.
    pub year: i64,
    /// The periods the release covers, in order.
    pub periods: Vec<String>,
    /// The period the headline figures (`national`) are for: the window's last period.
    pub headline_period: String,
    /// The period label of the county figures: the window (`2022–2025`) where counties are
    /// released as the window's totals.
    pub county_period: String,
    /// The national headline figures of every released period.
    pub headline_periods: Vec<PeriodHeadline>,
    /// The years whose budget the release debited (each by `privacy.rho`).
    pub charged_years: Vec<i64>,
    /// Each charged year's total privacy loss so far, over every release.
    pub ledger: Vec<YearLoss>,
    /// The release design it answered (`standard`); `None` for releases made before designs.
    pub design: Option<String>,
    pub created_at: String,
    pub engine_version: String,
    /// The release this one corrects, and why.
    pub corrects: Option<String>,
    pub correction_reason: Option<String>,
    pub privacy: PrivacyLoss,
    pub national: ReleasedArea,
    pub counties: Vec<ReleasedArea>,
    /// Every published cell: every person-count indicator, period and area.
    pub cells: Vec<ReleasedCell>,
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
    /// Every release of the year, newest first (the one shown is the first).
    pub releases: Vec<ReleaseSummary>,
    /// The year's grant table: public record, published exactly.
    pub grants: Option<GrantTable>,
}

/// A calendar year's privacy budget: every period of the year (the year, its half-years)
/// draws on it.
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
    pub periods: Vec<String>,
    pub created_at: String,
    pub created_by: String,
    pub mechanism: String,
    /// Charged to each year's budget.
    pub rho: f64,
    pub epsilon: f64,
    pub delta: f64,
    pub corrects: Option<String>,
    /// The release design (`None` before designs).
    pub design: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CoordinatorOverview {
    pub year: i64,
    /// The year's budget.
    pub budgets: Vec<BudgetView>,
    pub periods: Vec<PeriodView>,
    pub releases: Vec<ReleaseSummary>,
    pub tokens: Vec<ApiTokenView>,
    pub grants: Option<GrantTable>,
    /// The standard release design's queries, as the planner offers them.
    pub design: Vec<DesignQuery>,
}

/// A geography level a query releases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QueryLevel {
    Nation,
    County,
    /// Each länskompott and the rest of its county.
    Lanskompott,
}

/// How a query releases the periods of a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QueryTime {
    /// One figure per period.
    PerPeriod,
    /// One figure for the whole window.
    Window,
}

/// One query of a release design: what it releases and its weight (its share of the budget).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DesignQuery {
    /// `households_moved_out@county`: the first indicator and the level.
    pub key: String,
    /// From the catalogue: the indicator's label, or its group's for the parts of a total.
    pub label: Bilingual,
    pub indicators: Vec<String>,
    pub level: QueryLevel,
    pub time: QueryTime,
    pub weight: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CountyOverview {
    pub county: Area,
    pub tracker: Tracker,
}

/// What a release (or a plan) covers and how, as typed: every field is text, parsed by the
/// server.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WindowInput {
    /// The first (or only) period.
    pub period: String,
    /// The last period of a window; empty for one period.
    pub last_period: String,
    /// `discrete_gaussian` (default) or `discrete_laplace`.
    pub mechanism: String,
    /// The release design (`standard`, the default).
    pub design: String,
    /// Weights other than the design's, as `key=weight` pairs, comma-separated (`0` leaves a
    /// query out); empty for the design's own.
    pub weights: String,
    /// Only the design's queries of these person-count indicators, comma-separated; empty for all.
    pub indicators: String,
    /// Only the design's queries at these levels (`nation`, `county`, `lanskompott`),
    /// comma-separated; empty for all.
    pub levels: String,
}

/// A release request as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReleaseInput {
    pub window: WindowInput,
    pub rho: String,
    /// The release this one corrects (empty for none), and why.
    pub corrects: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ReleaseOutcome {
    Created(ReleaseSummary),
    Invalid(Vec<FieldError>),
}

/// A plan request as typed: what to release, and either a budget `rho` or a `target_margin`
/// (± households, 95%) at `target_level` (`county` by default, `nation`, `lanskompott`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanInput {
    pub window: WindowInput,
    pub rho: String,
    pub target_level: String,
    pub target_margin: String,
}

/// What a release would cost and how accurate it would be, per level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlanView {
    /// The budgets the release would debit, as they stand now.
    pub budgets: Vec<BudgetView>,
    /// The budget ρ the plan was computed for: a release asked for exactly this ρ is the one
    /// planned (same split, same noise, same intervals).
    pub budget: f64,
    /// What the release would cost each year (OpenDP's stated cost): at most `budget`, less
    /// where a query's noise was widened for its intervals' coverage.
    pub rho: f64,
    pub epsilon: f64,
    pub delta: f64,
    /// ± households of the 95% interval per level, the widest over the level's cells.
    pub margins: Vec<LevelMargin>,
    /// Every query: its share of ρ, its margin, and whether it would be mostly noise.
    pub queries: Vec<PlannedQuery>,
    /// For a margin target: the largest ρ tried that misses it.
    pub cheaper_rho_missing_target: Option<f64>,
    /// Whether every year's remaining budget covers the cost, and ρ is within what a release accepts.
    pub fits_budget: bool,
    /// Whether ρ is more than any release may spend (then no budget can buy the target).
    pub beyond_allowed: bool,
    /// Where the plan does not fit: what the budget left would buy instead.
    pub with_remaining: Option<RemainingPlan>,
}

/// One query of a plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlannedQuery {
    pub query: DesignQuery,
    /// The query's share of ρ.
    pub rho: f64,
    /// ± at 95%, the widest over the query's cells.
    pub margin: f64,
    /// The catalogue's bound on the size of the query's cells, where it declares one.
    pub plausible: Option<f64>,
    /// The margin is at least that size: the figure would be mostly noise.
    pub mostly_noise: bool,
}

/// What the smallest remaining budget among the years would buy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RemainingPlan {
    pub rho: f64,
    pub margins: Vec<LevelMargin>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum PlanOutcome {
    Planned(PlanView),
    Invalid(Vec<FieldError>),
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BudgetInput {
    /// The calendar year (`2025`).
    pub year: String,
    pub total_rho: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum BudgetOutcome {
    Saved(BudgetView),
    Invalid(Vec<FieldError>),
}

// ---------------------------------------------------------------- the indicator catalogue

/// What an indicator measures, which decides how it may be published.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// Households or their requests: protected by differential privacy.
    PersonCount,
    /// About a municipality, not a person: published exactly.
    OrganisationFact,
    /// Public record: published exactly.
    Money,
}

/// How a value is written and stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    /// A whole number 0..=max_value.
    Count,
    /// Yes (1) or no (0).
    YesNo,
    /// 1–5, or null for "no answer".
    #[serde(rename = "scale_1_5")]
    Scale1To5,
    /// Kronor, stored in öre.
    Sek,
}

/// Who reports a group of indicators for a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportedBy {
    /// Members of the network in the period's year.
    NetworkMember,
    /// Municipalities in the year's grant table.
    GrantRecipient,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IndicatorDef {
    pub code: String,
    pub kind: IndicatorKind,
    pub value_type: ValueType,
    pub unit: String,
    pub max_value: i64,
    /// Person counts: the most one household adds to this indicator across all reports of a period.
    pub max_per_household: Option<i64>,
    /// Person counts: a generous bound on the national yearly total (the planner warns that a
    /// figure whose margin reaches it would be mostly noise).
    pub plausible_per_year: Option<i64>,
    pub label: Bilingual,
    pub help: Bilingual,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IndicatorGroup {
    pub code: String,
    pub reported_by: ReportedBy,
    pub label: Bilingual,
    pub help: Bilingual,
    pub indicators: Vec<IndicatorDef>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Left ≤ right.
    Le,
    /// Left = right.
    Eq,
}

/// A cross-field rule: the sum of `lhs` stands in `relation` to the sum of `rhs`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Rule {
    pub code: String,
    pub lhs: Vec<String>,
    pub relation: Relation,
    pub rhs: Vec<String>,
    pub message: Bilingual,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Catalogue {
    pub groups: Vec<IndicatorGroup>,
    pub rules: Vec<Rule>,
}

impl Catalogue {
    pub fn indicators(&self) -> impl Iterator<Item = (&IndicatorGroup, &IndicatorDef)> {
        self.groups.iter().flat_map(|g| g.indicators.iter().map(move |i| (g, i)))
    }

    pub fn indicator(&self, code: &str) -> Option<(&IndicatorGroup, &IndicatorDef)> {
        self.indicators().find(|(_, i)| i.code == code)
    }
}

// ---------------------------------------------------------------- periods and submissions

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PeriodState {
    Open,
    Closed,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PeriodView {
    pub id: String,
    pub year: i64,
    pub starts_on: String,
    pub ends_on: String,
    pub state: PeriodState,
    pub changed_by: String,
    pub changed_at: String,
}

/// Save as a draft (field checks only) or submit (complete, and every rule holds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    Draft,
    #[default]
    Submit,
}

impl Intent {
    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim() {
            "draft" | "utkast" => Some(Intent::Draft),
            "submit" | "submitted" | "skicka" => Some(Intent::Submit),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VersionState {
    Draft,
    Submitted,
}

/// One saved version: who, when, through which channel, and which fields changed (names,
/// never values).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VersionInfo {
    pub version: i64,
    pub state: VersionState,
    pub channel: String,
    pub created_by: String,
    pub created_at: String,
    pub changed_fields: Vec<String>,
}

/// A municipality's own report for a period, raw. Only ever sent to that municipality's users.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MySubmission {
    pub municipality: Area,
    pub period: PeriodView,
    /// The groups this municipality reports for this period.
    pub groups: Vec<String>,
    /// The latest version (draft or submitted): what the form shows.
    pub latest: Option<VersionInfo>,
    /// Its values: whole numbers (counts, 0/1, scale steps, öre), null for "no answer".
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub values: BTreeMap<String, Option<i64>>,
    /// The version that counts: the latest submitted one.
    pub counting_version: Option<i64>,
    pub history: Vec<VersionInfo>,
}

/// What the reporter's page needs: the catalogue, the open periods and the chosen one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportPageData {
    pub catalogue: Catalogue,
    pub periods: Vec<PeriodView>,
    pub submission: Option<MySubmission>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum SaveOutcome {
    Saved(VersionInfo),
    Invalid(Vec<FieldError>),
}

/// The refused fields of one CSV row (line = the file's line number, header = 1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RowErrors {
    pub line: i64,
    pub municipality: Option<String>,
    pub errors: Vec<FieldError>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ImportOutcome {
    /// Every row stored: how many, and as which state.
    Stored { rows: i64, state: VersionState },
    /// Nothing stored: every refused row and field.
    Invalid(Vec<RowErrors>),
}

// ---------------------------------------------------------------- the tracker

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TrackerStatus {
    NotStarted,
    Draft,
    Submitted,
    Corrected,
}

impl TrackerStatus {
    pub fn code(self) -> &'static str {
        match self {
            TrackerStatus::NotStarted => "not_started",
            TrackerStatus::Draft => "draft",
            TrackerStatus::Submitted => "submitted",
            TrackerStatus::Corrected => "corrected",
        }
    }
}

/// Whether a municipality has reported: status, never values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TrackerRow {
    pub municipality: Area,
    pub county: Area,
    pub network_member: bool,
    pub grant_recipient: bool,
    pub status: TrackerStatus,
    /// The latest version's time and author, if any.
    pub last_change_at: Option<String>,
    pub last_change_by: Option<String>,
    /// Whether a draft newer than the counting version is waiting.
    pub pending_draft: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MembershipFilter {
    #[default]
    All,
    NetworkMembers,
    GrantRecipients,
}

impl MembershipFilter {
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "" | "all" => Some(Self::All),
            "network_members" => Some(Self::NetworkMembers),
            "grant_recipients" => Some(Self::GrantRecipients),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::NetworkMembers => "network_members",
            Self::GrantRecipients => "grant_recipients",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Tracker {
    pub period: Option<PeriodView>,
    pub periods: Vec<PeriodView>,
    pub county: Option<String>,
    pub membership: MembershipFilter,
    pub counties: Vec<Area>,
    pub rows: Vec<TrackerRow>,
}

// ---------------------------------------------------------------- grants, tokens, audit

/// One recipient in the year's grant table. Money is public record: exact, in öre.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GrantRowView {
    pub municipality: Area,
    pub granted_ore: i64,
    pub unused_ore: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GrantTable {
    pub year: i64,
    pub imported_at: String,
    pub rows: Vec<GrantRowView>,
    pub total_granted_ore: i64,
    pub total_unused_ore: i64,
    /// Plotly figure JSON built by the server.
    pub chart_json: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiTokenView {
    pub id: String,
    pub municipality: Area,
    pub label: String,
    pub created_by: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// A new token: shown once, never stored in clear.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum TokenOutcome {
    Issued { token: String, view: ApiTokenView },
    Invalid(Vec<FieldError>),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: String,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub period_id: Option<String>,
    pub municipality_code: Option<String>,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum PeriodOutcome {
    Saved(PeriodView),
    Invalid(Vec<FieldError>),
}
