#!/usr/bin/env python3
"""The same full release in Python, the way a statistician would build it, timed against the
Rust engine in one run.

    pip install opendp numpy scipy
    python3 privacy/compare/release.py            # from the repository root

It first runs the Rust example (`cargo run --release -p kompotten-privacy --example accuracy --
--time-release FILE`), which times one full release (29 person-count indicators x 10 periods x
nation + 21 counties + 4 länskompotter + their 4 rests: 8,700 noise values; best of 5) and
writes the exact totals, the tree and the noise scale to FILE. Then it builds the same release
in Python:

* noise: OpenDP's Python API, `make_gaussian` on a vector of integers with the L2 distance
  (the discrete Gaussian), one call over the whole vector, at the same scale;
* consistency: weighted least squares over the tree with scipy (`scipy.linalg.lstsq` on the
  design matrix, all blocks at once), then, top down, the non-negative values closest to the
  estimates that sum to the parent (projection onto the simplex, numpy) and largest-remainder
  rounding.

The Python version skips the interval boxes the engine keeps published values in (so it does a
little less work). It prints both times (best of 5 each) and the ratio.
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


def build_tree(parents):
    n = len(parents)
    children = [[] for _ in range(n)]
    for v, p in enumerate(parents):
        if p >= 0:
            children[p].append(v)
    leaves = [v for v in range(n) if not children[v]]
    # below[v, l] = 1 if leaf l lies under node v
    below = np.zeros((n, len(leaves)))
    for j, leaf in enumerate(leaves):
        v = leaf
        while v >= 0:
            below[v, j] = 1.0
            v = parents[v]
    return children, below


def project_to_simplex(t, total):
    if total <= 0:
        return np.zeros_like(t)
    u = np.sort(t)[::-1]
    css = np.cumsum(u) - total
    k = np.arange(1, len(t) + 1)
    cond = u - css / k > 0
    rho = k[cond][-1]
    tau = css[cond][-1] / rho
    return np.maximum(t - tau, 0.0)


def round_to_total(shares, total):
    out = np.floor(shares).astype(np.int64)
    left = int(total - out.sum())
    if left > 0:
        order = np.argsort(-(shares - np.floor(shares)), kind="stable")
        out[order[:left]] += 1
    return out


def python_release(data):
    parents, measured = data["parents"], data["measured"]
    exact = np.array(data["exact"], dtype=np.int64)
    m, n = len(measured), len(parents)
    children, below = build_tree(parents)
    design = below[measured, :]

    # Noise: OpenDP's discrete Gaussian over the whole vector in one call.
    started = time.perf_counter()
    meas = dp.m.make_gaussian(dp.vector_domain(dp.atom_domain(T=int)), dp.l2_distance(T=float), scale=data["scale"])
    noisy = np.array(meas(exact.tolist()), dtype=np.int64)
    noise_seconds = time.perf_counter() - started

    # Consistency: least squares over the tree (equal weights), every block at once.
    y = noisy.reshape(-1, m).T.astype(float)  # measured x blocks
    leaves, *_ = scipy.linalg.lstsq(design, y)
    estimate = (below @ leaves).T  # blocks x nodes

    published = np.zeros_like(estimate, dtype=np.int64)
    published[:, 0] = np.maximum(np.round(estimate[:, 0]), 0)
    for b in range(estimate.shape[0]):
        for v in range(n):
            if children[v]:
                shares = project_to_simplex(estimate[b, children[v]], published[b, v])
                published[b, children[v]] = round_to_total(shares, published[b, v])
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
    print(f"values: {len(data['exact'])}, blocks: {published.shape[0]}")
    print(f"rust engine (best of 5):   {rust * 1000:8.1f} ms")
    print(f"python opendp+scipy (best of 5): {python * 1000:8.1f} ms (of which OpenDP noise {min(noise_times) * 1000:.1f} ms)")
    print(f"ratio python / rust: {python / rust:.2f}")


if __name__ == "__main__":
    sys.exit(main())
