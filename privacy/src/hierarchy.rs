//! The geography, and the tree one indicator's queries are made consistent over.
//!
//! # Areas
//! Every release reads the exact totals of every area for every period of its window, in one
//! fixed order ([`Geography::areas`]): the nation, the counties, then for each county with a
//! länskompott the länskompott (`L12`) and the rest of the county (`R12`).
//!
//! # The tree of one indicator
//! A node is an area over a time cell (one period, or the whole window). The root is the nation
//! over the window. Its children come in *partitions*, each of which sums to it:
//!
//! ```text
//! nation, window
//! ├─ partition by period (nation released per period):   nation, p₁ … nation, p_P
//! │                                                       └─ counties per period, and their parts
//! └─ partition by county (counties released as window totals): county c, window
//!                                                              └─ länskompott + rest of county
//! ```
//!
//! A node is measured when a query of the design releases it; the root is measured when the
//! nation is released as the window's total. With a window of one period, per period and window
//! are the same cells, and the tree has no period nodes.
//!
//! Nodes are stored parents before children, so a reverse scan visits children before their
//! parents. This module only describes data-independent structure; it spends no budget.

use serde::{Deserialize, Serialize};

use crate::design::{levels_of, ReleaseDesign};
use crate::error::PrivacyError;
use crate::sensitivity::{Level, TimeLayout};

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

/// What an area is. Each kind is reported as one "level" to readers.
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

    /// The released level measuring this kind of area.
    pub fn level(self) -> Level {
        match self {
            NodeKind::Nation => Level::Nation,
            NodeKind::County => Level::County,
            NodeKind::Lanskompott | NodeKind::RestOfCounty => Level::Lanskompott,
        }
    }
}

/// An area of the geography.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Area {
    pub kind: NodeKind,
    /// "SE", the county code, "L12" (länskompott of county 12) or "R12" (rest of county 12).
    pub label: String,
}

impl Geography {
    pub fn sweden() -> Self {
        Geography {
            counties: SWEDISH_COUNTIES.iter().map(|c| CountySpec { code: (*c).to_string(), has_lanskompott: LANSKOMPOTT_COUNTIES.contains(c) }).collect(),
        }
    }

    /// Every area, in the order of the exact input: nation, counties, then länskompott and rest
    /// of each county that has one.
    pub fn areas(&self) -> Vec<Area> {
        let mut areas = vec![Area { kind: NodeKind::Nation, label: "SE".into() }];
        areas.extend(self.counties.iter().map(|c| Area { kind: NodeKind::County, label: c.code.clone() }));
        for c in self.counties.iter().filter(|c| c.has_lanskompott) {
            areas.push(Area { kind: NodeKind::Lanskompott, label: format!("L{}", c.code) });
            areas.push(Area { kind: NodeKind::RestOfCounty, label: format!("R{}", c.code) });
        }
        areas
    }

    /// The areas of one level, in [`Geography::areas`] order, as indices into it.
    pub fn areas_of(&self, level: Level) -> Vec<usize> {
        self.areas().iter().enumerate().filter(|(_, a)| a.kind.level() == level).map(|(k, _)| k).collect()
    }

    /// Checks one period's exact totals (one per area): non-negative, the nation the sum of the
    /// counties, each county with a länskompott the sum of its two parts.
    pub fn check_exact(&self, values: &[i64]) -> Result<(), PrivacyError> {
        let areas = self.areas();
        if values.len() != areas.len() {
            return Err(PrivacyError::ShapeMismatch { what: "one period's exact totals (one per area)", expected: areas.len(), got: values.len() });
        }
        if let Some(k) = values.iter().position(|v| *v < 0) {
            return Err(PrivacyError::InconsistentTotals(format!("{} is negative ({})", areas[k].label, values[k])));
        }
        let counties: i64 = values[1..=self.counties.len()].iter().sum();
        if counties != values[0] {
            return Err(PrivacyError::InconsistentTotals(format!("the counties sum to {counties}, not {}", values[0])));
        }
        for (k, c) in self.counties.iter().enumerate() {
            if !c.has_lanskompott {
                continue;
            }
            let l = areas.iter().position(|a| a.label == format!("L{}", c.code)).unwrap_or(0);
            if values[l] + values[l + 1] != values[1 + k] {
                return Err(PrivacyError::InconsistentTotals(format!("the parts of {} sum to {}, not {}", c.code, values[l] + values[l + 1], values[1 + k])));
            }
        }
        Ok(())
    }
}

/// A time cell: one period of the window (by index) or the whole window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeCell {
    Period(usize),
    Window,
}

/// One node of an indicator's tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    /// The area's index in [`Geography::areas`].
    pub area: usize,
    pub time: TimeCell,
    pub parent: Option<usize>,
    /// Groups of children, each summing to this node.
    pub partitions: Vec<Vec<usize>>,
    /// The query measuring this node (index into the design's queries), if any.
    pub measured_by: Option<usize>,
}

/// The tree of one indicator of a design over a window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tree {
    pub nodes: Vec<Node>,
    /// Periods in the window.
    pub periods: usize,
}

/// Builds indicator `i`'s tree for `design` over a window of `periods` periods.
pub fn make_tree(geography: &Geography, design: &ReleaseDesign, i: usize, periods: usize) -> Result<Tree, PrivacyError> {
    if periods == 0 {
        return Err(PrivacyError::NoPeriods);
    }
    let mut at = levels_of(design, i)?;
    if periods == 1 {
        // One period: per period and window are the same cells.
        at = at.map(|t| t.map(|_| TimeLayout::Window));
    }
    let query_at = |level: Level| design.queries_of(i).into_iter().map(|(q, _)| q).find(|&q| design.queries[q].level == level);
    let areas = geography.areas();
    let county_areas = geography.areas_of(Level::County);
    let mut nodes: Vec<Node> = Vec::new();
    let nation_q = query_at(Level::Nation);
    let root = push(&mut nodes, NodeKind::Nation, 0, TimeCell::Window, None, if at[0] == Some(TimeLayout::Window) { nation_q } else { None });
    let counties =
        CountyQueries { county: query_at(Level::County), parts: at[2].and(query_at(Level::Lanskompott)), county_areas: &county_areas, areas: &areas };
    if at[0] == Some(TimeLayout::PerPeriod) {
        let ids: Vec<usize> = (0..periods).map(|p| push(&mut nodes, NodeKind::Nation, 0, TimeCell::Period(p), Some(root), nation_q)).collect();
        nodes[root].partitions.push(ids.clone());
        if at[1] == Some(TimeLayout::PerPeriod) {
            for (p, id) in ids.into_iter().enumerate() {
                counties.push_under(&mut nodes, geography, id, TimeCell::Period(p));
            }
        }
    }
    if at[1] == Some(TimeLayout::Window) {
        counties.push_under(&mut nodes, geography, root, TimeCell::Window);
    }
    Ok(Tree { nodes, periods })
}

fn push(nodes: &mut Vec<Node>, kind: NodeKind, area: usize, time: TimeCell, parent: Option<usize>, measured_by: Option<usize>) -> usize {
    nodes.push(Node { kind, area, time, parent, partitions: Vec::new(), measured_by });
    nodes.len() - 1
}

/// The county level's queries, for adding counties (and their parts) under a node.
struct CountyQueries<'a> {
    county: Option<usize>,
    /// The länskompott level's query, when it is released.
    parts: Option<usize>,
    county_areas: &'a [usize],
    areas: &'a [Area],
}

impl CountyQueries<'_> {
    /// Adds the counties under `parent` at `time` as one partition, each county with a
    /// länskompott partitioned into its two parts. Parents stay before their children.
    fn push_under(&self, nodes: &mut Vec<Node>, geography: &Geography, parent: usize, time: TimeCell) {
        let ids: Vec<usize> = self.county_areas.iter().map(|&a| push(nodes, NodeKind::County, a, time, Some(parent), self.county)).collect();
        nodes[parent].partitions.push(ids.clone());
        let Some(parts) = self.parts else { return };
        for (&id, c) in ids.iter().zip(&geography.counties) {
            if !c.has_lanskompott {
                continue;
            }
            let l = self.areas.iter().position(|a| a.label == format!("L{}", c.code)).unwrap_or(0);
            let children = vec![
                push(nodes, NodeKind::Lanskompott, l, time, Some(id), Some(parts)),
                push(nodes, NodeKind::RestOfCounty, l + 1, time, Some(id), Some(parts)),
            ];
            nodes[id].partitions.push(children);
        }
    }
}

impl Tree {
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The exact total of every node from one indicator's exact totals, laid out
    /// `[period][area]` ([`Geography::areas`] order).
    pub fn truth(&self, exact: &[i64], areas: usize) -> Vec<i64> {
        self.nodes
            .iter()
            .map(|n| match n.time {
                TimeCell::Period(p) => exact[p * areas + n.area],
                TimeCell::Window => (0..self.periods).map(|p| exact[p * areas + n.area]).sum(),
            })
            .collect()
    }

    /// The nodes measured by query `q`, in the order of the query's noisy vector for this
    /// indicator: by area, then by period.
    pub fn measured_by(&self, q: usize) -> Vec<usize> {
        let mut ids: Vec<usize> = (0..self.len()).filter(|&v| self.nodes[v].measured_by == Some(q)).collect();
        ids.sort_by_key(|&v| (self.nodes[v].area, self.nodes[v].time));
        ids
    }

    /// A short text naming the tree's shape (with the noise variance of each node, part of the
    /// interval calibration's cache key).
    pub fn signature(&self, variance: &[f64]) -> String {
        self.nodes
            .iter()
            .zip(variance)
            .map(|(n, v)| format!("{:?}{:?}{}:{}:{:016x}", n.kind, n.time, n.parent.map_or(-1, |p| p as i64), n.partitions.len(), v.to_bits()))
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
#[path = "hierarchy_tests.rs"]
mod tests;
