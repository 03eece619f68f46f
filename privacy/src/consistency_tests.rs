use super::*;
use crate::design::{make_design, Query, ReleaseDesign};
use crate::hierarchy::{make_tree, CountySpec, Geography, NodeKind, TimeCell};
use crate::sensitivity::{IndicatorBound, Level, TimeLayout};
use proptest::prelude::*;

/// Three counties, the last with a länskompott: areas SE, 01, 03, 12, L12, R12.
fn small_geography() -> Geography {
    Geography {
        counties: vec![
            CountySpec { code: "01".into(), has_lanskompott: false },
            CountySpec { code: "03".into(), has_lanskompott: false },
            CountySpec { code: "12".into(), has_lanskompott: true },
        ],
    }
}

/// One indicator at every level, with the given time layouts.
fn design(nation: TimeLayout, counties: TimeLayout) -> ReleaseDesign {
    let q = |level, time| Query { indicators: vec![IndicatorBound::new("households_moved_out", 1)], joint_bound: None, level, time, weight: 1.0 };
    make_design("t", vec![q(Level::Nation, nation), q(Level::County, counties), q(Level::Lanskompott, counties)]).unwrap()
}

/// The shapes the engine builds: the standard headline shape, everything per period, and
/// everything as window totals.
fn shapes() -> Vec<Tree> {
    use TimeLayout::*;
    [(PerPeriod, Window), (PerPeriod, PerPeriod), (Window, Window)]
        .into_iter()
        .map(|(n, c)| make_tree(&small_geography(), &design(n, c), 0, 3).unwrap())
        .collect()
}

fn sweden_headline(periods: usize) -> Tree {
    make_tree(&Geography::sweden(), &design(TimeLayout::PerPeriod, TimeLayout::Window), 0, periods).unwrap()
}

/// Weighted least squares by brute force over the finest cells (each county without a
/// länskompott, each länskompott and rest, in each period): every node is the sum of the cells
/// in its area and time. Solved by the normal equations with a vanishing ridge, since the
/// finest cells need not be identifiable one by one (the nodes' values are).
fn brute_force_wls(tree: &Tree, geography: &Geography, y: &[f64], variance: &[f64]) -> Vec<f64> {
    let areas = geography.areas();
    let leaves: Vec<usize> = (0..areas.len())
        .filter(|&a| match areas[a].kind {
            NodeKind::County => !geography.counties[a - 1].has_lanskompott,
            NodeKind::Lanskompott | NodeKind::RestOfCounty => true,
            NodeKind::Nation => false,
        })
        .collect();
    let county_of = |leaf: usize| match areas[leaf].kind {
        NodeKind::County => leaf,
        _ => 1 + geography.counties.iter().position(|c| areas[leaf].label[1..] == c.code).unwrap(),
    };
    let units: Vec<(usize, usize)> = (0..tree.periods).flat_map(|p| leaves.iter().map(move |&a| (a, p))).collect();
    let row = |v: usize| -> Vec<f64> {
        let node = &tree.nodes[v];
        units
            .iter()
            .map(|&(a, p)| {
                let in_area = match node.kind {
                    NodeKind::Nation => true,
                    NodeKind::County => county_of(a) == node.area,
                    _ => a == node.area,
                };
                let in_time = matches!(node.time, TimeCell::Window) || node.time == TimeCell::Period(p);
                if in_area && in_time {
                    1.0
                } else {
                    0.0
                }
            })
            .collect()
    };
    let k = units.len();
    let mut a = vec![vec![0.0; k + 1]; k];
    for (i, r) in a.iter_mut().enumerate() {
        r[i] = 1e-10;
    }
    for v in (0..tree.len()).filter(|&v| variance[v].is_finite()) {
        let r = row(v);
        for i in 0..k {
            for j in 0..k {
                a[i][j] += r[i] * r[j] / variance[v];
            }
            a[i][k] += r[i] * y[v] / variance[v];
        }
    }
    for col in 0..k {
        let pivot = (col..k).max_by(|&p, &q| a[p][col].abs().total_cmp(&a[q][col].abs())).unwrap();
        a.swap(col, pivot);
        let pivot_row = a[col].clone();
        for (r, row) in a.iter_mut().enumerate() {
            if r != col {
                let f = row[col] / pivot_row[col];
                for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                    *x -= f * p;
                }
            }
        }
    }
    let u: Vec<f64> = (0..k).map(|i| a[i][k] / a[i][i]).collect();
    (0..tree.len()).map(|v| row(v).iter().zip(&u).map(|(r, x)| r * x).sum()).collect()
}

fn is_consistent(tree: &Tree, x: &[i64]) -> bool {
    tree.nodes.iter().enumerate().all(|(v, n)| n.partitions.iter().all(|part| part.iter().map(|&c| x[c]).sum::<i64>() == x[v]))
}

fn variances(tree: &Tree, by_kind: [f64; 3]) -> Vec<f64> {
    tree.nodes
        .iter()
        .map(|n| match (n.measured_by, n.kind) {
            (None, _) => f64::INFINITY,
            (Some(_), NodeKind::Nation) => by_kind[0],
            (Some(_), NodeKind::County) => by_kind[1],
            (Some(_), _) => by_kind[2],
        })
        .collect()
}

#[test]
fn flat_tree_has_the_textbook_closed_form() {
    // Nation and k counties, equal variances: x_c = y_c + (y_N − Σ y_c)/(k + 1).
    let q = |level| Query { indicators: vec![IndicatorBound::new("households_moved_out", 1)], joint_bound: None, level, time: TimeLayout::Window, weight: 1.0 };
    let tree = make_tree(&Geography::sweden(), &make_design("t", vec![q(Level::Nation), q(Level::County)]).unwrap(), 0, 1).unwrap();
    let y: Vec<f64> = (0..22).map(|v| ((v * 7) % 5) as f64 - 1.0).collect();
    let x = wls_estimate(&tree, &y, &vec![1.0; 22]);
    let gap = (y[0] - y[1..].iter().sum::<f64>()) / 22.0;
    for c in 1..22 {
        assert!((x[c] - (y[c] + gap)).abs() < 1e-12);
    }
    assert!((x[0] - x[1..].iter().sum::<f64>()).abs() < 1e-9);
}

#[test]
fn two_partitions_share_the_window_total() {
    // Nation per period (2 periods) and counties over the window, no länskompott level: the
    // window total is estimated from both partitions, each partition then sums to it.
    let tree = sweden_headline(2);
    let mut y = vec![0.0; tree.len()];
    y[1] = 10.0;
    y[2] = 6.0;
    let x = wls_estimate(&tree, &y, &variances(&tree, [1.0, 4.0, 4.0]));
    let periods = x[1] + x[2];
    let counties: f64 = tree.nodes[0].partitions[1].iter().map(|&c| x[c]).sum();
    assert!((x[0] - periods).abs() < 1e-9 && (x[0] - counties).abs() < 1e-9);
    // The periods (variance 1 each, 2 in all) outweigh the counties (21 × 4 = 84, reduced a
    // little by the länskompotter): the window total stays close to 16.
    assert!(x[0] > 15.0 && x[0] < 16.0, "{}", x[0]);
}

proptest! {
    /// The two-pass closed form is the weighted least-squares solution, for every shape the
    /// engine builds and per-level variances (budget split across queries).
    #[test]
    fn two_pass_equals_brute_force_least_squares(
        y in proptest::collection::vec(-20i64..40, 40),
        var_nation in 0.5f64..4.0, var_county in 0.5f64..4.0, var_l in 0.5f64..4.0,
    ) {
        for tree in shapes() {
            let y: Vec<f64> = y.iter().take(tree.len()).map(|v| *v as f64).collect();
            let variance = variances(&tree, [var_nation, var_county, var_l]);
            let fast = wls_estimate(&tree, &y, &variance);
            let slow = brute_force_wls(&tree, &small_geography(), &y, &variance);
            for v in 0..tree.len() {
                prop_assert!((fast[v] - slow[v]).abs() < 1e-6, "node {v}: {} vs {}", fast[v], slow[v]);
            }
        }
    }

    /// Every partition sums to its node, all ≥ 0, the root is its rounded estimate, deterministic.
    #[test]
    fn published_values_are_consistent_non_negative_and_deterministic(y in proptest::collection::vec(-30i64..30, 34)) {
        let tree = sweden_headline(4);
        let y: Vec<f64> = y.iter().map(|v| *v as f64).collect();
        let variance = variances(&tree, [1.0, 3.0, 5.0]);
        let w = wls_estimate(&tree, &y, &variance);
        let x = publish_whole(&tree, &w, &non_negative(&tree));
        prop_assert!(x.iter().all(|v| *v >= 0));
        prop_assert!(is_consistent(&tree, &x));
        prop_assert_eq!(x[0], w[0].round().max(0.0) as i64);
        prop_assert_eq!(&x, &publish_whole(&tree, &wls_estimate(&tree, &y, &variance), &non_negative(&tree)));
    }

    /// A noisy input that is already consistent, non-negative and whole is published unchanged.
    #[test]
    fn consistent_whole_input_is_unchanged(cells in proptest::collection::vec(0i64..20, 12)) {
        // Units: 01, 03, L12, R12 in each of three periods.
        let geography = small_geography();
        for tree in shapes() {
            let mut exact = Vec::new();
            for p in 0..3 {
                let u = &cells[4 * p..4 * p + 4];
                exact.extend([u.iter().sum(), u[0], u[1], u[2] + u[3], u[2], u[3]]);
            }
            let truth = tree.truth(&exact, geography.areas().len());
            let y: Vec<f64> = truth.iter().map(|v| *v as f64).collect();
            let x = publish_whole(&tree, &wls_estimate(&tree, &y, &variances(&tree, [1.0, 2.0, 3.0])), &non_negative(&tree));
            prop_assert_eq!(x, truth);
        }
    }

    /// The projection is feasible and optimal (KKT: positives share one shift τ, zeros are ≤ τ).
    #[test]
    fn simplex_projection_is_the_closest_feasible_point(t in proptest::collection::vec(-10.0f64..10.0, 1..12), total in 0.0f64..30.0) {
        let x = project_to_simplex(&t, total);
        prop_assert!(x.iter().all(|v| *v >= 0.0));
        prop_assert!((x.iter().sum::<f64>() - total).abs() < 1e-9);
        if total > 0.0 {
            let shifts: Vec<f64> = t.iter().zip(&x).filter(|(_, x)| **x > 0.0).map(|(t, x)| t - x).collect();
            let tau = shifts[0];
            prop_assert!(shifts.iter().all(|s| (s - tau).abs() < 1e-9));
            prop_assert!(t.iter().zip(&x).filter(|(_, x)| **x == 0.0).all(|(t, _)| *t <= tau + 1e-9));
        }
    }

    /// Controlled rounding: whole, exact total, each value the floor or ceiling of its share.
    #[test]
    fn rounding_keeps_the_total_and_stays_within_one(raw in proptest::collection::vec(0.0f64..20.0, 1..12), total in 0i64..100) {
        let shares = project_to_simplex(&raw, total as f64);
        let r = round_to_total(&shares, total, &vec![(0, i64::MAX); shares.len()]);
        prop_assert_eq!(r.iter().sum::<i64>(), total);
        for (s, v) in shares.iter().zip(&r) {
            prop_assert!((*v as f64 - s).abs() < 1.0 + 1e-9, "{v} from {s}");
        }
    }
}

proptest! {
    /// With only non-negativity as boxes, the bisection projection is the simplex projection.
    #[test]
    fn box_projection_without_boxes_is_the_simplex_projection(t in proptest::collection::vec(-10.0f64..10.0, 1..22), total in 0i64..30) {
        let boxed = project_to_boxes(&t, total, &vec![(0, i64::MAX); t.len()]);
        let simplex = project_to_simplex(&t, total as f64);
        for (a, b) in boxed.iter().zip(&simplex) {
            prop_assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
    }

    /// Boxes are respected wherever a parent's value can be split among its children's boxes,
    /// and the result stays consistent, non-negative and whole in every case.
    #[test]
    fn published_values_stay_in_their_boxes_when_possible(
        y in proptest::collection::vec(-10i64..25, 34),
        widths in proptest::collection::vec((0i64..4, 0i64..6), 34),
    ) {
        let tree = sweden_headline(4);
        let y: Vec<f64> = y.iter().map(|v| *v as f64).collect();
        let w = wls_estimate(&tree, &y, &variances(&tree, [1.0, 3.0, 5.0]));
        let bounds: Vec<(i64, i64)> = w.iter().zip(&widths).map(|(w, (down, up))| {
            let centre = w.round().max(0.0) as i64;
            ((centre - down).max(0), centre + up)
        }).collect();
        let x = publish_whole(&tree, &w, &bounds);
        prop_assert!(x.iter().all(|v| *v >= 0));
        prop_assert!(is_consistent(&tree, &x));
        prop_assert!(bounds[0].0 <= x[0] && x[0] <= bounds[0].1);
        for (v, node) in tree.nodes.iter().enumerate() {
            for part in &node.partitions {
                let lows: i64 = part.iter().map(|&c| bounds[c].0).sum();
                let highs: i64 = part.iter().map(|&c| bounds[c].1).sum();
                if lows <= x[v] && x[v] <= highs && part.iter().all(|&c| tree.nodes[c].partitions.is_empty()) {
                    for &c in part {
                        prop_assert!(bounds[c].0 <= x[c] && x[c] <= bounds[c].1, "child {c} = {} outside {:?}", x[c], bounds[c]);
                    }
                }
            }
        }
    }
}
