use super::*;
use crate::synthetic::{person_count_catalogue, synthetic_totals};

const ALL_LEVELS: [Level; 3] = [Level::Nation, Level::County, Level::Lanskompott];

fn spec(indicators: usize, periods: PeriodLayout) -> ReleaseSpec {
    ReleaseSpec { simulations: 500, ..ReleaseSpec::new(person_count_catalogue()[..indicators].to_vec(), ALL_LEVELS.to_vec(), periods) }
}

fn exact(s: &ReleaseSpec, seed: u64) -> Vec<i64> {
    let g = Geography::sweden();
    let h = make_hierarchy(&g, &s.levels).unwrap();
    synthetic_totals(&h, &g, &s.indicators, s.periods.periods(), 14, seed)
}

#[test]
fn stored_release_is_recomputed_identically() {
    let g = Geography::sweden();
    let s = spec(3, PeriodLayout::PerPeriod(2));
    let r = release(&g, &s, 0.5, &exact(&s, 1)).unwrap();
    assert_eq!(recompute(&r.params, &r.noisy).unwrap(), r.table);
    // Through storage: JSON out and back in.
    let stored_params = serde_json::to_string(&r.params).unwrap();
    let stored_noisy = serde_json::to_string(&r.noisy).unwrap();
    let params: ReleaseParams = serde_json::from_str(&stored_params).unwrap();
    let noisy: Vec<i64> = serde_json::from_str(&stored_noisy).unwrap();
    assert_eq!(params, r.params);
    assert_eq!(recompute(&params, &noisy).unwrap(), r.table);
}

#[test]
fn recompute_refuses_another_engine_and_a_wrong_shape() {
    let g = Geography::sweden();
    let s = spec(1, PeriodLayout::PerPeriod(1));
    let r = release(&g, &s, 0.5, &exact(&s, 2)).unwrap();
    let mut other = r.params.clone();
    other.engine_version = "kompotten-privacy/0.0.0".into();
    assert!(matches!(recompute(&other, &r.noisy), Err(PrivacyError::EngineVersion { .. })));
    assert!(matches!(recompute(&r.params, &r.noisy[1..]), Err(PrivacyError::ShapeMismatch { .. })));
}

#[test]
fn published_table_is_consistent_non_negative_and_inside_its_intervals() {
    let g = Geography::sweden();
    let s = spec(4, PeriodLayout::PerPeriod(3));
    let r = release(&g, &s, 0.05, &exact(&s, 3)).unwrap();
    let h = make_hierarchy(&g, &s.levels).unwrap();
    assert_eq!(r.noisy.len(), 4 * 3 * 30);
    assert_eq!(r.table.cells.len(), 4 * 3 * h.len());
    for block in r.table.cells.chunks(h.len()) {
        for (v, node) in h.nodes().iter().enumerate() {
            let c = block[v];
            assert!(c.value >= 0 && c.low <= c.value && c.value <= c.high, "{c:?}");
            if !node.children.is_empty() {
                assert_eq!(node.children.iter().map(|&k| block[k].value).sum::<i64>(), c.value, "{} is the sum of its parts", node.label);
            }
        }
    }
    // The stated cost: OpenDP's, at most the budget, debited to each of the 3 periods.
    assert!(r.params.mechanism.rho <= 0.05);
    assert_eq!(r.params.sensitivity.periods_debited, 3);
    assert_eq!(r.params.engine_version, ENGINE_VERSION);
}

#[test]
fn summed_window_measures_window_totals_once() {
    let g = Geography::sweden();
    let h = make_hierarchy(&g, &ALL_LEVELS).unwrap();
    let s = spec(2, PeriodLayout::Summed(3));
    let e = exact(&s, 4);
    let v = released_vector(&h, &s, &e).unwrap();
    assert_eq!(v.len(), 2 * 30);
    for i in 0..2 {
        for j in 0..30 {
            assert_eq!(v[i * 30 + j], (0..3).map(|p| e[(i * 3 + p) * 30 + j]).sum::<i64>());
        }
    }
    let r = release(&g, &s, 0.5, &e).unwrap();
    assert_eq!(r.noisy.len(), 2 * 30);
    assert!(r.table.cells.iter().all(|c| c.period == 0));
    assert_eq!(r.params.sensitivity.periods_debited, 3);
}

#[test]
fn refuses_impossible_truths() {
    let g = Geography::sweden();
    let s = spec(1, PeriodLayout::PerPeriod(1));
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
    let s = spec(3, PeriodLayout::PerPeriod(2));
    let e = exact(&s, 6);
    let params = prepare_release(&g, &s, 0.5).unwrap();
    let table = recompute(&params, &e).unwrap();
    let h = make_hierarchy(&g, &s.levels).unwrap();
    let truth: Vec<i64> = e.chunks(h.measured().len()).flat_map(|b| h.complete_exact(b).unwrap()).collect();
    let values: Vec<i64> = table.cells.iter().map(|c| c.value).collect();
    assert_eq!(values, truth);
    assert!(table.cells.iter().all(|c| c.low <= c.value && c.value <= c.high));
}
