use super::*;
use opendp::combinators::make_zCDP_to_approxDP;

/// A query sensitivity with the given norms (as if derived from the catalogue).
fn sens(l1: f64, l2: f64) -> QuerySensitivity {
    QuerySensitivity { l1, l2, l2_squared: (l2 * l2).round() as u64 }
}

#[test]
fn gaussian_scale_follows_the_rho_arithmetic() {
    // ρ = Δ²/(2σ²): Δ₂ = 2, ρ = 0.5 gives σ = 2; quartering ρ doubles σ.
    let m = calibrate_query(Mechanism::DiscreteGaussian, &sens(4.0, 2.0), 0.5).unwrap();
    assert!((m.scale - 2.0).abs() < 1e-9, "σ = {}", m.scale);
    assert!(m.rho <= 0.5 && m.rho > 0.5 - 1e-9, "ρ = {}", m.rho);
    assert_eq!(m.sensitivity, 2.0);
    let quarter = calibrate_query(Mechanism::DiscreteGaussian, &sens(4.0, 2.0), 0.125).unwrap();
    assert!((quarter.scale - 4.0).abs() < 1e-9);
}

#[test]
fn laplace_is_calibrated_through_the_pure_to_zcdp_cast() {
    // ρ = 0.5 ⇒ ε = 1; Δ₁ = 4 ⇒ b = 4; OpenDP states ε = Δ₁/b and ρ = ε²/2.
    let m = calibrate_query(Mechanism::DiscreteLaplace, &sens(4.0, 2.0), 0.5).unwrap();
    assert!((m.scale - 4.0).abs() < 1e-9, "b = {}", m.scale);
    assert!((m.pure_epsilon - 1.0).abs() < 1e-9, "ε = {}", m.pure_epsilon);
    assert!(m.rho <= 0.5 && (m.rho - m.pure_epsilon.powi(2) / 2.0).abs() < 1e-12);
    assert_eq!(m.sensitivity, 4.0);
}

#[test]
fn stated_cost_never_exceeds_the_request() {
    for mechanism in [Mechanism::DiscreteGaussian, Mechanism::DiscreteLaplace] {
        for rho in [0.001, 0.01, 0.0123456789, 0.1, 0.3333333, 1.0, 2.5] {
            for d in [1.0, 2.0, 3f64.sqrt(), 7.0, 104f64.sqrt()] {
                let m = calibrate_query(mechanism, &sens(d, d), rho).unwrap();
                assert!(m.rho <= rho, "{mechanism:?} Δ={d} ρ={rho}: OpenDP's cost {} exceeds it", m.rho);
                assert!(m.rho > rho * (1.0 - 1e-9), "{mechanism:?}: calibrated far below the budget");
            }
        }
    }
}

#[test]
fn at_scale_states_the_cost_of_that_scale() {
    let calibrated = calibrate_query(Mechanism::DiscreteGaussian, &sens(3.0, 3.0), 0.2).unwrap();
    assert_eq!(calibrated, query_at_scale(Mechanism::DiscreteGaussian, &sens(3.0, 3.0), calibrated.scale).unwrap());
    // Half the scale costs four times the ρ.
    let half = query_at_scale(Mechanism::DiscreteGaussian, &sens(3.0, 3.0), calibrated.scale / 2.0).unwrap();
    assert!((half.rho / calibrated.rho - 4.0).abs() < 1e-9);
}

#[test]
fn refuses_bad_budgets_deltas_and_empty_queries() {
    let s = sens(2.0, 2.0);
    for rho in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(calibrate_query(Mechanism::DiscreteGaussian, &s, rho), Err(PrivacyError::InvalidBudget(_))), "ρ={rho}");
    }
    assert_eq!(calibrate_query(Mechanism::DiscreteGaussian, &sens(0.0, 0.0), 0.5), Err(PrivacyError::ZeroSensitivity));
    let q = calibrate_query(Mechanism::DiscreteGaussian, &s, 0.5).unwrap();
    assert_eq!(release_cost(Mechanism::DiscreteGaussian, &[(q, vec![vec![0]])], 0.0), Err(PrivacyError::InvalidDelta(0.0)));
}

/// Two queries composed: OpenDP's map of the composition is the sum of the queries' costs (zCDP
/// adds up), group privacy scales it (two households: four times, for ρ), and the Laplace's
/// pure ε is the sum of the queries' ε.
#[test]
fn the_release_measurement_composes_its_queries() {
    for mechanism in [Mechanism::DiscreteGaussian, Mechanism::DiscreteLaplace] {
        let a = calibrate_query(mechanism, &sens(1.0, 1.0), 0.3).unwrap();
        let b = calibrate_query(mechanism, &sens(3.0, 3.0), 0.2).unwrap();
        // Query a reads cell 0; query b reads cells 1 and 2, and their sum (a window total).
        let queries = vec![(a, vec![vec![0]]), (b, vec![vec![1], vec![2], vec![1, 2]])];
        let m = make_release_measurement(&queries).unwrap();
        let rho = m.map(&1).unwrap();
        assert!(rho >= a.rho + b.rho && rho <= (a.rho + b.rho) * (1.0 + 1e-12), "{mechanism:?}: {rho}");
        assert!(m.map(&2).unwrap() >= 4.0 * rho * (1.0 - 1e-12), "{mechanism:?}: group privacy");
        let out = m.invoke(&vec![10, 20, 30]).unwrap();
        assert_eq!(out.iter().map(Vec::len).collect::<Vec<_>>(), [1, 3]);
        let cost = release_cost(mechanism, &queries, 1e-7).unwrap();
        assert_eq!(cost.rho, rho);
        match mechanism {
            Mechanism::DiscreteGaussian => assert_eq!(cost.epsilon, gaussian_epsilon(rho, 1e-7).unwrap()),
            Mechanism::DiscreteLaplace => {
                assert!((cost.epsilon - (a.pure_epsilon + b.pure_epsilon)).abs() < 1e-12 && cost.epsilon >= a.pure_epsilon + b.pure_epsilon);
                assert_eq!(cost.delta, 0.0, "pure DP states no δ");
            }
        }
    }
}

#[test]
fn gaussian_epsilon_is_opendps_conversion_and_not_looser_than_the_classic_bound() {
    for (scale, d_in, delta) in [(3.0, 2.0, 1e-7), (3.0, 2.0, 1e-6), (3.5, 2.0, 1e-7), (1.2, 1.0, 1e-7)] {
        let measurement = make_zCDP_to_approxDP(gaussian(scale).unwrap()).unwrap();
        let fresh = measurement.map(&d_in).unwrap().epsilon(delta).unwrap();
        let rho = gaussian(scale).unwrap().map(&d_in).unwrap();
        // Asked twice: the second answer is the kept one.
        assert_eq!(gaussian_epsilon(rho, delta).unwrap(), fresh);
        assert_eq!(gaussian_epsilon(rho, delta).unwrap(), fresh);
        let classic = rho + 2.0 * (rho * (1.0 / delta).ln()).sqrt();
        assert!(fresh <= classic + 1e-9 && fresh > rho, "ρ={rho}: ε={fresh}");
    }
    assert_ne!(gaussian_epsilon(0.5, 1e-7).unwrap(), gaussian_epsilon(0.5, 1e-6).unwrap());
}

/// Draws from OpenDP and compares with each distribution's known mean and variance. 40,000
/// draws: the sample variance's relative standard error is about 1% (Laplace: 1.7%).
#[test]
fn draws_have_the_distribution_the_scale_implies() {
    for (mechanism, scale) in [(Mechanism::DiscreteGaussian, 5.0), (Mechanism::DiscreteLaplace, 3.0)] {
        let q = query_at_scale(mechanism, &sens(1.0, 1.0), scale).unwrap();
        let n = 40_000;
        let noisy = q.sampler().unwrap().invoke(&vec![7; n]).unwrap();
        let errors: Vec<f64> = noisy.iter().map(|v| (v - 7) as f64).collect();
        let mean = errors.iter().sum::<f64>() / n as f64;
        let var = errors.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        assert!(mean.abs() < 0.1, "{mechanism:?}: mean error {mean}");
        assert!((var / q.variance() - 1.0).abs() < 0.07, "{mechanism:?}: variance {var} vs {}", q.variance());
    }
}

/// Measured `k` times at `k` times the variance, a cell's mean has one measurement's variance
/// at the same cost: the repeated vector's Δ₂ is √k times larger and so is its scale.
#[test]
fn repeats_keep_the_cost_and_the_variance_and_fine_the_lattice() {
    let s = sens(1.0, 1.0);
    let once = calibrate_query(Mechanism::DiscreteGaussian, &s, 0.1).unwrap();
    let four = calibrate_repeated(Mechanism::DiscreteGaussian, &s, 0.1, 4).unwrap();
    assert_eq!(four.repeats, 4);
    assert!((four.scale / once.scale - 2.0).abs() < 1e-9 && (four.sensitivity - 2.0).abs() < 1e-12, "{four:?}");
    assert!(four.rho <= 0.1 && (four.rho - once.rho).abs() < 1e-9);
    assert!((four.variance() - once.variance()).abs() < 1e-9);
    // Through the composed measurement: four copies of the cell per invocation, same ρ.
    let m = make_release_measurement(&[(four, vec![vec![0]])]).unwrap();
    assert_eq!(m.invoke(&vec![5]).unwrap()[0].len(), 4);
    assert!((m.map(&1).unwrap() - four.rho).abs() < 1e-12);
}
