use super::*;
use kompotten_privacy::sensitivity::TimeLayout;
use kompotten_privacy::synthetic::synthetic_standard_design;

fn parse(input: &ReleaseInput) -> Result<ReleaseRequest, Vec<FieldError>> {
    parse_release(input, &|name| (name == STANDARD).then(synthetic_standard_design))
}

fn input(pairs: &[(&str, &str)]) -> ReleaseInput {
    let mut input = ReleaseInput { window: WindowInput { period: "2025".into(), ..WindowInput::default() }, rho: "0.5".into(), ..ReleaseInput::default() };
    for (field, value) in pairs {
        let slot = match *field {
            "period" => &mut input.window.period,
            "last_period" => &mut input.window.last_period,
            "mechanism" => &mut input.window.mechanism,
            "design" => &mut input.window.design,
            "weights" => &mut input.window.weights,
            "indicators" => &mut input.window.indicators,
            "levels" => &mut input.window.levels,
            "rho" => &mut input.rho,
            "corrects" => &mut input.corrects,
            "reason" => &mut input.reason,
            other => panic!("no field {other}"),
        };
        *slot = (*value).to_owned();
    }
    input
}

fn fields(result: Result<ReleaseRequest, Vec<FieldError>>) -> Vec<(String, &'static str)> {
    result.expect_err("refused").into_iter().map(|e| (e.field, e.problem.code())).collect()
}

#[test]
fn defaults_are_one_period_the_standard_design_gaussian_without_correction() {
    let request = parse(&input(&[])).unwrap();
    assert_eq!(request.window.first.to_string(), "2025");
    assert_eq!(request.window.last, None);
    assert_eq!(request.window.mechanism, Mechanism::DiscreteGaussian);
    assert_eq!(request.rho.get(), 0.5);
    assert_eq!(request.correction, None);
    assert_eq!(request.window.design, synthetic_standard_design());
}

#[test]
fn weights_indicators_and_levels_shape_the_design() {
    let request = parse(&input(&[("weights", "households_moved_out@county=16, households_received@lanskompott=0")])).unwrap();
    let d = &request.window.design;
    assert_eq!(d.queries.iter().find(|q| q.key() == "households_moved_out@county").unwrap().weight, 16.0);
    assert!(d.queries.iter().all(|q| q.key() != "households_received@lanskompott"), "weight 0 leaves the query out");
    let national = parse(&input(&[("levels", "nation")])).unwrap();
    assert!(national.window.design.queries.iter().all(|q| q.level == Level::Nation));
    let moved_out = parse(&input(&[("indicators", "households_moved_out")])).unwrap();
    assert_eq!(moved_out.window.design.queries.len(), 3);
    assert_eq!(moved_out.window.design.queries[0].time, TimeLayout::PerPeriod);
    assert_eq!(fields(parse(&input(&[("indicators", "households_moved_out,grant_used_sek")]))), vec![("indicators".into(), "unknown_indicator")]);
    assert_eq!(fields(parse(&input(&[("levels", "municipality")]))), vec![("levels".into(), "unknown_choice")]);
    assert_eq!(fields(parse(&input(&[("levels", "county")]))), vec![("levels".into(), "incomplete_design")]);
    assert_eq!(fields(parse(&input(&[("weights", "households_moved_out@nation=0")]))), vec![("weights".into(), "incomplete_design")]);
    assert_eq!(fields(parse(&input(&[("weights", "nobody@nation=1")]))), vec![("weights".into(), "unknown_choice")]);
    assert_eq!(fields(parse(&input(&[("weights", "households_moved_out@county=-1")]))), vec![("weights".into(), "negative")]);
    assert_eq!(fields(parse(&input(&[("weights", "households_moved_out@county")]))), vec![("weights".into(), "not_a_number")]);
}

#[test]
fn every_refused_field_is_named() {
    let refused = parse(&input(&[("period", "20x5"), ("last_period", "2025H3"), ("design", "fancy"), ("mechanism", "gauss"), ("rho", "-1")]));
    assert_eq!(
        fields(refused),
        vec![
            ("period".into(), "unknown_period"),
            ("last_period".into(), "unknown_period"),
            ("mechanism".into(), "unknown_choice"),
            ("design".into(), "unknown_choice"),
            ("rho".into(), "not_positive"),
        ]
    );
}

#[test]
fn a_correction_needs_both_what_it_corrects_and_why() {
    assert_eq!(fields(parse(&input(&[("corrects", "abc")]))), vec![("reason".into(), "missing")]);
    assert_eq!(fields(parse(&input(&[("reason", "fel i Gävle")]))), vec![("corrects".into(), "missing")]);
    let long = "x".repeat(MAX_REASON_CHARS + 1);
    assert_eq!(fields(parse(&input(&[("corrects", "abc"), ("reason", &long)]))), vec![("reason".into(), "too_long")]);
    let ok = parse(&input(&[("corrects", " abc "), ("reason", "fel i Gävle"), ("mechanism", "discrete_laplace"), ("last_period", "2026")])).unwrap();
    assert_eq!(ok.correction, Some(Correction { corrects: "abc".into(), reason: "fel i Gävle".into() }));
    assert_eq!(ok.window.mechanism, Mechanism::DiscreteLaplace);
    assert_eq!(ok.window.last.map(|p| p.to_string()), Some("2026".into()));
}
