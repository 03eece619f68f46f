//! The catalogue's person-count bounds, the standard design over them, and a synthetic dataset,
//! for tests, benchmarks and the accuracy example.
//!
//! The synthetic data are *data*, not noise: a fixed, seeded arithmetic pattern (SplitMix64)
//! that spreads a small number of households over the counties the way the network's figures
//! look (about 14 households a year nationally, most county cells zero). No noise anywhere in
//! this crate is drawn here: noise comes only from OpenDP ([`crate::mechanism`]).

use crate::design::ReleaseDesign;
use crate::hierarchy::Geography;
use crate::sensitivity::IndicatorBound;
use crate::standard::standard_design;

/// The 29 person-count indicators of the catalogue (migrations/0005_catalogue.sql) with their
/// `max_per_household`: 9 request fields with 3, permanent housing with 2, the rest with 1.
pub fn person_count_catalogue() -> Vec<IndicatorBound> {
    [
        ("requests_sent", 3),
        ("households_moved_out", 1),
        ("moved_out_children_0", 1),
        ("moved_out_children_1", 1),
        ("moved_out_children_2", 1),
        ("moved_out_children_3", 1),
        ("moved_out_children_4plus", 1),
        ("moved_out_context_close_relationship", 1),
        ("moved_out_context_honour", 1),
        ("moved_out_context_other", 1),
        ("requests_received", 3),
        ("requests_accepted", 3),
        ("requests_declined", 3),
        ("decisions_within_14_days", 3),
        ("households_received", 1),
        ("declined_housing_shortage", 3),
        ("declined_support_needs", 3),
        ("declined_risk_assessment", 3),
        ("declined_other", 3),
        ("time_to_move_under_1m", 1),
        ("time_to_move_1_3m", 1),
        ("time_to_move_3_6m", 1),
        ("time_to_move_6_12m", 1),
        ("time_to_move_over_12m", 1),
        ("households_permanent_housing", 2),
        ("permanent_first_hand_lease", 1),
        ("permanent_social_contract", 1),
        ("permanent_priority", 1),
        ("permanent_other_municipality", 1),
    ]
    .into_iter()
    .map(|(code, c)| IndicatorBound::new(code, c))
    .collect()
}

/// A deterministic pseudo-random stream for laying out synthetic data (SplitMix64).
struct Pattern(u64);

impl Pattern {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The joint bounds the catalogue's `eq` rules give (migrations/0005_catalogue.sql): the
/// households moved out by children and by context sum to households moved out (1), the
/// households received by time to move-in to households received (1), the declined requests by
/// reason to requests declined (3).
pub fn synthetic_joint(codes: &[&str]) -> Option<u32> {
    let parts_of = |prefix: &str| codes.iter().all(|c| c.starts_with(prefix));
    if parts_of("moved_out_children_") || parts_of("moved_out_context_") || parts_of("time_to_move_") {
        Some(1)
    } else if parts_of("declined_") {
        Some(3)
    } else {
        None
    }
}

/// The standard design over [`person_count_catalogue`].
pub fn synthetic_standard_design() -> ReleaseDesign {
    let catalogue = person_count_catalogue();
    standard_design(|code| catalogue.iter().find(|i| i.code == code).map(|i| i.max_per_household), synthetic_joint)
        .expect("the standard design fits the catalogue")
}

/// Exact totals, laid out `[indicator][period][area]` ([`Geography::areas`] order), for
/// `households` households per period. Each household adds between 0 and `c_i` to indicator `i`
/// (zero half of the time), each unit in a county drawn with weights favouring the three large
/// counties, and inside a länskompott (where the county has one) seven times in ten.
pub fn synthetic_totals(geography: &Geography, indicators: &[IndicatorBound], periods: usize, households: u32, seed: u64) -> Vec<i64> {
    let areas = geography.areas();
    let part_of = |county: &str| areas.iter().position(|a| a.label == format!("L{county}"));
    // Stockholm, Skåne and Västra Götaland weigh three times as much as the other counties.
    let weights: Vec<u64> = geography.counties.iter().map(|c| if ["01", "12", "14"].contains(&c.code.as_str()) { 3 } else { 1 }).collect();
    let total_weight: u64 = weights.iter().sum();
    let mut pattern = Pattern(seed);
    let mut out = Vec::with_capacity(indicators.len() * periods * areas.len());
    for indicator in indicators {
        for _ in 0..periods {
            let mut totals = vec![0i64; areas.len()];
            for _ in 0..households {
                let amount = if pattern.below(2) == 0 { 0 } else { 1 + pattern.below(u64::from(indicator.max_per_household.max(1))) };
                for _ in 0..amount.min(u64::from(indicator.max_per_household)) {
                    totals[0] += 1;
                    let mut pick = pattern.below(total_weight);
                    let county = weights
                        .iter()
                        .position(|w| {
                            if pick < *w {
                                true
                            } else {
                                pick -= w;
                                false
                            }
                        })
                        .unwrap_or(0);
                    totals[1 + county] += 1;
                    if let Some(l) = part_of(&geography.counties[county].code) {
                        totals[if pattern.below(10) < 7 { l } else { l + 1 }] += 1;
                    }
                }
            }
            out.extend(totals);
        }
    }
    out
}
