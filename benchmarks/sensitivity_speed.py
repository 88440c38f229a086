"""Benchmark: exact sensitivities of every chip metric to every ``wrt`` knob at once, VGG8.

Points: a random sample of the main job's grid (``sweeps/vgg8_grid.yaml``, synthetic traces),
``--points`` of them (default 256), each with its own ``r_on``. Measures, compilation excluded
(paid once per process and kept in the persistent cache; its time is printed):

* the Jacobian (every chip metric by every knob of ``dse.analysis.sensitivity.WRT``, one
  forward-mode program per batch of points of a structural key);
* the branch test (the metrics at each knob x (1 -+ 1%): 2K more evaluations of the model);
* ``dse.sensitivity`` as users call it (both, plus the dataset).

Last line: ``sensitivity: N points/s (K knobs)`` (``dse.sensitivity``, gradients of every chip
metric by every knob for N points per second).

Cold, the three derivative programs compile for many minutes on two cores (the performance
stage's takes about 10 GB of memory); warm (persistent cache) only their tracing is repeated.
"""
import argparse
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=256)
    args = ap.parse_args()
    import jax
    import numpy as np

    import dse
    from dse import design
    from dse.analysis import sensitivity as SM
    from dse.sweep.spec import load_sweep

    sweep = load_sweep(os.path.join(REPO, "sweeps", "vgg8_grid.yaml"))
    rng = np.random.default_rng(0)
    idx = np.flatnonzero(~sweep.excluded)
    points = [dict(sweep.points[i], r_on=float(rng.uniform(2e4, 4e5)))
              for i in sorted(rng.choice(idx, min(args.points, len(idx)), replace=False))]
    k = len(SM.WRT)
    t0 = time.perf_counter()
    sens = SM.Sensitivities(sweep.network, design.encode(points), sweep.traces)
    prep = time.perf_counter() - t0
    t0 = time.perf_counter()
    sens.jacobian(np.arange(1))
    sens.values(SM.scales(k, SM.BRANCH_STEP), np.arange(1))
    compile_s = time.perf_counter() - t0

    def best(fn, n=3):
        out, t_best = None, float("inf")
        for _ in range(n):
            t = time.perf_counter()
            out = fn()
            t_best = min(t_best, time.perf_counter() - t)
        return out, t_best

    raw, t_jac = best(sens.jacobian)
    _, t_val = best(lambda: sens.values(SM.scales(k, SM.BRANCH_STEP)))
    ds, t_all = best(lambda: dse.sensitivity(sweep.network, points, traces=sweep.traces), 2)
    n = len(points)
    feasible = int((raw["status"] == 0).sum())
    print(f"points: {n} ({feasible} feasible), structural keys: {len(sens.plan.keys)}, "
          f"batch {sens.batch} points per call, knobs: {k} ({', '.join(SM.WRT)}), devices: {jax.devices()}")
    print(f"preparation (floorplans, keys, tables): {prep:.1f} s; compilation of both programs: {compile_s:.1f} s")
    print(f"jacobian ({len(SM.CHIP_METRICS)} metrics x {k} knobs): {t_jac:.2f} s, {n / t_jac:,.0f} points/s")
    print(f"branch test (2K = {2 * k} evaluations per point): {t_val:.2f} s, {n / t_val:,.0f} points/s")
    print(f"marked branch changes: {int(ds['branch_change'].values.sum())} of {ds['branch_change'].size} (point, knob)")
    print(f"dse.sensitivity (plan, both programs, dataset): {t_all:.2f} s (best of 2)")
    print(f"sensitivity: {n / t_all:,.1f} points/s ({k} knobs)")


if __name__ == "__main__":
    sys.exit(main())
