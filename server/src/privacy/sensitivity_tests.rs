use super::*;

#[test]
fn slice_release_has_sensitivity_two() {
    let s = l2_sensitivity(&Indicator::ALL, &[GeographyLevel::County, GeographyLevel::Nation]);
    assert_eq!(s, 2.0);
}

#[test]
fn sensitivity_grows_with_levels_and_indicators() {
    assert_eq!(l2_sensitivity(&[Indicator::HouseholdsMovedOut], &[GeographyLevel::Nation]), 1.0);
    assert_eq!(
        l2_sensitivity(&[Indicator::HouseholdsMovedOut], &[GeographyLevel::Nation, GeographyLevel::County]),
        2f64.sqrt()
    );
    assert_eq!(l2_sensitivity(&[], &[GeographyLevel::Nation]), 0.0);
}

/// The bound is a worst case over real neighbouring datasets: adding one household (one sender,
/// one receiver, anywhere) to a dataset never moves the release vector by more than Δ₂.
#[test]
fn bound_covers_every_single_household_change() {
    let counties = 21;
    let delta = l2_sensitivity(&Indicator::ALL, &[GeographyLevel::County, GeographyLevel::Nation]);
    for sender_county in 0..counties {
        for receiver_county in 0..counties {
            // vector: [sent per county.., sent nation, received per county.., received nation]
            let mut change = vec![0i64; 2 * (counties + 1)];
            change[sender_county] += 1;
            change[counties] += 1;
            change[counties + 1 + receiver_county] += 1;
            change[2 * counties + 1] += 1;
            let norm = (change.iter().map(|d| (d * d) as f64).sum::<f64>()).sqrt();
            assert!(norm <= delta + 1e-12, "{sender_county}->{receiver_county}: {norm} > {delta}");
        }
    }
}
