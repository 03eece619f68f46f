//! Privacy audit by simulation: can an observer tell two neighbouring datasets apart better
//! than the stated ε allows?
//!
//! Neighbours: the synthetic dataset, released with the standard design over one year, and the
//! same with one household more, moved out by a municipality of Skåne (county 12, inside its
//! länskompott) with one child, for violence in a close relationship, with one formal request,
//! to a municipality in Stockholm (county 01) that accepted it within the deadline and
//! received the household within one to three months. It changes the released cells of ten
//! indicators: each at the nation, and "moved out" and "received" also at their counties (and
//! at L12).
//!
//! For each mechanism, and for the full release pipeline, we run it `N` times on each dataset
//! and use a threshold test on the likelihood-ratio statistic of the changed noisy cells
//! (Gaussian: their sum weighted by 1/σ_q² of each cell's query; Laplace: Σ ±1/b_q as each cell
//! lies above or at most at its D0 value; so the tests are Neyman–Pearson optimal for the
//! composed measurement alone), and for the full release on the sum of the changed published
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
//! below the ε the engine claims for the whole release (at its δ for the Gaussian; pure for
//! the Laplace), and, as a check that the audit can fail, that it exceeds the claim for a
//! deliberately under-noised measurement.
//!
//! The default run is light (a few thousand runs per dataset). The heavy version, ≥ 100,000
//! runs per dataset and mechanism, is ignored by default; run it with
//!
//! ```text
//! cargo test -p kompotten-privacy --release --test audit -- --ignored --nocapture
//! ```

use kompotten_privacy::hierarchy::Geography;
use kompotten_privacy::mechanism::{make_release_measurement, CellSums, Mechanism, QueryNoise};
use kompotten_privacy::release::{prepare_release, query_cells, release_with, trees, ReleaseParams, ReleaseSpec};
use kompotten_privacy::synthetic::{synthetic_standard_design, synthetic_totals};
use statrs::function::beta::beta_reg;

const RHO: f64 = 0.1;

struct Neighbours {
    spec: ReleaseSpec,
    d0: Vec<i64>,
    d1: Vec<i64>,
    /// Positions in the published table that differ.
    changed_cells: Vec<usize>,
}

fn neighbours(mechanism: Mechanism) -> Neighbours {
    let g = Geography::sweden();
    let spec = ReleaseSpec { mechanism, simulations: 5_000, ..ReleaseSpec::new(synthetic_standard_design(), 1) };
    let areas = g.areas();
    let area = |label: &str| areas.iter().position(|a| a.label == label).unwrap();
    let d0 = synthetic_totals(&g, &spec.design.indicators, 1, 14, 11);
    let mut d1 = d0.clone();
    let sender = [area("SE"), area("12"), area("L12")];
    let receiver = [area("SE"), area("01")];
    let adds: [(&str, &[usize]); 10] = [
        ("households_moved_out", &sender),
        ("moved_out_children_1", &sender),
        ("moved_out_context_close_relationship", &sender),
        ("requests_sent", &sender),
        ("requests_received", &receiver),
        ("requests_accepted", &receiver),
        ("decisions_within_14_days", &receiver),
        ("households_received", &receiver),
        ("time_to_move_1_3m", &receiver),
        ("households_permanent_housing", &receiver),
    ];
    for (code, cells) in adds {
        let i = spec.design.indicator_index(code).unwrap();
        for &a in cells {
            d1[i * areas.len() + a] += 1;
        }
    }
    // The published cells that differ: every node whose truth differs.
    let mut changed_cells = Vec::new();
    let mut offset = 0;
    for (i, tree) in trees(&g, &spec).unwrap().iter().enumerate() {
        let block = |d: &[i64]| tree.truth(&d[i * areas.len()..(i + 1) * areas.len()], areas.len());
        let (t0, t1) = (block(&d0), block(&d1));
        changed_cells.extend((0..tree.len()).filter(|&v| t0[v] != t1[v]).map(|v| offset + v));
        offset += tree.len();
    }
    Neighbours { spec, d0, d1, changed_cells }
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

/// Each query's noise with where its cells come from.
fn measured(nb: &Neighbours, noise: &[QueryNoise]) -> Vec<(QueryNoise, CellSums)> {
    let trees = trees(&Geography::sweden(), &nb.spec).unwrap();
    noise.iter().copied().zip(query_cells(&Geography::sweden(), &nb.spec, &trees)).collect()
}

/// Runs the composed measurement `runs` times per dataset and returns the likelihood-ratio
/// statistic of the changed noisy cells (see the module doc).
fn mechanism_statistics(nb: &Neighbours, noise: &[QueryNoise], runs: usize) -> (Vec<f64>, Vec<f64>) {
    let queries = measured(nb, noise);
    // Each cell as often as the measurement repeats it.
    let exact = |d: &[i64]| -> Vec<i64> {
        queries
            .iter()
            .flat_map(|(n, cells)| cells.iter().flat_map(move |sum| std::iter::repeat_n(sum.iter().map(|&k| d[k]).sum::<i64>(), n.repeats as usize)))
            .collect()
    };
    let (e0, e1) = (exact(&nb.d0), exact(&nb.d1));
    let scale: Vec<f64> = queries.iter().flat_map(|(n, cells)| std::iter::repeat_n(n.scale, cells.len() * n.repeats as usize)).collect();
    let changed: Vec<usize> = (0..e0.len()).filter(|&k| e0[k] != e1[k]).collect();
    assert!(changed.iter().all(|&k| e1[k] - e0[k] == 1), "the household adds one to each changed cell");
    let m = make_release_measurement(&queries).unwrap();
    let mechanism = nb.spec.mechanism;
    let stat = |data: &[i64]| -> Vec<f64> {
        (0..runs)
            .map(|_| {
                let noisy: Vec<i64> = m.invoke(&data.to_vec()).unwrap().into_iter().flatten().collect();
                match mechanism {
                    Mechanism::DiscreteGaussian => changed.iter().map(|&k| noisy[k] as f64 / scale[k].powi(2)).sum(),
                    Mechanism::DiscreteLaplace => changed.iter().map(|&k| if noisy[k] > e0[k] { 1.0 } else { -1.0 } / scale[k]).sum(),
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

fn audit_mechanism(mechanism: Mechanism, runs: usize) {
    let nb = neighbours(mechanism);
    let params = prepare_release(&Geography::sweden(), &nb.spec, RHO).unwrap();
    let (s0, s1) = mechanism_statistics(&nb, &params.noise, runs);
    let (up, down) = epsilon_lower_bound(&s0, &s1, params.cost.delta);
    eprintln!("{mechanism:?} ({runs} runs per dataset): ε_lb = {up:.3} / {down:.3}, claimed ε = {:.3} (δ = {})", params.cost.epsilon, params.cost.delta);
    assert!(up < params.cost.epsilon && down < params.cost.epsilon, "{mechanism:?}: audit bound above the claim");
}

fn audit_pipeline(runs: usize) {
    let nb = neighbours(Mechanism::DiscreteGaussian);
    let params = prepare_release(&Geography::sweden(), &nb.spec, RHO).unwrap();
    let (s0, s1) = pipeline_statistics(&nb, &params, runs);
    let (up, down) = epsilon_lower_bound(&s0, &s1, params.cost.delta);
    eprintln!("full release ({runs} runs per dataset): ε_lb = {up:.3} / {down:.3}, claimed ε = {:.3} (δ = {})", params.cost.epsilon, params.cost.delta);
    assert!(up < params.cost.epsilon && down < params.cost.epsilon, "release: audit bound above the claim");
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

/// The audit can fail: measurements with a sixteenth of the calibrated scales, presented with
/// the calibrated claim, are caught.
#[test]
fn audit_catches_an_under_noised_measurement() {
    for mechanism in [Mechanism::DiscreteGaussian, Mechanism::DiscreteLaplace] {
        let nb = neighbours(mechanism);
        let claimed = prepare_release(&Geography::sweden(), &nb.spec, RHO).unwrap();
        let weak: Vec<QueryNoise> = claimed.noise.iter().zip(&nb.spec.design.sensitivities).map(|(n, s)| n.at_scale(s, n.scale / 16.0).unwrap()).collect();
        let (s0, s1) = mechanism_statistics(&nb, &weak, 3_000);
        let (up, down) = epsilon_lower_bound(&s0, &s1, claimed.cost.delta);
        eprintln!("{mechanism:?} under-noised: ε_lb = {up:.3} / {down:.3} vs claimed {:.3}", claimed.cost.epsilon);
        assert!(up.max(down) > claimed.cost.epsilon, "{mechanism:?}: the audit missed an under-noised measurement");
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
