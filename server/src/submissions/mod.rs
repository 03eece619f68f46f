//! Submissions: a municipality's report for a period, kept as versions. Every save (draft or
//! submission) is a new row; nothing is overwritten. The latest submitted version counts.
//! Raw values leave this module only towards the municipality's own users
//! ([`my_submission`]) or towards the privacy engine ([`counting_values`]).

pub mod csv_import;
pub mod tracker;
pub mod validate;
pub mod writer;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use kompotten_app::domain::{FieldError, MunicipalityCode, PeriodId, Problem};
use kompotten_app::model::{Area, Intent, MySubmission, PeriodState, PeriodView, SaveOutcome, VersionInfo, VersionState};
use sqlx::Row;

use crate::access::Actor;
use crate::audit;
use crate::catalogue::IndexedCatalogue;
use crate::db::{begin_write, in_list, now_text, retry_on_unique_violation, values_placeholders, DbError, Pool};
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
    Ok(scopes(conn, period, &[municipality]).await?.remove(municipality).unwrap_or_default())
}

/// [`scope`] for several municipalities at once, with which of them exist: one query
/// whatever their number (each statement is a round trip to the database's thread, and the
/// writer's batches wait for every one).
pub async fn scopes(conn: &mut sqlx::AnyConnection, period: PeriodId, municipalities: &[&str]) -> Result<HashMap<String, Scope>, sqlx::Error> {
    Ok(known_scopes(conn, period, municipalities).await?.into_iter().collect())
}

/// Every one of `municipalities` that exists, with its scope for `period`.
async fn known_scopes(conn: &mut sqlx::AnyConnection, period: PeriodId, municipalities: &[&str]) -> Result<HashMap<String, Scope>, sqlx::Error> {
    if municipalities.is_empty() {
        return Ok(HashMap::new());
    }
    let list = in_list(2, municipalities.len());
    let sql = format!(
        "SELECT 'municipality' AS fact, code FROM municipalities WHERE code IN ({list})
         UNION ALL SELECT 'member', municipality_code FROM network_members WHERE member_since <= $1 AND municipality_code IN ({list})
         UNION ALL SELECT 'recipient', municipality_code FROM grants WHERE municipality_code IN ({list})
           AND import_id = (SELECT id FROM grant_imports WHERE year = $1 ORDER BY imported_at DESC, id DESC LIMIT 1)"
    );
    let mut query = sqlx::query(&sql).bind(period.year().get());
    for m in municipalities {
        query = query.bind(*m);
    }
    let mut found: HashMap<String, Scope> = HashMap::new();
    for row in query.fetch_all(&mut *conn).await? {
        let (fact, code): (String, String) = (row.try_get("fact")?, row.try_get("code")?);
        let scope = found.entry(code).or_default();
        match fact.as_str() {
            "member" => scope.network_member = true,
            "recipient" => scope.grant_recipient = true,
            _ => {}
        }
    }
    Ok(found)
}

/// Checks a period is open for reporting; the error names the field `period`.
pub fn check_open(period: Option<&PeriodView>) -> Result<(), FieldError> {
    match period {
        None => Err(FieldError::new("period", Problem::UnknownPeriod)),
        Some(p) if p.state == PeriodState::Closed => Err(FieldError::new("period", Problem::PeriodClosed)),
        Some(_) => Ok(()),
    }
}

/// One report to validate: who sends it, for which municipality (as typed), and its fields.
pub struct Draft<'a> {
    pub actor: &'a Actor,
    pub municipality: &'a str,
    pub intent: Intent,
    pub raw: &'a BTreeMap<String, String>,
}

/// Validates reports for one period inside `conn`'s transaction: who, where, when, what. The
/// database is asked a fixed number of questions whatever the number of reports, so a whole
/// CSV file or a batch of API calls costs about as much as one.
pub async fn prepare(
    conn: &mut sqlx::AnyConnection,
    catalogue: &IndexedCatalogue,
    period: PeriodId,
    drafts: &[Draft<'_>],
) -> Result<Vec<Result<(MunicipalityCode, Values), Vec<FieldError>>>, sqlx::Error> {
    let codes: Vec<Result<MunicipalityCode, FieldError>> = drafts.iter().map(|d| MunicipalityCode::parse("municipality", d.municipality)).collect();
    let wanted: Vec<&str> = codes.iter().filter_map(|c| c.as_ref().ok()).map(MunicipalityCode::as_str).collect();
    let scopes = known_scopes(conn, period, &wanted).await?;
    Ok(drafts
        .iter()
        .zip(codes)
        .map(|(draft, code)| {
            let code = code.map_err(|e| vec![e])?;
            if !scopes.contains_key(code.as_str()) {
                return Err(vec![FieldError::new("municipality", Problem::UnknownMunicipality)]);
            }
            if !draft.actor.may_write(code.as_str()) {
                return Err(vec![FieldError::new("municipality", Problem::OtherMunicipality)]);
            }
            let scope = scopes[code.as_str()];
            if scope.is_empty() {
                return Err(vec![FieldError::new("municipality", Problem::NotAMember)]);
            }
            validate::validate(catalogue, scope, draft.raw, draft.intent).map(|values| (code, values))
        })
        .collect())
}

fn parse_values(json: &str) -> Result<Values, DbError> {
    serde_json::from_str(json).map_err(|e| DbError::Instance(format!("stored values are not valid JSON: {e}")))
}

/// Codes whose value differs between two versions (added, changed or removed).
fn changed_fields(before: &Values, after: &Values) -> Vec<String> {
    let codes: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    codes.into_iter().filter(|c| before.get(*c) != after.get(*c)).cloned().collect()
}

/// One validated report to store as its municipality's next version.
pub struct NewVersion<'a> {
    pub actor: &'a Actor,
    pub municipality: &'a MunicipalityCode,
    pub state: VersionState,
    pub channel: Channel,
    pub values: &'a Values,
}

/// The latest version number and values of each municipality's report for a period: one
/// primary-key seek per municipality, whatever the length of its history (a `MAX … GROUP BY`
/// joined back to the table walked every version of every municipality in the batch).
async fn latest_versions(conn: &mut sqlx::AnyConnection, period: &str, municipalities: &[&str]) -> Result<HashMap<String, (i64, Values)>, DbError> {
    let sql = (0..municipalities.len())
        .map(|i| {
            format!(
                "SELECT * FROM (SELECT municipality_code, version, values_json FROM submission_versions
                 WHERE period_id = $1 AND municipality_code = ${} ORDER BY version DESC LIMIT 1) AS latest_{i}",
                i + 2
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let mut query = sqlx::query(&sql).bind(period);
    for m in municipalities {
        query = query.bind(*m);
    }
    let mut latest = HashMap::new();
    for row in query.fetch_all(&mut *conn).await? {
        latest.insert(row.try_get("municipality_code")?, (row.try_get("version")?, parse_values(&row.try_get::<String, _>("values_json")?)?));
    }
    Ok(latest)
}

/// Stores each report as the next version of its municipality's report (in order, so two
/// reports for one municipality become two versions), with an audit entry each, and keeps
/// `counting_reports` on the latest submitted version, inside `conn`'s transaction: four
/// statements whatever the number of reports.
pub async fn insert_versions(
    conn: &mut sqlx::AnyConnection,
    catalogue: &IndexedCatalogue,
    period: PeriodId,
    new: &[NewVersion<'_>],
) -> Result<Vec<VersionInfo>, DbError> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let period_id = period.to_string();
    let municipalities: Vec<&str> = new.iter().map(|n| n.municipality.as_str()).collect::<BTreeSet<_>>().into_iter().collect();
    let mut latest = latest_versions(conn, &period_id, &municipalities).await?;
    let created_at = now_text();
    let mut infos = Vec::with_capacity(new.len());
    let mut rows = Vec::with_capacity(new.len());
    let mut entries = Vec::with_capacity(new.len());
    for n in new {
        let code = n.municipality.as_str();
        let (version, changed) = match latest.get(code) {
            Some((version, before)) => (version + 1, changed_fields(before, n.values)),
            None => (1, changed_fields(&Values::new(), n.values)),
        };
        latest.insert(code.to_owned(), (version, n.values.clone()));
        let json = serde_json::to_string(n.values).map_err(|e| DbError::Instance(e.to_string()))?;
        let created_by = n.actor.name();
        let (state_code, action) = match n.state {
            VersionState::Draft => ("draft", "submission.draft"),
            VersionState::Submitted => ("submitted", "submission.submit"),
        };
        rows.push((version, state_code, json, changed.join(","), created_by.clone()));
        // Which fields differ from the previous version is itself raw-count information (a
        // coordinator writing zeros would learn which counts were not zero), so the log, which
        // the coordinator reads, says only how much was written; the changed fields stay in the
        // version row, which only the municipality's own users read.
        let detail = format!("version {version} via {}; {} fields written", n.channel.code(), n.values.len());
        entries.push((created_by.clone(), action, code, detail));
        // The same holds for the answer to a writer who is not the municipality's own.
        let changed_fields = if n.actor.own_municipality() == Some(code) { changed } else { Vec::new() };
        infos.push(VersionInfo { version, state: n.state, channel: n.channel.code().to_owned(), created_by, created_at: created_at.clone(), changed_fields });
    }
    let sql = format!(
        "INSERT INTO submission_versions (period_id, municipality_code, version, state, channel, values_json, changed_fields, created_by, created_at) VALUES {}",
        values_placeholders(new.len(), 9)
    );
    let mut query = sqlx::query(&sql);
    for (n, (version, state_code, json, changed, created_by)) in new.iter().zip(rows) {
        query = query
            .bind(&period_id)
            .bind(n.municipality.as_str())
            .bind(version)
            .bind(state_code)
            .bind(n.channel.code())
            .bind(json)
            .bind(changed)
            .bind(created_by)
            .bind(&created_at);
    }
    query.execute(&mut *conn).await?;
    let counting: BTreeMap<&str, (i64, &Values)> = new
        .iter()
        .zip(&infos)
        .filter(|(n, _)| n.state == VersionState::Submitted)
        .map(|(n, info)| (n.municipality.as_str(), (info.version, n.values)))
        .collect();
    upsert_counting(conn, catalogue, &period_id, &counting).await?;
    let entries = entries
        .iter()
        .map(|(actor, action, code, detail)| audit::Entry { actor, action, period_id: Some(&period_id), municipality_code: Some(code), detail: detail.clone() })
        .collect();
    audit::record_all(conn, entries).await?;
    Ok(infos)
}

/// Makes each municipality's given version (its latest submitted one) the one that counts,
/// keeping only its person counts that are not 0. The version guard keeps a later version
/// from being replaced by an earlier one, whatever the order transactions commit in.
async fn upsert_counting(
    conn: &mut sqlx::AnyConnection,
    catalogue: &IndexedCatalogue,
    period_id: &str,
    counting: &BTreeMap<&str, (i64, &Values)>,
) -> Result<(), DbError> {
    if counting.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO counting_reports (period_id, municipality_code, version, counts_json) VALUES {}
         ON CONFLICT (period_id, municipality_code) DO UPDATE SET version = excluded.version, counts_json = excluded.counts_json
         WHERE counting_reports.version < excluded.version",
        values_placeholders(counting.len(), 4)
    );
    let mut query = sqlx::query(&sql);
    for (municipality, (version, values)) in counting {
        // Zeros and unanswered fields are left out: the engine reads an absent count as 0, and
        // most counts of most municipalities are 0.
        let counts: BTreeMap<&str, i64> =
            values.iter().filter(|(code, _)| catalogue.is_person_count(code)).filter_map(|(c, v)| Some((c.as_str(), (*v).filter(|&n| n != 0)?))).collect();
        let json = serde_json::to_string(&counts).map_err(|e| DbError::Instance(e.to_string()))?;
        query = query.bind(period_id).bind(*municipality).bind(*version).bind(json);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

pub fn intent_state(intent: Intent) -> VersionState {
    match intent {
        Intent::Draft => VersionState::Draft,
        Intent::Submit => VersionState::Submitted,
    }
}

/// One save as it arrives through the form or the API, with who sends it.
#[derive(Clone, Debug)]
pub struct SaveJob {
    pub actor: Actor,
    pub request: SaveRequest,
}

/// Validates and stores one report as a new version, in one transaction.
pub async fn save(pool: &Pool, catalogue: &IndexedCatalogue, actor: &Actor, request: &SaveRequest) -> Result<SaveOutcome, DbError> {
    let job = [SaveJob { actor: actor.clone(), request: request.clone() }];
    Ok(save_all(pool, catalogue, &job).await?.pop().expect("one outcome per job"))
}

/// Validates and stores several independent saves in one transaction (one commit, one fsync):
/// each is answered on its own merits, as if it had been saved alone in the order given. A
/// lost race for a version number (PostgreSQL, concurrent saves for one municipality from
/// several servers) runs the transaction again.
pub async fn save_all(pool: &Pool, catalogue: &IndexedCatalogue, jobs: &[SaveJob]) -> Result<Vec<SaveOutcome>, DbError> {
    retry_on_unique_violation(|| save_all_once(pool, catalogue, jobs)).await
}

async fn save_all_once(pool: &Pool, catalogue: &IndexedCatalogue, jobs: &[SaveJob]) -> Result<Vec<SaveOutcome>, DbError> {
    let mut outcomes: Vec<Option<SaveOutcome>> = vec![None; jobs.len()];
    let mut by_period: BTreeMap<PeriodId, Vec<usize>> = BTreeMap::new();
    for (i, job) in jobs.iter().enumerate() {
        match PeriodId::parse("period", &job.request.period) {
            Ok(period) => by_period.entry(period).or_default().push(i),
            Err(e) => outcomes[i] = Some(SaveOutcome::Invalid(vec![e])),
        }
    }
    if by_period.is_empty() {
        return Ok(outcomes.into_iter().flatten().collect());
    }
    let mut tx = begin_write(pool).await?;
    for (period, members) in by_period {
        if let Err(e) = check_open(periods::get(&mut *tx, period).await?.as_ref()) {
            for &i in &members {
                outcomes[i] = Some(SaveOutcome::Invalid(vec![e.clone()]));
            }
            continue;
        }
        let drafts: Vec<Draft> = members
            .iter()
            .map(|&i| {
                let r = &jobs[i].request;
                Draft { actor: &jobs[i].actor, municipality: &r.municipality, intent: r.intent, raw: &r.raw }
            })
            .collect();
        let mut valid = Vec::new();
        for (&i, prepared) in members.iter().zip(prepare(&mut tx, catalogue, period, &drafts).await?) {
            match prepared {
                Ok(found) => valid.push((i, found)),
                Err(errors) => outcomes[i] = Some(SaveOutcome::Invalid(errors)),
            }
        }
        let new: Vec<NewVersion> = valid
            .iter()
            .map(|(i, (code, values))| {
                let job = &jobs[*i];
                NewVersion { actor: &job.actor, municipality: code, state: intent_state(job.request.intent), channel: job.request.channel, values }
            })
            .collect();
        for ((i, _), info) in valid.iter().zip(insert_versions(&mut tx, catalogue, period, &new).await?) {
            outcomes[*i] = Some(SaveOutcome::Saved(info));
        }
    }
    tx.commit().await?;
    Ok(outcomes.into_iter().map(|o| o.expect("every job answered")).collect())
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
        audit::record_read(
            pool,
            audit::Entry {
                actor: &reader.name(),
                action: "submission.read",
                period_id: Some(&period.to_string()),
                municipality_code: Some(municipality),
                detail,
            },
        )
        .await?;
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

/// The counting (latest submitted) person counts of every municipality for each of `periods`,
/// as (period, municipality, JSON object holding at least every person count that is not 0;
/// an absent count is 0); the caller parses only what it needs. One query for a whole window,
/// on the table the writer keeps. Only the privacy engine calls this.
pub async fn counting_values(conn: &mut sqlx::AnyConnection, periods: &[String]) -> Result<Vec<(String, String, String)>, DbError> {
    if periods.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT period_id, municipality_code, counts_json FROM counting_reports WHERE period_id IN ({})", in_list(1, periods.len()));
    let mut query = sqlx::query_as(&sql);
    for period in periods {
        query = query.bind(period);
    }
    Ok(query.fetch_all(&mut *conn).await?)
}
