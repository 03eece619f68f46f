//! API tokens for municipal case systems: issued by the coordinator for one municipality,
//! shown once, stored as SHA-256, revocable. A token writes and reads only its municipality.

use std::collections::HashMap;

use kompotten_app::domain::{FieldError, MunicipalityCode, Problem};
use kompotten_app::model::{ApiTokenView, Area, TokenOutcome};
use sqlx::Row;

use crate::access::Actor;
use crate::audit;
use crate::auth::{new_secret, token_digest};
use crate::db::{begin_write, in_list, new_id, now_text, DbError, Pool};

/// Tokens carry a prefix so that they are recognisable in logs and secret scanners.
const PREFIX: &str = "kmp_";
const MAX_LABEL: usize = 200;

fn view_from_row(row: &sqlx::any::AnyRow) -> Result<ApiTokenView, sqlx::Error> {
    Ok(ApiTokenView {
        id: row.try_get("id")?,
        municipality: Area { code: row.try_get("municipality_code")?, name: row.try_get("name")? },
        label: row.try_get("label")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

const SELECT: &str = "SELECT t.id, t.token_sha256, t.municipality_code, m.name, t.label, t.created_by, t.created_at, t.revoked_at
                      FROM api_tokens t JOIN municipalities m ON m.code = t.municipality_code";

pub async fn list(pool: &Pool) -> Result<Vec<ApiTokenView>, DbError> {
    let rows = sqlx::query(&format!("{SELECT} ORDER BY t.created_at DESC")).fetch_all(pool).await?;
    Ok(rows.iter().map(view_from_row).collect::<Result<_, _>>()?)
}

/// Issues a token for a municipality; the clear token is returned once and never stored.
pub async fn issue(pool: &Pool, by: &str, raw_municipality: &str, label: &str) -> Result<TokenOutcome, DbError> {
    let mut errors = Vec::new();
    let code = MunicipalityCode::parse("municipality", raw_municipality).map_err(|e| errors.push(e)).ok();
    let label = label.trim();
    if label.is_empty() {
        errors.push(FieldError::new("label", Problem::Missing));
    } else if label.chars().count() > MAX_LABEL {
        errors.push(FieldError::new("label", Problem::TooLong { max: MAX_LABEL as i64 }));
    }
    let mut tx = begin_write(pool).await?;
    if let Some(code) = &code {
        let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM municipalities WHERE code = $1").bind(code.as_str()).fetch_one(&mut *tx).await?;
        if known == 0 {
            errors.push(FieldError::new("municipality", Problem::UnknownMunicipality));
        }
    }
    let (Some(code), true) = (code, errors.is_empty()) else {
        return Ok(TokenOutcome::Invalid(errors));
    };
    let token = format!("{PREFIX}{}", new_secret());
    let id = new_id();
    sqlx::query("INSERT INTO api_tokens (id, municipality_code, token_sha256, label, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&id)
        .bind(code.as_str())
        .bind(token_digest(&token))
        .bind(label)
        .bind(by)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        audit::Entry { actor: by, action: "token.issue", period_id: None, municipality_code: Some(code.as_str()), detail: format!("token {id}: {label}") },
    )
    .await?;
    let view = view_from_row(&sqlx::query(&format!("{SELECT} WHERE t.id = $1")).bind(&id).fetch_one(&mut *tx).await?)?;
    tx.commit().await?;
    Ok(TokenOutcome::Issued { token, view })
}

/// Revokes a token at once; `false` when no such live token exists.
pub async fn revoke(pool: &Pool, by: &str, id: &str) -> Result<bool, DbError> {
    let mut tx = begin_write(pool).await?;
    let changed = sqlx::query("UPDATE api_tokens SET revoked_by = $1, revoked_at = $2 WHERE id = $3 AND revoked_at IS NULL")
        .bind(by)
        .bind(now_text())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if changed == 0 {
        return Ok(false);
    }
    audit::record(&mut tx, audit::Entry { actor: by, action: "token.revoke", period_id: None, municipality_code: None, detail: format!("token {id}") }).await?;
    tx.commit().await?;
    Ok(true)
}

/// The actor behind a live bearer token.
pub async fn authenticate(pool: &Pool, token: &str) -> Result<Option<Actor>, DbError> {
    Ok(authenticate_all(pool, &[token]).await?.remove(token))
}

/// The actors behind several bearer tokens, in one query: the submission writer checks a
/// whole batch's tokens at once. Tokens that are unknown, revoked or malformed are absent.
pub async fn authenticate_all(pool: &Pool, tokens: &[&str]) -> Result<HashMap<String, Actor>, DbError> {
    let by_digest: HashMap<String, &str> = tokens.iter().filter(|t| t.starts_with(PREFIX)).map(|t| (token_digest(t), *t)).collect();
    if by_digest.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!("{SELECT} WHERE t.revoked_at IS NULL AND t.token_sha256 IN ({})", in_list(1, by_digest.len()));
    let mut query = sqlx::query(&sql);
    for digest in by_digest.keys() {
        query = query.bind(digest.as_str());
    }
    let mut found = HashMap::new();
    for row in query.fetch_all(pool).await? {
        let digest: String = row.try_get("token_sha256")?;
        let view = view_from_row(&row)?;
        if let Some(token) = by_digest.get(&digest) {
            found.insert((*token).to_owned(), Actor::Token { id: view.id, municipality: view.municipality });
        }
    }
    Ok(found)
}
