//! Consistent, non-negative, whole published values from noisy measurements (TopDown spirit).
//!
//! # Privacy
//! Every function here reads only the noisy measurements and data-independent parameters (the
//! tree, the noise variances). By the post-processing property of zCDP and of pure DP it costs
//! no privacy budget: the release's cost is the measurement's, nothing more.
//!
//! # Step 1: weighted least squares over the tree
//! Find the consistent vector `x` (every parent equals the sum of its children) minimising
//! `Σ_measured (y_v − x_v)² / σ_v²`. On a tree this has a closed form, computed in two passes
//! (Hay, Rastogi, Miklau & Suciu 2010, with per-node weights):
//!
//! * bottom-up, `z_v` is the best estimate of node v from its own subtree and `V_v` its
//!   variance: the inverse-variance combination of v's measurement `(y_v, σ_v²)` and the sum of
//!   its children's estimates `(Σ z_c, Σ V_c)`;
//! * top-down, the root keeps `x = z`, and each parent's gap `x_v − Σ z_c` is shared among its
//!   children in proportion to their `V_c` (a child with infinite variance, i.e. unmeasured,
//!   would absorb the whole gap; the engine measures every node, the code allows both).
//!
//! The map `y ↦ x` is linear and fixes every consistent `y`, so the error `x − truth` is the
//! same linear map applied to the noise alone: its distribution does not depend on the data.
//! [`crate::interval`] uses that to calibrate intervals by simulation.
//!
//! # Step 2: non-negative whole values, top down
//! The nation is `max(0, round(x_nation))`. Then, parent by parent, the children become the
//! non-negative values closest (Euclidean) to their step-1 estimates that sum to the parent's
//! published value (non-negative least squares with a sum constraint: a projection onto the
//! scaled simplex, here intersected with each child's interval box, see [`publish_whole`]),
//! and are rounded by largest remainder (controlled rounding: floors, then one more unit to
//! the largest fractional parts, ties to the earlier node) so they are whole and sum exactly
//! to the parent.
//!
//! Everything is deterministic in the noisy input (sorting ties are broken by node order), so a
//! stored release is recomputed identically. An input that is already consistent,
//! non-negative and whole is returned unchanged.

use crate::hierarchy::Hierarchy;

/// Step 1: the WLS consistent estimate of every node. `y[v]` and `variance[v]` are per node;
/// unmeasured nodes have `variance = ∞` (their `y` is ignored).
pub fn wls_estimate(h: &Hierarchy, y: &[f64], variance: &[f64]) -> Vec<f64> {
    let nodes = h.nodes();
    let n = nodes.len();
    let mut z = vec![0.0; n];
    let mut var = vec![f64::INFINITY; n];
    for v in (0..n).rev() {
        let own = (y[v], variance[v]);
        let children = &nodes[v].children;
        let below = if children.is_empty() {
            (0.0, f64::INFINITY)
        } else {
            (children.iter().map(|&c| z[c]).sum::<f64>(), children.iter().map(|&c| var[c]).sum::<f64>())
        };
        (z[v], var[v]) = combine(own, below);
    }
    let mut x = vec![0.0; n];
    x[0] = z[0];
    for v in 0..n {
        let children = &nodes[v].children;
        if children.is_empty() {
            continue;
        }
        let gap = x[v] - children.iter().map(|&c| z[c]).sum::<f64>();
        let unbounded = children.iter().filter(|&&c| var[c].is_infinite()).count();
        if unbounded > 0 {
            for &c in children {
                x[c] = z[c] + if var[c].is_infinite() { gap / unbounded as f64 } else { 0.0 };
            }
        } else {
            let total: f64 = children.iter().map(|&c| var[c]).sum();
            for &c in children {
                x[c] = z[c] + gap * var[c] / total;
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

/// Noise variances for step 1 when every measured node carries noise of one scale (one OpenDP
/// call over the whole vector): equal weights; unmeasured nodes are free (∞).
pub fn equal_variances(h: &Hierarchy) -> Vec<f64> {
    h.nodes().iter().map(|n| if n.measured { 1.0 } else { f64::INFINITY }).collect()
}

/// Bounds that only say "non-negative": step 2 without interval boxes.
pub fn non_negative(h: &Hierarchy) -> Vec<(i64, i64)> {
    vec![(0, i64::MAX); h.len()]
}

/// Step 2: non-negative, whole values, consistent down the tree, from the step-1 estimates,
/// each inside its box `bounds[v] = (low, high)` (`0 ≤ low ≤ high`) where the boxes allow it.
///
/// The boxes are the nodes' 95% intervals ([`crate::interval::accepted_truths`]): the sets of
/// truths the estimate does not reject. Keeping each published value inside its own box means
/// the published table is a consistent set of plausible truths, and the interval need not be
/// widened to hold its value (widening would change its coverage). A first bottom-up pass
/// narrows every box to the totals its children's boxes can make. Where the boxes admit no
/// consistent choice (then the truth lies outside at least one of them), a parent's value may
/// not split among its children's boxes: that side of the children's boxes is dropped for
/// this parent, and the interval is later widened to the published value.
pub fn publish_whole(h: &Hierarchy, estimate: &[f64], bounds: &[(i64, i64)]) -> Vec<i64> {
    let nodes = h.nodes();
    // Bottom-up, narrow each box to the totals its children's boxes can make, so that a parent
    // is never given a value its children cannot share (where the boxes disagree, keep the own).
    let mut bounds = bounds.to_vec();
    for v in (0..nodes.len()).rev() {
        let children = &nodes[v].children;
        if children.is_empty() {
            continue;
        }
        let low = children.iter().map(|&c| bounds[c].0).fold(0i64, i64::saturating_add);
        let high = children.iter().map(|&c| bounds[c].1).fold(0i64, i64::saturating_add);
        let narrowed = (bounds[v].0.max(low), bounds[v].1.min(high));
        if narrowed.0 <= narrowed.1 {
            bounds[v] = narrowed;
        }
    }
    let mut out = vec![0i64; nodes.len()];
    let (low, high) = bounds[0];
    out[0] = (estimate[0].round().max(0.0) as i64).clamp(low, high.max(low));
    for v in 0..nodes.len() {
        let children = &nodes[v].children;
        if children.is_empty() {
            continue;
        }
        let targets: Vec<f64> = children.iter().map(|&c| estimate[c]).collect();
        let mut boxes: Vec<(i64, i64)> = children.iter().map(|&c| bounds[c]).collect();
        if boxes.iter().map(|b| b.0).sum::<i64>() > out[v] {
            boxes.iter_mut().for_each(|b| b.0 = 0);
        }
        if boxes.iter().map(|b| b.1.min(out[v])).sum::<i64>() < out[v] {
            boxes.iter_mut().for_each(|b| b.1 = i64::MAX);
        }
        let shares = project_to_boxes(&targets, out[v], &boxes);
        for (&c, value) in children.iter().zip(round_to_total(&shares, out[v], &boxes)) {
            out[c] = value;
        }
    }
    out
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
