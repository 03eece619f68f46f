//! The engine's errors: each says what was wrong with the request or what OpenDP refused.

/// Everything that can go wrong building or recomputing a release.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PrivacyError {
    #[error("OpenDP refused: {0}")]
    OpenDp(String),
    #[error("the release measures nothing one household can change (sensitivity 0): there is no noise to calibrate")]
    ZeroSensitivity,
    #[error("the budget ρ must be a positive finite number, got {0}")]
    InvalidBudget(f64),
    #[error("δ must lie in (0, 1) for the Gaussian's (ε, δ) statement, got {0}")]
    InvalidDelta(f64),
    #[error("a release must cover at least one period")]
    NoPeriods,
    #[error("expected {expected} values ({what}), got {got}")]
    ShapeMismatch { what: &'static str, expected: usize, got: usize },
    #[error("exact totals are inconsistent: {0}")]
    InconsistentTotals(String),
    #[error("the stored release was made by engine {stored}, this is {current}")]
    EngineVersion { stored: String, current: String },
    #[error("the planner cannot reach ± {target} households at {level:?} level with ρ up to {max_rho}")]
    Unreachable { level: crate::sensitivity::Level, target: f64, max_rho: f64 },
    #[error("invalid release design: {0}")]
    InvalidDesign(String),
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
}

impl From<opendp::error::Error> for PrivacyError {
    fn from(e: opendp::error::Error) -> Self {
        PrivacyError::OpenDp(format!("{:?}: {}", e.variant, e.message.unwrap_or_default()))
    }
}
