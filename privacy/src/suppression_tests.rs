use super::*;
use crate::hierarchy::{make_hierarchy, small_test_hierarchy, Geography};
use crate::sensitivity::Level;
use proptest::prelude::*;

fn small() -> Hierarchy {
    small_test_hierarchy()
}

#[test]
fn a_lone_small_county_is_given_away_by_the_national_total() {
    let h = small();
    let values = [20, 3, 10, 7, 7, 0];
    let v = suppression_view(&h, &values);
    assert_eq!(v.primary, vec![1]);
    assert_eq!(v.recoverable, vec![Recovery { hidden: 1, through_total_of: 0, from: vec![0, 2, 3] }]);
    // Hiding the smallest other county (12, value 7) protects it; but county 12 would then be
    // its länskompott plus its rest, so one of those (the rest, 0) must go too.
    assert_eq!(v.complementary, vec![3, 5]);
}

#[test]
fn recovery_propagates_through_nested_totals() {
    let h = small();
    // L12 = 2 is hidden; county 12 = 2 also hidden. The nation gives county 12 away
    // (20 − 8 − 10), and then county 12 minus R12 gives L12 away.
    let values = [20, 8, 10, 2, 2, 0];
    let v = suppression_view(&h, &values);
    assert_eq!(v.primary, vec![3, 4]);
    let hidden: Vec<usize> = v.recoverable.iter().map(|r| r.hidden).collect();
    assert_eq!(hidden, vec![3, 4]);
}

#[test]
fn zeros_and_large_counts_are_not_hidden() {
    let h = small();
    let v = suppression_view(&h, &[30, 0, 15, 15, 5, 10]);
    assert!(v.primary.is_empty() && v.recoverable.is_empty() && v.complementary.is_empty());
}

proptest! {
    /// After complementary suppression no hidden cell can be recovered, and every primary cell
    /// is hidden; a reader solving the equations learns nothing exactly.
    #[test]
    fn complementary_suppression_leaves_nothing_recoverable(counties in proptest::collection::vec(0i64..8, 3), l in 0i64..8) {
        let h = small();
        let l = l.min(counties[2]);
        let values = [counties.iter().sum(), counties[0], counties[1], counties[2], l, counties[2] - l];
        let v = suppression_view(&h, &values);
        let mut hidden = vec![false; h.len()];
        for &c in v.primary.iter().chain(&v.complementary) {
            hidden[c] = true;
        }
        prop_assert!(recoveries(&h, &hidden).is_empty());
        prop_assert!(v.complementary.iter().all(|c| !v.primary.contains(c)));
        for r in &v.recoverable {
            prop_assert!(v.primary.contains(&r.hidden));
        }
    }
}

/// On a published table: one view per (indicator, period) block, computed from the published
/// values (here a table whose published values are a known consistent vector).
#[test]
fn table_view_reads_the_published_values_block_by_block() {
    use crate::release::{prepare_release, recompute, ReleaseSpec};
    use crate::sensitivity::{IndicatorBound, PeriodLayout};
    let g = Geography::sweden();
    let levels = vec![Level::Nation, Level::County, Level::Lanskompott];
    let spec = ReleaseSpec { simulations: 200, ..ReleaseSpec::new(vec![IndicatorBound::new("households_moved_out", 1)], levels.clone(), PeriodLayout::PerPeriod(2)) };
    let h = make_hierarchy(&g, &levels).unwrap();
    let params = prepare_release(&g, &spec, 1.0).unwrap();
    // Period 0: 3 households, all in county 01; period 1: none.
    let mut measured = vec![0i64; 2 * h.measured().len()];
    measured[0] = 3;
    measured[1] = 3;
    let table = recompute(&params, &measured).unwrap();
    let views = table_suppression(&h, &table);
    assert_eq!(views.len(), 2);
    assert_eq!(views[0].primary, vec![0, 1], "nation 3 and county 01 = 3 are 1–4");
    assert!(views[0].recoverable.is_empty(), "both members of 'nation = Σ counties' that are non-zero are hidden");
    assert_eq!(views[1], SuppressionView { primary: vec![], recoverable: vec![], complementary: vec![] });
}
