//! The indicator catalogue, read from the database (migration 0005) once at start. Adding an
//! indicator is a migration; the server picks it up on its next start.

use std::collections::HashMap;

use kompotten_app::domain::Bilingual;
use kompotten_app::model::{Catalogue, IndicatorDef, IndicatorGroup, IndicatorKind, Relation, ReportedBy, Rule, ValueType};
use sqlx::Row;

use crate::db::{DbError, Pool};

/// The catalogue with a lookup by indicator code (validation looks up every field).
#[derive(Clone, Debug)]
pub struct IndexedCatalogue {
    pub catalogue: Catalogue,
    by_code: HashMap<String, (usize, usize)>,
}

impl IndexedCatalogue {
    pub fn new(catalogue: Catalogue) -> Self {
        let by_code = catalogue
            .groups
            .iter()
            .enumerate()
            .flat_map(|(g, group)| group.indicators.iter().enumerate().map(move |(i, def)| (def.code.clone(), (g, i))))
            .collect();
        Self { catalogue, by_code }
    }

    pub fn get(&self, code: &str) -> Option<(&IndicatorGroup, &IndicatorDef)> {
        let &(g, i) = self.by_code.get(code)?;
        let group = &self.catalogue.groups[g];
        Some((group, &group.indicators[i]))
    }

    /// Whether `code` is a person count (what the privacy engine releases).
    pub fn is_person_count(&self, code: &str) -> bool {
        self.get(code).is_some_and(|(_, d)| d.kind == IndicatorKind::PersonCount)
    }
}

fn bilingual(row: &sqlx::any::AnyRow, prefix: &str) -> Result<Bilingual, sqlx::Error> {
    Ok(Bilingual { sv: row.try_get(format!("{prefix}_sv").as_str())?, en: row.try_get(format!("{prefix}_en").as_str())? })
}

fn bad(what: &str, value: &str) -> DbError {
    DbError::Instance(format!("catalogue: unknown {what} {value:?}"))
}

pub async fn load(pool: &Pool) -> Result<IndexedCatalogue, DbError> {
    let group_rows =
        sqlx::query("SELECT code, reported_by, label_sv, label_en, help_sv, help_en FROM indicator_groups ORDER BY position").fetch_all(pool).await?;
    let mut groups = Vec::with_capacity(group_rows.len());
    for row in &group_rows {
        let reported_by: String = row.try_get("reported_by")?;
        groups.push(IndicatorGroup {
            code: row.try_get("code")?,
            reported_by: match reported_by.as_str() {
                "network_member" => ReportedBy::NetworkMember,
                "grant_recipient" => ReportedBy::GrantRecipient,
                other => return Err(bad("reported_by", other)),
            },
            label: bilingual(row, "label")?,
            help: bilingual(row, "help")?,
            indicators: Vec::new(),
        });
    }
    let rows = sqlx::query(
        "SELECT code, group_code, kind, value_type, unit, max_value, max_per_household, plausible_per_year, label_sv, label_en, help_sv, help_en
         FROM indicators ORDER BY group_code, position",
    )
    .fetch_all(pool)
    .await?;
    for row in &rows {
        let group_code: String = row.try_get("group_code")?;
        let kind: String = row.try_get("kind")?;
        let value_type: String = row.try_get("value_type")?;
        let def = IndicatorDef {
            code: row.try_get("code")?,
            kind: match kind.as_str() {
                "person_count" => IndicatorKind::PersonCount,
                "organisation_fact" => IndicatorKind::OrganisationFact,
                "money" => IndicatorKind::Money,
                other => return Err(bad("kind", other)),
            },
            value_type: match value_type.as_str() {
                "count" => ValueType::Count,
                "yes_no" => ValueType::YesNo,
                "scale_1_5" => ValueType::Scale1To5,
                "sek" => ValueType::Sek,
                other => return Err(bad("value_type", other)),
            },
            unit: row.try_get("unit")?,
            max_value: row.try_get("max_value")?,
            max_per_household: row.try_get("max_per_household")?,
            plausible_per_year: row.try_get("plausible_per_year")?,
            label: bilingual(row, "label")?,
            help: bilingual(row, "help")?,
        };
        let group = groups.iter_mut().find(|g| g.code == group_code).ok_or_else(|| bad("group", &group_code))?;
        group.indicators.push(def);
    }
    let rule_rows = sqlx::query("SELECT code, lhs, relation, rhs, message_sv, message_en FROM indicator_rules ORDER BY position").fetch_all(pool).await?;
    let mut rules = Vec::with_capacity(rule_rows.len());
    let split = |s: String| s.split('+').map(|c| c.trim().to_owned()).collect::<Vec<_>>();
    for row in &rule_rows {
        let relation: String = row.try_get("relation")?;
        rules.push(Rule {
            code: row.try_get("code")?,
            lhs: split(row.try_get("lhs")?),
            relation: match relation.as_str() {
                "le" => Relation::Le,
                "eq" => Relation::Eq,
                other => return Err(bad("relation", other)),
            },
            rhs: split(row.try_get("rhs")?),
            message: bilingual(row, "message")?,
        });
    }
    let indexed = IndexedCatalogue::new(Catalogue { groups, rules });
    for rule in &indexed.catalogue.rules {
        if let Some(code) = rule.lhs.iter().chain(&rule.rhs).find(|c| indexed.get(c).is_none()) {
            return Err(bad(&format!("indicator in rule {}", rule.code), code));
        }
    }
    Ok(indexed)
}
