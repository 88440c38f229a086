"""Several devices on one machine: a batch sharded across 2 forced CPU devices gives the same bits as
one device (each in its own process: the device count is fixed when JAX starts)."""
import os
import subprocess
import sys

import numpy as np

from cli_helpers import REPO  # tests/ is on sys.path

EVALUATE = """
import itertools, sys
import numpy as np
import dse, jax
from dse import compile as C

grid = itertools.product([130, 45, 22, 7, 2], ["sram", "rram", "fefet"], [64, 128, 256], [3, 5, 7], [1, 2])
pts = [dict(technode=t, memcell=m, subarray=s, adc_bits=a, cell_bits=c, parallel_read=min(s, 64))
       for t, m, s, a, c in grid]
ds = dse.evaluate("vgg8", pts)
split = {key[0].split()[0] for key, fut in C._FUTURES.items()       # stages whose batch was split
         if any(getattr(s, "spec", None) == jax.sharding.PartitionSpec("batch")
                for s in jax.tree_util.tree_leaves(fut.result().input_shardings))}
np.savez(sys.argv[1], error=ds["error"].values.astype(str), **{k: ds[k].values for k in ds.data_vars if k != "error"})
print(len(jax.devices()), " ".join(sorted(split)))
"""


def _evaluate(path, xla_flags):
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    if xla_flags:
        env["XLA_FLAGS"] = xla_flags
    r = subprocess.run([sys.executable, "-c", EVALUATE, str(path)], cwd=REPO, env=env, capture_output=True,
                       text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    devices, *split = r.stdout.split()
    return int(devices), split, np.load(path)


def test_two_cpu_devices_give_identical_results(tmp_path):
    assert _evaluate(tmp_path / "one.npz", None)[:2] == (1, [])
    devices, split, two = _evaluate(tmp_path / "two.npz", "--xla_force_host_platform_device_count=2")
    assert devices == 2 and split == ["columns", "hardware", "layout", "performance", "subarray"]
    one = np.load(tmp_path / "one.npz")
    assert sorted(one.files) == sorted(two.files)
    feasible = one["status"] == 0
    assert 100 < feasible.sum() < len(feasible)                       # feasible and infeasible points
    for name in one.files:
        np.testing.assert_array_equal(one[name], two[name], err_msg=name)   # bit for bit (NaN where NaN)
