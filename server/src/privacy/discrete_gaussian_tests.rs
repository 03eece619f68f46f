use super::*;
use crate::privacy::interval::{coverage_of, variance};

fn rho(r: f64) -> Rho {
    Rho::new(r).unwrap()
}

#[test]
fn scale_follows_rho_arithmetic() {
    // ρ = Δ²/(2σ²): Δ = 2, ρ = 0.5 gives σ = 2; quartering ρ doubles σ.
    let r = make_discrete_gaussian_release(2.0, rho(0.5), 1e-7).unwrap();
    assert!((r.scale - 2.0).abs() < 1e-9, "σ = {}", r.scale);
    assert!(r.rho <= 0.5 && r.rho > 0.5 - 1e-9, "ρ = {}", r.rho);
    let quarter = make_discrete_gaussian_release(2.0, rho(0.125), 1e-7).unwrap();
    assert!((quarter.scale - 4.0).abs() < 1e-9);
}

#[test]
fn stated_cost_never_exceeds_the_request() {
    for r in [0.001, 0.01, 0.0123456789, 0.1, 0.3333333, 1.0, 2.5] {
        for s in [1.0, 2.0, 3f64.sqrt(), 7.0] {
            let release = make_discrete_gaussian_release(s, rho(r), 1e-7).unwrap();
            assert!(release.rho <= r, "Δ={s} ρ={r}: OpenDP cost {} exceeds it", release.rho);
        }
    }
}

#[test]
fn epsilon_matches_the_zcdp_conversion() {
    // OpenDP's conversion is at least as tight as the classic bound ε ≤ ρ + 2·sqrt(ρ·ln(1/δ)),
    // and more than ρ.
    for r in [0.01, 0.1, 0.5, 1.0] {
        let release = make_discrete_gaussian_release(2.0, rho(r), 1e-7).unwrap();
        let classic = r + 2.0 * (r * (1e7f64).ln()).sqrt();
        assert!(release.epsilon <= classic + 1e-9, "ρ={r}: ε={} > {classic}", release.epsilon);
        assert!(release.epsilon > r, "ρ={r}: ε={}", release.epsilon);
    }
}

#[test]
fn zero_sensitivity_is_refused() {
    assert!(matches!(make_discrete_gaussian_release(0.0, rho(0.5), 1e-7), Err(PrivacyError::ZeroSensitivity)));
}

/// Draws from OpenDP and compares with the distribution's known variance and the interval's
/// exact coverage. 40,000 draws: the sample variance's relative standard error is about 0.7%,
/// the coverage's standard error about 0.1 percentage points.
#[test]
fn noise_has_the_variance_and_coverage_the_interval_claims() {
    let release = make_discrete_gaussian_release(2.0, rho(0.5), 1e-7).unwrap();
    let n = 40_000;
    let noisy = release.invoke(&vec![100; n]).unwrap();
    let errors: Vec<f64> = noisy.iter().map(|v| (*v - 100) as f64).collect();
    let mean = errors.iter().sum::<f64>() / n as f64;
    let var = errors.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let expected = variance(release.scale);
    assert!(mean.abs() < 0.05, "mean error {mean}");
    assert!((var / expected - 1.0).abs() < 0.04, "variance {var} vs {expected}");
    let t = release.ci_half_width;
    let covered = errors.iter().filter(|e| e.abs() <= t as f64).count() as f64 / n as f64;
    let exact = coverage_of(release.scale, t);
    assert!((covered - exact).abs() < 0.006, "covered {covered} vs exact {exact}");
    assert!(covered > 0.945, "covered {covered}");
}
