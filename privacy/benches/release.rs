//! A full release: the standard design (all 29 person-count indicators; the headline figures
//! per period nationally and per county and länskompott over the window) over ten periods,
//! discrete Gaussian. Compared, in the same run, with OpenDP alone drawing the same number of
//! noise values.
//!
//! `cargo bench -p kompotten-privacy --bench release`
//!
//! The interval calibration is computed once per parameter set and cached (and stored with the
//! release); it is done before the timed loop and its one-off cost is printed separately.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use kompotten_privacy::hierarchy::Geography;
use kompotten_privacy::release::{prepare_release, recompute, release_with, ReleaseSpec};
use kompotten_privacy::synthetic::{synthetic_standard_design, synthetic_totals};

fn bench(c: &mut Criterion) {
    let g = Geography::sweden();
    let spec = ReleaseSpec::new(synthetic_standard_design(), 10);
    let exact = synthetic_totals(&g, &spec.design.indicators, 10, 14, 1);
    let started = Instant::now();
    let params = prepare_release(&g, &spec, 1.0).unwrap();
    eprintln!("one-off per parameter set: split, calibration + {} simulated trees per tree shape: {:?}", spec.simulations, started.elapsed());
    let stored = release_with(&params, &exact).unwrap();
    let released = stored.noisy.len();
    eprintln!("{released} noise values per release (ρ = {}, ε = {:.3} at δ = {})", params.cost.rho, params.cost.epsilon, params.cost.delta);

    let mut group = c.benchmark_group("full_release");
    group.sample_size(20).measurement_time(Duration::from_secs(12));
    group.bench_function("opendp_alone", |b| {
        // OpenDP's make_gaussian at the headline query's scale on a vector of the same length:
        // the draws without any selection, composition, maps or post-processing.
        let sampler = params.noise[0].sampler().unwrap();
        b.iter(|| black_box(sampler.invoke(black_box(&vec![0; released])).unwrap()))
    });
    group.bench_function("pipeline", |b| b.iter(|| black_box(release_with(black_box(&params), black_box(&exact)).unwrap())));
    group.bench_function("recompute_only", |b| b.iter(|| black_box(recompute(black_box(&params), black_box(&stored.noisy)).unwrap())));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
