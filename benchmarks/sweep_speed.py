"""Benchmark: the main job, ``dse run sweeps/vgg8_grid.yaml``, from a cold and from a warm start.

Each run is a fresh process writing a fresh output, so its wall time includes start-up (imports),
trace reduction, compilation and writing the dataset:

* cold: an empty cache folder (``DSE_CACHE_DIR``) and the persistent compilation cache off
  (``DSE_NO_COMPILE_CACHE=1``): every trace reduced, every stage compiled;
* fill (not reported in the last line): the same cache folder, the compilation cache on, to store
  the compiled programs;
* warm: the same command again with the filled cache folder (traces' statistics and compiled
  programs on disk), as a user's second run.

Runs on whatever device JAX sees (GPU when present). Last line:
``sweep: N points in S s cold, W s warm``.
"""
import os
import subprocess
import sys
import tempfile
import time

import xarray as xr

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(sweep: str, out: str, env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dse", "run", sweep, "--out", out, "--quiet", "--force"], check=True,
                   env=env, cwd=REPO)
    return time.perf_counter() - t0


def main(sweep=os.path.join(REPO, "sweeps", "vgg8_grid.yaml")):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "result.nc")
        base = {k: v for k, v in os.environ.items() if k != "DSE_NO_COMPILE_CACHE"}
        base["DSE_CACHE_DIR"] = os.path.join(d, "cache")
        cold = _run(sweep, out, dict(base, DSE_NO_COMPILE_CACHE="1"))
        print(f"cold (empty cache folder, no compilation cache): {cold:.1f} s", flush=True)
        fill = _run(sweep, out, base)
        print(f"fill (compiling into the compilation cache): {fill:.1f} s", flush=True)
        warm = _run(sweep, out, base)
        print(f"warm (every cache filled): {warm:.1f} s", flush=True)
        with xr.open_dataset(out) as ds:
            n = int(ds["error"].size)
            evaluated = int((ds["status"].values & (1 << 8) == 0).sum())
    print(f"grid points: {n}, evaluated (not excluded by 'where'): {evaluated}")
    print(f"sweep: {evaluated} points in {cold:.1f} s cold, {warm:.1f} s warm")


if __name__ == "__main__":
    main(*sys.argv[1:])
