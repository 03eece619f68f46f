use super::*;
use crate::sensitivity::{make_sensitivity, IndicatorBound, Level, PeriodLayout};

/// A sensitivity with the given norms (as if derived by `make_sensitivity`).
fn sens(l1: f64, l2: f64) -> Sensitivity {
    Sensitivity { l1, l2, periods_debited: 1 }
}

#[test]
fn gaussian_scale_follows_the_rho_arithmetic() {
    // ρ = Δ²/(2σ²): Δ₂ = 2, ρ = 0.5 gives σ = 2; quartering ρ doubles σ.
    let m = make_calibrated_mechanism(Mechanism::DiscreteGaussian, &sens(4.0, 2.0), 0.5, 1e-7).unwrap();
    assert!((m.params.scale - 2.0).abs() < 1e-9, "σ = {}", m.params.scale);
    assert!(m.params.rho <= 0.5 && m.params.rho > 0.5 - 1e-9, "ρ = {}", m.params.rho);
    assert_eq!(m.params.sensitivity, 2.0);
    let quarter = make_calibrated_mechanism(Mechanism::DiscreteGaussian, &sens(4.0, 2.0), 0.125, 1e-7).unwrap();
    assert!((quarter.params.scale - 4.0).abs() < 1e-9);
}

#[test]
fn laplace_is_calibrated_through_the_pure_to_zcdp_cast() {
    // ρ = 0.5 ⇒ ε = 1; Δ₁ = 4 ⇒ b = 4; OpenDP states ε = Δ₁/b and ρ = ε²/2.
    let m = make_calibrated_mechanism(Mechanism::DiscreteLaplace, &sens(4.0, 2.0), 0.5, 1e-7).unwrap();
    assert!((m.params.scale - 4.0).abs() < 1e-9, "b = {}", m.params.scale);
    assert!((m.params.epsilon - 1.0).abs() < 1e-9, "ε = {}", m.params.epsilon);
    assert!(m.params.rho <= 0.5 && (m.params.rho - m.params.epsilon.powi(2) / 2.0).abs() < 1e-12);
    assert_eq!(m.params.delta, 0.0, "pure DP states no δ");
    assert_eq!(m.params.sensitivity, 4.0);
}

#[test]
fn stated_cost_never_exceeds_the_request() {
    for mechanism in [Mechanism::DiscreteGaussian, Mechanism::DiscreteLaplace] {
        for rho in [0.001, 0.01, 0.0123456789, 0.1, 0.3333333, 1.0, 2.5] {
            for d in [1.0, 2.0, 3f64.sqrt(), 7.0, 312f64.sqrt()] {
                let m = make_calibrated_mechanism(mechanism, &sens(d, d), rho, 1e-7).unwrap();
                assert!(m.params.rho <= rho, "{mechanism:?} Δ={d} ρ={rho}: OpenDP's cost {} exceeds it", m.params.rho);
                assert!(m.params.rho > rho * (1.0 - 1e-9), "{mechanism:?}: calibrated far below the budget");
            }
        }
    }
}

#[test]
fn gaussian_epsilon_is_opendp_conversion_not_looser_than_the_classic_bound() {
    // OpenDP's conversion is at least as tight as ε ≤ ρ + 2·sqrt(ρ·ln(1/δ)), and above ρ.
    for rho in [0.01, 0.1, 0.5, 1.0] {
        let m = make_calibrated_mechanism(Mechanism::DiscreteGaussian, &sens(2.0, 2.0), rho, 1e-7).unwrap();
        let classic = rho + 2.0 * (rho * 1e7f64.ln()).sqrt();
        assert!(m.params.epsilon <= classic + 1e-9, "ρ={rho}: ε={} > {classic}", m.params.epsilon);
        assert!(m.params.epsilon > rho, "ρ={rho}: ε={}", m.params.epsilon);
        assert_eq!(m.params.delta, 1e-7);
    }
}

#[test]
fn at_scale_states_the_cost_of_that_scale() {
    let calibrated = make_calibrated_mechanism(Mechanism::DiscreteGaussian, &sens(3.0, 3.0), 0.2, 1e-7).unwrap();
    let again = make_mechanism_at_scale(Mechanism::DiscreteGaussian, &sens(3.0, 3.0), calibrated.params.scale, 1e-7).unwrap();
    assert_eq!(calibrated, again);
    // Half the scale costs four times the ρ.
    let half = make_mechanism_at_scale(Mechanism::DiscreteGaussian, &sens(3.0, 3.0), calibrated.params.scale / 2.0, 1e-7).unwrap();
    assert!((half.params.rho / calibrated.params.rho - 4.0).abs() < 1e-9);
}

#[test]
fn refuses_bad_budgets_deltas_and_empty_releases() {
    let s = sens(2.0, 2.0);
    for rho in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(make_calibrated_mechanism(Mechanism::DiscreteGaussian, &s, rho, 1e-7), Err(PrivacyError::InvalidBudget(_))), "ρ={rho}");
    }
    assert_eq!(make_calibrated_mechanism(Mechanism::DiscreteGaussian, &s, 0.5, 0.0), Err(PrivacyError::InvalidDelta(0.0)));
    assert_eq!(make_calibrated_mechanism(Mechanism::DiscreteGaussian, &sens(0.0, 0.0), 0.5, 1e-7), Err(PrivacyError::ZeroSensitivity));
}

#[test]
fn calibrates_a_catalogue_release_end_to_end() {
    let indicators = [IndicatorBound::new("households_moved_out", 1), IndicatorBound::new("requests_sent", 3)];
    let s = make_sensitivity(&indicators, &[Level::Nation, Level::County, Level::Lanskompott], PeriodLayout::PerPeriod(4)).unwrap();
    let m = make_calibrated_mechanism(Mechanism::DiscreteGaussian, &s, 0.1, 1e-7).unwrap();
    // Δ₂ = sqrt(3·(1 + 9)) = sqrt(30): σ = sqrt(30 / 0.2).
    assert!((m.params.scale - 150f64.sqrt()).abs() < 1e-9);
}

/// Draws from OpenDP and compares with each distribution's known mean and variance. 40,000
/// draws: the sample variance's relative standard error is about 1% (Laplace: 1.7%).
#[test]
fn draws_have_the_distribution_the_scale_implies() {
    for (mechanism, scale) in [(Mechanism::DiscreteGaussian, 5.0), (Mechanism::DiscreteLaplace, 3.0)] {
        let m = make_mechanism_at_scale(mechanism, &sens(1.0, 1.0), scale, 1e-7).unwrap();
        let n = 40_000;
        let noisy = m.invoke(&vec![7; n]).unwrap();
        assert_eq!(noisy.len(), n);
        let errors: Vec<f64> = noisy.iter().map(|v| (v - 7) as f64).collect();
        let mean = errors.iter().sum::<f64>() / n as f64;
        let var = errors.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let expected = match mechanism {
            // For σ ≥ 1 the discrete Gaussian's variance equals σ² to ~1e-8.
            Mechanism::DiscreteGaussian => scale * scale,
            // Discrete Laplace with P(x) ∝ exp(−|x|/b): variance 2q/(1−q)², q = exp(−1/b).
            Mechanism::DiscreteLaplace => {
                let q = (-1.0 / scale).exp();
                2.0 * q / (1.0 - q).powi(2)
            }
        };
        assert!(mean.abs() < 0.1, "{mechanism:?}: mean error {mean}");
        assert!((var / expected - 1.0).abs() < 0.07, "{mechanism:?}: variance {var} vs {expected}");
    }
}

#[test]
fn the_kept_gaussian_epsilon_is_opendp_conversion_for_exactly_those_arguments() {
    let fresh = |scale: f64, d_in: f64, delta: f64| make_zCDP_to_approxDP(gaussian(scale).unwrap()).unwrap().map(&d_in).unwrap().epsilon(delta).unwrap();
    for (scale, d_in, delta) in [(3.0, 2.0, 1e-7), (3.0, 2.0, 1e-6), (3.5, 2.0, 1e-7), (3.0, 2.5, 1e-7)] {
        // Asked twice: the second answer is the kept one.
        assert_eq!(gaussian_epsilon(scale, d_in, delta).unwrap(), fresh(scale, d_in, delta));
        assert_eq!(gaussian_epsilon(scale, d_in, delta).unwrap(), fresh(scale, d_in, delta));
    }
    // Different arguments are different answers (the key holds all three).
    assert_ne!(gaussian_epsilon(3.0, 2.0, 1e-7).unwrap(), gaussian_epsilon(3.0, 2.0, 1e-6).unwrap());
    assert_ne!(gaussian_epsilon(3.0, 2.0, 1e-7).unwrap(), gaussian_epsilon(3.5, 2.0, 1e-7).unwrap());
}
