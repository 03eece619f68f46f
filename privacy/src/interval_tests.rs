use super::*;
use crate::hierarchy::{make_hierarchy, Geography};
use crate::mechanism::{make_mechanism_at_scale, Mechanism};
use crate::sensitivity::{Level, Sensitivity};
use proptest::prelude::*;
use std::time::Instant;

fn gaussian(scale: f64) -> CalibratedMechanism {
    make_mechanism_at_scale(Mechanism::DiscreteGaussian, &Sensitivity { l1: 1.0, l2: 1.0, periods_debited: 1 }, scale, 1e-7).unwrap()
}

/// The exact 95% half-width of the discrete Gaussian: smallest t with P(|X| ≤ t) ≥ 0.95.
fn exact_half_width(scale: f64) -> (i64, f64) {
    let w: Vec<f64> = (0..=(40.0 * scale) as i64).map(|x| (-((x * x) as f64) / (2.0 * scale * scale)).exp()).collect();
    let total = w[0] + 2.0 * w[1..].iter().sum::<f64>();
    let mut inside = w[0] / total;
    let mut t = 0;
    while inside < 0.95 {
        t += 1;
        inside += 2.0 * w[t as usize] / total;
    }
    (t, inside)
}

/// With only the nation measured, the pipeline's error is the raw noise: the simulated margin
/// must be the discrete Gaussian's exact 95% half-width (or a neighbour, when that half-width
/// covers within sampling error of 95%).
#[test]
fn nation_only_calibration_recovers_the_exact_half_width() {
    let h = make_hierarchy(&Geography::sweden(), &[Level::Nation]).unwrap();
    for scale in [2.0, 7.5] {
        let cal = calibrate_intervals(&h, &gaussian(scale), 20_000).unwrap();
        let k = cal.for_kind(NodeKind::Nation).unwrap();
        let (t, covered) = exact_half_width(scale);
        assert!((k.margin - t as f64).abs() <= 1.0, "σ={scale}: margin {} vs exact {t} ({covered})", k.margin);
        if covered > 0.96 {
            assert_eq!(k.margin, t as f64, "σ={scale}: a clear-cut half-width must be found exactly");
        }
        assert!(k.simulated_coverage >= 0.95 && k.zero_cut <= k.margin);
        assert_eq!(k.samples, 20_000);
    }
}

/// WLS pulls county errors below the raw noise (it borrows from the nation), länskompotter
/// keep theirs: the margins must say so, and every kind is calibrated.
#[test]
fn full_tree_calibration_orders_the_levels() {
    let h = make_hierarchy(&Geography::sweden(), &[Level::Nation, Level::County, Level::Lanskompott]).unwrap();
    let scale = 12.0;
    let started = Instant::now();
    let cal = calibrate_intervals(&h, &gaussian(scale), 20_000).unwrap();
    eprintln!("calibration of 20,000 trees took {:?}: {cal:?}", started.elapsed());
    let (t, _) = exact_half_width(scale);
    let m = |k| cal.for_kind(k).unwrap().margin;
    // Equal noise everywhere: the nation borrows a little from the 21 counties' sum
    // (variance 21/22 σ²), a county a little from the nation.
    assert!(m(NodeKind::Nation) < t as f64, "nation borrows strength from the counties");
    assert!(m(NodeKind::County) <= t as f64);
    // A länskompott (and a rest of county) borrows from its county's measurement.
    assert!(m(NodeKind::Lanskompott) < t as f64);
    assert!(m(NodeKind::RestOfCounty) < t as f64);
    for k in &cal.kinds {
        assert!(k.simulated_coverage >= 0.95 && k.simulated_coverage < 0.96, "{k:?}");
    }
}

#[test]
fn cached_calibration_is_reused() {
    let h = make_hierarchy(&Geography::sweden(), &[Level::Nation, Level::County]).unwrap();
    let m = gaussian(3.3);
    let first = calibrate_intervals_cached(&h, &m, 500).unwrap();
    let started = Instant::now();
    let second = calibrate_intervals_cached(&h, &m, 500).unwrap();
    assert_eq!(first, second, "simulation is random: only a cache hit returns the same quantiles");
    assert!(started.elapsed().as_millis() < 50);
}

proptest! {
    /// The interval is the set of whole truths not rejected: `T ≥ 1` iff `|w − T| ≤ b`,
    /// `T = 0` iff `w ≤ a`, then widened to the published value.
    #[test]
    fn interval_is_the_set_of_accepted_truths(w in -30.0f64..30.0, b in 0.0f64..10.0, a_frac in 0.0f64..=1.0, published in 0i64..20) {
        let k = KindInterval { kind: NodeKind::County, margin: b, zero_cut: -b + a_frac * 2.0 * b, simulated_coverage: 0.95, simulated_zero_coverage: 0.95, samples: 1 };
        let (low, high) = interval(&k, w, published);
        prop_assert!(0 <= low && low <= published && published <= high);
        let accepted_box = accepted_truths(&k, w);
        let accepted: Vec<i64> = (0..60).filter(|&t| if t == 0 { w <= k.zero_cut + 1e-9 } else { (w - t as f64).abs() <= b + 1e-9 }).collect();
        if let (Some(first), Some(last)) = (accepted.first(), accepted.last()) {
            prop_assert_eq!(accepted.len() as i64, last - first + 1, "accepted truths are contiguous");
            prop_assert_eq!(accepted_box, Some((*first, *last)));
            prop_assert_eq!((low, high), (*first.min(&published), *last.max(&published)));
        } else {
            prop_assert_eq!(accepted_box, None);
            prop_assert_eq!((low, high), (published, published));
        }
    }
}
