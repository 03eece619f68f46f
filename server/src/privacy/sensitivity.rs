//! L2 sensitivity of a release, derived from declared contribution bounds.
//!
//! # Unit of protection
//! One household in one reporting period. Neighbouring datasets differ by one household's
//! reports: its sending municipality's count and its receiving municipality's count.
//!
//! # Bound
//! Let indicator `i` declare `c_i`: the most one household adds to it summed over every
//! municipality's report of the period (moved out by one sender, so `c = 1`; received by one
//! receiver, so `c = 1`). At one geography level the municipalities' reports fall into the
//! level's cells (every municipality in exactly one), and the household's additions are
//! non-negative, so the changes `d_1..d_k` of that level's cells sum to at most `c_i`, and
//! `Σ d_j² ≤ (Σ d_j)² ≤ c_i²`. Summing over indicators and levels, the whole vector moves by
//!
//! ```text
//!     Δ₂ = sqrt( Σ_i Σ_levels c_i² )
//! ```
//!
//! For the slice (two indicators with `c = 1`, county and nation): `Δ₂ = sqrt(4) = 2`.

use kompotten_app::domain::Indicator;

/// A geography level whose cells partition the municipalities (each in exactly one cell).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeographyLevel {
    Nation,
    County,
}

/// The L2 sensitivity of releasing every indicator at every level.
pub fn l2_sensitivity(indicators: &[Indicator], levels: &[GeographyLevel]) -> f64 {
    let per_level: u64 = indicators
        .iter()
        .map(|i| u64::from(i.max_contribution_per_household()).pow(2))
        .sum();
    ((per_level * levels.len() as u64) as f64).sqrt()
}

#[cfg(test)]
#[path = "sensitivity_tests.rs"]
mod tests;
