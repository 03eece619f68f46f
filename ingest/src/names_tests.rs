use super::*;

const MUNICIPALITIES_CSV: &str = include_str!("../../migrations/data/municipalities.csv");

/// `(code, name)` for all 290 municipalities; names contain no commas.
fn municipalities() -> Vec<(String, String)> {
    MUNICIPALITIES_CSV
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let mut fields = line.split(',');
            let code = fields.next().unwrap().trim().to_string();
            let name = fields.next().unwrap().trim().to_string();
            (code, name)
        })
        .collect()
}

fn sweden() -> MunicipalityIndex {
    MunicipalityIndex::new(municipalities())
}

fn code_of(name: &str) -> String {
    municipalities().into_iter().find(|(_, candidate)| candidate == name).map(|(code, _)| code).unwrap_or_else(|| panic!("{name} is not in municipalities.csv"))
}

fn index(entries: &[(&str, &str)]) -> MunicipalityIndex {
    MunicipalityIndex::new(entries.iter().map(|(code, name)| (code.to_string(), name.to_string())))
}

#[test]
fn the_list_has_290_municipalities() {
    assert_eq!(municipalities().len(), 290);
    assert_eq!(sweden().len(), 290);
}

#[test]
fn every_municipality_resolves_by_code_name_and_kommun_forms() {
    let index = sweden();
    for (code, name) in municipalities() {
        assert_eq!(index.resolve(&code), Ok(code.clone()), "code {code}");
        assert_eq!(index.resolve(&name), Ok(code.clone()), "{name}");
        assert_eq!(index.resolve(&format!("{name} kommun")), Ok(code.clone()), "{name} kommun");
        let genitive = if name.ends_with(['s', 'x', 'z']) { name.clone() } else { format!("{name}s") };
        assert_eq!(index.resolve(&format!("{genitive} kommun")), Ok(code.clone()), "{genitive} kommun");
    }
}

#[test]
fn no_two_municipalities_share_a_name_or_a_genitive() {
    let index = sweden();
    for (_, name) in municipalities() {
        let as_genitive = format!("{name}s");
        assert!(!matches!(index.resolve(&as_genitive), Err(ResolveError::Ambiguous { .. })), "{as_genitive}");
        assert!(!matches!(index.resolve(&name), Err(ResolveError::Ambiguous { .. })), "{name}");
    }
}

#[test]
fn names_as_national_reports_print_them() {
    let index = sweden();
    let cases = [
        ("Askersunds kommun", "Askersund"),
        ("Malmö stad", "Malmö"),
        ("Tranås Kommun", "Tranås"),
        ("Östra Göinge Kommun", "Östra Göinge"),
        ("Region Gotland", "Gotland"),
        ("Upplands-Bro kommun", "Upplands-Bro"),
        ("Upplands Väsby kommun", "Upplands Väsby"),
        ("Falu kommun", "Falun"),
        ("Gävle kommun", "Gävle"),
        ("Säffle kommun", "Säffle"),
        ("Mora kommun", "Mora"),
        ("Göteborgs Stad", "Göteborg"),
        ("Stockholms stad", "Stockholm"),
        ("Karlstad", "Karlstad"),
        ("Karlstads kommun", "Karlstad"),
        ("  malmö   STAD ", "Malmö"),
        ("Östra\u{a0}Göinge", "Östra Göinge"),
    ];
    for (given, name) in cases {
        assert_eq!(index.resolve(given), Ok(code_of(name)), "{given}");
    }
    // Spot-check the codes themselves against the CSV as read by hand.
    assert_eq!(index.resolve("Askersunds kommun"), Ok("1882".to_string()));
    assert_eq!(index.resolve("Malmö stad"), Ok("1280".to_string()));
    assert_eq!(index.resolve("Region Gotland"), Ok("0980".to_string()));
    assert_eq!(index.resolve("Falu kommun"), Ok("2080".to_string()));
}

#[test]
fn decomposed_swedish_letters_are_composed() {
    // "Malmö" with o + U+0308, as copied from macOS or some PDFs.
    assert_eq!(sweden().resolve("Malmo\u{308} stad"), Ok("1280".to_string()));
}

#[test]
fn code_with_leading_zero_dropped_by_excel() {
    assert_eq!(sweden().resolve("114"), Ok("0114".to_string()));
    assert_eq!(sweden().resolve("999"), Err(ResolveError::Unknown { given: "999".to_string() }));
}

#[test]
fn unknown_code_is_not_tried_as_a_name() {
    assert_eq!(sweden().resolve(" 9999 "), Err(ResolveError::Unknown { given: "9999".to_string() }));
}

#[test]
fn unknown_name_keeps_the_trimmed_text() {
    assert_eq!(sweden().resolve("  Atlantis kommun "), Err(ResolveError::Unknown { given: "Atlantis kommun".to_string() }));
    assert_eq!(sweden().resolve("kommun"), Err(ResolveError::Unknown { given: "kommun".to_string() }));
}

#[test]
fn missing() {
    assert_eq!(sweden().resolve(""), Err(ResolveError::Missing));
    assert_eq!(sweden().resolve(" \u{a0} "), Err(ResolveError::Missing));
}

#[test]
fn same_name_twice_is_ambiguous_with_sorted_codes() {
    let index = index(&[("2001", "Ås"), ("1001", "Ås"), ("3001", "Berg")]);
    let expected = Err(ResolveError::Ambiguous { given: "Ås kommun".to_string(), codes: vec!["1001".to_string(), "2001".to_string()] });
    assert_eq!(index.resolve("Ås kommun"), expected);
    assert_eq!(index.resolve("Berg"), Ok("3001".to_string()));
}

#[test]
fn exact_name_wins_over_genitive() {
    let index = index(&[("1000", "Berg"), ("2000", "Bergs")]);
    assert_eq!(index.resolve("Bergs kommun"), Ok("2000".to_string()));
    assert_eq!(index.resolve("Bergs"), Ok("2000".to_string()));
    assert_eq!(index.resolve("Berg kommun"), Ok("1000".to_string()));
}

#[test]
fn names_can_be_looked_up_by_code() {
    assert_eq!(sweden().name("1280"), Some("Malmö"));
    assert_eq!(sweden().name("9999"), None);
}

#[test]
fn messages_name_the_given_text() {
    let error = ResolveError::Ambiguous { given: "Ås".to_string(), codes: vec!["1001".to_string(), "2001".to_string()] };
    assert_eq!(error.to_string(), "\"Ås\" could be any of the municipalities 1001, 2001");
}
