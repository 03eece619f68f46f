//! A release design: the queries a release answers and how its budget is split between them,
//! in the manner of the Census Bureau's privacy-loss budget allocation.
//!
//! A query is one indicator (or the parts of one total, released together) at one geography
//! level, per period or as the window's total, with a weight. A release at budget ρ gives query
//! `q` the share `ρ_q = ρ · w_q / Σ w` and calibrates that query's own noise to it, so the
//! figures readers need most (national headline figures every year) get most of the budget,
//! and finer levels and detail bins, which are only readable summed over several years, get
//! what is left.
//!
//! # Privacy
//! The queries are measured independently (one OpenDP measurement each, composed with OpenDP's
//! `make_composition`), so under zero-concentrated DP their costs add up: a release costs
//! `Σ_q ρ_q ≤ ρ` to every year it touches ([`crate::mechanism`]). Designing spends nothing; it
//! reads no data.
//!
//! # Consistency
//! All queries of one indicator are made consistent together (national figure = sum of the
//! counties = sum of the periods; county = länskompott + rest), so [`make_design`] refuses
//! combinations that do not form one tree: a länskompott level without its county level or at
//! another time layout, and counties per period under a nation released only as window totals.

use serde::{Deserialize, Serialize};

use crate::error::PrivacyError;
use crate::sensitivity::{make_query_sensitivity, IndicatorBound, Level, QuerySensitivity, TimeLayout};

/// One query of a design.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Query {
    /// The indicators released together (one, or the parts of one total).
    pub indicators: Vec<IndicatorBound>,
    /// The parts' joint bound, when `indicators` are the parts of one total.
    pub joint_bound: Option<u32>,
    pub level: Level,
    pub time: TimeLayout,
    /// Relative share of the budget (positive).
    pub weight: f64,
}

impl Query {
    /// The query's name within a design: its first indicator and its level
    /// (`households_moved_out@county`). Unique, since an indicator is released at most once per
    /// level.
    pub fn key(&self) -> String {
        let level = match self.level {
            Level::Nation => "nation",
            Level::County => "county",
            Level::Lanskompott => "lanskompott",
        };
        format!("{}@{level}", self.indicators[0].code)
    }
}

/// A validated design.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReleaseDesign {
    /// The design's name as stored (for example `standard`).
    pub name: String,
    pub queries: Vec<Query>,
    /// The indicators the design releases, in the order queries first name them.
    pub indicators: Vec<IndicatorBound>,
    /// Each query's sensitivity, derived from the declared bounds.
    pub sensitivities: Vec<QuerySensitivity>,
}

impl ReleaseDesign {
    /// Sum of the weights.
    pub fn total_weight(&self) -> f64 {
        self.queries.iter().map(|q| q.weight).sum()
    }

    /// The index of each query's indicators in [`ReleaseDesign::indicators`].
    pub fn indicator_index(&self, code: &str) -> Option<usize> {
        self.indicators.iter().position(|i| i.code == code)
    }

    /// The queries that release indicator `i` (by index), with the index of the indicator
    /// inside each query.
    pub fn queries_of(&self, i: usize) -> Vec<(usize, usize)> {
        let code = &self.indicators[i].code;
        self.queries.iter().enumerate().filter_map(|(q, query)| query.indicators.iter().position(|x| &x.code == code).map(|k| (q, k))).collect()
    }

    /// The design restricted to the queries `keep` accepts, with the same weights (so the
    /// budget is split among what remains in the same proportions).
    pub fn filtered(&self, keep: impl Fn(&Query) -> bool) -> Result<ReleaseDesign, PrivacyError> {
        make_design(&self.name, self.queries.iter().filter(|q| keep(q)).cloned().collect())
    }

    /// The design with the weights `weight(query)` gives (`None` keeps a query's own; 0 leaves
    /// the query out).
    pub fn reweighted(&self, weight: impl Fn(&Query) -> Option<f64>) -> Result<ReleaseDesign, PrivacyError> {
        let queries = self
            .queries
            .iter()
            .filter_map(|q| match weight(q) {
                Some(w) if w == 0.0 => None,
                Some(w) => Some(Query { weight: w, ..q.clone() }),
                None => Some(q.clone()),
            })
            .collect();
        make_design(&self.name, queries)
    }
}

/// Validates a design: positive finite weights; every query with at least one indicator; each
/// indicator released at most once per level, always at the nation, and at levels that form
/// one tree (see the module doc).
pub fn make_design(name: &str, queries: Vec<Query>) -> Result<ReleaseDesign, PrivacyError> {
    if queries.is_empty() {
        return Err(PrivacyError::InvalidDesign("the design has no queries".into()));
    }
    let mut indicators: Vec<IndicatorBound> = Vec::new();
    let mut sensitivities = Vec::with_capacity(queries.len());
    for q in &queries {
        if !(q.weight > 0.0 && q.weight.is_finite()) {
            return Err(PrivacyError::InvalidDesign(format!("the weight of a query must be positive, got {}", q.weight)));
        }
        sensitivities.push(make_query_sensitivity(&q.indicators, q.joint_bound)?);
        for i in &q.indicators {
            match indicators.iter().find(|known| known.code == i.code) {
                Some(known) if known != i => return Err(PrivacyError::InvalidDesign(format!("{} is given two different bounds", i.code))),
                Some(_) => {}
                None => indicators.push(i.clone()),
            }
        }
    }
    let design = ReleaseDesign { name: name.to_owned(), queries, indicators, sensitivities };
    for i in 0..design.indicators.len() {
        levels_of(&design, i)?;
    }
    Ok(design)
}

/// The time layout of indicator `i` at each level (nation, county, länskompott), checked to
/// form one tree.
pub fn levels_of(design: &ReleaseDesign, i: usize) -> Result<[Option<TimeLayout>; 3], PrivacyError> {
    let code = &design.indicators[i].code;
    let mut at = [None; 3];
    for (q, _) in design.queries_of(i) {
        let query = &design.queries[q];
        let slot = &mut at[query.level as usize];
        if slot.is_some() {
            return Err(PrivacyError::InvalidDesign(format!("{code} is released twice at {:?} level", query.level)));
        }
        *slot = Some(query.time);
    }
    match at {
        [None, ..] => Err(PrivacyError::InvalidDesign(format!("{code} must be released at the nation: consistency is anchored at the national total"))),
        [_, None, Some(_)] => {
            Err(PrivacyError::InvalidDesign(format!("{code}: a länskompott is published as part of its county: release the county level too")))
        }
        [_, Some(c), Some(l)] if c != l => Err(PrivacyError::InvalidDesign(format!("{code}: the länskompott level must have the county level's time layout"))),
        [Some(TimeLayout::Window), Some(TimeLayout::PerPeriod), _] => {
            Err(PrivacyError::InvalidDesign(format!("{code}: counties per period need the nation per period too")))
        }
        ok => Ok(ok),
    }
}

#[cfg(test)]
#[path = "design_tests.rs"]
mod tests;
