use super::*;
use crate::synthetic::person_count_catalogue;

const ALL_LEVELS: [Level; 3] = [Level::Nation, Level::County, Level::Lanskompott];

#[test]
fn catalogue_release_has_the_derived_norms() {
    // 9 indicators with c = 3, one with c = 2, 19 with c = 1: Σc = 48, Σc² = 104.
    let s = make_sensitivity(&person_count_catalogue(), &ALL_LEVELS, PeriodLayout::PerPeriod(1)).unwrap();
    assert_eq!(s.l1, 3.0 * 48.0);
    assert_eq!(s.l2, (3.0f64 * 104.0).sqrt());
    assert_eq!(s.periods_debited, 1);
}

#[test]
fn windows_do_not_multiply_sensitivity_but_debit_every_period() {
    let one = make_sensitivity(&person_count_catalogue(), &ALL_LEVELS, PeriodLayout::PerPeriod(1)).unwrap();
    for layout in [PeriodLayout::PerPeriod(10), PeriodLayout::Summed(10)] {
        let s = make_sensitivity(&person_count_catalogue(), &ALL_LEVELS, layout).unwrap();
        assert_eq!((s.l1, s.l2), (one.l1, one.l2), "{layout:?}");
        assert_eq!(s.periods_debited, 10, "{layout:?}");
    }
    assert_eq!(PeriodLayout::PerPeriod(10).released_periods(), 10);
    assert_eq!(PeriodLayout::Summed(10).released_periods(), 1);
}

#[test]
fn refuses_what_is_not_a_release() {
    let one = [IndicatorBound::new("households_moved_out", 1)];
    assert_eq!(make_sensitivity(&one, &[Level::Nation, Level::Nation], PeriodLayout::PerPeriod(1)), Err(PrivacyError::DuplicateLevel(Level::Nation)));
    assert_eq!(make_sensitivity(&one, &[Level::Nation], PeriodLayout::Summed(0)), Err(PrivacyError::NoPeriods));
    assert_eq!(make_sensitivity(&one, &[], PeriodLayout::PerPeriod(1)), Err(PrivacyError::ZeroSensitivity));
    assert_eq!(make_sensitivity(&[], &[Level::Nation], PeriodLayout::PerPeriod(1)), Err(PrivacyError::ZeroSensitivity));
}

/// The bound is a worst case over real neighbours: one household, sent by a municipality of
/// any county, received by one of any county, its request reaching up to three municipalities
/// (any counties), never moves the vector by more than Δ₁ / Δ₂. Enumerates every placement on a
/// 5-county geography (two with a länskompott, where the household may be a member or not).
#[test]
fn bound_covers_every_single_household_change() {
    let indicators = [IndicatorBound::new("households_moved_out", 1), IndicatorBound::new("requests_sent", 3), IndicatorBound::new("households_received", 1)];
    let s = make_sensitivity(&indicators, &ALL_LEVELS, PeriodLayout::PerPeriod(1)).unwrap();
    // Places: (county 0..5, inside the länskompott?); counties 0 and 1 have one.
    let places: Vec<(usize, bool)> = (0..5).flat_map(|c| if c < 2 { vec![(c, true), (c, false)] } else { vec![(c, false)] }).collect();
    // Vector per indicator: [nation, 5 counties, 2 länskompotter, 2 rests of county].
    let cell_changes = |place: (usize, bool), amount: i64, block: &mut [i64]| {
        block[0] += amount;
        block[1 + place.0] += amount;
        if place.0 < 2 {
            block[if place.1 { 6 } else { 8 } + place.0] += amount;
        }
    };
    let mut worst = (0.0f64, 0.0f64);
    for &sender in &places {
        for &receiver in &places {
            for r1 in &places {
                for r2 in &places {
                    for r3 in &places {
                        let mut v = vec![0i64; 3 * 10];
                        cell_changes(sender, 1, &mut v[0..10]);
                        for r in [r1, r2, r3] {
                            cell_changes(*r, 1, &mut v[10..20]);
                        }
                        cell_changes(receiver, 1, &mut v[20..30]);
                        let l1 = v.iter().map(|d| d.abs() as f64).sum::<f64>();
                        let l2 = v.iter().map(|d| (d * d) as f64).sum::<f64>().sqrt();
                        worst = (worst.0.max(l1), worst.1.max(l2));
                    }
                }
            }
        }
    }
    assert!(worst.0 <= s.l1 && worst.1 <= s.l2 + 1e-12, "worst {worst:?} vs {s:?}");
    // And the bound is attained (all three requests to one länskompott municipality).
    assert_eq!(worst.0, s.l1);
    assert!((worst.1 - s.l2).abs() < 1e-12);
}
