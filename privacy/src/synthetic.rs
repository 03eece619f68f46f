//! The catalogue's person-count bounds and a synthetic dataset, for tests, benchmarks and the
//! accuracy example.
//!
//! The synthetic data are *data*, not noise: a fixed, seeded arithmetic pattern (SplitMix64)
//! that spreads a small number of households over the counties the way the network's figures
//! look (about 14 households a year nationally, most county cells zero). No noise anywhere in
//! this crate is drawn here: noise comes only from OpenDP ([`crate::mechanism`]).

use crate::hierarchy::{Geography, Hierarchy, NodeKind};
use crate::sensitivity::IndicatorBound;

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

/// Exact totals, laid out `[indicator][period][measured node]`, for `households` households per
/// period. Each household adds between 0 and `c_i` to indicator `i` (zero half of the time),
/// each unit in a county drawn with weights favouring the three large counties, and inside a
/// länskompott (where the county has one) seven times in ten.
pub fn synthetic_totals(h: &Hierarchy, geography: &Geography, indicators: &[IndicatorBound], periods: u32, households: u32, seed: u64) -> Vec<i64> {
    let county_nodes: Vec<usize> = (0..h.len()).filter(|&v| h.nodes()[v].kind == NodeKind::County).collect();
    let lanskompott_of = |county: usize| h.nodes()[county].children.iter().copied().find(|&c| h.nodes()[c].kind == NodeKind::Lanskompott);
    // Stockholm, Skåne and Västra Götaland weigh three times as much as the other counties.
    let weights: Vec<u64> = geography.counties.iter().map(|c| if ["01", "12", "14"].contains(&c.code.as_str()) { 3 } else { 1 }).collect();
    let total_weight: u64 = weights.iter().sum();
    let mut pattern = Pattern(seed);
    let mut out = Vec::with_capacity(indicators.len() * periods as usize * h.measured().len());
    for indicator in indicators {
        for _ in 0..periods {
            let mut node_totals = vec![0i64; h.len()];
            for _ in 0..households {
                let amount = if pattern.below(2) == 0 { 0 } else { 1 + pattern.below(u64::from(indicator.max_per_household.max(1))) };
                for _ in 0..amount.min(u64::from(indicator.max_per_household)) {
                    node_totals[0] += 1;
                    if county_nodes.is_empty() {
                        continue;
                    }
                    let mut pick = pattern.below(total_weight);
                    let county = weights.iter().position(|w| if pick < *w { true } else { pick -= w; false }).unwrap_or(0);
                    let node = county_nodes[county];
                    node_totals[node] += 1;
                    if let Some(l) = lanskompott_of(node) {
                        if pattern.below(10) < 7 {
                            node_totals[l] += 1;
                        }
                    }
                }
            }
            for &county in &county_nodes {
                if let [l, rest] = h.nodes()[county].children[..] {
                    node_totals[rest] = node_totals[county] - node_totals[l];
                }
            }
            out.extend(h.measured().iter().map(|&v| node_totals[v]));
        }
    }
    out
}
