use super::*;

#[test]
fn sweden_has_21_counties_and_4_lanskompotter() {
    let g = Geography::sweden();
    assert_eq!(g.counties.len(), 21);
    assert_eq!(g.counties.iter().filter(|c| c.has_lanskompott).count(), 4);
    let h = make_hierarchy(&g, &[Level::Nation, Level::County, Level::Lanskompott]).unwrap();
    // nation + 21 counties + 4 × (länskompott, rest)
    assert_eq!(h.len(), 1 + 21 + 8);
    assert_eq!(h.measured().len(), 1 + 21 + 8);
    assert_eq!(h.kinds(), NodeKind::ALL.to_vec());
    for (v, node) in h.nodes().iter().enumerate() {
        for &c in &node.children {
            assert!(c > v, "children come after their parent");
            assert_eq!(h.nodes()[c].parent, Some(v));
        }
        assert!(node.measured);
    }
}

#[test]
fn levels_shape_the_tree() {
    let g = Geography::sweden();
    assert_eq!(make_hierarchy(&g, &[Level::Nation]).unwrap().len(), 1);
    assert_eq!(make_hierarchy(&g, &[Level::County, Level::Nation]).unwrap().len(), 22);
    assert!(matches!(make_hierarchy(&g, &[Level::County]), Err(PrivacyError::InvalidLevels(_))));
    assert!(matches!(make_hierarchy(&g, &[Level::Nation, Level::Lanskompott]), Err(PrivacyError::InvalidLevels(_))));
    assert_eq!(make_hierarchy(&g, &[Level::Nation, Level::Nation]), Err(PrivacyError::DuplicateLevel(Level::Nation)));
}

#[test]
fn exact_totals_are_checked_and_completed() {
    let g = Geography { counties: vec![CountySpec { code: "01".into(), has_lanskompott: false }, CountySpec { code: "12".into(), has_lanskompott: true }] };
    let h = make_hierarchy(&g, &[Level::Nation, Level::County, Level::Lanskompott]).unwrap();
    // nodes (all measured): nation, 01, 12, L12, R12
    assert_eq!(h.complete_exact(&[5, 2, 3, 1, 2]).unwrap(), vec![5, 2, 3, 1, 2]);
    assert!(matches!(h.complete_exact(&[6, 2, 3, 1, 2]), Err(PrivacyError::InconsistentTotals(_))));
    assert!(matches!(h.complete_exact(&[5, 2, 3, 4, 2]), Err(PrivacyError::InconsistentTotals(_))));
    assert!(matches!(h.complete_exact(&[-1, -1, 0, 0, 0]), Err(PrivacyError::InconsistentTotals(_))));
}
