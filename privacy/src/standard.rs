//! The standard release design ("standard"): what the network's figures need at its real size
//! (about 14 households a year), for a budget of ρ = 1 per year.
//!
//! * Households moved out and households received, nationally, every period: 44 of 96 parts of
//!   the budget, about ± 3 households at 95% for a year at ρ = 1.
//! * The same two per county and per länskompott, as totals over the window: 22 parts. A
//!   county's households over several years are few enough that one year alone would be
//!   mostly noise.
//! * Detail, nationally over the window only: the households by number of children, by
//!   violence context and by time to move-in (each group the parts of one total, released
//!   together at that total's bound), the requests and their decline reasons, and the grant
//!   recipients' households into permanent housing: 30 parts.
//!
//! The design names catalogue codes; bounds and joint bounds come from the catalogue, through
//! [`standard_design`]'s arguments, never from here.

use crate::design::{make_design, Query, ReleaseDesign};
use crate::error::PrivacyError;
use crate::sensitivity::{IndicatorBound, Level, TimeLayout};

/// The design's stored name.
pub const STANDARD: &str = "standard";

/// One query of a design as written: catalogue codes, level, time layout, weight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QueryTemplate {
    pub indicators: &'static [&'static str],
    pub level: Level,
    pub time: TimeLayout,
    pub weight: f64,
}

const fn q(indicators: &'static [&'static str], level: Level, time: TimeLayout, weight: f64) -> QueryTemplate {
    QueryTemplate { indicators, level, time, weight }
}

use Level::{County, Lanskompott, Nation};
use TimeLayout::{PerPeriod, Window};

const MOVED_OUT: &[&str] = &["households_moved_out"];
const RECEIVED: &[&str] = &["households_received"];

/// The standard design's queries.
pub const STANDARD_QUERIES: [QueryTemplate; 17] = [
    q(MOVED_OUT, Nation, PerPeriod, 22.0),
    q(RECEIVED, Nation, PerPeriod, 22.0),
    q(MOVED_OUT, County, Window, 8.0),
    q(RECEIVED, County, Window, 8.0),
    q(MOVED_OUT, Lanskompott, Window, 3.0),
    q(RECEIVED, Lanskompott, Window, 3.0),
    q(&["moved_out_children_0", "moved_out_children_1", "moved_out_children_2", "moved_out_children_3", "moved_out_children_4plus"], Nation, Window, 6.0),
    q(&["moved_out_context_close_relationship", "moved_out_context_honour", "moved_out_context_other"], Nation, Window, 4.0),
    q(&["time_to_move_under_1m", "time_to_move_1_3m", "time_to_move_3_6m", "time_to_move_6_12m", "time_to_move_over_12m"], Nation, Window, 4.0),
    q(&["requests_sent"], Nation, Window, 3.0),
    q(&["requests_received"], Nation, Window, 3.0),
    q(&["requests_accepted"], Nation, Window, 1.0),
    q(&["requests_declined"], Nation, Window, 1.0),
    q(&["decisions_within_14_days"], Nation, Window, 1.0),
    q(&["declined_housing_shortage", "declined_support_needs", "declined_risk_assessment", "declined_other"], Nation, Window, 2.0),
    q(&["households_permanent_housing"], Nation, Window, 3.0),
    q(&["permanent_first_hand_lease", "permanent_social_contract", "permanent_priority", "permanent_other_municipality"], Nation, Window, 2.0),
];

/// Builds a design from templates: `bound(code)` is the catalogue's `max_per_household`, and
/// `joint(codes)` the bound of the codes together when the catalogue makes them the parts of
/// one total (an `eq` rule), else `None`. Refuses a code the catalogue does not bound.
pub fn design_from(
    name: &str,
    templates: &[QueryTemplate],
    bound: impl Fn(&str) -> Option<u32>,
    joint: impl Fn(&[&str]) -> Option<u32>,
) -> Result<ReleaseDesign, PrivacyError> {
    let queries = templates
        .iter()
        .map(|t| {
            let indicators = t
                .indicators
                .iter()
                .map(|code| {
                    bound(code)
                        .map(|c| IndicatorBound::new(*code, c))
                        .ok_or_else(|| PrivacyError::InvalidDesign(format!("{code} is not a person count of the catalogue")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let joint_bound = if t.indicators.len() > 1 { joint(t.indicators) } else { None };
            Ok(Query { indicators, joint_bound, level: t.level, time: t.time, weight: t.weight })
        })
        .collect::<Result<Vec<_>, PrivacyError>>()?;
    make_design(name, queries)
}

/// The standard design over a catalogue (see [`design_from`]).
pub fn standard_design(bound: impl Fn(&str) -> Option<u32>, joint: impl Fn(&[&str]) -> Option<u32>) -> Result<ReleaseDesign, PrivacyError> {
    design_from(STANDARD, &STANDARD_QUERIES, bound, joint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::{person_count_catalogue, synthetic_standard_design};

    #[test]
    fn the_standard_design_releases_every_person_count_once_nationally() {
        let design = synthetic_standard_design();
        let catalogue = person_count_catalogue();
        assert_eq!(design.indicators.len(), catalogue.len());
        for i in &catalogue {
            let national: Vec<_> = design.queries.iter().filter(|q| q.level == Level::Nation && q.indicators.contains(i)).collect();
            assert_eq!(national.len(), 1, "{}", i.code);
        }
        assert_eq!(design.total_weight(), 96.0);
        // The children histogram is released at its total's bound: one household, one bin.
        let children = design.queries.iter().position(|q| q.indicators[0].code == "moved_out_children_0").unwrap();
        assert_eq!((design.sensitivities[children].l1, design.sensitivities[children].l2), (1.0, 1.0));
        // The ways into permanent housing are not the parts of an `eq` total: their own bounds add.
        let ways = design.queries.iter().position(|q| q.indicators[0].code == "permanent_first_hand_lease").unwrap();
        assert_eq!((design.sensitivities[ways].l1, design.sensitivities[ways].l2), (4.0, 2.0));
    }

    #[test]
    fn a_code_outside_the_catalogue_is_refused() {
        let templates = [q(&["no_such_indicator"], Nation, Window, 1.0)];
        let err = design_from("x", &templates, |_| None, |_| None).unwrap_err();
        assert!(matches!(err, PrivacyError::InvalidDesign(m) if m.contains("no_such_indicator")));
    }
}
