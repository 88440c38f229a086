"""Benchmark: NeuroSim's recorded VGG8 traces reduced for the main job's structural keys.

Keys: those of the main job's grid (``sweeps/vgg8_grid.yaml``: 3 subarray sizes x SRAM and
1/2/4-bit RRAM/FeFET cells, 12 keys); traces: ``../shared/conformance/traces/vgg8`` (gzipped CSV,
relative to the repository). Measures, in one process:

* cold: a fresh ``DSE_CACHE_DIR``; every CSV parsed (and cached as binary arrays), then each key's
  eight layers reduced (digits, cuts and reduction);
* cached: in-memory caches dropped, each key's statistics read back from the disk cache;
* end to end (skip with ``--no-e2e``): ``dse run`` of the main job's grid with ``traces:`` set to
  the recorded folder (a temporary sweep file, path relative to it as the sweep loader resolves
  it), cold (fresh cache folder: no parsed traces, statistics or compiled executables) and warm
  (the same folder again).

Last line: ``traces: S s per structural key (recorded VGG8, cold), read R s``: ``S`` the cold
time (parsing included) over the keys, ``R`` the time per key to read the cached statistics.
"""
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRACES = os.path.normpath(os.path.join(REPO, "..", "shared", "conformance", "traces", "vgg8"))
GRID = os.path.join(REPO, "sweeps", "vgg8_grid.yaml")


def main_job_keys():
    """(network, structural keys) of the main job's grid (one tuple of per-layer keys each)."""
    import numpy as np

    from dse import design
    from dse import traces as T
    from dse.engine import Evaluation
    from dse.plan import STATE_ENTRIES
    from dse.sweep.spec import load_sweep
    from dse.tech.params import make_params

    sweep = load_sweep(GRID)
    enc = design.encode([sweep.points[i] for i in np.flatnonzero(~sweep.excluded)])
    ev = Evaluation(sweep.network, enc, None, batch_size=sweep.batch_size, keys_only=True)
    ok = np.asarray(ev.fp.status) == 0
    _index, keys = T.network_keys(ev.fp, make_params(enc), ev.num_layers, STATE_ENTRIES, valid=ok)
    return sweep.network, keys


def label(key) -> str:
    k = key[0]
    cell = "SRAM" if k.num_levels == 1 else f"{k.cell_bits}-bit RRAM/FeFET"
    return f"subarray {k.cut.sub:4d}, {cell}"


def reduce_all(net, keys) -> list[float]:
    """Seconds per key to obtain its statistics (every layer)."""
    from dse import traces as T

    out = []
    for key in keys:
        t = time.perf_counter()
        for layer, k in enumerate(key):
            T.layer_stats(TRACES, net, layer, k)
        out.append(time.perf_counter() - t)
    return out


def end_to_end(tmp: str) -> tuple[float, float, int]:
    """Wall seconds of ``dse run`` on the main job's grid with recorded traces, cold then warm, and
    the number of points."""
    with open(GRID) as f:
        text = f.read()
    sweep = os.path.join(tmp, "vgg8_grid_recorded.yaml")
    with open(sweep, "w") as f:
        f.write(text.replace("traces: null", f"traces: {os.path.relpath(TRACES, tmp)}"))
    env = dict(os.environ, DSE_CACHE_DIR=os.path.join(tmp, "e2e_cache"))
    env.pop("DSE_NO_COMPILE_CACHE", None)
    walls = []
    for run in ("cold", "warm"):
        out = os.path.join(tmp, f"{run}.nc")
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "dse", "run", sweep, "--out", out, "--force", "--quiet"], check=True,
                       env=env, cwd=REPO, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - t)
    import xarray as xr
    with xr.open_dataset(os.path.join(tmp, "warm.nc")) as ds:
        evaluated = int((ds["status"].values & (1 << 8) == 0).sum())
    return walls[0], walls[1], evaluated


def main(argv):
    if not os.path.isdir(TRACES):
        sys.exit(f"no recorded traces at {TRACES}")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DSE_CACHE_DIR"] = os.path.join(tmp, "cache")
        from dse import traces as T
        from dse.traces import cache

        net, keys = main_job_keys()
        t = time.perf_counter()
        for layer in range(len(net.layers)):
            T.load_layer(TRACES, net, layer, 8, 8)
        parse = time.perf_counter() - t
        cold = reduce_all(net, keys)
        cache.clear_memory()
        cached = reduce_all(net, keys)
        print(f"structural keys: {len(keys)}; parsing the CSVs: {parse:.1f} s (once, then binary)")
        for key, c, w in sorted(zip(keys, cold, cached), key=lambda z: label(z[0])):
            print(f"  {label(key)}: {c:6.2f} s cold, {w:.3f} s cached")
        if "--no-e2e" not in argv:
            c, w, n = end_to_end(tmp)
            print(f"main job with recorded traces ({n} points), end to end: {c:.1f} s cold, {w:.1f} s warm")
    total = parse + sum(cold)
    print(f"traces: {total / len(keys):.1f} s per structural key (recorded VGG8, cold), "
          f"read {sum(cached) / len(keys):.3f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
