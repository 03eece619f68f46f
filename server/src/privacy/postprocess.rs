//! Post-processing of a noisy measurement into the published value and its interval.
//!
//! # Privacy
//! Every function here reads only the noisy measurement and data-independent parameters (the
//! interval half-width), never the exact counts. By the post-processing property of zCDP it
//! therefore spends no privacy budget.
//!
//! # Accuracy
//! The true count `x` is never negative. If `[y − t, y + t]` holds `x` with probability 95%, so
//! does its intersection with `[0, ∞)`: `[max(0, y − t), max(0, y + t)]`. The published value
//! `max(0, y)` lies inside it. (Consistency between nation and counties, by weighted least
//! squares over the hierarchy, arrives with the full privacy engine.)

/// One published cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublishedCell {
    pub noisy: i64,
    pub value: i64,
    pub ci_low: i64,
    pub ci_high: i64,
}

pub fn publish(noisy: i64, half_width: i64) -> PublishedCell {
    PublishedCell {
        noisy,
        value: noisy.max(0),
        ci_low: (noisy - half_width).max(0),
        ci_high: (noisy + half_width).max(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn published_cells_are_non_negative_and_inside_their_interval(noisy in -1000i64..1000, t in 0i64..100) {
            let c = publish(noisy, t);
            prop_assert!(c.value >= 0 && c.ci_low >= 0);
            prop_assert!(c.ci_low <= c.value && c.value <= c.ci_high);
        }

        /// Clipping at zero never drops a non-negative truth the raw interval held.
        #[test]
        fn clipping_keeps_every_covered_truth(noisy in -1000i64..1000, t in 0i64..100, truth in 0i64..1000) {
            let c = publish(noisy, t);
            if (noisy - t..=noisy + t).contains(&truth) {
                prop_assert!((c.ci_low..=c.ci_high).contains(&truth));
            }
        }
    }
}
