#!/usr/bin/env python3
"""The same full release in Python, the way a statistician would build it, timed against the
Rust engine in one run.

    pip install opendp numpy scipy
    python3 privacy/compare/release.py            # from the repository root

It first runs the Rust example (`cargo run --release -p kompotten-privacy --example accuracy --
--time-release FILE`), which times one full release of the standard design over ten periods
(best of 5) and writes the exact totals and, for every query, its noise scale, how many times
each cell is measured and each measured cell as the finest cells (period x county without
länskompott, länskompott, rest of county) it sums. Then it builds the same release in Python:

* noise: OpenDP's Python API, `make_gaussian` on a vector of integers with the L2 distance
  (the discrete Gaussian), one call per query over all its cells and repeats, at the query's
  scale, the repeats averaged;
* consistency: per indicator, weighted least squares over its finest cells with scipy
  (`scipy.linalg.lstsq` on the weighted design matrix), every node's estimate the sum of its
  finest cells, then each published value the estimate rounded and clipped at zero.

The Python version skips the engine's consistent controlled rounding, its interval boxes and
the intervals themselves, so it does less work than the engine: the ratio it prints
understates what the whole release costs in Python. It prints both times (best of 5 each) and
the ratio.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy.linalg

import opendp.prelude as dp

dp.enable_features("contrib")


def rust_release(path):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    cmd = ["cargo", "run", "--quiet", "--release", "-p", "kompotten-privacy", "--example", "accuracy", "--", "--time-release", path]
    out = subprocess.run(cmd, cwd=repo, check=True, capture_output=True, text=True).stdout
    return float(next(line.split("=")[1] for line in out.splitlines() if line.startswith("rust_release_seconds=")))


def python_release(data):
    exact = np.array(data["exact"], dtype=np.int64)
    block = data["block"]
    noise_seconds = 0.0
    rows = {}  # indicator -> list of (finest cells, noisy value, weight)
    for query in data["queries"]:
        cells, k = query["cells"], query["repeats"]
        truth = [int(exact[c].sum()) for c in cells]
        started = time.perf_counter()
        meas = dp.m.make_gaussian(dp.vector_domain(dp.atom_domain(T=int)), dp.l2_distance(T=float), scale=query["scale"])
        noisy = np.array(meas(truth * k), dtype=np.int64).reshape(k, -1).mean(axis=0)
        noise_seconds += time.perf_counter() - started
        weight = k / query["scale"] ** 2
        for c, y in zip(cells, noisy):
            rows.setdefault(c[0] // block, []).append((c, y, weight))
    published = []
    for indicator, measured in sorted(rows.items()):
        leaves = sorted({x for c, _, _ in measured for x in c})
        column = {x: j for j, x in enumerate(leaves)}
        design = np.zeros((len(measured), len(leaves)))
        for r, (c, _, _) in enumerate(measured):
            design[r, [column[x] for x in c]] = 1.0
        w = np.sqrt(np.array([m[2] for m in measured]))
        y = np.array([m[1] for m in measured])
        fit, *_ = scipy.linalg.lstsq(design * w[:, None], y * w)
        published.append(np.maximum(np.round(design @ fit), 0).astype(np.int64))
    return published, noise_seconds


def main():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "release.json")
        rust = rust_release(path)
        with open(path) as f:
            data = json.load(f)
    times, noise_times = [], []
    for _ in range(5):
        started = time.perf_counter()
        published, noise_seconds = python_release(data)
        times.append(time.perf_counter() - started)
        noise_times.append(noise_seconds)
    python = min(times)
    print(f"queries: {len(data['queries'])}, measured cells: {sum(len(q['cells']) for q in data['queries'])}, indicators: {len(published)}")
    print(f"rust engine (best of 5):   {rust * 1000:8.1f} ms")
    print(f"python opendp+scipy (best of 5): {python * 1000:8.1f} ms (of which OpenDP noise {min(noise_times) * 1000:.1f} ms)")
    print(f"ratio python / rust: {python / rust:.2f}")


if __name__ == "__main__":
    sys.exit(main())
