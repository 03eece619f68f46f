use super::*;

fn catalogue() -> Vec<IndicatorBound> {
    vec![IndicatorBound::new("requests_sent", 3), IndicatorBound::new("households_moved_out", 1), IndicatorBound::new("households_received", 1)]
}

fn parse(input: &ReleaseInput) -> Result<ReleaseRequest, Vec<FieldError>> {
    parse_release(input, &catalogue())
}

fn input(pairs: &[(&str, &str)]) -> ReleaseInput {
    let mut input = ReleaseInput { window: WindowInput { period: "2025".into(), ..WindowInput::default() }, rho: "0.5".into(), ..ReleaseInput::default() };
    for (field, value) in pairs {
        let slot = match *field {
            "period" => &mut input.window.period,
            "last_period" => &mut input.window.last_period,
            "layout" => &mut input.window.layout,
            "mechanism" => &mut input.window.mechanism,
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
fn defaults_are_one_period_per_period_gaussian_without_correction() {
    let request = parse(&input(&[])).unwrap();
    assert_eq!(request.window.first.to_string(), "2025");
    assert_eq!(request.window.last, None);
    assert_eq!(request.window.layout, Layout::PerPeriod);
    assert_eq!(request.window.mechanism, Mechanism::DiscreteGaussian);
    assert_eq!(request.rho.get(), 0.5);
    assert_eq!(request.correction, None);
    assert_eq!(request.window.indicators, catalogue());
    assert_eq!(request.window.levels, [Level::Nation, Level::County, Level::Lanskompott]);
}

#[test]
fn indicators_and_levels_can_be_chosen() {
    let request = parse(&input(&[("indicators", "households_received, households_moved_out"), ("levels", "county")])).unwrap();
    let codes: Vec<&str> = request.window.indicators.iter().map(|i| i.code.as_str()).collect();
    assert_eq!(codes, ["households_moved_out", "households_received"], "catalogue order, whatever order they were named in");
    assert_eq!(request.window.levels, [Level::Nation, Level::County], "the nation is always released");
    assert_eq!(fields(parse(&input(&[("indicators", "households_moved_out,grant_sek")]))), vec![("indicators".into(), "unknown_indicator")]);
    assert_eq!(fields(parse(&input(&[("levels", "municipality")]))), vec![("levels".into(), "unknown_choice")]);
    assert_eq!(fields(parse(&input(&[("levels", "nation,lanskompott")]))), vec![("levels".into(), "unknown_choice")]);
}

#[test]
fn every_refused_field_is_named() {
    let refused = parse(&input(&[("period", "20x5"), ("last_period", "2025H3"), ("layout", "sideways"), ("mechanism", "gauss"), ("rho", "-1")]));
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
    assert_eq!(fields(parse(&input(&[("corrects", "abc")]))), vec![("reason".into(), "missing")]);
    assert_eq!(fields(parse(&input(&[("reason", "fel i Gävle")]))), vec![("corrects".into(), "missing")]);
    let long = "x".repeat(MAX_REASON_CHARS + 1);
    assert_eq!(fields(parse(&input(&[("corrects", "abc"), ("reason", &long)]))), vec![("reason".into(), "too_long")]);
    let ok = parse(&input(&[("corrects", " abc "), ("reason", "fel i Gävle"), ("mechanism", "discrete_laplace"), ("layout", "summed"), ("last_period", "2026")])).unwrap();
    assert_eq!(ok.correction, Some(Correction { corrects: "abc".into(), reason: "fel i Gävle".into() }));
    assert_eq!(ok.window.mechanism, Mechanism::DiscreteLaplace);
    assert_eq!(ok.window.layout, Layout::Summed);
    assert_eq!(ok.window.last.map(|p| p.to_string()), Some("2026".into()));
}
