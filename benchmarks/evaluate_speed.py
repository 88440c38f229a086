"""Benchmark: latency/energy/area evaluation of VGG8 design points after trace reduction.

Points: the main job's grid (``sweeps/vgg8_grid.yaml``: 13 nodes x 3 cells x 3 subarrays x
5 ADC resolutions x 6 parallel reads x 3 cell bits, 8,775 after its filter), synthetic traces.
Measures, in one process with fresh trace and compilation caches:

* the trace reduction per structural key (a key = one network cut: subarray, cell bits, mapping,
  duplication), i.e. the work NeuroSim repeats for every design point (~75 s per VGG8 point);
* the steady evaluation rate of every metric (area, latency, energy, leakage, figures of merit,
  per-layer values), compilation excluded (it is paid once per process; see sweep_speed.py).

Last line: ``evaluate: N points/s, reduction S s per key``.
"""
import os
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    tmp = tempfile.mkdtemp()
    os.environ["DSE_CACHE_DIR"] = tmp            # no reduced traces on disk yet
    os.environ["DSE_NO_COMPILE_CACHE"] = "1"
    import jax
    import numpy as np

    import dse  # noqa: F401
    from dse import design
    from dse import traces as T
    from dse.engine import Evaluation
    from dse.sweep.spec import load_sweep

    sweep = load_sweep(os.path.join(REPO, "sweeps", "vgg8_grid.yaml"))
    idx = np.flatnonzero(~sweep.excluded)
    enc = design.encode([sweep.points[i] for i in idx])
    spent = [0.0]
    orig = T.layer_stats

    def timed(*a, **k):
        t = time.perf_counter()
        try:
            return orig(*a, **k)
        finally:
            spent[0] += time.perf_counter() - t

    T.layer_stats = timed
    t0 = time.perf_counter()
    ev = Evaluation(sweep.network, enc, sweep.traces, batch_size=sweep.batch_size)
    prep = time.perf_counter() - t0
    keys = len(ev.tables)
    ev.executables.ready()
    ready = time.perf_counter() - t0
    rows = ev.order()
    out = ev.run(rows=rows)                      # first run (warm-up)
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        out = ev.run(rows=rows)
        best = min(best, time.perf_counter() - t)
    feasible = int((out["status"] == 0).sum())
    print(f"points: {len(idx)} ({feasible} feasible), structural keys: {keys}, devices: {jax.devices()}")
    print(f"preparation (floorplans, keys, reduction): {prep:.1f} s; reduction {spent[0]:.1f} s in total")
    print(f"cold start (preparation and compilation of every stage): {ready:.1f} s")
    print(f"evaluation of all metrics: {best:.2f} s (best of 3)")
    print(f"evaluate: {len(idx) / best:,.0f} points/s, reduction {spent[0] / max(keys, 1):.1f} s per key")


if __name__ == "__main__":
    sys.exit(main())
