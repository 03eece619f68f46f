//! What the usual rule ("suppress counts 1–4") would have done to a published release, for the
//! methodology page: which cells it hides, which hidden cells a reader recovers from published
//! totals, and which further cells it would need to hide. Reads only published cells, so it is
//! post-processing and reveals nothing the release does not.

use kompotten_privacy::release::trees;
use kompotten_privacy::suppression::{suppression_view, SMALLEST_SAFE};
use serde::{Deserialize, Serialize};

use super::view::{params_of, table_of};
use crate::db::{DbError, Pool};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecoveredCell {
    /// The hidden cell a reader works out ("area period").
    pub cell: String,
    /// The cell whose published total gives it away.
    pub through_total_of: String,
    /// The published (or already recovered) cells used.
    pub from: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SuppressionBlock {
    pub indicator: String,
    /// Cells ("area period") with a published count the rule hides (1 to 4).
    pub hidden: Vec<String>,
    /// Hidden cells that published totals give away, and how.
    pub recoverable: Vec<RecoveredCell>,
    /// Further cells the rule would have to hide so that nothing hidden is recoverable.
    pub complementary: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SuppressionReport {
    pub release_id: String,
    /// The smallest count the rule publishes.
    pub smallest_published: i64,
    /// Only the indicators where the rule would hide something (none for a release made before
    /// designs).
    pub blocks: Vec<SuppressionBlock>,
}

pub async fn suppression_report(pool: &Pool, id: &str) -> Result<Option<SuppressionReport>, DbError> {
    let Some((params_json, table_json)): Option<(String, String)> =
        sqlx::query_as("SELECT params_json, table_json FROM releases WHERE id = $1").bind(id).fetch_optional(pool).await?
    else {
        return Ok(None);
    };
    let table = table_of(&table_json)?;
    let mut blocks = Vec::new();
    // A release made before designs has no trees this engine can rebuild: no view.
    if let Some(params) = params_of(&params_json) {
        let trees = trees(&params.geography, &params.spec).map_err(|e| DbError::Instance(format!("stored design: {e}")))?;
        if table.cells.len() != trees.iter().map(|t| t.len()).sum::<usize>() {
            return Err(DbError::Instance(format!(
                "release {id}: stored table has {} cells, its trees {}",
                table.cells.len(),
                trees.iter().map(|t| t.len()).sum::<usize>()
            )));
        }
        let mut offset = 0;
        for (i, tree) in trees.iter().enumerate() {
            let cells = &table.cells[offset..offset + tree.len()];
            offset += tree.len();
            let values: Vec<i64> = cells.iter().map(|c| c.3).collect();
            let view = suppression_view(tree, &values);
            if view.primary.is_empty() {
                continue;
            }
            // "area period", e.g. "12 2022–2025".
            let name = |v: &usize| format!("{} {}", table.areas[cells[*v].2], table.periods[cells[*v].1]);
            blocks.push(SuppressionBlock {
                indicator: table.indicators[i].clone(),
                hidden: view.primary.iter().map(name).collect(),
                recoverable: view
                    .recoverable
                    .iter()
                    .map(|r| RecoveredCell { cell: name(&r.hidden), through_total_of: name(&r.through_total_of), from: r.from.iter().map(name).collect() })
                    .collect(),
                complementary: view.complementary.iter().map(name).collect(),
            });
        }
    }
    Ok(Some(SuppressionReport { release_id: id.to_owned(), smallest_published: SMALLEST_SAFE, blocks }))
}
