//! How long the planner takes to find the budget for "± 3 households at county level, 95%"
//! with the standard design over four years and the engine's own calibration (20,000 simulated
//! trees). One plan per process: calibrations are cached per process.
//!
//! `cargo run --release -p kompotten-privacy --example plan_timing`

use std::time::Instant;

use kompotten_privacy::hierarchy::Geography;
use kompotten_privacy::planner::{plan, PlanTarget};
use kompotten_privacy::release::ReleaseSpec;
use kompotten_privacy::sensitivity::Level;
use kompotten_privacy::synthetic::synthetic_standard_design;

fn main() {
    let g = Geography::sweden();
    let spec = ReleaseSpec::new(synthetic_standard_design(), 4);
    let started = Instant::now();
    let p = plan(&g, &spec, &[], PlanTarget::Margin { level: Level::County, households: 3.0 }).unwrap();
    println!(
        "plan ± 3 at county level, {} simulations: {:.1} s; ρ = {:.5}, cheaper ρ missing it = {:?}, margins {:?}",
        spec.simulations,
        started.elapsed().as_secs_f64(),
        p.params.cost.rho,
        p.cheaper_rho_missing_target,
        p.per_level.iter().map(|l| (l.kind, l.margin)).collect::<Vec<_>>()
    );
}
