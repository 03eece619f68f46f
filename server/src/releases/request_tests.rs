use super::*;

fn input(pairs: &[(&str, &str)]) -> ReleaseInput {
    let mut input = ReleaseInput { period: "2025".into(), rho: "0.5".into(), ..ReleaseInput::default() };
    for (field, value) in pairs {
        let slot = match *field {
            "period" => &mut input.period,
            "last_period" => &mut input.last_period,
            "layout" => &mut input.layout,
            "mechanism" => &mut input.mechanism,
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
fn defaults_are_one_period_per_period_gaussian_without_correction() {
    let request = parse_release(&input(&[])).unwrap();
    assert_eq!(request.window.first.to_string(), "2025");
    assert_eq!(request.window.last, None);
    assert_eq!(request.window.layout, Layout::PerPeriod);
    assert_eq!(request.window.mechanism, Mechanism::DiscreteGaussian);
    assert_eq!(request.rho.get(), 0.5);
    assert_eq!(request.correction, None);
}

#[test]
fn every_refused_field_is_named() {
    let refused = parse_release(&input(&[("period", "20x5"), ("last_period", "2025H3"), ("layout", "sideways"), ("mechanism", "gauss"), ("rho", "-1")]));
    assert_eq!(
        fields(refused),
        vec![
            ("period".into(), "unknown_period"),
            ("last_period".into(), "unknown_period"),
            ("layout".into(), "unknown_choice"),
            ("mechanism".into(), "unknown_choice"),
            ("rho".into(), "not_positive"),
        ]
    );
}

#[test]
fn a_correction_needs_both_what_it_corrects_and_why() {
    assert_eq!(fields(parse_release(&input(&[("corrects", "abc")]))), vec![("reason".into(), "missing")]);
    assert_eq!(fields(parse_release(&input(&[("reason", "fel i Gävle")]))), vec![("corrects".into(), "missing")]);
    let long = "x".repeat(MAX_REASON_CHARS + 1);
    assert_eq!(fields(parse_release(&input(&[("corrects", "abc"), ("reason", &long)]))), vec![("reason".into(), "too_long")]);
    let ok = parse_release(&input(&[("corrects", " abc "), ("reason", "fel i Gävle"), ("mechanism", "discrete_laplace"), ("layout", "summed"), ("last_period", "2026")])).unwrap();
    assert_eq!(ok.correction, Some(Correction { corrects: "abc".into(), reason: "fel i Gävle".into() }));
    assert_eq!(ok.window.mechanism, Mechanism::DiscreteLaplace);
    assert_eq!(ok.window.layout, Layout::Summed);
    assert_eq!(ok.window.last.map(|p| p.to_string()), Some("2026".into()));
}
