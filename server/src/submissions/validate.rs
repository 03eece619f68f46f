//! One validation path for every way in (form, CSV, API): each field is parsed by its
//! catalogue type, then, on submit, completeness and the catalogue's cross-field rules.
//! Drafts are checked field by field only, so a half-filled form can be saved.

use std::collections::BTreeMap;

use kompotten_app::domain::{parse_count, FieldError, Problem};
use kompotten_app::model::{IndicatorDef, Intent, Relation, ReportedBy, ValueType};
use kompotten_ingest::{parse_sek_to_ore, MoneyError};

use crate::catalogue::IndexedCatalogue;

/// Indicator code → stored whole number (count, 0/1, scale step, öre); `None` is "no answer".
pub type Values = BTreeMap<String, Option<i64>>;

/// Which catalogue groups a municipality reports for a period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    pub network_member: bool,
    pub grant_recipient: bool,
}

impl Scope {
    pub fn covers(self, reported_by: ReportedBy) -> bool {
        match reported_by {
            ReportedBy::NetworkMember => self.network_member,
            ReportedBy::GrantRecipient => self.grant_recipient,
        }
    }

    pub fn is_empty(self) -> bool {
        !self.network_member && !self.grant_recipient
    }
}

/// Words Swedish and English forms use for yes, no and "no answer".
const YES: &[&str] = &["ja", "yes", "1", "true", "sant"];
const NO: &[&str] = &["nej", "no", "0", "false", "falskt"];
const NO_ANSWER: &[&str] = &["vet ej", "inget svar", "vet ej / inget svar", "vet ej/inget svar", "ej svar", "no answer", "no_answer", "don't know", "-"];

/// A field's text parsed by its type: `Ok(None)` when left empty.
fn parse_value(def: &IndicatorDef, raw: &str) -> Result<Option<Option<i64>>, Problem> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let lower = text.to_lowercase();
    let value = match def.value_type {
        ValueType::Count => Some(parse_count(&def.code, text, def.max_value).map_err(|e| e.problem)?),
        ValueType::YesNo if YES.contains(&lower.as_str()) => Some(1),
        ValueType::YesNo if NO.contains(&lower.as_str()) => Some(0),
        ValueType::YesNo => return Err(Problem::NotYesNo),
        ValueType::Scale1To5 if NO_ANSWER.contains(&lower.as_str()) => None,
        ValueType::Scale1To5 => match text.parse::<i64>() {
            Ok(step @ 1..=5) => Some(step),
            _ => return Err(Problem::NotOnScale),
        },
        ValueType::Sek => {
            let ore = parse_sek_to_ore(text).map_err(|e| match e {
                MoneyError::Missing => Problem::Missing,
                MoneyError::Negative => Problem::Negative,
                MoneyError::TooManyDecimals => Problem::TooManyDecimals,
                MoneyError::TooLarge => Problem::TooLarge { max: def.max_value / 100 },
                MoneyError::NotAnAmount => Problem::NotAnAmount,
            })?;
            if ore > def.max_value {
                return Err(Problem::TooLarge { max: def.max_value / 100 });
            }
            Some(ore)
        }
    };
    Ok(Some(value))
}

fn sum(values: &Values, codes: &[String]) -> Option<i64> {
    codes.iter().map(|c| values.get(c).copied().flatten()).sum()
}

/// Parses `raw` (indicator code → text as typed) for a municipality of `scope`. Returns the
/// values, or every refused field with its label and problem.
pub fn validate(catalogue: &IndexedCatalogue, scope: Scope, raw: &BTreeMap<String, String>, intent: Intent) -> Result<Values, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut values = Values::new();
    for (code, text) in raw {
        let Some((group, def)) = catalogue.get(code) else {
            errors.push(FieldError::new(code, Problem::UnknownIndicator));
            continue;
        };
        if !scope.covers(group.reported_by) {
            if !text.trim().is_empty() {
                errors.push(FieldError::labelled(code, &def.label, Problem::NotApplicable));
            }
            continue;
        }
        match parse_value(def, text) {
            Ok(Some(value)) => {
                values.insert(code.clone(), value);
            }
            Ok(None) => {}
            Err(problem) => errors.push(FieldError::labelled(code, &def.label, problem)),
        }
    }
    if intent == Intent::Submit {
        for (group, def) in catalogue.catalogue.indicators() {
            if scope.covers(group.reported_by) && !values.contains_key(&def.code) && !errors.iter().any(|e| e.field == def.code) {
                errors.push(FieldError::labelled(&def.code, &def.label, Problem::Missing));
            }
        }
        if errors.is_empty() {
            errors.extend(rule_violations(catalogue, &values));
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

/// The catalogue's rules that `values` break. A rule over a field that is absent or "no
/// answer" is not checked (it cannot be).
pub fn rule_violations(catalogue: &IndexedCatalogue, values: &Values) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for rule in &catalogue.catalogue.rules {
        let (Some(left), Some(right)) = (sum(values, &rule.lhs), sum(values, &rule.rhs)) else { continue };
        let holds = match rule.relation {
            Relation::Le => left <= right,
            Relation::Eq => left == right,
        };
        if !holds {
            let field = &rule.lhs[0];
            let label = catalogue.get(field).map(|(_, d)| d.label.clone()).unwrap_or_default();
            errors.push(FieldError::labelled(field, &label, Problem::RuleViolated { rule: rule.code.clone(), explanation: rule.message.clone() }));
        }
    }
    errors
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
