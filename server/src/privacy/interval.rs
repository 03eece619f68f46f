//! Exact 95% intervals for the discrete Gaussian.
//!
//! OpenDP's discrete Gaussian with scale σ puts mass `p(x) ∝ exp(−x² / 2σ²)` on every integer
//! `x`. The interval half-width `t` is the smallest integer with `P(|X| ≤ t) ≥ 0.95`, found by
//! summing the normalised mass outwards from zero. Its variance is `Σ x² p(x)`, a little below
//! σ² for small σ.

/// Probability mass of the discrete Gaussian at `0..=limit` (by symmetry, also at `-x`).
fn half_masses(scale: f64) -> Vec<f64> {
    assert!(scale > 0.0 && scale.is_finite(), "scale must be positive and finite");
    // Beyond 40σ the mass is below e^-800: nothing a double can add.
    let limit = (40.0 * scale).ceil() as i64 + 1;
    let weights: Vec<f64> = (0..=limit).map(|x| (-(x * x) as f64 / (2.0 * scale * scale)).exp()).collect();
    let total = weights[0] + 2.0 * weights[1..].iter().sum::<f64>();
    weights.into_iter().map(|w| w / total).collect()
}

/// The smallest whole `t` with `P(|X| ≤ t) ≥ coverage` for X discrete Gaussian of `scale`.
pub fn half_width(scale: f64, coverage: f64) -> i64 {
    assert!((0.0..1.0).contains(&coverage), "coverage must lie in [0, 1)");
    let masses = half_masses(scale);
    let mut inside = masses[0];
    let mut t = 0;
    while inside < coverage {
        t += 1;
        inside += 2.0 * masses[t as usize];
    }
    t
}

/// `P(|X| ≤ t)`.
pub fn coverage_of(scale: f64, t: i64) -> f64 {
    let masses = half_masses(scale);
    masses[0] + 2.0 * masses[1..=(t.max(0) as usize).min(masses.len() - 1)].iter().sum::<f64>()
}

/// The discrete Gaussian's variance `Σ x² p(x)`.
pub fn variance(scale: f64) -> f64 {
    half_masses(scale).iter().enumerate().map(|(x, p)| 2.0 * (x * x) as f64 * p).sum()
}

#[cfg(test)]
#[path = "interval_tests.rs"]
mod tests;
