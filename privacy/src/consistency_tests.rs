use super::*;
use crate::hierarchy::{make_hierarchy, small_test_hierarchy, Geography, NodeKind};
use crate::sensitivity::Level;
use proptest::prelude::*;

const ALL_LEVELS: [Level; 3] = [Level::Nation, Level::County, Level::Lanskompott];

fn small() -> Hierarchy {
    small_test_hierarchy()
}

fn sweden() -> Hierarchy {
    make_hierarchy(&Geography::sweden(), &ALL_LEVELS).unwrap()
}

/// Weighted least squares by brute force: the leaves are free, every measured node is the sum
/// of the leaves below it; solve the normal equations by Gaussian elimination.
fn brute_force_wls(h: &Hierarchy, y: &[f64], variance: &[f64]) -> Vec<f64> {
    let n = h.len();
    let leaves: Vec<usize> = (0..n).filter(|&v| h.nodes()[v].children.is_empty()).collect();
    let under = |v: usize, leaf: usize| {
        let mut u = Some(leaf);
        while let Some(x) = u {
            if x == v {
                return true;
            }
            u = h.nodes()[x].parent;
        }
        false
    };
    let k = leaves.len();
    let mut a = vec![vec![0.0; k + 1]; k];
    for v in (0..n).filter(|&v| variance[v].is_finite()) {
        let row: Vec<f64> = leaves.iter().map(|&l| if under(v, l) { 1.0 } else { 0.0 }).collect();
        for i in 0..k {
            for j in 0..k {
                a[i][j] += row[i] * row[j] / variance[v];
            }
            a[i][k] += row[i] * y[v] / variance[v];
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
    let leaf_values: Vec<f64> = (0..k).map(|i| a[i][k] / a[i][i]).collect();
    (0..n).map(|v| leaves.iter().zip(&leaf_values).filter(|(l, _)| under(v, **l)).map(|(_, x)| x).sum()).collect()
}

fn is_consistent(h: &Hierarchy, x: &[i64]) -> bool {
    h.nodes().iter().enumerate().all(|(v, n)| n.children.is_empty() || n.children.iter().map(|&c| x[c]).sum::<i64>() == x[v])
}

#[test]
fn flat_tree_has_the_textbook_closed_form() {
    // Nation and k counties, equal variances: x_c = y_c + (y_N − Σ y_c)/(k + 1).
    let h = make_hierarchy(&Geography::sweden(), &[Level::Nation, Level::County]).unwrap();
    let y: Vec<f64> = (0..22).map(|v| ((v * 7) % 5) as f64 - 1.0).collect();
    let x = wls_estimate(&h, &y, &equal_variances(&h));
    let gap = (y[0] - y[1..].iter().sum::<f64>()) / 22.0;
    for c in 1..22 {
        assert!((x[c] - (y[c] + gap)).abs() < 1e-12);
    }
    assert!((x[0] - x[1..].iter().sum::<f64>()).abs() < 1e-9);
}

#[test]
fn an_unmeasured_child_absorbs_its_parents_gap() {
    let h = small();
    // nodes: nation, 01, 03, 12, L12, R12 — here R12 is treated as unmeasured.
    let y = [10.0, 3.0, 2.0, 4.0, 6.0, 0.0];
    let variance = [1.0, 1.0, 1.0, 1.0, 1.0, f64::INFINITY];
    let x = wls_estimate(&h, &y, &variance);
    assert!((x[4] - 6.0).abs() < 1e-12, "nothing else measures the länskompott");
    assert!((x[5] - (x[3] - 6.0)).abs() < 1e-12);
    for (fast, slow) in x.iter().zip(brute_force_wls(&h, &y, &variance)) {
        assert!((fast - slow).abs() < 1e-9);
    }
}

proptest! {
    /// The two-pass closed form is the weighted least-squares solution, also with per-level
    /// variances (budget split across levels).
    #[test]
    fn two_pass_equals_brute_force_least_squares(
        y in proptest::collection::vec(-20i64..40, 6),
        var_nation in 0.5f64..4.0, var_county in 0.5f64..4.0, var_l in 0.5f64..4.0,
    ) {
        let h = small();
        let y: Vec<f64> = y.into_iter().map(|v| v as f64).collect();
        let variance: Vec<f64> = h.nodes().iter().map(|n| match n.kind {
            NodeKind::Nation => var_nation,
            NodeKind::County => var_county,
            NodeKind::Lanskompott | NodeKind::RestOfCounty => var_l,
        }).collect();
        let fast = wls_estimate(&h, &y, &variance);
        let slow = brute_force_wls(&h, &y, &variance);
        for v in 0..h.len() {
            prop_assert!((fast[v] - slow[v]).abs() < 1e-9, "node {v}: {} vs {}", fast[v], slow[v]);
        }
    }

    /// Nation = Σ counties, county = länskompott + rest, all ≥ 0, deterministic.
    #[test]
    fn published_values_are_consistent_non_negative_and_deterministic(y in proptest::collection::vec(-30i64..30, 30)) {
        let h = sweden();
        let all: Vec<f64> = h.scatter(&y).into_iter().map(|v| v as f64).collect();
        let w = wls_estimate(&h, &all, &equal_variances(&h));
        let x = publish_whole(&h, &w, &non_negative(&h));
        prop_assert!(x.iter().all(|v| *v >= 0));
        prop_assert!(is_consistent(&h, &x));
        prop_assert_eq!(x[0], w[0].round().max(0.0) as i64);
        let again = publish_whole(&h, &wls_estimate(&h, &all, &equal_variances(&h)), &non_negative(&h));
        prop_assert_eq!(x, again);
    }

    /// A noisy input that is already consistent, non-negative and whole is published unchanged.
    #[test]
    fn consistent_whole_input_is_unchanged(counties in proptest::collection::vec(0i64..50, 21), share in proptest::collection::vec(0.0f64..=1.0, 4)) {
        let h = sweden();
        let mut all = vec![0i64; h.len()];
        all[1..22].copy_from_slice(&counties);
        all[0] = counties.iter().sum();
        let mut k = 0;
        for v in 1..22 {
            let children = h.nodes()[v].children.clone();
            if let [l, r] = children[..] {
                all[l] = (all[v] as f64 * share[k]).floor() as i64;
                all[r] = all[v] - all[l];
                k += 1;
            }
        }
        let y: Vec<f64> = all.iter().map(|v| *v as f64).collect();
        let x = publish_whole(&h, &wls_estimate(&h, &y, &equal_variances(&h)), &non_negative(&h));
        prop_assert_eq!(x, all);
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
        y in proptest::collection::vec(-10i64..25, 30),
        widths in proptest::collection::vec((0i64..4, 0i64..6), 30),
    ) {
        let h = sweden();
        let all: Vec<f64> = h.scatter(&y).into_iter().map(|v| v as f64).collect();
        let w = wls_estimate(&h, &all, &equal_variances(&h));
        let bounds: Vec<(i64, i64)> = w.iter().zip(&widths).map(|(w, (down, up))| {
            let centre = w.round().max(0.0) as i64;
            ((centre - down).max(0), centre + up)
        }).collect();
        let x = publish_whole(&h, &w, &bounds);
        prop_assert!(x.iter().all(|v| *v >= 0));
        prop_assert!(is_consistent(&h, &x));
        prop_assert!(bounds[0].0 <= x[0] && x[0] <= bounds[0].1);
        for (v, node) in h.nodes().iter().enumerate() {
            let lows: i64 = node.children.iter().map(|&c| bounds[c].0).sum();
            let highs: i64 = node.children.iter().map(|&c| bounds[c].1).sum();
            if !node.children.is_empty() && lows <= x[v] && x[v] <= highs {
                for &c in &node.children {
                    prop_assert!(bounds[c].0 <= x[c] && x[c] <= bounds[c].1, "child {c} = {} outside {:?}", x[c], bounds[c]);
                }
            }
        }
    }
}
