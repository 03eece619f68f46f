//! A full release: 21 counties + nation + 4 länskompotter (and their rests), all 29
//! person-count indicators, 10 periods as per-period cells, discrete Gaussian. Compared, in the
//! same run, with OpenDP alone drawing the same number of noise values.
//!
//! `cargo bench -p kompotten-privacy --bench release`
//!
//! The interval calibration is computed once per parameter set and cached (and stored with the
//! release); it is done before the timed loop and its one-off cost is printed separately.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use kompotten_privacy::hierarchy::{make_hierarchy, Geography};
use kompotten_privacy::mechanism::CalibratedMechanism;
use kompotten_privacy::release::{prepare_release, recompute, release_with, ReleaseSpec};
use kompotten_privacy::sensitivity::{Level, PeriodLayout};
use kompotten_privacy::synthetic::{person_count_catalogue, synthetic_totals};

fn bench(c: &mut Criterion) {
    let g = Geography::sweden();
    let levels = vec![Level::Nation, Level::County, Level::Lanskompott];
    let spec = ReleaseSpec::new(person_count_catalogue(), levels.clone(), PeriodLayout::PerPeriod(10));
    let h = make_hierarchy(&g, &levels).unwrap();
    let exact = synthetic_totals(&h, &g, &spec.indicators, 10, 14, 1);
    let started = Instant::now();
    let params = prepare_release(&g, &spec, 1.0).unwrap();
    eprintln!("one-off per parameter set: sensitivity + calibration + {} simulated trees: {:?}", spec.simulations, started.elapsed());
    let released = exact.len();
    eprintln!("{released} noise values per release (σ = {:.3}, ρ = {}, ε = {:.3} at δ = {})", params.mechanism.scale, params.mechanism.rho, params.mechanism.epsilon, params.mechanism.delta);

    let mut group = c.benchmark_group("full_release");
    group.sample_size(20).measurement_time(Duration::from_secs(12));
    group.bench_function("opendp_alone", |b| {
        b.iter(|| {
            // Build OpenDP's make_gaussian at the same scale and invoke it on a vector of the same
            // length (what `CalibratedMechanism::invoke` is: no privacy maps evaluated).
            let m = CalibratedMechanism { params: params.mechanism };
            black_box(m.invoke(black_box(&vec![0; released])).unwrap())
        })
    });
    group.bench_function("pipeline", |b| b.iter(|| black_box(release_with(black_box(&params), black_box(&exact)).unwrap())));
    let stored = release_with(&params, &exact).unwrap();
    group.bench_function("recompute_only", |b| b.iter(|| black_box(recompute(black_box(&params), black_box(&stored.noisy)).unwrap())));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
