//! How long the planner takes to find the budget for "± 3 households at county level, 95%"
//! with the engine's own calibration (20,000 simulated trees), for every person-count
//! indicator over ten periods. One plan per process: calibrations are cached per process.
//!
//! `cargo run --release -p kompotten-privacy --example plan_timing`

use std::time::Instant;

use kompotten_privacy::hierarchy::Geography;
use kompotten_privacy::planner::{plan, PlanTarget};
use kompotten_privacy::release::ReleaseSpec;
use kompotten_privacy::sensitivity::{Level, PeriodLayout};
use kompotten_privacy::synthetic::person_count_catalogue;

fn main() {
    let g = Geography::sweden();
    let spec = ReleaseSpec::new(person_count_catalogue(), vec![Level::Nation, Level::County, Level::Lanskompott], PeriodLayout::PerPeriod(10));
    let started = Instant::now();
    let p = plan(&g, &spec, PlanTarget::Margin { level: Level::County, households: 3.0 }).unwrap();
    println!(
        "plan ± 3 at county level, {} simulations: {:.1} s; ρ = {:.5}, cheaper ρ missing it = {:?}, margins {:?}",
        spec.simulations,
        started.elapsed().as_secs_f64(),
        p.params.mechanism.rho,
        p.cheaper_rho_missing_target,
        p.per_level.iter().map(|l| (l.kind, l.margin)).collect::<Vec<_>>()
    );
}
