use super::*;
use crate::design::{make_design, Query};
use crate::hierarchy::{make_tree, CountySpec, Geography};
use crate::sensitivity::{IndicatorBound, Level, TimeLayout};
use proptest::prelude::*;

/// Three counties, the last with a länskompott, one period: nodes 0 nation, 1 "01", 2 "03",
/// 3 "12", 4 länskompott of "12", 5 rest of "12".
fn small() -> Tree {
    tree(TimeLayout::Window, 1)
}

fn tree(nation: TimeLayout, periods: usize) -> Tree {
    let g = Geography {
        counties: vec![
            CountySpec { code: "01".into(), has_lanskompott: false },
            CountySpec { code: "03".into(), has_lanskompott: false },
            CountySpec { code: "12".into(), has_lanskompott: true },
        ],
    };
    let q = |level, time| Query { indicators: vec![IndicatorBound::new("households_moved_out", 1)], joint_bound: None, level, time, weight: 1.0 };
    let d = make_design("t", vec![q(Level::Nation, nation), q(Level::County, TimeLayout::Window), q(Level::Lanskompott, TimeLayout::Window)]).unwrap();
    make_tree(&g, &d, 0, periods).unwrap()
}

#[test]
fn a_lone_small_county_is_given_away_by_the_national_total() {
    let h = small();
    let values = [20, 3, 10, 7, 7, 0];
    let v = suppression_view(&h, &values);
    assert_eq!(v.primary, vec![1]);
    assert_eq!(v.recoverable, vec![Recovery { hidden: 1, through_total_of: 0, partition: 0, from: vec![0, 2, 3] }]);
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

/// With the nation per period and the counties over the window, the window total is the sum of
/// both partitions: a small period is given away by the other period and the counties.
#[test]
fn a_small_period_is_given_away_through_the_window_total() {
    let t = tree(TimeLayout::PerPeriod, 2);
    // nodes: 0 window nation, 1 period 0, 2 period 1, 3–5 counties, 6 L12, 7 R12
    let values = [15, 12, 3, 5, 5, 5, 3, 2];
    let v = suppression_view(&t, &values);
    assert_eq!(v.primary, vec![2, 6, 7]);
    let recovered: Vec<usize> = v.recoverable.iter().map(|r| r.hidden).collect();
    assert!(recovered.contains(&2), "period 1 = window − period 0: {:?}", v.recoverable);
    let mut hidden = vec![false; t.len()];
    for &c in v.primary.iter().chain(&v.complementary) {
        hidden[c] = true;
    }
    assert!(recoveries(&t, &hidden).is_empty());
}
