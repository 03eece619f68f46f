//! Privacy audit by simulation: can an observer tell two neighbouring datasets apart better
//! than the stated ε allows?
//!
//! Neighbours: the synthetic dataset, and the same with one household more, moved out by a
//! municipality of Skåne (county 12, inside its länskompott) and received by one in Stockholm
//! (county 01). It changes five released cells: "moved out" at nation, county 12 and L12, and
//! "received" at nation and county 01.
//!
//! For each mechanism, and for the full release pipeline, we run it `N` times on each dataset
//! and use a threshold test on the likelihood-ratio statistic of the changed cells (Gaussian:
//! their sum; Laplace: how many exceed their D0 value; so the tests are Neyman–Pearson optimal
//! for the mechanisms alone), and for the full release on the sum of the changed published
//! cells. The threshold is chosen on a pilot fifth of the runs and evaluated on the other four
//! fifths. With Clopper–Pearson bounds
//! (each one-sided at 97.5%, so both hold together with ≥ 95%) on `P = P(E | D1)` and
//! `Q = P(E | D0)`, any (ε, δ)-DP mechanism has `P ≤ e^ε Q + δ`, so
//!
//! ```text
//!     ε ≥ ε_lb = ln((P_lo − δ) / Q_hi)
//! ```
//!
//! and the same for the complementary event with the datasets swapped. We assert ε_lb stays
//! below the ε the engine claims (at its δ for the Gaussian; pure for the Laplace), and, as a
//! check that the audit can fail, that it exceeds the claim for a deliberately under-noised
//! measurement.
//!
//! The default run is light (a few thousand runs per dataset). The heavy version, ≥ 100,000
//! runs per dataset and mechanism, is ignored by default; run it with
//!
//! ```text
//! cargo test -p kompotten-privacy --release --test audit -- --ignored --nocapture
//! ```

use kompotten_privacy::hierarchy::{make_hierarchy, Geography};
use kompotten_privacy::mechanism::{make_calibrated_mechanism, make_mechanism_at_scale, CalibratedMechanism, Mechanism};
use kompotten_privacy::release::{prepare_release, release_with, ReleaseParams, ReleaseSpec};
use kompotten_privacy::sensitivity::{make_sensitivity, IndicatorBound, Level, PeriodLayout};
use kompotten_privacy::synthetic::synthetic_totals;
use statrs::function::beta::beta_reg;

const RHO: f64 = 0.1;

struct Neighbours {
    spec: ReleaseSpec,
    d0: Vec<i64>,
    d1: Vec<i64>,
    /// Positions in the released vector that differ.
    changed: Vec<usize>,
    /// Positions in the published table (node per block) that differ.
    changed_cells: Vec<usize>,
}

fn neighbours(mechanism: Mechanism) -> Neighbours {
    let g = Geography::sweden();
    let levels = vec![Level::Nation, Level::County, Level::Lanskompott];
    let indicators = vec![IndicatorBound::new("households_moved_out", 1), IndicatorBound::new("households_received", 1)];
    let spec = ReleaseSpec { mechanism, simulations: 5_000, ..ReleaseSpec::new(indicators, levels.clone(), PeriodLayout::PerPeriod(1)) };
    let h = make_hierarchy(&g, &levels).unwrap();
    let d0 = synthetic_totals(&h, &g, &spec.indicators, 1, 14, 11);
    let node = |label: &str| h.nodes().iter().position(|n| n.label == label).unwrap();
    let m = h.measured().len();
    let position = |block: usize, label: &str| block * m + h.measured().iter().position(|&v| v == node(label)).unwrap();
    let changed = vec![position(0, "SE"), position(0, "12"), position(0, "L12"), position(1, "SE"), position(1, "01")];
    let mut d1 = d0.clone();
    for &p in &changed {
        d1[p] += 1;
    }
    let changed_cells = vec![node("SE"), node("12"), node("L12"), h.len() + node("SE"), h.len() + node("01")];
    Neighbours { spec, d0, d1, changed, changed_cells }
}

/// Clopper–Pearson one-sided bounds at confidence `1 − alpha` for `k` successes in `n`.
fn clopper_pearson(k: usize, n: usize, alpha: f64) -> (f64, f64) {
    let quantile = |a: f64, b: f64, p: f64| {
        let (mut lo, mut hi) = (0.0, 1.0);
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if beta_reg(a, b, mid) < p {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    };
    let (k, n) = (k as f64, n as f64);
    let lower = if k == 0.0 { 0.0 } else { quantile(k, n - k + 1.0, alpha) };
    let upper = if k == n { 1.0 } else { quantile(k + 1.0, n - k, 1.0 - alpha) };
    (lower, upper)
}

/// `ln((P_lo − δ)/Q_hi)` from `k_num` events of `n` under the dataset that favours the event
/// and `k_den` of `n` under the other (Clopper–Pearson, each one-sided at 97.5%), or 0.
fn bound_from_counts(k_num: usize, k_den: usize, n: usize, delta: f64) -> f64 {
    let (p_lo, _) = clopper_pearson(k_num, n, 0.025);
    let (_, q_hi) = clopper_pearson(k_den, n, 0.025);
    if p_lo - delta <= 0.0 {
        0.0
    } else {
        ((p_lo - delta) / q_hi).ln().max(0.0)
    }
}

/// ε lower bound, both directions, from statistics under D0 and D1. The events are
/// `{T ≥ t}` (D1 favoured) and `{T < t}` (D0 favoured); each threshold is the one with the best
/// bound on a pilot fifth of the runs, and the bound reported is computed on the other four
/// fifths only, so the choice does not bias it.
fn epsilon_lower_bound(s0: &[f64], s1: &[f64], delta: f64) -> (f64, f64) {
    let pilot = s0.len() / 5;
    let (p0, e0) = s0.split_at(pilot);
    let (p1, e1) = s1.split_at(pilot);
    let count = |s: &[f64], t: f64, upper: bool| s.iter().filter(|x| (**x >= t) == upper).count();
    let mut candidates: Vec<f64> = p0.iter().chain(p1).copied().collect();
    candidates.sort_by(f64::total_cmp);
    candidates.dedup();
    if candidates.len() > 400 {
        // Thin to 400 quantiles of the pooled pilot: enough resolution, bounded cost.
        let step = candidates.len() as f64 / 400.0;
        candidates = (0..400).map(|k| candidates[(k as f64 * step) as usize]).collect();
    }
    let bound = |upper: bool| {
        // D1 favours {T ≥ t}; D0 favours {T < t}.
        let (num_pilot, den_pilot, num_eval, den_eval) = if upper { (p1, p0, e1, e0) } else { (p0, p1, e0, e1) };
        let best = candidates
            .iter()
            .copied()
            .map(|t| (t, bound_from_counts(count(num_pilot, t, upper), count(den_pilot, t, upper), pilot, delta)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(0.0, |(t, _)| t);
        bound_from_counts(count(num_eval, best, upper), count(den_eval, best, upper), num_eval.len(), delta)
    };
    (bound(true), bound(false))
}

/// Runs the mechanism `runs` times per dataset and returns the likelihood-ratio statistic of
/// the changed cells: for the Gaussian their sum; for the Laplace (each cell's likelihood ratio
/// is e^{1/b} above the D0 value and e^{−1/b} at or below it) how many lie above their D0 value.
fn mechanism_statistics(nb: &Neighbours, m: &CalibratedMechanism, runs: usize) -> (Vec<f64>, Vec<f64>) {
    let sampler = m.sampler().unwrap();
    let mechanism = m.params.mechanism;
    let stat = |data: &[i64]| -> Vec<f64> {
        (0..runs)
            .map(|_| {
                let noisy = sampler.invoke(data).unwrap();
                match mechanism {
                    Mechanism::DiscreteGaussian => nb.changed.iter().map(|&p| noisy[p] as f64).sum(),
                    Mechanism::DiscreteLaplace => nb.changed.iter().filter(|&&p| noisy[p] > nb.d0[p]).count() as f64,
                }
            })
            .collect()
    };
    (stat(&nb.d0), stat(&nb.d1))
}

fn pipeline_statistics(nb: &Neighbours, params: &ReleaseParams, runs: usize) -> (Vec<f64>, Vec<f64>) {
    let stat = |data: &[i64]| -> Vec<f64> {
        (0..runs)
            .map(|_| {
                let r = release_with(params, data).unwrap();
                nb.changed_cells.iter().map(|&c| r.table.cells[c].value as f64).sum()
            })
            .collect()
    };
    (stat(&nb.d0), stat(&nb.d1))
}

fn calibrated(nb: &Neighbours, mechanism: Mechanism) -> CalibratedMechanism {
    let s = make_sensitivity(&nb.spec.indicators, &nb.spec.levels, nb.spec.periods).unwrap();
    make_calibrated_mechanism(mechanism, &s, RHO, nb.spec.delta).unwrap()
}

fn audit_mechanism(mechanism: Mechanism, runs: usize) {
    let nb = neighbours(mechanism);
    let m = calibrated(&nb, mechanism);
    let (s0, s1) = mechanism_statistics(&nb, &m, runs);
    let (up, down) = epsilon_lower_bound(&s0, &s1, m.params.delta);
    eprintln!("{mechanism:?} ({runs} runs per dataset): ε_lb = {up:.3} / {down:.3}, claimed ε = {:.3} (δ = {})", m.params.epsilon, m.params.delta);
    assert!(up < m.params.epsilon && down < m.params.epsilon, "{mechanism:?}: audit bound above the claim");
}

fn audit_pipeline(runs: usize) {
    let nb = neighbours(Mechanism::DiscreteGaussian);
    let params = prepare_release(&Geography::sweden(), &nb.spec, RHO).unwrap();
    let (s0, s1) = pipeline_statistics(&nb, &params, runs);
    let (up, down) = epsilon_lower_bound(&s0, &s1, params.mechanism.delta);
    eprintln!("full release ({runs} runs per dataset): ε_lb = {up:.3} / {down:.3}, claimed ε = {:.3} (δ = {})", params.mechanism.epsilon, params.mechanism.delta);
    assert!(up < params.mechanism.epsilon && down < params.mechanism.epsilon, "release: audit bound above the claim");
}

#[test]
fn gaussian_stays_below_its_claimed_epsilon() {
    audit_mechanism(Mechanism::DiscreteGaussian, 3_000);
}

#[test]
fn laplace_stays_below_its_claimed_epsilon() {
    audit_mechanism(Mechanism::DiscreteLaplace, 3_000);
}

#[test]
fn full_release_stays_below_its_claimed_epsilon() {
    audit_pipeline(2_000);
}

/// The audit can fail: a measurement with a sixteenth of the calibrated scale, presented with the
/// calibrated claim, is caught.
#[test]
fn audit_catches_an_under_noised_measurement() {
    for mechanism in [Mechanism::DiscreteGaussian, Mechanism::DiscreteLaplace] {
        let nb = neighbours(mechanism);
        let claimed = calibrated(&nb, mechanism);
        let s = make_sensitivity(&nb.spec.indicators, &nb.spec.levels, nb.spec.periods).unwrap();
        let weak = make_mechanism_at_scale(mechanism, &s, claimed.params.scale / 16.0, nb.spec.delta).unwrap();
        let (s0, s1) = mechanism_statistics(&nb, &weak, 3_000);
        let (up, down) = epsilon_lower_bound(&s0, &s1, claimed.params.delta);
        eprintln!("{mechanism:?} under-noised: ε_lb = {up:.3} / {down:.3} vs claimed {:.3} (true ε of the weak one {:.3})", claimed.params.epsilon, weak.params.epsilon);
        assert!(up.max(down) > claimed.params.epsilon, "{mechanism:?}: the audit missed an under-noised measurement");
    }
}

#[test]
fn clopper_pearson_matches_known_values() {
    // 0 of 10: the one-sided 97.5% upper bound is 1 − 0.025^(1/10).
    let (_, hi) = clopper_pearson(0, 10, 0.025);
    assert!((hi - (1.0 - 0.025f64.powf(0.1))).abs() < 1e-9);
    // 10 of 10: lower bound 0.025^(1/10).
    let (lo, _) = clopper_pearson(10, 10, 0.025);
    assert!((lo - 0.025f64.powf(0.1)).abs() < 1e-9);
    let (lo, hi) = clopper_pearson(50, 100, 0.025);
    assert!(lo < 0.5 && hi > 0.5 && (0.5 - lo - (hi - 0.5)).abs() < 1e-9);
}

#[test]
#[ignore = "heavy: ≥ 100,000 runs per dataset; run with --release (see the module doc)"]
fn heavy_audit_of_both_mechanisms_and_the_full_release() {
    audit_mechanism(Mechanism::DiscreteGaussian, 100_000);
    audit_mechanism(Mechanism::DiscreteLaplace, 100_000);
    audit_pipeline(100_000);
}
