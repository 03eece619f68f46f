//! The geography tree a release is measured on and made consistent over.
//!
//! ```text
//! nation
//! ├── county (21)
//! │   ├── länskompott        (counties that have one, when the level is released)
//! │   └── rest of county     (the county's other municipalities)
//! ```
//!
//! Releasing [`Level::Lanskompott`] measures both parts of each county that has a länskompott:
//! the länskompott and the rest of the county. The two are one level whose cells are disjoint
//! sets of municipalities, so measuring the rest costs nothing in sensitivity
//! ([`crate::sensitivity`]: a household still adds at most `c_i` over the level's cells), and
//! it gives the länskompott's estimate a second source (county − rest) that consistency uses.
//! Only the länskompott is a published figure of interest; the rest is published as what it is,
//! the difference, so that `county = länskompott + rest` holds in the table.
//!
//! Nodes are stored parents-before-children (breadth first), so a reverse scan visits children
//! before their parent. The measured nodes, in that order, are the layout of one
//! (indicator, period) block of the released vector: nation, counties, länskompotter.
//!
//! The nation must be released (consistency is anchored at the national total), and a
//! länskompott only together with its county (it is published as a part of it).
//!
//! This module only describes data-independent structure; it spends no budget.

use serde::{Deserialize, Serialize};

use crate::error::PrivacyError;
use crate::sensitivity::Level;

/// A county and whether the network has a länskompott there.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CountySpec {
    pub code: String,
    pub has_lanskompott: bool,
}

/// The counties of the country (data-independent: every release covers all of them).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Geography {
    pub counties: Vec<CountySpec>,
}

/// Sweden's 21 county codes; the network's länskompotter are in Skåne (12), Värmland (17),
/// Västmanland (19) and Gävleborg (21) (migrations/0002_network.sql).
const SWEDISH_COUNTIES: [&str; 21] =
    ["01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13", "14", "17", "18", "19", "20", "21", "22", "23", "24", "25"];
const LANSKOMPOTT_COUNTIES: [&str; 4] = ["12", "17", "19", "21"];

impl Geography {
    pub fn sweden() -> Self {
        Geography {
            counties: SWEDISH_COUNTIES
                .iter()
                .map(|c| CountySpec { code: (*c).to_string(), has_lanskompott: LANSKOMPOTT_COUNTIES.contains(c) })
                .collect(),
        }
    }
}

/// What a node of the tree stands for. Each kind is one "level" for intervals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Nation,
    County,
    Lanskompott,
    /// County minus its länskompott (measured with the länskompott level).
    RestOfCounty,
}

impl NodeKind {
    pub const ALL: [NodeKind; 4] = [NodeKind::Nation, NodeKind::County, NodeKind::Lanskompott, NodeKind::RestOfCounty];

    /// The released level measuring this kind of node, if any.
    pub fn level(self) -> Option<Level> {
        match self {
            NodeKind::Nation => Some(Level::Nation),
            NodeKind::County => Some(Level::County),
            NodeKind::Lanskompott | NodeKind::RestOfCounty => Some(Level::Lanskompott),
        }
    }
}

/// One node of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    /// "SE", the county code, "L12" (länskompott of county 12) or "R12" (rest of county 12).
    pub label: String,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    /// Whether the node is measured. Every node of a released level is; the consistency step
    /// also handles unmeasured nodes (infinite variance), which this engine does not build.
    pub measured: bool,
}

/// The tree of one (indicator, period) block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hierarchy {
    nodes: Vec<Node>,
    measured: Vec<usize>,
}

/// Builds the tree for the released `levels` over `geography`.
pub fn make_hierarchy(geography: &Geography, levels: &[Level]) -> Result<Hierarchy, PrivacyError> {
    for (k, level) in levels.iter().enumerate() {
        if levels[..k].contains(level) {
            return Err(PrivacyError::DuplicateLevel(*level));
        }
    }
    if !levels.contains(&Level::Nation) {
        return Err(PrivacyError::InvalidLevels("the nation must be released: consistency is anchored at the national total"));
    }
    let counties = levels.contains(&Level::County);
    let lanskompotter = levels.contains(&Level::Lanskompott);
    if lanskompotter && !counties {
        return Err(PrivacyError::InvalidLevels("a länskompott is published as part of its county: release the county level too"));
    }
    let mut nodes = vec![Node { kind: NodeKind::Nation, label: "SE".into(), parent: None, children: vec![], measured: true }];
    if counties {
        for county in &geography.counties {
            let id = nodes.len();
            nodes[0].children.push(id);
            nodes.push(Node { kind: NodeKind::County, label: county.code.clone(), parent: Some(0), children: vec![], measured: true });
        }
        if lanskompotter {
            for (k, county) in geography.counties.iter().enumerate() {
                if !county.has_lanskompott {
                    continue;
                }
                let parent = 1 + k;
                for (kind, prefix, measured) in [(NodeKind::Lanskompott, "L", true), (NodeKind::RestOfCounty, "R", true)] {
                    let id = nodes.len();
                    nodes[parent].children.push(id);
                    nodes.push(Node { kind, label: format!("{prefix}{}", county.code), parent: Some(parent), children: vec![], measured });
                }
            }
        }
    }
    let measured = (0..nodes.len()).filter(|&v| nodes[v].measured).collect();
    Ok(Hierarchy { nodes, measured })
}

impl Hierarchy {
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Node ids of the measured nodes, in the order of the released vector.
    pub fn measured(&self) -> &[usize] {
        &self.measured
    }

    /// Node kinds present in the tree, in [`NodeKind::ALL`] order.
    pub fn kinds(&self) -> Vec<NodeKind> {
        NodeKind::ALL.into_iter().filter(|k| self.nodes.iter().any(|n| n.kind == *k)).collect()
    }

    /// Spreads one block of measured values over the nodes (unmeasured nodes get 0).
    pub fn scatter(&self, measured_values: &[i64]) -> Vec<i64> {
        let mut all = vec![0; self.nodes.len()];
        for (&v, &y) in self.measured.iter().zip(measured_values) {
            all[v] = y;
        }
        all
    }

    /// Checks that one block of exact totals is a possible truth: non-negative, every parent the
    /// sum of its children (an unmeasured child, if any, is filled in as the difference).
    pub fn complete_exact(&self, measured_values: &[i64]) -> Result<Vec<i64>, PrivacyError> {
        let mut all = self.scatter(measured_values);
        if let Some(v) = self.measured.iter().find(|&&v| all[v] < 0) {
            return Err(PrivacyError::InconsistentTotals(format!("{} is negative ({})", self.nodes[*v].label, all[*v])));
        }
        for v in 0..self.nodes.len() {
            let children = &self.nodes[v].children;
            if children.is_empty() {
                continue;
            }
            if let Some(&rest) = children.iter().find(|&&c| !self.nodes[c].measured) {
                let known: i64 = children.iter().filter(|&&c| c != rest).map(|&c| all[c]).sum();
                if known > all[v] {
                    return Err(PrivacyError::InconsistentTotals(format!("parts of {} sum to {known} > {}", self.nodes[v].label, all[v])));
                }
                all[rest] = all[v] - known;
            } else {
                let sum: i64 = children.iter().map(|&c| all[c]).sum();
                if sum != all[v] {
                    return Err(PrivacyError::InconsistentTotals(format!("parts of {} sum to {sum}, not {}", self.nodes[v].label, all[v])));
                }
            }
        }
        Ok(all)
    }

    /// A short text naming the tree's shape (cache key for interval calibrations).
    pub fn signature(&self) -> String {
        self.nodes.iter().map(|n| format!("{:?}{}{}", n.kind, n.parent.map_or(-1, |p| p as i64), if n.measured { "m" } else { "u" })).collect::<Vec<_>>().join(",")
    }
}

/// A three-county tree for unit tests, every level released: nodes 0 nation, 1 "01", 2 "03",
/// 3 "12", 4 länskompott of "12", 5 rest of "12".
#[cfg(test)]
pub(crate) fn small_test_hierarchy() -> Hierarchy {
    let g = Geography {
        counties: vec![
            CountySpec { code: "01".into(), has_lanskompott: false },
            CountySpec { code: "03".into(), has_lanskompott: false },
            CountySpec { code: "12".into(), has_lanskompott: true },
        ],
    };
    make_hierarchy(&g, &[Level::Nation, Level::County, Level::Lanskompott]).unwrap()
}

#[cfg(test)]
#[path = "hierarchy_tests.rs"]
mod tests;
