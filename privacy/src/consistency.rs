//! Consistent, non-negative, whole published values from noisy measurements (TopDown spirit).
//!
//! # Privacy
//! Every function here reads only the noisy measurements and data-independent parameters (the
//! tree, the noise variances). By the post-processing property of zCDP and of pure DP it costs
//! no privacy budget: the release's cost is the measurements', nothing more.
//!
//! # Step 1: weighted least squares over the tree
//! Find the consistent vector `x` (every node equals the sum of the children of each of its
//! partitions) minimising `Σ_measured (y_v − x_v)² / σ_v²`, where `σ_v²` is the noise variance
//! of the query measuring `v`. On a tree this has a closed form, computed in two passes (Hay,
//! Rastogi, Miklau & Suciu 2010, with per-node weights, and with several partitions per node):
//!
//! * bottom-up, `z_v` is the best estimate of node v from its own subtree and `V_v` its
//!   variance: the inverse-variance combination of v's measurement `(y_v, σ_v²)` and, for each
//!   partition, the sum of its children's estimates `(Σ z_c, Σ V_c)`. The partitions' subtrees
//!   hold disjoint measurements, so these estimates are independent;
//! * top-down, the root keeps `x = z`, and in each partition the gap `x_v − Σ z_c` is shared
//!   among the children in proportion to their `V_c` (an unmeasured child with nothing below,
//!   variance ∞, would absorb the whole gap).
//!
//! Given `x_v`, the partitions' subproblems are independent quadratics, each minimised by this
//! sharing, so the two passes give the exact minimiser. The map `y ↦ x` is linear and fixes
//! every consistent `y`, so the error `x − truth` is the same linear map applied to the noise
//! alone: its distribution does not depend on the data. [`crate::interval`] uses that to
//! calibrate intervals by simulation. It is also unbiased: `E[x] = truth`.
//!
//! # Step 2: non-negative whole values, top down
//! The root is `max(0, round(x_root))` inside its box. Then, node by node and partition by
//! partition, the children become the non-negative values closest (Euclidean) to their step-1
//! estimates that sum to the node's published value (a projection onto the scaled simplex,
//! intersected with each child's interval box, see [`publish_whole`]), and are rounded by largest
//! remainder (controlled rounding: floors, then one more unit to the largest fractional parts,
//! ties to the earlier node) so they are whole and sum exactly to the parent.
//!
//! Non-negativity has a price that no estimator avoids: a cell whose truth is 0 can only be
//! published at 0 or above, so over many releases it averages above 0, and since the parts
//! still sum to their total, the populated cells beside it average a little below their truth.
//! The projection moves every cell of a partition by the same amount (the least total change),
//! and the step-1 estimate of every cell, which is unbiased, is published beside its value.
//!
//! Everything is deterministic in the noisy input (sorting ties are broken by node order), so a
//! stored release is recomputed identically. An input that is already consistent,
//! non-negative and whole is returned unchanged.

use crate::hierarchy::Tree;

/// Step 1: the WLS consistent estimate of every node. `y[v]` and `variance[v]` are per node;
/// unmeasured nodes have `variance = ∞` (their `y` is ignored).
pub fn wls_estimate(tree: &Tree, y: &[f64], variance: &[f64]) -> Vec<f64> {
    let nodes = &tree.nodes;
    let n = nodes.len();
    let mut z = vec![0.0; n];
    let mut var = vec![f64::INFINITY; n];
    for v in (0..n).rev() {
        let mut estimate = (y[v], variance[v]);
        for part in &nodes[v].partitions {
            let below = (part.iter().map(|&c| z[c]).sum::<f64>(), part.iter().map(|&c| var[c]).sum::<f64>());
            estimate = combine(estimate, below);
        }
        (z[v], var[v]) = estimate;
    }
    let mut x = vec![0.0; n];
    x[0] = z[0];
    for v in 0..n {
        for part in &nodes[v].partitions {
            let gap = x[v] - part.iter().map(|&c| z[c]).sum::<f64>();
            let unbounded = part.iter().filter(|&&c| var[c].is_infinite()).count();
            if unbounded > 0 {
                for &c in part {
                    x[c] = z[c] + if var[c].is_infinite() { gap / unbounded as f64 } else { 0.0 };
                }
            } else {
                let total: f64 = part.iter().map(|&c| var[c]).sum();
                for &c in part {
                    x[c] = z[c] + gap * var[c] / total;
                }
            }
        }
    }
    x
}

/// Inverse-variance combination of two independent estimates (either may be absent: ∞).
fn combine((a, va): (f64, f64), (b, vb): (f64, f64)) -> (f64, f64) {
    match (va.is_finite(), vb.is_finite()) {
        (true, true) => {
            let (wa, wb) = (1.0 / va, 1.0 / vb);
            ((a * wa + b * wb) / (wa + wb), 1.0 / (wa + wb))
        }
        (true, false) => (a, va),
        (false, true) => (b, vb),
        (false, false) => (0.0, f64::INFINITY),
    }
}

/// Bounds that only say "non-negative": step 2 without interval boxes.
pub fn non_negative(tree: &Tree) -> Vec<(i64, i64)> {
    vec![(0, i64::MAX); tree.len()]
}

/// Step 2: non-negative, whole values, consistent down the tree, from the step-1 estimates,
/// each inside its box `bounds[v] = (low, high)` (`0 ≤ low ≤ high`) where the boxes allow it.
///
/// The boxes are the nodes' 95% intervals ([`crate::interval::accepted_truths`]): the sets of
/// truths the estimate does not reject. Keeping each published value inside its own box means
/// the published table is a consistent set of plausible truths, and the interval need not be
/// widened to hold its value (widening would change its coverage). A first bottom-up pass
/// narrows every box to the totals each partition's boxes can make (where a partition needs
/// more, or less, than the node's box allows, to the box's nearest end). Where the boxes admit no
/// consistent choice (then the truth lies outside at least one of them), a parent's value may
/// not split among its children's boxes: the fewest children's bounds on that side are
/// dropped for this partition ([`relax_to_total`]), and their intervals are later widened to
/// the published value.
pub fn publish_whole(tree: &Tree, estimate: &[f64], bounds: &[(i64, i64)]) -> Vec<i64> {
    let nodes = &tree.nodes;
    let mut bounds = bounds.to_vec();
    for v in (0..nodes.len()).rev() {
        for part in &nodes[v].partitions {
            let low = part.iter().map(|&c| bounds[c].0).fold(0i64, i64::saturating_add);
            let high = part.iter().map(|&c| bounds[c].1).fold(0i64, i64::saturating_add);
            let (own_low, own_high) = bounds[v];
            bounds[v] = if low > own_high {
                // The children need more than this node's interval allows: its top comes
                // closest, so the fewest children must leave their intervals.
                (own_high, own_high)
            } else if high < own_low {
                (own_low, own_low)
            } else {
                (own_low.max(low), own_high.min(high))
            };
        }
    }
    let mut out = vec![0i64; nodes.len()];
    let (low, high) = bounds[0];
    out[0] = (estimate[0].round().max(0.0) as i64).clamp(low, high.max(low));
    for v in 0..nodes.len() {
        for part in &nodes[v].partitions {
            let targets: Vec<f64> = part.iter().map(|&c| estimate[c]).collect();
            let mut boxes: Vec<(i64, i64)> = part.iter().map(|&c| bounds[c]).collect();
            relax_to_total(&mut boxes, &targets, out[v]);
            let shares = project_to_boxes(&targets, out[v], &boxes);
            for (&c, value) in part.iter().zip(round_to_total(&shares, out[v], &boxes)) {
                out[c] = value;
            }
        }
    }
    out
}

/// Makes the boxes admit `total` with as little change as will do: where their lower ends sum
/// to more, lower ends come down one household at a time, each time from the child with the
/// smallest estimate among those that can give (the weakest evidence of a large value); where
/// their upper ends sum to less, upper ends go up one at a time from the largest estimate.
/// Each moved end is a child whose interval is later widened to hold its value, by as little
/// as the total needs: an interval widened all the way to 0 would cover a zero truth it was
/// right to reject, and over many releases cover zeros more often than 95%.
fn relax_to_total(boxes: &mut [(i64, i64)], targets: &[f64], total: i64) {
    let by_estimate = |a: &usize, b: &usize| targets[*a].total_cmp(&targets[*b]).then(a.cmp(b));
    let mut excess = boxes.iter().map(|b| b.0).sum::<i64>() - total;
    while excess > 0 {
        let Some(k) = (0..boxes.len()).filter(|&k| boxes[k].0 > 0).min_by(by_estimate) else { break };
        boxes[k].0 -= 1;
        excess -= 1;
    }
    let mut missing = total - boxes.iter().map(|b| b.1.min(total)).fold(0i64, i64::saturating_add);
    while missing > 0 {
        let Some(k) = (0..boxes.len()).filter(|&k| boxes[k].1 < total).max_by(by_estimate) else { break };
        boxes[k].1 += 1;
        missing -= 1;
    }
}

/// The point of `{low ≤ x ≤ high, Σ x = total}` closest to `targets`: `x = clamp(t − τ)` with
/// the shift τ found by bisection (the sum is monotone in τ). The boxes must admit `total`.
pub fn project_to_boxes(targets: &[f64], total: i64, boxes: &[(i64, i64)]) -> Vec<f64> {
    let total_f = total as f64;
    // A box's top never needs to exceed the total: keeps the arithmetic finite.
    let clamp = |t: f64, (l, u): (i64, i64)| t.clamp(l as f64, u.min(total.max(l)) as f64);
    let sum_at = |tau: f64| targets.iter().zip(boxes).map(|(t, b)| clamp(t - tau, *b)).sum::<f64>();
    let spread = targets.iter().fold(0.0f64, |m, t| m.max(t.abs())) + total_f + 1.0;
    let (mut lo, mut hi) = (-spread, spread);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if sum_at(mid) > total_f {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let tau = 0.5 * (lo + hi);
    targets.iter().zip(boxes).map(|(t, b)| clamp(t - tau, *b)).collect()
}

/// The point of `{x ≥ 0, Σ x = total}` closest to `targets` (total ≥ 0), by the sort-based
/// algorithm; used to check [`project_to_boxes`].
pub fn project_to_simplex(targets: &[f64], total: f64) -> Vec<f64> {
    if total <= 0.0 {
        return vec![0.0; targets.len()];
    }
    let mut sorted = targets.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    // τ such that Σ max(0, t − τ) = total: the largest k with sorted[k-1] > (prefix_k − total)/k.
    let (mut prefix, mut tau) = (0.0, 0.0);
    for (k, t) in sorted.iter().enumerate() {
        prefix += t;
        let candidate = (prefix - total) / (k + 1) as f64;
        if *t > candidate {
            tau = candidate;
        }
    }
    targets.iter().map(|t| (t - tau).max(0.0)).collect()
}

/// Whole values summing exactly to `total`, each the floor or ceiling of its share (largest
/// remainder; ties go to the earlier entry) and inside its box. `shares` must lie in their
/// boxes and sum to about `total`.
pub fn round_to_total(shares: &[f64], total: i64, boxes: &[(i64, i64)]) -> Vec<i64> {
    let mut out: Vec<i64> = shares.iter().zip(boxes).map(|(s, b)| (s.floor() as i64).clamp(b.0, b.1)).collect();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| (shares[b] - shares[b].floor()).total_cmp(&(shares[a] - shares[a].floor())).then(a.cmp(&b)));
    let mut missing = total - out.iter().sum::<i64>();
    // Largest remainders first; a second round only if floating-point slack left units over.
    for &k in order.iter().chain(order.iter()) {
        if missing <= 0 {
            break;
        }
        if out[k] < boxes[k].1 {
            out[k] += 1;
            missing -= 1;
        }
    }
    // Slack the other way: take units back from the smallest remainders that can spare them.
    for &k in order.iter().rev() {
        if missing >= 0 {
            break;
        }
        if out[k] > boxes[k].0 {
            out[k] -= 1;
            missing += 1;
        }
    }
    out
}

#[cfg(test)]
#[path = "consistency_tests.rs"]
mod tests;
