//! Accounts and sessions. Passwords are hashed with argon2id; a session token is 32 bytes from
//! the operating system's CSPRNG, and only its SHA-256 is stored.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use kompotten_app::domain::Role;
use kompotten_app::model::{Area, CurrentUser};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::db::{now_text, time_text_in, DbError, Pool};

pub const SESSION_SECONDS: i64 = 8 * 3600;

pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 with default parameters hashes any password").to_string()
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).map(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok()).unwrap_or(false)
}

/// How a secret token is stored: its SHA-256, so a copy of the database lets nobody in.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[derive(Clone, Debug)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub role: Role,
    pub municipality_code: Option<&'a str>,
    pub county_code: Option<&'a str>,
}

pub async fn create_user(pool: &Pool, user: NewUser<'_>) -> Result<(), DbError> {
    let hash = hash_password(user.password);
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO users (username, display_name, password_hash, role, municipality_code, county_code, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user.username)
    .bind(user.display_name)
    .bind(hash)
    .bind(user.role.code())
    .bind(user.municipality_code)
    .bind(user.county_code)
    .bind(now_text())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A new session for valid credentials. A wrong username costs the same argon2 work as a wrong
/// password, so response times do not tell which accounts exist.
pub async fn login(pool: &Pool, username: &str, password: &str) -> Result<Option<String>, DbError> {
    let stored: Option<String> = sqlx::query_scalar("SELECT password_hash FROM users WHERE username = $1").bind(username).fetch_optional(pool).await?;
    let valid = match &stored {
        Some(phc) => verify_password(password, phc),
        None => {
            static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            verify_password(password, DUMMY.get_or_init(|| hash_password("not a real password")));
            false
        }
    };
    if !valid {
        return Ok(None);
    }
    let token = new_secret();
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO sessions (token_sha256, username, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_digest(&token))
        .bind(username)
        .bind(now_text())
        .bind(time_text_in(SESSION_SECONDS))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(token))
}

/// 32 bytes from the operating system's CSPRNG, hex-encoded: session and API tokens.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub async fn logout(pool: &Pool, token: &str) -> Result<(), DbError> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM sessions WHERE token_sha256 = $1").bind(token_digest(token)).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// The user behind an unexpired session token.
pub async fn session_user(pool: &Pool, token: &str) -> Result<Option<CurrentUser>, DbError> {
    let row = sqlx::query(
        "SELECT u.username, u.display_name, u.role, u.municipality_code, m.name AS municipality_name,
                u.county_code, c.name AS county_name
         FROM sessions s
         JOIN users u ON u.username = s.username
         LEFT JOIN municipalities m ON m.code = u.municipality_code
         LEFT JOIN counties c ON c.code = u.county_code
         WHERE s.token_sha256 = $1 AND s.expires_at > $2",
    )
    .bind(token_digest(token))
    .bind(now_text())
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let role: String = row.try_get("role")?;
    let role = Role::from_code(&role).ok_or_else(|| DbError::Instance(format!("unknown role {role:?}")))?;
    let area = |code: Option<String>, name: Option<String>| code.zip(name).map(|(code, name)| Area { code, name });
    Ok(Some(CurrentUser {
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role,
        municipality: area(row.try_get("municipality_code")?, row.try_get("municipality_name")?),
        county: area(row.try_get("county_code")?, row.try_get("county_name")?),
    }))
}

/// The accounts a new database starts with, one or more per role (full user management is a
/// later issue). Municipal reporters are for member municipalities in four counties.
pub const SEED_ACCOUNTS: &[(&str, &str, Role, Option<&str>, Option<&str>)] = &[
    ("samordnare", "Nationell samordnare", Role::Coordinator, None, None),
    ("lansstyrelsen-21", "Länsstyrelsen Gävleborg", Role::CountyBoard, None, Some("21")),
    ("kommun-2180", "Gävle kommun", Role::Reporter, Some("2180"), None),
    ("kommun-1280", "Malmö stad", Role::Reporter, Some("1280"), None),
    ("kommun-1780", "Karlstads kommun", Role::Reporter, Some("1780"), None),
    ("kommun-1980", "Västerås stad", Role::Reporter, Some("1980"), None),
];

/// Creates the seed accounts when the database has no users yet. Returns the password used
/// (the given one, or a new random one to print once), or `None` when users already existed.
pub async fn seed_accounts(pool: &Pool, password: Option<&str>) -> Result<Option<String>, DbError> {
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await?;
    if users > 0 {
        return Ok(None);
    }
    let password = match password {
        Some(p) => p.to_owned(),
        None => {
            let mut bytes = [0u8; 12];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            hex::encode(bytes)
        }
    };
    for (username, display_name, role, municipality_code, county_code) in SEED_ACCOUNTS {
        create_user(
            pool,
            NewUser { username, display_name, password: &password, role: *role, municipality_code: *municipality_code, county_code: *county_code },
        )
        .await?;
    }
    Ok(Some(password))
}
