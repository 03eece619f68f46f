//! Sensitivity of one query of a release design, derived from the catalogue's declared bounds,
//! never from data.
//!
//! # Unit of protection
//! One household in one calendar year. Two datasets are neighbours if one has, in one year, one
//! household more than the other: its sending municipality's report, its receiving
//! municipality's report, and the reports of every municipality its formal request reached, in
//! whichever reporting periods (year or half-years) of that year they fall.
//!
//! # Declared bounds
//! Indicator `i` declares `c_i` (catalogue field `max_per_household`): the most one household
//! adds to `i`, summed over every municipality's report of every period of one year (1 for
//! "moved out": one sender, once; 3 for request fields: a request may go to up to three
//! municipalities in turn; 2 for "permanent housing"). Some indicators are the parts of a total
//! (the catalogue's `eq` rules: households moved out by number of children sum to households
//! moved out). A household then adds at most the total's bound `c` to the parts together: the
//! difference of the parts' sums between neighbours is the difference of the totals, which is at
//! most `c`. Such a group is one query with a *joint* bound.
//!
//! # A query's cells
//! A query releases its indicators at one geography level (nation, counties, or the länskompott
//! level, whose cells are each länskompott and the rest of its county) for the periods of the
//! release's window, either per period or as window totals ([`TimeLayout`]).
//!
//! # Bound (proof)
//! Fix a query and a household added in year `y`. Every municipality lies in at most one cell
//! of the level, and each period of the window in at most one time cell, so the household's
//! additions to the reports fall into the query's cells, and the changes `d_1, …, d_k` of those
//! cells are non-negative with `Σ_j d_j ≤ C`, where `C = Σ_i c_i` for independent indicators and
//! `C` is the joint bound for the parts of a total. Hence
//!
//! ```text
//!     Σ_j |d_j| ≤ C        and        Σ_j d_j² ≤ (Σ_j d_j)² ≤ C²       (d_j ≥ 0),
//! ```
//!
//! and for independent indicators also `Σ_j d_j² ≤ Σ_i c_i²` (each indicator's own changes are
//! bounded so). So `Δ₁ = C` and `Δ₂ = min(C, sqrt(Σ_i c_i²))`, whatever the window's length:
//! one household lives in one year, and a per-period layout only spreads its change over the
//! periods of that year. Removing a household is the same change with the sign flipped.
//!
//! What a window's length changes is whose budget is spent: the release protects the households
//! of each year it touches at its full cost, so it debits every such year's budget.

use serde::{Deserialize, Serialize};

use crate::error::PrivacyError;

/// A person-count indicator and its declared bound (catalogue field `max_per_household`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IndicatorBound {
    pub code: String,
    /// The most one household adds to this indicator, summed over all reports of a year.
    pub max_per_household: u32,
}

impl IndicatorBound {
    pub fn new(code: impl Into<String>, max_per_household: u32) -> Self {
        IndicatorBound { code: code.into(), max_per_household }
    }
}

/// A released geography level. Each municipality lies in at most one cell of a level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Nation,
    County,
    /// Each länskompott (the network members of a county that has one) and the rest of its county.
    Lanskompott,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Nation, Level::County, Level::Lanskompott];
}

/// How a query releases the periods of a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeLayout {
    /// One cell per period.
    PerPeriod,
    /// One cell for the whole window (its total).
    Window,
}

/// How far one household can move one query's cells.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuerySensitivity {
    /// Bound on the L1 norm of the change (calibrates the discrete Laplace).
    pub l1: f64,
    /// Bound on the L2 norm of the change (calibrates the discrete Gaussian), rounded up.
    pub l2: f64,
    /// Its square, exactly.
    pub l2_squared: u64,
}

impl QuerySensitivity {
    /// The sensitivity of the query's cells each repeated `k` times (measured `k` times): the
    /// change is the same in every copy, so L1 grows `k`-fold and L2 `√k`-fold.
    pub fn repeated(&self, k: u32) -> QuerySensitivity {
        let k64 = u64::from(k.max(1));
        QuerySensitivity { l1: self.l1 * k64 as f64, l2: sqrt_up(self.l2_squared * k64), l2_squared: self.l2_squared * k64 }
    }
}

/// The sensitivity of a query releasing `indicators` at one level. `joint` is the declared bound
/// of the indicators together when they are the parts of one total (see the module doc); it may
/// not exceed the sum of their own bounds.
pub fn make_query_sensitivity(indicators: &[IndicatorBound], joint: Option<u32>) -> Result<QuerySensitivity, PrivacyError> {
    if indicators.is_empty() {
        return Err(PrivacyError::InvalidDesign("a query must release at least one indicator".into()));
    }
    let sum_c: u64 = indicators.iter().map(|i| u64::from(i.max_per_household)).sum();
    let sum_c2: u64 = indicators.iter().map(|i| u64::from(i.max_per_household).pow(2)).sum();
    if let Some(j) = joint {
        if u64::from(j) > sum_c {
            return Err(PrivacyError::InvalidDesign(format!("a joint bound of {j} exceeds the indicators' own bounds together ({sum_c})")));
        }
    }
    let l1 = joint.map_or(sum_c, u64::from);
    let l2_squared = joint.map_or(sum_c2, |j| u64::from(j).pow(2).min(sum_c2));
    if l1 == 0 {
        return Err(PrivacyError::ZeroSensitivity);
    }
    Ok(QuerySensitivity { l1: l1 as f64, l2: sqrt_up(l2_squared), l2_squared })
}

/// The smallest `f64` whose square is at least `x`: a sensitivity rounds up, never down.
pub fn sqrt_up(x: u64) -> f64 {
    let target = x as f64;
    let mut s = target.sqrt();
    // `mul_add` rounds once, so its sign is the exact sign of s² − x.
    while s.mul_add(s, -target) < 0.0 {
        s = f64::from_bits(s.to_bits() + 1);
    }
    s
}

#[cfg(test)]
#[path = "sensitivity_tests.rs"]
mod tests;
