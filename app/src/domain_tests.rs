use super::*;

fn problem_of(raw: &str) -> Problem {
    HouseholdCount::parse("households_moved_out", raw).unwrap_err().problem
}

#[test]
fn household_count_accepts_whole_numbers_in_range() {
    assert_eq!(HouseholdCount::parse("f", "0").unwrap().get(), 0);
    assert_eq!(HouseholdCount::parse("f", " 14 ").unwrap().get(), 14);
    assert_eq!(HouseholdCount::parse("f", "1000").unwrap().get(), 1000);
}

#[test]
fn household_count_names_each_problem() {
    assert_eq!(problem_of(""), Problem::Missing);
    assert_eq!(problem_of("   "), Problem::Missing);
    assert_eq!(problem_of("-1"), Problem::Negative);
    assert_eq!(problem_of("-1.5"), Problem::Negative);
    assert_eq!(problem_of("2.5"), Problem::NotAnInteger);
    assert_eq!(problem_of("tre"), Problem::NotAnInteger);
    assert_eq!(problem_of("1001"), Problem::TooLarge { max: 1000 });
    assert_eq!(problem_of("99999999999999999999"), Problem::NotAnInteger);
    let err = HouseholdCount::parse("households_received", "x").unwrap_err();
    assert_eq!(err.field, "households_received");
}

#[test]
fn year_and_rho_bounds() {
    assert!(ReportingYear::parse("year", "2025").is_ok());
    assert_eq!(ReportingYear::parse("year", "1999").unwrap_err().problem, Problem::OutOfRange { min: 2000, max: 2100 });
    assert_eq!(Rho::parse("rho", "0,25").unwrap().get(), 0.25);
    assert_eq!(Rho::parse("rho", "0").unwrap_err().problem, Problem::NotPositive);
    assert_eq!(Rho::parse("rho", "-0.1").unwrap_err().problem, Problem::NotPositive);
    assert_eq!(Rho::parse("rho", "NaN").unwrap_err().problem, Problem::NotANumber);
    assert_eq!(Rho::parse("rho", "inf").unwrap_err().problem, Problem::NotANumber);
    assert_eq!(Rho::parse("rho", "6").unwrap_err().problem, Problem::TooLarge { max: 5 });
}

#[test]
fn municipality_code_is_four_digits() {
    assert!(MunicipalityCode::parse("m", "2180").is_ok());
    for bad in ["218", "21800", "21a0", ""] {
        assert!(MunicipalityCode::parse("m", bad).is_err(), "{bad} accepted");
    }
}

#[test]
fn periods_are_years_or_half_years() {
    let year = PeriodId::parse("period", "2025").unwrap();
    assert_eq!(year.to_string(), "2025");
    assert_eq!(year.bounds(), ("2025-01-01".into(), "2025-12-31".into()));
    let half = PeriodId::parse("period", " 2025h2 ").unwrap();
    assert_eq!(half.to_string(), "2025H2");
    assert_eq!(half.year().get(), 2025);
    assert_eq!(half.bounds(), ("2025-07-01".into(), "2025-12-31".into()));
    assert_eq!(PeriodId::parse("period", "2025-H1").unwrap().to_string(), "2025H1");
    assert_eq!(PeriodId::parse("period", "").unwrap_err().problem, Problem::Missing);
    assert_eq!(PeriodId::parse("period", "2025H3").unwrap_err().problem, Problem::UnknownPeriod);
    assert_eq!(PeriodId::parse("period", "tjugo").unwrap_err().problem, Problem::UnknownPeriod);
    assert_eq!(PeriodId::parse("period", "1999").unwrap_err().problem, Problem::OutOfRange { min: 2000, max: 2100 });
    assert!(PeriodId::parse("period", "2024").unwrap() < PeriodId::parse("period", "2024H1").unwrap());
}
