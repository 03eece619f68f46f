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
//! Each node of an indicator's tree publishes the sum of the children of each of its partitions
//! (the nation is the sum of the counties, and of the periods; a county is its länskompott plus
//! the rest of the county). In one such equation, a single hidden cell is recovered exactly
//! from the others: `hidden = parent − Σ visible children` (or `parent = Σ children`). Recovery
//! propagates: a recovered cell can unlock another equation, and repeating until nothing more
//! is learnt finds every cell these equations give away. Bounds (a hidden cell is at most its
//! parent minus its visible siblings) are not counted as disclosure here.
//!
//! Complementary suppression, as an agency would do it: while some equation has exactly one
//! hidden cell, also hide its smallest visible child (ties to the earlier node; the parent
//! only if no child is visible).

use serde::{Deserialize, Serialize};

use crate::hierarchy::Tree;

/// The rule's threshold: counts 1..=4 are hidden.
pub const SMALLEST_SAFE: i64 = 5;

/// A hidden cell that published totals give away.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recovery {
    /// The hidden node.
    pub hidden: usize,
    /// The parent/children equation that gives it away (the node whose total it is).
    pub through_total_of: usize,
    /// Which of that node's partitions the equation is.
    pub partition: usize,
    /// The published (or already recovered) cells used.
    pub from: Vec<usize>,
}

/// The suppression view of one indicator's published values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressionView {
    /// Cells with a published value of 1–4.
    pub primary: Vec<usize>,
    /// Primary cells a reader recovers from the other published totals, and how.
    pub recoverable: Vec<Recovery>,
    /// Further cells the rule needs to hide so that no hidden cell is recoverable.
    pub complementary: Vec<usize>,
}

/// The view for published `values` (one per node of `tree`).
pub fn suppression_view(tree: &Tree, values: &[i64]) -> SuppressionView {
    let primary: Vec<usize> = (0..tree.len()).filter(|&v| (1..SMALLEST_SAFE).contains(&values[v])).collect();
    let mut hidden = vec![false; tree.len()];
    for &v in &primary {
        hidden[v] = true;
    }
    let recoverable = recoveries(tree, &hidden);
    let mut complementary = Vec::new();
    while let Some((v, p)) = equation_with_one_hidden(tree, &hidden) {
        let children = &tree.nodes[v].partitions[p];
        let pick = children.iter().copied().filter(|&c| !hidden[c]).min_by_key(|&c| (values[c], c)).unwrap_or(v);
        hidden[pick] = true;
        complementary.push(pick);
    }
    complementary.sort_unstable();
    complementary.dedup();
    SuppressionView { primary, recoverable, complementary }
}

/// Members of the equation "node v = Σ the children of its partition p".
fn members(tree: &Tree, v: usize, p: usize) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(v).chain(tree.nodes[v].partitions[p].iter().copied())
}

fn equation_with_one_hidden(tree: &Tree, hidden: &[bool]) -> Option<(usize, usize)> {
    (0..tree.len())
        .flat_map(|v| (0..tree.nodes[v].partitions.len()).map(move |p| (v, p)))
        .find(|&(v, p)| members(tree, v, p).filter(|&m| hidden[m]).count() == 1)
}

/// Propagates exact recovery through the equations until nothing more is learnt.
fn recoveries(tree: &Tree, hidden: &[bool]) -> Vec<Recovery> {
    let mut unknown = hidden.to_vec();
    let mut found = Vec::new();
    while let Some((v, p)) = equation_with_one_hidden(tree, &unknown) {
        let target = members(tree, v, p).find(|&m| unknown[m]).unwrap_or(v);
        found.push(Recovery { hidden: target, through_total_of: v, partition: p, from: members(tree, v, p).filter(|&m| m != target).collect() });
        unknown[target] = false;
    }
    found
}

#[cfg(test)]
#[path = "suppression_tests.rs"]
mod tests;
