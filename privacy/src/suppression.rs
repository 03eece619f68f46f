//! What traditional suppression would have done to a published table (for the methodology
//! page): which cells the rule "suppress counts 1–4" would hide, which published totals would
//! give a hidden cell away, and which further cells a statistician would have had to hide.
//!
//! # Privacy
//! It reads the **published** table only. Running the rule on the exact counts would leak
//! them: whether a cell is hidden says whether its true count is 1–4. On published values it is
//! post-processing and costs nothing.
//!
//! # Disclosure by totals
//! Each parent of the tree publishes the sum of its children (the nation is the sum of the
//! counties; a county is its länskompott plus the rest of the county, which a reader can
//! always compute as the difference, so it counts as a published cell). In one such equation,
//! a single hidden cell is recovered exactly from the others: `hidden = parent − Σ visible
//! children` (or `parent = Σ children`). Recovery propagates: a recovered cell can unlock
//! another equation. Since every node is in at most two equations (as a parent and as a child)
//! and the equations nest, propagation finds every exactly recoverable cell. Bounds (a hidden
//! cell is at most its parent minus its visible siblings) are not counted as disclosure here.
//!
//! Complementary suppression, as an agency would do it: while some equation has exactly one
//! hidden cell, also hide its smallest visible child (ties to the earlier node; the parent
//! only if no child is visible).

use serde::{Deserialize, Serialize};

use crate::hierarchy::Hierarchy;

/// The rule's threshold: counts 1..=4 are hidden.
pub const SMALLEST_SAFE: i64 = 5;

/// A hidden cell that published totals give away.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recovery {
    /// The hidden node.
    pub hidden: usize,
    /// The parent/children equation that gives it away (the node whose total it is).
    pub through_total_of: usize,
    /// The published (or already recovered) cells used.
    pub from: Vec<usize>,
}

/// The suppression view of one (indicator, period) block of published values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressionView {
    /// Cells with a published value of 1–4.
    pub primary: Vec<usize>,
    /// Primary cells a reader recovers from the other published totals, and how.
    pub recoverable: Vec<Recovery>,
    /// Further cells the rule needs to hide so that no hidden cell is recoverable.
    pub complementary: Vec<usize>,
}

/// The view for published `values` (one per node of `h`).
pub fn suppression_view(h: &Hierarchy, values: &[i64]) -> SuppressionView {
    let primary: Vec<usize> = (0..h.len()).filter(|&v| (1..SMALLEST_SAFE).contains(&values[v])).collect();
    let mut hidden = vec![false; h.len()];
    for &v in &primary {
        hidden[v] = true;
    }
    let recoverable = recoveries(h, &hidden);
    let mut complementary = Vec::new();
    while let Some(equation) = equation_with_one_hidden(h, &hidden) {
        let children = &h.nodes()[equation].children;
        let pick = children.iter().copied().filter(|&c| !hidden[c]).min_by_key(|&c| (values[c], c)).unwrap_or(equation);
        hidden[pick] = true;
        complementary.push(pick);
    }
    complementary.sort_unstable();
    SuppressionView { primary, recoverable, complementary }
}

/// Members of the equation "node v = Σ its children".
fn members(h: &Hierarchy, v: usize) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(v).chain(h.nodes()[v].children.iter().copied())
}

fn equation_with_one_hidden(h: &Hierarchy, hidden: &[bool]) -> Option<usize> {
    (0..h.len()).find(|&v| !h.nodes()[v].children.is_empty() && members(h, v).filter(|&m| hidden[m]).count() == 1)
}

/// Propagates exact recovery through the equations until nothing more is learnt.
fn recoveries(h: &Hierarchy, hidden: &[bool]) -> Vec<Recovery> {
    let mut unknown = hidden.to_vec();
    let mut found = Vec::new();
    while let Some(v) = equation_with_one_hidden(h, &unknown) {
        let target = members(h, v).find(|&m| unknown[m]).unwrap_or(v);
        found.push(Recovery { hidden: target, through_total_of: v, from: members(h, v).filter(|&m| m != target).collect() });
        unknown[target] = false;
    }
    found
}

/// The view of every (indicator, period) block of a published table.
pub fn table_suppression(h: &Hierarchy, table: &crate::release::PublishedTable) -> Vec<SuppressionView> {
    table.cells.chunks(h.len()).map(|block| suppression_view(h, &block.iter().map(|c| c.value).collect::<Vec<_>>())).collect()
}

#[cfg(test)]
#[path = "suppression_tests.rs"]
mod tests;
