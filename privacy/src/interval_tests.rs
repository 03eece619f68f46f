use super::*;
use crate::design::{make_design, Query};
use crate::hierarchy::{make_tree, Geography, NodeKind};
use crate::mechanism::{query_at_scale, Mechanism};
use crate::sensitivity::{make_query_sensitivity, IndicatorBound, Level, TimeLayout};
use proptest::prelude::*;
use std::time::Instant;

fn noise(mechanism: Mechanism, scale: f64) -> QueryNoise {
    query_at_scale(mechanism, &make_query_sensitivity(&[IndicatorBound::new("households_moved_out", 1)], None).unwrap(), scale).unwrap()
}

/// The discrete Gaussian's probabilities at scale σ, for |x| ≤ 40σ.
fn discrete_gaussian_pmf(scale: f64) -> Vec<(i64, f64)> {
    let top = (40.0 * scale) as i64;
    let w: Vec<(i64, f64)> = (-top..=top).map(|x| (x, (-((x * x) as f64) / (2.0 * scale * scale)).exp())).collect();
    let total: f64 = w.iter().map(|(_, p)| p).sum();
    w.into_iter().map(|(x, p)| (x, p / total)).collect()
}

/// `n` errors laid out exactly as the pmf's quantiles (no sampling noise).
fn exact_errors(pmf: &[(i64, f64)], n: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(n);
    let mut cumulative = 0.0;
    for &(x, p) in pmf {
        cumulative += p;
        while out.len() < n && (out.len() as f64 + 0.5) / n as f64 <= cumulative {
            out.push(x as f64);
        }
    }
    out.resize(n, pmf.last().unwrap().0 as f64);
    out
}

#[test]
fn a_finely_spread_error_gets_the_gaussian_cuts() {
    let errors = noise(Mechanism::DiscreteGaussian, 40.0).sampler().unwrap().invoke(&vec![0; 40_000]).unwrap();
    let mut e: Vec<f64> = errors.into_iter().map(|x| x as f64).collect();
    let k = node_interval(&mut e).unwrap();
    // 1.645σ one-sided, 1.96σ two-sided, within sampling error (~2%).
    assert!((k.upper_cut / 40.0 - 1.645).abs() < 0.05, "{k:?}");
    assert!((k.above / 40.0 - 1.96).abs() < 0.06 && (k.below / 40.0 - 1.96).abs() < 0.06, "{k:?}");
    assert!(k.is_within_tolerance(), "{k:?}");
    assert_eq!(k.switch, k.upper_cut.floor() as i64 + 1);
    assert!(k.above >= k.upper_cut);
}

/// A cell measured once, by integer noise: the cuts are whole numbers, and where no whole cut
/// gives 95–95.8% the calibration says so instead of over-covering silently.
#[test]
fn an_integer_error_is_flagged_when_its_coverage_jumps_past_tolerance() {
    let mut flagged = 0;
    for scale in [1.5, 2.0, 2.45, 3.0, 4.0, 5.5] {
        let pmf = discrete_gaussian_pmf(scale);
        let mut e = exact_errors(&pmf, 20_000);
        let k = node_interval(&mut e).unwrap();
        assert_eq!(k.upper_cut.fract(), 0.0);
        let exact = |lo: f64, hi: f64| pmf.iter().filter(|(x, _)| (*x as f64) >= lo && (*x as f64) <= hi).map(|(_, p)| p).sum::<f64>();
        assert!((exact(-k.below, k.above) - k.two_sided_coverage).abs() < 1e-3, "σ={scale}: {k:?}");
        assert!(k.two_sided_coverage >= COVERAGE && k.one_sided_coverage >= COVERAGE, "σ={scale}: {k:?}");
        if !k.is_within_tolerance() {
            flagged += 1;
            assert!(k.one_sided_coverage > MAX_COVERAGE || k.two_sided_coverage > MAX_COVERAGE);
        }
    }
    assert!(flagged > 0, "some of these scales must be coarse (σ = 2.45: P(|X| ≤ 5) = 97.6%)");
}

fn brute_accepted(k: &NodeInterval, w: f64) -> Vec<i64> {
    (0..200)
        .filter(|&t| if t < k.switch { w - t as f64 <= k.upper_cut + 1e-9 } else { w - t as f64 <= k.above + 1e-9 && t as f64 - w <= k.below + 1e-9 })
        .collect()
}

proptest! {
    /// The interval is the set of whole truths the belt accepts, always contiguous, widened to
    /// the published value.
    #[test]
    fn interval_is_the_set_of_accepted_truths(w in -40.0f64..60.0, a in 0.3f64..12.0, extra_u in 0.0f64..4.0, l in 0.0f64..14.0, published in 0i64..30) {
        let k = NodeInterval { upper_cut: a, above: a + extra_u, below: l, switch: a.floor() as i64 + 1, one_sided_coverage: 0.95, two_sided_coverage: 0.95, narrowest: 0, samples: 1 };
        let accepted = brute_accepted(&k, w);
        let (low, high) = interval(&k, w, published);
        prop_assert!(0 <= low && low <= published && published <= high);
        match (accepted.first(), accepted.last()) {
            (Some(first), Some(last)) => {
                prop_assert_eq!(accepted.len() as i64, last - first + 1, "accepted truths are contiguous");
                prop_assert_eq!(accepted_truths(&k, w), Some((*first, *last)));
                prop_assert_eq!((low, high), (*first.min(&published), *last.max(&published)));
            }
            _ => prop_assert_eq!(accepted_truths(&k, w), None),
        }
    }

    /// The stated narrowest interval is the narrowest over every estimate; far below zero the
    /// interval is [0, ⌊a⌋], never "0–0" once the noise reaches a household.
    #[test]
    fn the_narrowest_interval_is_stated_exactly(a in 0.3f64..12.0, extra_u in 0.0f64..3.0, l_frac in 0.8f64..1.4) {
        let mut k = NodeInterval { upper_cut: a, above: a + extra_u, below: (a + extra_u) * l_frac, switch: a.floor() as i64 + 1, one_sided_coverage: 0.95, two_sided_coverage: 0.95, narrowest: 0, samples: 1 };
        k.narrowest = narrowest(&k);
        let scanned = (0..20_000).map(|j| -60.0 + j as f64 * 0.0071).filter_map(|w| accepted_truths(&k, w)).map(|(lo, hi)| hi - lo).min().unwrap();
        prop_assert!(k.narrowest <= scanned, "stated {} but a scan found {scanned}", k.narrowest);
        prop_assert_eq!(accepted_truths(&k, -1e6), Some((0, a.floor() as i64)));
        if a >= 1.0 && k.below >= 1.0 {
            prop_assert!(k.narrowest >= 1, "noise of at least one household never publishes a zero-width interval");
        }
    }
}

fn tree_of(levels: &[(Level, TimeLayout)], periods: usize) -> crate::hierarchy::Tree {
    let q = |(level, time): &(Level, TimeLayout)| Query {
        indicators: vec![IndicatorBound::new("households_moved_out", 1)],
        joint_bound: None,
        level: *level,
        time: *time,
        weight: 1.0,
    };
    make_tree(&Geography::sweden(), &make_design("t", levels.iter().map(q).collect()).unwrap(), 0, periods).unwrap()
}

/// The headline shape: nation per period, counties and länskompotter over the window, each
/// query with its own noise. Every node is calibrated on its own; a county with a länskompott
/// (a second estimate: its parts) is narrower than one without.
#[test]
fn headline_tree_calibration_is_per_node() {
    let tree = tree_of(&[(Level::Nation, TimeLayout::PerPeriod), (Level::County, TimeLayout::Window), (Level::Lanskompott, TimeLayout::Window)], 4);
    let noise = [noise(Mechanism::DiscreteGaussian, 1.6), noise(Mechanism::DiscreteGaussian, 2.5), noise(Mechanism::DiscreteGaussian, 4.0)];
    let started = Instant::now();
    let cal = calibrate_tree(&tree, &noise, 20_000).unwrap();
    eprintln!("calibration of 20,000 trees ({} nodes) took {:?}", tree.len(), started.elapsed());
    assert_eq!(cal.nodes.len(), tree.len());
    let margin_of = |kind: NodeKind, with_parts: bool| {
        tree.nodes
            .iter()
            .zip(&cal.nodes)
            .filter(|(n, _)| n.kind == kind && (n.partitions.is_empty() != with_parts))
            .map(|(_, k)| k.margin())
            .fold(0.0f64, f64::max)
    };
    assert!(margin_of(NodeKind::County, true) < margin_of(NodeKind::County, false), "a county with a länskompott borrows from its parts");
    // The window's national total sums four periods' noise: wider than one period.
    assert!(cal.nodes[0].margin() > cal.nodes[1].margin());
    for (node, k) in tree.nodes.iter().zip(&cal.nodes) {
        assert!(k.one_sided_coverage >= COVERAGE && k.two_sided_coverage >= COVERAGE, "{node:?}: {k:?}");
        assert!(k.narrowest >= 1, "{node:?}: {k:?}");
        assert_eq!(k.samples, 20_000);
    }
}

#[test]
fn cached_calibration_is_reused() {
    let tree = tree_of(&[(Level::Nation, TimeLayout::Window), (Level::County, TimeLayout::Window)], 1);
    let noise = [noise(Mechanism::DiscreteLaplace, 3.3), noise(Mechanism::DiscreteLaplace, 4.1)];
    let first = calibrate_tree_cached(&tree, &noise, 500).unwrap();
    let started = Instant::now();
    let second = calibrate_tree_cached(&tree, &noise, 500).unwrap();
    assert_eq!(first, second, "simulation is random: only a cache hit returns the same cuts");
    assert!(started.elapsed().as_millis() < 50);
    assert!(calibrate_tree(&tree, &noise, 99).is_err());
}
