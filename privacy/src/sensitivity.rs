//! Sensitivity of a release vector, derived from the catalogue's declared bounds, never from data.
//!
//! # Unit of protection
//! One household in one reporting period. Two datasets are neighbours if one has, in one
//! period, one household more than the other: its sending municipality's report, its receiving
//! municipality's report, and the reports of every municipality its formal request reached.
//!
//! # The released vector
//! For every indicator `i` (a person count), every released geography level `ℓ` (nation,
//! county, länskompott) and every period `p` of the window, the vector holds the total of `i`
//! over the municipalities of each cell of `ℓ` in `p`. A länskompott is the network members of
//! one county; its level holds, for each county that has one, two cells: the länskompott and
//! the rest of the county (see [`crate::hierarchy`]).
//!
//! # Bound (proof)
//! Indicator `i` declares `c_i`: the most one household adds to `i` summed over every
//! municipality's report of one period (1 for "moved out": one sender; 3 for request fields: a
//! request may go to up to three municipalities in turn; 2 for "permanent housing").
//!
//! Fix `i`, a level `ℓ` and the period `p` of the added household. Every municipality lies in
//! at most one cell of `ℓ` (the nation and the counties partition the municipalities; the
//! länskompott level's cells, länskompott and rest of county, are disjoint parts of counties),
//! so the household's additions to the
//! municipalities' reports fall into the cells of `ℓ`, and the changes `d_1, …, d_k` of those
//! cells are non-negative with `Σ_j d_j ≤ c_i`. Hence
//!
//! ```text
//!     Σ_j |d_j| ≤ c_i        and        Σ_j d_j² ≤ (Σ_j d_j)² ≤ c_i²       (d_j ≥ 0).
//! ```
//!
//! Summing over indicators and levels, the whole vector moves by at most
//!
//! ```text
//!     Δ₁ = L · Σ_i c_i,        Δ₂ = sqrt( L · Σ_i c_i² ),        L = number of released levels.
//! ```
//!
//! Removing a household is the same change with the sign flipped, so the bounds are symmetric.
//!
//! # Windows of several periods
//! A window of `P` periods is released either as per-period cells ([`PeriodLayout::PerPeriod`])
//! or as window totals ([`PeriodLayout::Summed`]). A neighbour differs by one household in *one*
//! period, so only that period's cells change (per-period), or the window totals change by that
//! period's contribution (summed): in both cases Δ₁ and Δ₂ are those of a single period and do
//! **not** grow with `P`. What grows is whose budget is spent: the release protects the
//! households of each of the `P` periods at the full cost ρ, so each period's budget is debited
//! ρ separately ([`Sensitivity::periods_debited`]). (Debiting ρ·P from one budget would be
//! wrong in the other direction: it would overcharge each period.)

use serde::{Deserialize, Serialize};

use crate::error::PrivacyError;

/// A person-count indicator and its declared bound (catalogue field `max_per_household`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IndicatorBound {
    pub code: String,
    /// The most one household adds to this indicator, summed over all reports of a period.
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
    /// The network members of one county (only some counties have one).
    Lanskompott,
}

/// How the periods of a window are released.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "layout", content = "periods")]
pub enum PeriodLayout {
    /// One set of cells per period.
    PerPeriod(u32),
    /// The window total of each cell.
    Summed(u32),
}

impl PeriodLayout {
    /// Periods the window covers (each one's budget is debited).
    pub fn periods(self) -> u32 {
        match self {
            PeriodLayout::PerPeriod(p) | PeriodLayout::Summed(p) => p,
        }
    }

    /// Sets of cells in the released vector.
    pub fn released_periods(self) -> u32 {
        match self {
            PeriodLayout::PerPeriod(p) => p,
            PeriodLayout::Summed(_) => 1,
        }
    }
}

/// How far one household (in one period) can move the whole released vector.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sensitivity {
    /// Bound on the L1 norm of the change (calibrates the discrete Laplace).
    pub l1: f64,
    /// Bound on the L2 norm of the change (calibrates the discrete Gaussian).
    pub l2: f64,
    /// Periods whose budget the release debits, each by the full cost.
    pub periods_debited: u32,
}

/// Derives the L1 and L2 sensitivity of releasing `indicators` at `levels` over `periods`.
///
/// Refuses a level listed twice (it would not be a set of disjoint cells), an empty window, and
/// a release no household can change (no indicator with a positive bound, or no level).
pub fn make_sensitivity(indicators: &[IndicatorBound], levels: &[Level], periods: PeriodLayout) -> Result<Sensitivity, PrivacyError> {
    for (k, level) in levels.iter().enumerate() {
        if levels[..k].contains(level) {
            return Err(PrivacyError::DuplicateLevel(*level));
        }
    }
    if periods.periods() == 0 {
        return Err(PrivacyError::NoPeriods);
    }
    let sum_c: u64 = indicators.iter().map(|i| u64::from(i.max_per_household)).sum();
    let sum_c2: u64 = indicators.iter().map(|i| u64::from(i.max_per_household).pow(2)).sum();
    let l = levels.len() as u64;
    if sum_c * l == 0 {
        return Err(PrivacyError::ZeroSensitivity);
    }
    // Exact in integers; the square root is the only rounding (correctly rounded by IEEE).
    Ok(Sensitivity { l1: (sum_c * l) as f64, l2: ((sum_c2 * l) as f64).sqrt(), periods_debited: periods.periods() })
}

#[cfg(test)]
#[path = "sensitivity_tests.rs"]
mod tests;
