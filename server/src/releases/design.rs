//! Release designs over this server's catalogue: the engine's standard design with the
//! catalogue's bounds, the joint bounds its `eq` rules give the parts of a total, and the
//! coordinator's weights. Data-independent: it reads no reports.

use kompotten_app::domain::Bilingual;
use kompotten_app::model::{DesignQuery, IndicatorKind, QueryLevel, QueryTime, Relation};
use kompotten_privacy::design::{Query, ReleaseDesign};
use kompotten_privacy::standard::{standard_design, STANDARD};
use kompotten_privacy::PrivacyError;

use crate::catalogue::IndexedCatalogue;

/// The designs a release can answer, by stored name.
pub const DESIGNS: [&str; 1] = [STANDARD];

/// A person count's declared bound.
fn bound(catalogue: &IndexedCatalogue, code: &str) -> Option<u32> {
    catalogue.get(code).filter(|(_, d)| d.kind == IndicatorKind::PersonCount).and_then(|(_, d)| u32::try_from(d.max_per_household?).ok())
}

/// The joint bound of `codes` when the catalogue makes them parts of one total: an `eq` rule
/// with all of them on one side and a single person count on the other, whose bound the parts
/// share (each part is non-negative, so any of the parts together add at most that much).
pub fn joint_bound(catalogue: &IndexedCatalogue, codes: &[&str]) -> Option<u32> {
    catalogue.catalogue.rules.iter().filter(|r| r.relation == Relation::Eq).find_map(|r| {
        let total_of = |parts: &[String], total: &[String]| match total {
            [single] if codes.iter().all(|c| parts.iter().any(|p| p == c)) => bound(catalogue, single),
            _ => None,
        };
        total_of(&r.lhs, &r.rhs).or_else(|| total_of(&r.rhs, &r.lhs))
    })
}

/// The design `name` over the catalogue. Only [`DESIGNS`] exist.
pub fn design(catalogue: &IndexedCatalogue, name: &str) -> Option<Result<ReleaseDesign, PrivacyError>> {
    (name == STANDARD).then(|| standard_design(|code| bound(catalogue, code), |codes| joint_bound(catalogue, codes)))
}

/// The query's label from the catalogue: its indicator's, or the group's for the parts of a
/// total (every part of the standard design's groups lies in one catalogue group).
pub fn query_label(catalogue: &IndexedCatalogue, query: &Query) -> Bilingual {
    let first = &query.indicators[0].code;
    match catalogue.get(first) {
        Some((group, _)) if query.indicators.len() > 1 => group.label.clone(),
        Some((_, def)) => def.label.clone(),
        None => Bilingual { sv: first.clone(), en: first.clone() },
    }
}

/// What the planner shows of each query of a design.
pub fn design_queries(catalogue: &IndexedCatalogue, design: &ReleaseDesign) -> Vec<DesignQuery> {
    design
        .queries
        .iter()
        .map(|q| DesignQuery {
            key: q.key(),
            label: query_label(catalogue, q),
            indicators: q.indicators.iter().map(|i| i.code.clone()).collect(),
            level: q.level.into_model(),
            time: q.time.into_model(),
            weight: q.weight,
        })
        .collect()
}

/// The plausible national yearly size the catalogue declares for each of the design's indicators.
pub fn plausible_sizes(catalogue: &IndexedCatalogue, design: &ReleaseDesign) -> Vec<Option<f64>> {
    design.indicators.iter().map(|i| catalogue.get(&i.code).and_then(|(_, d)| d.plausible_per_year).map(|p| p as f64)).collect()
}

/// Conversions of the engine's level and time layout into the model's (serde names).
pub trait IntoModel<T> {
    fn into_model(self) -> T;
}

impl IntoModel<QueryLevel> for kompotten_privacy::sensitivity::Level {
    fn into_model(self) -> QueryLevel {
        match self {
            Self::Nation => QueryLevel::Nation,
            Self::County => QueryLevel::County,
            Self::Lanskompott => QueryLevel::Lanskompott,
        }
    }
}

impl IntoModel<QueryTime> for kompotten_privacy::sensitivity::TimeLayout {
    fn into_model(self) -> QueryTime {
        match self {
            Self::PerPeriod => QueryTime::PerPeriod,
            Self::Window => QueryTime::Window,
        }
    }
}
