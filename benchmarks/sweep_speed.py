"""Benchmark: the main job, ``dse run sweeps/vgg8_grid.yaml``, from a cold start.

Runs the command in a fresh process with the persistent compilation cache disabled and a
fresh output path, so the wall time includes start-up, (trace reduction,) compilation and
writing the dataset. Runs on whatever device JAX sees (GPU when present).
Last line: ``sweep: N points in S s``.
"""
import os
import subprocess
import sys
import tempfile
import time

import xarray as xr

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(sweep=os.path.join(REPO, "sweeps", "vgg8_grid.yaml")):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "result.nc")
        env = dict(os.environ, DSE_NO_COMPILE_CACHE="1", DSE_CACHE_DIR=os.path.join(d, "cache"))
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "dse", "run", sweep, "--out", out, "--quiet"], check=True, env=env,
                       cwd=REPO)
        wall = time.perf_counter() - t0
        with xr.open_dataset(out) as ds:
            n = int(ds["error"].size)
            evaluated = int((ds["status"].values & (1 << 8) == 0).sum())
    print(f"grid points: {n}, evaluated (not excluded by 'where'): {evaluated}")
    print(f"sweep: {evaluated} points in {wall:.1f} s")


if __name__ == "__main__":
    main(*sys.argv[1:])
