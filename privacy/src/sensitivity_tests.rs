use super::*;
use crate::synthetic::person_count_catalogue;

fn bound(code: &str) -> IndicatorBound {
    person_count_catalogue().into_iter().find(|i| i.code == code).unwrap()
}

#[test]
fn one_indicator_moves_its_cells_by_its_own_bound() {
    for (code, c) in [("households_moved_out", 1.0), ("requests_sent", 3.0), ("households_permanent_housing", 2.0)] {
        let s = make_query_sensitivity(&[bound(code)], None).unwrap();
        assert_eq!((s.l1, s.l2), (c, c), "{code}");
    }
}

#[test]
fn independent_indicators_add_their_bounds_and_the_parts_of_a_total_share_one() {
    let all = person_count_catalogue();
    // 9 indicators with c = 3, one with c = 2, 19 with c = 1: Σc = 48, Σc² = 104.
    let s = make_query_sensitivity(&all, None).unwrap();
    assert_eq!(s.l1, 48.0);
    assert!(s.l2 * s.l2 >= 104.0 && s.l2 < 104f64.sqrt() + 1e-12, "Δ₂ = {} rounds up from √104", s.l2);
    let children: Vec<IndicatorBound> = all.iter().filter(|i| i.code.starts_with("moved_out_children_")).cloned().collect();
    let joint = make_query_sensitivity(&children, Some(1)).unwrap();
    assert_eq!((joint.l1, joint.l2), (1.0, 1.0), "one household lies in one children bin");
    let separate = make_query_sensitivity(&children, None).unwrap();
    assert_eq!((separate.l1, separate.l2), (5.0, 5f64.sqrt()));
}

#[test]
fn refuses_a_joint_bound_above_the_parts_and_an_empty_query() {
    let children: Vec<IndicatorBound> = person_count_catalogue().into_iter().filter(|i| i.code.starts_with("moved_out_children_")).collect();
    assert!(matches!(make_query_sensitivity(&children, Some(6)), Err(PrivacyError::InvalidDesign(_))));
    assert!(matches!(make_query_sensitivity(&[], None), Err(PrivacyError::InvalidDesign(_))));
}

/// Δ₂ is a square root: it must round up, never down, as OpenDP's own arithmetic does.
#[test]
fn the_square_root_rounds_up() {
    for x in 0..5_000u64 {
        let s = sqrt_up(x);
        assert!(s.mul_add(s, -(x as f64)) >= 0.0, "sqrt_up({x}) = {s} squares below {x}");
        let below = f64::from_bits(s.to_bits().saturating_sub(1));
        assert!(x == 0 || below.mul_add(below, -(x as f64)) < 0.0, "sqrt_up({x}) = {s} is not the smallest");
    }
}

/// The bound is a worst case over real neighbours: one household, sent by a municipality of
/// any county, received by one of any county, its request reaching up to three municipalities
/// (any counties, inside a länskompott or not), never moves a query's cells by more than Δ₁ /
/// Δ₂, at any level. Enumerates every placement on a 5-county geography (two with a
/// länskompott).
#[test]
fn bound_covers_every_single_household_change() {
    // Places: (county 0..5, inside the länskompott?); counties 0 and 1 have one.
    let places: Vec<(usize, bool)> = (0..5).flat_map(|c| if c < 2 { vec![(c, true), (c, false)] } else { vec![(c, false)] }).collect();
    // Cells of a level: nation [1], counties [5], länskompott level [L0, L1, R0, R1].
    let cell = |level: Level, place: (usize, bool)| -> Option<usize> {
        match level {
            Level::Nation => Some(0),
            Level::County => Some(place.0),
            Level::Lanskompott => (place.0 < 2).then(|| if place.1 { place.0 } else { 2 + place.0 }),
        }
    };
    for level in Level::ALL {
        let s = make_query_sensitivity(&[bound("requests_sent")], None).unwrap();
        let mut worst = (0.0f64, 0.0f64);
        for r1 in &places {
            for r2 in &places {
                for r3 in &places {
                    let mut v = [0i64; 5];
                    for r in [r1, r2, r3] {
                        if let Some(c) = cell(level, *r) {
                            v[c] += 1;
                        }
                    }
                    let l1 = v.iter().map(|d| d.abs() as f64).sum::<f64>();
                    let l2 = v.iter().map(|d| (d * d) as f64).sum::<f64>().sqrt();
                    worst = (worst.0.max(l1), worst.1.max(l2));
                }
            }
        }
        assert!(worst.0 <= s.l1 && worst.1 <= s.l2, "{level:?}: worst {worst:?} vs {s:?}");
        // Attained where all three requests land in one cell (the länskompott level only sees
        // municipalities of counties that have one: then too).
        assert_eq!(worst, (s.l1, s.l2), "{level:?}");
    }
}
