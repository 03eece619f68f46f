use super::*;

#[test]
fn large_scale_matches_the_continuous_gaussian() {
    // For large σ the discrete Gaussian approaches N(0, σ²): t ≈ 1.96σ, variance ≈ σ².
    let scale = 50.0;
    let t = half_width(scale, 0.95);
    assert!((t as f64 - 1.959964 * scale).abs() <= 1.0, "t = {t}");
    assert!((variance(scale) / (scale * scale) - 1.0).abs() < 1e-9);
}

#[test]
fn half_width_is_the_smallest_that_covers() {
    for scale in [0.3, 0.7, 1.0, 1.5, 2.0, 3.7, 10.0] {
        let t = half_width(scale, 0.95);
        assert!(coverage_of(scale, t) >= 0.95, "σ={scale}: t={t} covers too little");
        if t > 0 {
            assert!(coverage_of(scale, t - 1) < 0.95, "σ={scale}: t-1 already covers");
        }
    }
}

#[test]
fn small_scale_is_nearly_exact() {
    // σ = 0.3: P(X = 0) = 1 / (1 + 2e^{-1/0.18} + ...) ≈ 0.992, so ±0 already covers 95%.
    assert_eq!(half_width(0.3, 0.95), 0);
    // The discrete variance is below σ² for small σ (mass concentrates on 0).
    assert!(variance(0.5) < 0.25);
}

#[test]
fn masses_sum_to_one() {
    for scale in [0.2, 1.0, 7.5] {
        let m = half_masses(scale);
        let total = m[0] + 2.0 * m[1..].iter().sum::<f64>();
        assert!((total - 1.0).abs() < 1e-12);
    }
}
