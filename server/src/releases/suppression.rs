//! What the usual rule ("suppress counts 1–4") would have done to a published release, for the
//! methodology page: which cells it hides, which hidden cells a reader recovers from published
//! totals, and which further cells it would need to hide. Reads only published cells, so it is
//! post-processing and reveals nothing the release does not.

use kompotten_privacy::hierarchy::make_hierarchy;
use kompotten_privacy::suppression::{suppression_view, SMALLEST_SAFE};
use serde::{Deserialize, Serialize};

use super::view::{params_of, table_of};
use crate::db::{DbError, Pool};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecoveredCell {
    /// The hidden area a reader works out.
    pub area: String,
    /// The area whose published total gives it away.
    pub through_total_of: String,
    /// The published (or already recovered) areas used.
    pub from: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SuppressionBlock {
    pub indicator: String,
    pub period: String,
    /// Areas with a published count the rule hides (1 to 4).
    pub hidden: Vec<String>,
    /// Hidden areas that published totals give away, and how.
    pub recoverable: Vec<RecoveredCell>,
    /// Further areas the rule would have to hide so that nothing hidden is recoverable.
    pub complementary: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SuppressionReport {
    pub release_id: String,
    /// The smallest count the rule publishes.
    pub smallest_published: i64,
    /// Only the blocks (indicator × period) where the rule would hide something.
    pub blocks: Vec<SuppressionBlock>,
}

pub async fn suppression_report(pool: &Pool, id: &str) -> Result<Option<SuppressionReport>, DbError> {
    let Some((params_json, table_json)): Option<(String, String)> =
        sqlx::query_as("SELECT params_json, table_json FROM releases WHERE id = $1").bind(id).fetch_optional(pool).await?
    else {
        return Ok(None);
    };
    let params = params_of(&params_json)?;
    let table = table_of(&table_json)?;
    let h = make_hierarchy(&params.geography, &params.spec.levels).map_err(|e| DbError::Instance(format!("stored geography: {e}")))?;
    if table.areas.len() != h.len() {
        return Err(DbError::Instance(format!("release {id}: stored table has {} areas, its tree {}", table.areas.len(), h.len())));
    }
    let labels: Vec<&str> = table.areas.iter().map(String::as_str).collect();
    let mut blocks = Vec::new();
    for (block, values) in table.cells.chunks(h.len()).enumerate() {
        let indicator = &table.indicators[block / table.periods.len()];
        let period = &table.periods[block % table.periods.len()];
        let values: Vec<i64> = values.iter().map(|c| c[0]).collect();
        let view = suppression_view(&h, &values);
        if view.primary.is_empty() {
            continue;
        }
        let name = |v: &usize| labels[*v].to_owned();
        blocks.push(SuppressionBlock {
            indicator: indicator.clone(),
            period: period.clone(),
            hidden: view.primary.iter().map(name).collect(),
            recoverable: view
                .recoverable
                .iter()
                .map(|r| RecoveredCell { area: name(&r.hidden), through_total_of: name(&r.through_total_of), from: r.from.iter().map(name).collect() })
                .collect(),
            complementary: view.complementary.iter().map(name).collect(),
        });
    }
    Ok(Some(SuppressionReport { release_id: id.to_owned(), smallest_published: SMALLEST_SAFE, blocks }))
}
