use super::*;
use crate::hierarchy::TimeCell;
use crate::synthetic::{synthetic_standard_design, synthetic_totals};

fn spec(periods: usize) -> ReleaseSpec {
    ReleaseSpec { simulations: 500, ..ReleaseSpec::new(synthetic_standard_design(), periods) }
}

fn exact(s: &ReleaseSpec, seed: u64) -> Vec<i64> {
    synthetic_totals(&Geography::sweden(), &s.design.indicators, s.periods, 14, seed)
}

#[test]
fn stored_release_is_recomputed_identically() {
    let g = Geography::sweden();
    let s = spec(2);
    let r = release(&g, &s, 0.5, &exact(&s, 1)).unwrap();
    assert_eq!(recompute(&r.params, &r.noisy).unwrap(), r.table);
    // Through storage: JSON out and back in.
    let params: ReleaseParams = serde_json::from_str(&serde_json::to_string(&r.params).unwrap()).unwrap();
    let noisy: Vec<i64> = serde_json::from_str(&serde_json::to_string(&r.noisy).unwrap()).unwrap();
    assert_eq!(params, r.params);
    assert_eq!(recompute(&params, &noisy).unwrap(), r.table);
}

#[test]
fn recompute_refuses_another_engine_and_a_wrong_shape() {
    let g = Geography::sweden();
    let s = spec(1);
    let r = release(&g, &s, 0.5, &exact(&s, 2)).unwrap();
    let mut other = r.params.clone();
    other.engine_version = "kompotten-privacy/0.0.0".into();
    assert!(matches!(recompute(&other, &r.noisy), Err(PrivacyError::EngineVersion { .. })));
    assert!(matches!(recompute(&r.params, &r.noisy[1..]), Err(PrivacyError::ShapeMismatch { .. })));
    let mut longer = r.noisy.clone();
    longer.push(0);
    assert!(matches!(recompute(&r.params, &longer), Err(PrivacyError::ShapeMismatch { .. })));
}

/// The budget is split by weight, every query's noise costs at most its share, and the
/// composed cost (what the ledger debits) is at most the budget.
#[test]
fn the_budget_is_split_by_weight_and_never_overspent() {
    let g = Geography::sweden();
    let s = spec(4);
    let p = prepare_release(&g, &s, 1.0).unwrap();
    let total = s.design.total_weight();
    for (q, noise) in s.design.queries.iter().zip(&p.noise) {
        let share = q.weight / total;
        assert!(noise.rho <= share, "{q:?}: {} > {share}", noise.rho);
        assert!(noise.rho > share * 0.97, "{q:?}: only a coarse error's widening may leave a share unspent ({} of {share})", noise.rho);
    }
    assert!(p.cost.rho <= 1.0 && p.cost.rho > 0.99, "{:?}", p.cost);
    // The detail figures, each one national cell, are measured repeatedly (fine-grained error).
    let children = s.design.queries.iter().position(|q| q.indicators[0].code == "moved_out_children_0").unwrap();
    assert!(p.noise[children].repeats > 1 && p.noise[0].repeats == 1, "{:?}", p.noise);
    assert_eq!(p.cost.delta, s.delta);
    assert!(p.cost.epsilon > p.cost.rho);
    // The headline: households moved out nationally per year, about ± 3 at ρ = 1.
    let moved_out = s.design.indicator_index("households_moved_out").unwrap();
    let tree = make_tree(&g, &s.design, moved_out, 4).unwrap();
    let calibration = &p.calibrations[p.indicator_calibration[moved_out]];
    let year = tree.nodes.iter().position(|n| n.time == TimeCell::Period(0)).unwrap();
    assert!(calibration.nodes[year].margin() < 3.3, "{:?}", calibration.nodes[year]);
}

#[test]
fn published_table_is_consistent_non_negative_and_inside_its_intervals() {
    let g = Geography::sweden();
    let s = spec(3);
    let r = release(&g, &s, 0.05, &exact(&s, 3)).unwrap();
    let trees = trees(&g, &s).unwrap();
    assert_eq!(r.table.cells.len(), trees.iter().map(Tree::len).sum::<usize>());
    let mut offset = 0;
    for (i, tree) in trees.iter().enumerate() {
        let block = &r.table.cells[offset..offset + tree.len()];
        offset += tree.len();
        for (v, node) in tree.nodes.iter().enumerate() {
            let c = block[v];
            assert_eq!((c.indicator, c.area, c.time, c.measured), (i, node.area, node.time, node.measured_by.is_some()));
            assert!(c.value >= 0 && c.low <= c.value && c.value <= c.high, "{c:?}");
            for part in &node.partitions {
                assert_eq!(part.iter().map(|&k| block[k].value).sum::<i64>(), c.value, "node {v} is the sum of each of its partitions");
            }
        }
    }
    assert_eq!(r.params.engine_version, ENGINE_VERSION);
    assert!(r.params.cost.rho <= 0.05);
}

#[test]
fn refuses_impossible_truths() {
    let g = Geography::sweden();
    let s = spec(1);
    let mut e = exact(&s, 5);
    e[0] += 1; // the nation no longer equals the sum of its counties
    assert!(matches!(release(&g, &s, 0.5, &e), Err(PrivacyError::InconsistentTotals(_))));
    assert!(matches!(release(&g, &s, 0.5, &e[1..]), Err(PrivacyError::ShapeMismatch { .. })));
}

/// Post-processing leaves a noisy vector that is already a possible truth as it is, intervals
/// and all (each value is inside its own interval box).
#[test]
fn a_consistent_whole_noisy_vector_is_published_unchanged() {
    let g = Geography::sweden();
    let s = spec(2);
    let e = exact(&s, 6);
    let params = prepare_release(&g, &s, 0.5).unwrap();
    let trees = trees(&g, &s).unwrap();
    let areas = g.areas().len();
    // What the queries would measure without noise.
    let mut noiseless = Vec::new();
    for (cells, n) in query_cells(&g, &s, &trees).into_iter().zip(&params.noise) {
        for sum in cells {
            noiseless.extend(std::iter::repeat_n(sum.iter().map(|&k| e[k]).sum::<i64>(), n.repeats as usize));
        }
    }
    let table = recompute(&params, &noiseless).unwrap();
    let truth: Vec<i64> = trees.iter().enumerate().flat_map(|(i, t)| t.truth(&e[i * s.periods * areas..(i + 1) * s.periods * areas], areas)).collect();
    assert_eq!(table.cells.iter().map(|c| c.value).collect::<Vec<_>>(), truth);
    assert!(table.cells.iter().all(|c| c.low <= c.value && c.value <= c.high && (c.estimate - c.value as f64).abs() < 1e-9));
}
