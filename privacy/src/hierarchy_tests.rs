use super::*;
use crate::design::{make_design, Query};
use crate::sensitivity::IndicatorBound;
use crate::synthetic::synthetic_standard_design;

#[test]
fn sweden_has_21_counties_4_lanskompotter_and_30_areas() {
    let g = Geography::sweden();
    assert_eq!(g.counties.len(), 21);
    let areas = g.areas();
    assert_eq!(areas.len(), 1 + 21 + 8);
    assert_eq!(areas[0].label, "SE");
    assert_eq!(g.areas_of(Level::County).len(), 21);
    let parts: Vec<&str> = g.areas_of(Level::Lanskompott).iter().map(|&a| areas[a].label.as_str()).collect();
    assert_eq!(parts, ["L12", "R12", "L17", "R17", "L19", "R19", "L21", "R21"]);
}

fn assert_well_formed(tree: &Tree) {
    for (v, node) in tree.nodes.iter().enumerate() {
        for part in &node.partitions {
            for &c in part {
                assert!(c > v, "children come after their parent");
                assert_eq!(tree.nodes[c].parent, Some(v));
            }
        }
    }
}

#[test]
fn the_headline_tree_has_periods_and_counties_under_the_window_total() {
    let g = Geography::sweden();
    let d = synthetic_standard_design();
    let i = d.indicator_index("households_moved_out").unwrap();
    let t = make_tree(&g, &d, i, 4).unwrap();
    assert_well_formed(&t);
    // Nation over the window (derived), 4 periods, 21 counties over the window, 4 × (L, R).
    assert_eq!(t.len(), 1 + 4 + 21 + 8);
    assert_eq!(t.nodes[0].measured_by, None);
    assert_eq!(t.nodes[0].partitions.len(), 2);
    assert_eq!(t.nodes[0].partitions[0].len(), 4);
    assert_eq!(t.nodes[0].partitions[1].len(), 21);
    assert!(t.nodes[1..].iter().all(|n| n.measured_by.is_some()));
    // One period: the period and window cells are one, and the nation is measured.
    let one = make_tree(&g, &d, i, 1).unwrap();
    assert_eq!(one.len(), 1 + 21 + 8);
    assert!(one.nodes[0].measured_by.is_some() && one.nodes[0].partitions.len() == 1);
    assert!(matches!(make_tree(&g, &d, i, 0), Err(PrivacyError::NoPeriods)));
    // A detail bin is one national window cell.
    let bin = make_tree(&g, &d, d.indicator_index("time_to_move_3_6m").unwrap(), 4).unwrap();
    assert_eq!(bin.len(), 1);
}

#[test]
fn counties_per_period_sit_under_each_periods_nation() {
    let g = Geography::sweden();
    let q = |level, time| Query { indicators: vec![IndicatorBound::new("households_received", 1)], joint_bound: None, level, time, weight: 1.0 };
    let d =
        make_design("t", vec![q(Level::Nation, TimeLayout::PerPeriod), q(Level::County, TimeLayout::PerPeriod), q(Level::Lanskompott, TimeLayout::PerPeriod)])
            .unwrap();
    let t = make_tree(&g, &d, 0, 3).unwrap();
    assert_well_formed(&t);
    assert_eq!(t.len(), 1 + 3 * (1 + 21 + 8));
    assert_eq!(t.nodes[0].partitions.len(), 1);
    // Query 1 measures 21 × 3 county cells, ordered by area then period.
    let counties = t.measured_by(1);
    assert_eq!(counties.len(), 63);
    assert_eq!((t.nodes[counties[0]].time, t.nodes[counties[1]].time), (TimeCell::Period(0), TimeCell::Period(1)));
    assert!(t.nodes[counties[0]].area < t.nodes[counties[3]].area);
}

#[test]
fn exact_totals_are_checked_and_summed_into_nodes() {
    let g = Geography { counties: vec![CountySpec { code: "01".into(), has_lanskompott: false }, CountySpec { code: "12".into(), has_lanskompott: true }] };
    // areas: SE, 01, 12, L12, R12
    g.check_exact(&[5, 2, 3, 1, 2]).unwrap();
    assert!(matches!(g.check_exact(&[6, 2, 3, 1, 2]), Err(PrivacyError::InconsistentTotals(_))));
    assert!(matches!(g.check_exact(&[5, 2, 3, 4, 2]), Err(PrivacyError::InconsistentTotals(_))));
    assert!(matches!(g.check_exact(&[-1, -1, 0, 0, 0]), Err(PrivacyError::InconsistentTotals(_))));
    assert!(matches!(g.check_exact(&[5, 2, 3]), Err(PrivacyError::ShapeMismatch { .. })));
    let q = |level, time| Query { indicators: vec![IndicatorBound::new("households_received", 1)], joint_bound: None, level, time, weight: 1.0 };
    let d = make_design("t", vec![q(Level::Nation, TimeLayout::PerPeriod), q(Level::County, TimeLayout::Window), q(Level::Lanskompott, TimeLayout::Window)])
        .unwrap();
    let t = make_tree(&g, &d, 0, 2).unwrap();
    let truth = t.truth(&[5, 2, 3, 1, 2, 4, 4, 0, 0, 0], 5);
    // window nation, nation p0, p1, counties over the window, L12 and R12 over the window
    assert_eq!(truth, vec![9, 5, 4, 6, 3, 1, 2]);
}
