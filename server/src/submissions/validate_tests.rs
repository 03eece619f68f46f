use super::*;
use kompotten_app::model::Intent;

/// The real catalogue, from the real migrations in a fresh SQLite file.
fn catalogue() -> IndexedCatalogue {
    static CATALOGUE: std::sync::OnceLock<IndexedCatalogue> = std::sync::OnceLock::new();
    CATALOGUE
        .get_or_init(|| {
            tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
                let dir = std::env::temp_dir().join(format!("kompotten-catalogue-{}", uuid::Uuid::new_v4()));
                let url = format!("sqlite://{}/c.sqlite", dir.display());
                let (pool, _) = crate::db::connect_and_migrate(&url, crate::db::InstanceKind::Real).await.unwrap();
                let catalogue = crate::catalogue::load(&pool).await.unwrap();
                pool.close().await;
                let _ = std::fs::remove_dir_all(dir);
                catalogue
            })
        })
        .clone()
}

const BOTH: Scope = Scope { network_member: true, grant_recipient: true };
const MEMBER: Scope = Scope { network_member: true, grant_recipient: false };

/// A complete report that keeps every rule: zeros, "nej", scale 3.
fn complete(catalogue: &IndexedCatalogue, scope: Scope) -> BTreeMap<String, String> {
    catalogue
        .catalogue
        .indicators()
        .filter(|(g, _)| scope.covers(g.reported_by))
        .map(|(_, d)| {
            let text = match d.value_type {
                ValueType::YesNo => "nej",
                ValueType::Scale1To5 => "3",
                _ => "0",
            };
            (d.code.clone(), text.to_owned())
        })
        .collect()
}

fn problems(result: Result<Values, Vec<FieldError>>) -> Vec<(String, Problem)> {
    result.unwrap_err().into_iter().map(|e| (e.field, e.problem)).collect()
}

#[test]
fn the_catalogue_covers_the_design() {
    let c = catalogue();
    assert_eq!(c.catalogue.groups.len(), 11);
    assert_eq!(c.catalogue.indicators().count(), 48);
    assert_eq!(c.catalogue.rules.len(), 9);
    for (_, d) in c.catalogue.indicators() {
        assert!(!d.label.sv.is_empty() && !d.label.en.is_empty() && !d.help.sv.is_empty(), "{} lacks texts", d.code);
        assert_eq!(d.max_per_household.is_some(), d.kind == kompotten_app::model::IndicatorKind::PersonCount, "{}", d.code);
    }
    assert_eq!(c.get("requests_sent").unwrap().1.max_per_household, Some(3), "a request may go to up to three municipalities");
    assert_eq!(c.get("households_moved_out").unwrap().1.max_per_household, Some(1));
}

#[test]
fn a_complete_report_passes_and_reads_back_typed() {
    let c = catalogue();
    let mut raw = complete(&c, BOTH);
    raw.insert("grant_applied_sek".into(), "1 836 000".into());
    raw.insert("grant_granted_sek".into(), "1 000 000,50".into());
    raw.insert("grant_used_sek".into(), "999 999".into());
    raw.insert("activity_collaboration".into(), "Ja".into());
    raw.insert("assessment_strengthened_work".into(), "vet ej".into());
    let values = validate(&c, BOTH, &raw, Intent::Submit).unwrap();
    assert_eq!(values.len(), 48);
    assert_eq!(values["grant_applied_sek"], Some(183_600_000));
    assert_eq!(values["grant_granted_sek"], Some(100_000_050));
    assert_eq!(values["activity_collaboration"], Some(1));
    assert_eq!(values["activity_other"], Some(0));
    assert_eq!(values["assessment_strengthened_work"], None, "no answer is stored as null");
    assert_eq!(values["assessment_more_victims_helped"], Some(3));
}

#[test]
fn each_type_names_its_problem() {
    let c = catalogue();
    for (code, text, problem) in [
        ("households_moved_out", "-1", Problem::Negative),
        ("households_moved_out", "2,5", Problem::NotAnInteger),
        ("households_moved_out", "1001", Problem::TooLarge { max: 1000 }),
        ("requests_sent", "3001", Problem::TooLarge { max: 3000 }),
        ("activity_collaboration", "kanske", Problem::NotYesNo),
        ("assessment_strengthened_work", "6", Problem::NotOnScale),
        ("assessment_strengthened_work", "0", Problem::NotOnScale),
        ("grant_used_sek", "tio", Problem::NotAnAmount),
        ("grant_used_sek", "-5", Problem::Negative),
        ("grant_used_sek", "5,555", Problem::TooManyDecimals),
        ("grant_used_sek", "100 000 001", Problem::TooLarge { max: 100_000_000 }),
    ] {
        let raw = BTreeMap::from([(code.to_owned(), text.to_owned())]);
        let got = problems(validate(&c, BOTH, &raw, Intent::Draft));
        assert_eq!(got, vec![(code.to_owned(), problem.clone())], "{code} = {text:?}");
    }
}

#[test]
fn drafts_may_be_incomplete_but_submissions_may_not() {
    let c = catalogue();
    let raw = BTreeMap::from([("households_moved_out".to_owned(), "2".to_owned())]);
    assert_eq!(validate(&c, MEMBER, &raw, Intent::Draft).unwrap().len(), 1);
    let missing = problems(validate(&c, MEMBER, &raw, Intent::Submit));
    assert_eq!(missing.len(), 23, "every other network field is named");
    assert!(missing.iter().all(|(_, p)| *p == Problem::Missing));
    assert!(!missing.iter().any(|(f, _)| f.starts_with("grant_")), "grant fields are not asked of a non-recipient");
}

#[test]
fn fields_outside_the_scope_and_unknown_codes_are_refused() {
    let c = catalogue();
    let mut raw = complete(&c, MEMBER);
    raw.insert("grant_used_sek".into(), "5".into());
    raw.insert("households_teleported".into(), "1".into());
    let got = problems(validate(&c, MEMBER, &raw, Intent::Submit));
    assert_eq!(got, vec![("grant_used_sek".to_owned(), Problem::NotApplicable), ("households_teleported".to_owned(), Problem::UnknownIndicator)]);
}

#[test]
fn every_rule_is_enforced_on_submit_and_named() {
    let c = catalogue();
    for rule in &c.catalogue.rules {
        let mut raw = complete(&c, BOTH);
        // Left side one above a right side of zero breaks both ≤ and =.
        raw.insert(rule.lhs[0].clone(), "1".into());
        let got = validate(&c, BOTH, &raw, Intent::Submit).unwrap_err();
        assert!(
            got.iter().any(|e| matches!(&e.problem, Problem::RuleViolated { rule: r, explanation } if *r == rule.code && !explanation.sv.is_empty())),
            "rule {} not reported: {got:?}",
            rule.code
        );
        assert!(got.iter().all(|e| e.label.is_some()), "rule errors carry the field label");
        // A draft with the same values is saved: rules wait for the submission.
        assert!(validate(&c, BOTH, &raw, Intent::Draft).is_ok());
    }
}

#[test]
fn rules_accept_what_they_should() {
    let c = catalogue();
    let mut raw = complete(&c, MEMBER);
    for (code, v) in [
        ("households_moved_out", "3"),
        ("moved_out_children_0", "1"),
        ("moved_out_children_4plus", "2"),
        ("moved_out_context_honour", "3"),
        ("requests_received", "5"),
        ("requests_accepted", "2"),
        ("requests_declined", "2"),
        ("declined_other", "2"),
        ("decisions_within_14_days", "4"),
    ] {
        raw.insert(code.into(), v.into());
    }
    assert!(validate(&c, MEMBER, &raw, Intent::Submit).is_ok());
    raw.insert("decisions_within_14_days".into(), "5".into());
    let got = problems(validate(&c, MEMBER, &raw, Intent::Submit));
    assert!(matches!(&got[..], [(f, Problem::RuleViolated { rule, .. })] if f == "decisions_within_14_days" && rule == "deadline_within_decisions"), "{got:?}");
}
