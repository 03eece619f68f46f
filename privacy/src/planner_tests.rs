use super::*;
use crate::interval::calibrate_intervals_cached;
use crate::mechanism::make_calibrated_mechanism;
use crate::release::{release, ReleaseSpec};
use crate::sensitivity::{IndicatorBound, PeriodLayout};
use crate::synthetic::synthetic_totals;

fn spec(mechanism: Mechanism) -> ReleaseSpec {
    ReleaseSpec {
        mechanism,
        simulations: 1_000,
        ..ReleaseSpec::new(
            vec![IndicatorBound::new("households_moved_out", 1), IndicatorBound::new("households_received", 1)],
            vec![Level::Nation, Level::County, Level::Lanskompott],
            PeriodLayout::PerPeriod(1),
        )
    }
}

fn county_margin(p: &Plan) -> f64 {
    p.per_level.iter().find(|l| l.kind == NodeKind::County).unwrap().margin
}

/// The ρ the planner returns for "± 3 at county level" gives county intervals within ± 3 in
/// the release the engine then makes, and the next cheaper ρ it tried does not.
#[test]
fn margin_target_is_met_by_the_planned_rho_and_missed_just_below() {
    let g = Geography::sweden();
    for mechanism in [Mechanism::DiscreteGaussian, Mechanism::DiscreteLaplace] {
        let s = spec(mechanism);
        let p = plan(&g, &s, PlanTarget::Margin { level: Level::County, households: 3.0 }).unwrap();
        let rho = p.params.mechanism.rho;
        assert!(county_margin(&p) <= 3.0, "{mechanism:?}: plan margin {}", county_margin(&p));
        let cheaper = p.cheaper_rho_missing_target.unwrap();
        assert!(cheaper < rho && cheaper >= rho / (1.0 + RELATIVE_PRECISION) * (1.0 - 1e-9), "{mechanism:?}: {cheaper} vs {rho}");

        // The engine at the planned ρ: same calibration, and every county interval around an
        // estimate spans at most ± 3.
        let h = make_hierarchy(&g, &s.levels).unwrap();
        let exact = synthetic_totals(&h, &g, &s.indicators, 1, 14, 7);
        let r = release(&g, &s, rho, &exact).unwrap();
        assert_eq!(r.params.intervals, p.params.intervals);
        assert!(r.params.intervals.for_kind(NodeKind::County).unwrap().margin <= 3.0);

        // Slightly cheaper: the engine's calibration at that ρ misses ± 3.
        let sensitivity = make_sensitivity(&s.indicators, &s.levels, s.periods).unwrap();
        let m = make_calibrated_mechanism(mechanism, &sensitivity, cheaper, s.delta).unwrap();
        let cal = calibrate_intervals_cached(&h, &m, s.simulations).unwrap();
        assert!(cal.for_kind(NodeKind::County).unwrap().margin > 3.0, "{mechanism:?}");
    }
}

#[test]
fn budget_target_reports_every_level_and_more_budget_buys_accuracy() {
    let g = Geography::sweden();
    let s = spec(Mechanism::DiscreteGaussian);
    let small = plan(&g, &s, PlanTarget::Budget { rho: 0.05 }).unwrap();
    let large = plan(&g, &s, PlanTarget::Budget { rho: 0.8 }).unwrap();
    assert_eq!(small.per_level.len(), 4);
    assert!(small.params.mechanism.rho <= 0.05);
    // 16 times the budget is a quarter of σ: margins shrink about fourfold.
    for (a, b) in small.per_level.iter().zip(&large.per_level) {
        let ratio = a.margin / b.margin;
        assert!((3.0..5.0).contains(&ratio), "{:?}: {} vs {}", a.kind, a.margin, b.margin);
    }
}

#[test]
fn refuses_levels_not_released_and_silly_targets() {
    let g = Geography::sweden();
    let mut s = spec(Mechanism::DiscreteGaussian);
    s.levels = vec![Level::Nation, Level::County];
    assert!(matches!(plan(&g, &s, PlanTarget::Margin { level: Level::Lanskompott, households: 3.0 }), Err(PrivacyError::InvalidParameter(_))));
    assert!(matches!(plan(&g, &s, PlanTarget::Margin { level: Level::County, households: 0.0 }), Err(PrivacyError::InvalidParameter(_))));
}
