//! Configuration from the environment. Every variable is documented in README.md.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite://…` (default: a file under ./data/) or `postgres://…`.
    pub database_url: String,
    /// `LEPTOS_SITE_ADDR`: where to listen.
    pub site_addr: SocketAddr,
    /// `LEPTOS_SITE_ROOT`: the folder cargo-leptos built (pkg/, assets/, vendor/).
    pub site_root: PathBuf,
    /// `KOMPOTTEN_DEFAULT_YEAR_RHO`: a calendar year's privacy budget until the
    /// coordinator sets one.
    pub default_year_rho: f64,
    /// `KOMPOTTEN_INTERVAL_SIMULATIONS`: simulated releases behind each interval calibration
    /// (at least 100; default 20,000, see kompotten_privacy::interval).
    pub interval_simulations: usize,
    /// `KOMPOTTEN_SEED_PASSWORD`: the password of the seeded accounts of a new database;
    /// random (and printed once) when unset.
    pub seed_password: Option<String>,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/kompotten.sqlite";

#[derive(Debug, thiserror::Error)]
#[error("configuration variable {name} is invalid: {problem}")]
pub struct ConfigError {
    pub name: &'static str,
    pub problem: String,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let site_addr = var("LEPTOS_SITE_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| ConfigError { name: "LEPTOS_SITE_ADDR", problem: format!("{e}") })?;
        let default_year_rho = match var("KOMPOTTEN_DEFAULT_YEAR_RHO") {
            None => 1.0,
            Some(v) => v
                .parse::<f64>()
                .ok()
                .filter(|r| r.is_finite() && *r > 0.0)
                .ok_or(ConfigError { name: "KOMPOTTEN_DEFAULT_YEAR_RHO", problem: format!("{v:?} is not a positive number") })?,
        };
        let interval_simulations = match var("KOMPOTTEN_INTERVAL_SIMULATIONS") {
            None => kompotten_privacy::interval::DEFAULT_SIMULATIONS,
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 100)
                .ok_or(ConfigError { name: "KOMPOTTEN_INTERVAL_SIMULATIONS", problem: format!("{v:?} is not a whole number of at least 100") })?,
        };
        Ok(Self {
            database_url: var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            site_addr,
            site_root: var("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()).into(),
            default_year_rho,
            interval_simulations,
            seed_password: var("KOMPOTTEN_SEED_PASSWORD"),
        })
    }
}
