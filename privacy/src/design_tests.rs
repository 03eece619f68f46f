use super::*;
use crate::synthetic::{person_count_catalogue, synthetic_standard_design};

fn query(code: &str, level: Level, time: TimeLayout, weight: f64) -> Query {
    let i = person_count_catalogue().into_iter().find(|i| i.code == code).unwrap();
    Query { indicators: vec![i], joint_bound: None, level, time, weight }
}

#[test]
fn the_standard_design_is_valid_and_splits_by_weight() {
    let d = synthetic_standard_design();
    assert_eq!(d.indicators.len(), 29);
    let moved_out = d.indicator_index("households_moved_out").unwrap();
    let levels = levels_of(&d, moved_out).unwrap();
    assert_eq!(levels, [Some(TimeLayout::PerPeriod), Some(TimeLayout::Window), Some(TimeLayout::Window)]);
    let children = d.indicator_index("moved_out_children_2").unwrap();
    assert_eq!(levels_of(&d, children).unwrap(), [Some(TimeLayout::Window), None, None]);
}

#[test]
fn refuses_designs_that_do_not_form_one_tree() {
    use Level::*;
    use TimeLayout::*;
    let refused = |queries: Vec<Query>, why: &str| {
        let err = make_design("t", queries).unwrap_err();
        assert!(matches!(&err, PrivacyError::InvalidDesign(m) if m.contains(why)), "{err:?} should say {why:?}");
    };
    refused(vec![], "no queries");
    refused(vec![query("households_moved_out", Nation, Window, 0.0)], "weight");
    refused(vec![query("households_moved_out", Nation, Window, f64::NAN)], "weight");
    refused(vec![query("households_moved_out", County, Window, 1.0)], "at the nation");
    refused(vec![query("households_moved_out", Nation, Window, 1.0), query("households_moved_out", Nation, PerPeriod, 1.0)], "twice");
    refused(vec![query("households_moved_out", Nation, Window, 1.0), query("households_moved_out", Lanskompott, Window, 1.0)], "county level too");
    refused(
        vec![
            query("households_moved_out", Nation, PerPeriod, 1.0),
            query("households_moved_out", County, Window, 1.0),
            query("households_moved_out", Lanskompott, PerPeriod, 1.0),
        ],
        "time layout",
    );
    refused(vec![query("households_moved_out", Nation, Window, 1.0), query("households_moved_out", County, PerPeriod, 1.0)], "nation per period");
    let mut other_bound = query("households_moved_out", County, Window, 1.0);
    other_bound.indicators[0].max_per_household = 2;
    refused(vec![query("households_moved_out", Nation, Window, 1.0), other_bound], "two different bounds");
}

#[test]
fn a_filtered_design_keeps_the_weights_of_what_remains() {
    let d = synthetic_standard_design();
    let national = d.filtered(|q| q.level == Level::Nation).unwrap();
    assert!(national.queries.iter().all(|q| q.level == Level::Nation));
    assert_eq!(national.total_weight(), 96.0 - 22.0);
    assert!(d.filtered(|q| q.level == Level::County).is_err(), "counties alone have no national anchor");
}

#[test]
fn keys_name_queries_and_weights_can_change() {
    let d = synthetic_standard_design();
    assert_eq!(d.queries[0].key(), "households_moved_out@nation");
    assert_eq!(d.queries[2].key(), "households_moved_out@county");
    let heavier = d.reweighted(|q| (q.key() == "households_moved_out@county").then_some(16.0)).unwrap();
    assert_eq!(heavier.total_weight(), 96.0 + 8.0);
    let without = d.reweighted(|q| (q.level == Level::Lanskompott).then_some(0.0)).unwrap();
    assert_eq!(without.queries.len(), d.queries.len() - 2);
    assert!(d.reweighted(|q| (q.level == Level::Nation).then_some(0.0)).is_err(), "counties without the nation form no tree");
}
