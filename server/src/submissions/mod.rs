//! Submissions: a municipality's report for a period, kept as versions. Every save (draft or
//! submission) is a new row; nothing is overwritten. The latest submitted version counts.
//! Raw values leave this module only towards the municipality's own users
//! ([`my_submission`]) or towards the privacy engine ([`counting_values`]).

pub mod csv_import;
pub mod tracker;
pub mod validate;

use std::collections::{BTreeMap, BTreeSet};

use kompotten_app::domain::{FieldError, MunicipalityCode, PeriodId, Problem};
use kompotten_app::model::{Area, Intent, MySubmission, PeriodState, PeriodView, SaveOutcome, VersionInfo, VersionState};
use sqlx::Row;

use crate::access::Actor;
use crate::audit;
use crate::catalogue::IndexedCatalogue;
use crate::db::{begin_write, now_text, retry_on_unique_violation, DbError, Pool};
use crate::periods;
pub use validate::{Scope, Values};

/// The way a version came in, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Form,
    Csv,
    Api,
    Demo,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Form => "form",
            Channel::Csv => "csv",
            Channel::Api => "api",
            Channel::Demo => "demo",
        }
    }
}

/// One report as typed: indicator code → text.
#[derive(Clone, Debug)]
pub struct SaveRequest {
    pub period: String,
    pub municipality: String,
    pub intent: Intent,
    pub channel: Channel,
    pub raw: BTreeMap<String, String>,
}

/// Which groups `municipality` reports for `period`: network members (member by the period's
/// year) and the recipients in the latest grant table of that year.
pub async fn scope(conn: &mut sqlx::AnyConnection, period: PeriodId, municipality: &str) -> Result<Scope, sqlx::Error> {
    let member: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM network_members WHERE municipality_code = $1 AND member_since <= $2")
        .bind(municipality)
        .bind(period.year().get())
        .fetch_one(&mut *conn)
        .await?;
    let recipient: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM grants WHERE municipality_code = $1
         AND import_id = (SELECT id FROM grant_imports WHERE year = $2 ORDER BY imported_at DESC, id DESC LIMIT 1)",
    )
    .bind(municipality)
    .bind(period.year().get())
    .fetch_one(&mut *conn)
    .await?;
    Ok(Scope { network_member: member > 0, grant_recipient: recipient > 0 })
}

/// Checks a period is open for reporting; the error names the field `period`.
pub fn check_open(period: Option<&PeriodView>) -> Result<(), FieldError> {
    match period {
        None => Err(FieldError::new("period", Problem::UnknownPeriod)),
        Some(p) if p.state == PeriodState::Closed => Err(FieldError::new("period", Problem::PeriodClosed)),
        Some(_) => Ok(()),
    }
}

async fn municipality_exists(conn: &mut sqlx::AnyConnection, code: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM municipalities WHERE code = $1").bind(code).fetch_one(conn).await?;
    Ok(n > 0)
}

/// Validates one municipality's report inside `conn`'s transaction: who, where, when, what.
pub async fn prepare(
    conn: &mut sqlx::AnyConnection,
    catalogue: &IndexedCatalogue,
    actor: &Actor,
    period: PeriodId,
    municipality: &str,
    intent: Intent,
    raw: &BTreeMap<String, String>,
) -> Result<Result<Values, Vec<FieldError>>, sqlx::Error> {
    let code = match MunicipalityCode::parse("municipality", municipality) {
        Ok(code) => code,
        Err(e) => return Ok(Err(vec![e])),
    };
    if !municipality_exists(conn, code.as_str()).await? {
        return Ok(Err(vec![FieldError::new("municipality", Problem::UnknownMunicipality)]));
    }
    if !actor.may_write(code.as_str()) {
        return Ok(Err(vec![FieldError::new("municipality", Problem::OtherMunicipality)]));
    }
    let scope = scope(conn, period, code.as_str()).await?;
    if scope.is_empty() {
        return Ok(Err(vec![FieldError::new("municipality", Problem::NotAMember)]));
    }
    Ok(validate::validate(catalogue, scope, raw, intent))
}

fn parse_values(json: &str) -> Result<Values, DbError> {
    serde_json::from_str(json).map_err(|e| DbError::Instance(format!("stored values are not valid JSON: {e}")))
}

/// Codes whose value differs between two versions (added, changed or removed).
fn changed_fields(before: &Values, after: &Values) -> Vec<String> {
    let codes: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    codes.into_iter().filter(|c| before.get(*c) != after.get(*c)).cloned().collect()
}

/// Stores `values` as the next version, with its audit entry, inside `conn`'s transaction.
pub async fn insert_version(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    period: PeriodId,
    municipality: &str,
    state: VersionState,
    channel: Channel,
    values: &Values,
) -> Result<VersionInfo, DbError> {
    let period_id = period.to_string();
    let previous = sqlx::query("SELECT version, values_json FROM submission_versions WHERE period_id = $1 AND municipality_code = $2 ORDER BY version DESC LIMIT 1")
        .bind(&period_id)
        .bind(municipality)
        .fetch_optional(&mut *conn)
        .await?;
    let (version, before) = match previous {
        Some(row) => (row.try_get::<i64, _>("version")? + 1, parse_values(&row.try_get::<String, _>("values_json")?)?),
        None => (1, Values::new()),
    };
    let changed = changed_fields(&before, values);
    let json = serde_json::to_string(values).map_err(|e| DbError::Instance(e.to_string()))?;
    let created_at = now_text();
    let created_by = actor.name();
    let state_code = match state {
        VersionState::Draft => "draft",
        VersionState::Submitted => "submitted",
    };
    sqlx::query(
        "INSERT INTO submission_versions (period_id, municipality_code, version, state, channel, values_json, changed_fields, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&period_id)
    .bind(municipality)
    .bind(version)
    .bind(state_code)
    .bind(channel.code())
    .bind(json)
    .bind(changed.join(","))
    .bind(&created_by)
    .bind(&created_at)
    .execute(&mut *conn)
    .await?;
    let action = match state {
        VersionState::Draft => "submission.draft",
        VersionState::Submitted => "submission.submit",
    };
    // Which fields differ from the previous version is itself raw-count information (a
    // coordinator writing zeros would learn which counts were not zero), so the log, which
    // the coordinator reads, says only how much was written; the changed fields stay in the
    // version row, which only the municipality's own users read.
    let detail = format!("version {version} via {}; {} fields written", channel.code(), values.len());
    audit::record(conn, audit::Entry { actor: &created_by, action, period_id: Some(&period_id), municipality_code: Some(municipality), detail }).await?;
    // The same holds for the answer to a writer who is not the municipality's own.
    let changed_fields = if actor.own_municipality() == Some(municipality) { changed } else { Vec::new() };
    Ok(VersionInfo { version, state, channel: channel.code().to_owned(), created_by, created_at, changed_fields })
}

pub fn intent_state(intent: Intent) -> VersionState {
    match intent {
        Intent::Draft => VersionState::Draft,
        Intent::Submit => VersionState::Submitted,
    }
}

/// Validates and stores one report as a new version, in one transaction.
pub async fn save(pool: &Pool, catalogue: &IndexedCatalogue, actor: &Actor, request: &SaveRequest) -> Result<SaveOutcome, DbError> {
    retry_on_unique_violation(|| save_once(pool, catalogue, actor, request)).await
}

async fn save_once(pool: &Pool, catalogue: &IndexedCatalogue, actor: &Actor, request: &SaveRequest) -> Result<SaveOutcome, DbError> {
    let period = match PeriodId::parse("period", &request.period) {
        Ok(p) => p,
        Err(e) => return Ok(SaveOutcome::Invalid(vec![e])),
    };
    let mut tx = begin_write(pool).await?;
    if let Err(e) = check_open(periods::get(&mut *tx, period).await?.as_ref()) {
        return Ok(SaveOutcome::Invalid(vec![e]));
    }
    let values = match prepare(&mut tx, catalogue, actor, period, &request.municipality, request.intent, &request.raw).await? {
        Ok(values) => values,
        Err(errors) => return Ok(SaveOutcome::Invalid(errors)),
    };
    let info = insert_version(&mut tx, actor, period, request.municipality.trim(), intent_state(request.intent), request.channel, &values).await?;
    tx.commit().await?;
    Ok(SaveOutcome::Saved(info))
}

fn version_from_row(row: &sqlx::any::AnyRow) -> Result<VersionInfo, sqlx::Error> {
    let state: String = row.try_get("state")?;
    let changed: String = row.try_get("changed_fields")?;
    Ok(VersionInfo {
        version: row.try_get("version")?,
        state: if state == "submitted" { VersionState::Submitted } else { VersionState::Draft },
        channel: row.try_get("channel")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        changed_fields: changed.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
    })
}

/// A municipality's own report for a period, raw, with its history. The caller must have
/// checked that `reader` belongs to this municipality; the read is written to the audit log.
pub async fn my_submission(pool: &Pool, reader: &Actor, period: PeriodId, municipality: &str) -> Result<Option<MySubmission>, DbError> {
    if reader.own_municipality() != Some(municipality) {
        return Err(DbError::Instance("raw values requested for another municipality".into()));
    }
    let mut conn = pool.acquire().await?;
    let Some(period_view) = periods::get(&mut *conn, period).await? else { return Ok(None) };
    let name: String = sqlx::query_scalar("SELECT name FROM municipalities WHERE code = $1").bind(municipality).fetch_one(&mut *conn).await?;
    let rows = sqlx::query(
        "SELECT version, state, channel, created_by, created_at, changed_fields, values_json
         FROM submission_versions WHERE period_id = $1 AND municipality_code = $2 ORDER BY version DESC",
    )
    .bind(period.to_string())
    .bind(municipality)
    .fetch_all(&mut *conn)
    .await?;
    let scope = scope(&mut conn, period, municipality).await?;
    drop(conn);
    let history = rows.iter().map(version_from_row).collect::<Result<Vec<_>, _>>()?;
    let values = match rows.first() {
        Some(row) => parse_values(&row.try_get::<String, _>("values_json")?)?,
        None => Values::new(),
    };
    let mut groups = Vec::new();
    if scope.network_member {
        groups.push("network_member".to_owned());
    }
    if scope.grant_recipient {
        groups.push("grant_recipient".to_owned());
    }
    if let Some(latest) = history.first() {
        let detail = format!("version {}", latest.version);
        audit::record_read(pool, audit::Entry { actor: &reader.name(), action: "submission.read", period_id: Some(&period.to_string()), municipality_code: Some(municipality), detail }).await?;
    }
    Ok(Some(MySubmission {
        municipality: Area { code: municipality.to_owned(), name },
        period: period_view,
        groups,
        counting_version: history.iter().find(|v| v.state == VersionState::Submitted).map(|v| v.version),
        latest: history.first().cloned(),
        values,
        history,
    }))
}

/// The counting (latest submitted) values of every municipality for a period. Only the
/// privacy engine calls this.
pub async fn counting_values(conn: &mut sqlx::AnyConnection, period: &str) -> Result<Vec<(String, Values)>, DbError> {
    let rows = sqlx::query(
        "SELECT s.municipality_code, s.values_json FROM submission_versions s
         JOIN (SELECT municipality_code, MAX(version) AS version FROM submission_versions
               WHERE period_id = $1 AND state = 'submitted' GROUP BY municipality_code) c
           ON c.municipality_code = s.municipality_code AND c.version = s.version
         WHERE s.period_id = $1 ORDER BY s.municipality_code",
    )
    .bind(period)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("municipality_code")?, parse_values(&r.try_get::<String, _>("values_json")?)?))).collect()
}
