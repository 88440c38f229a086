"""Several devices on one machine: a batch sharded across 2 forced CPU devices (in a subprocess: the
device count is fixed when JAX starts) gives the same bits as this process's one device, and every
sharded stage runs one call at a time (its collectives cannot deadlock with another's)."""
import itertools
import os
import subprocess
import sys

import numpy as np

from cli_helpers import REPO  # tests/ is on sys.path

EVALUATE = """
import sys
import numpy as np
import dse, jax
from dse import compile as C
from test_sharding import POINTS

ds = dse.evaluate("vgg8", POINTS)
split = {key[0].split()[0] for key, fut in C._FUTURES.items()       # stages whose batch was split
         if any(getattr(s, "spec", None) == jax.sharding.PartitionSpec("batch")
                for s in jax.tree_util.tree_leaves(fut.result().input_shardings))}
serial = {key[0].split()[0] for key, fut in C._FUTURES.items()      # stages run one call at a time
          if isinstance(fut.result(), C.Serialized)}
np.savez(sys.argv[1], error=ds["error"].values.astype(str), **{k: ds[k].values for k in ds.data_vars if k != "error"})
print(len(jax.devices()), " ".join(sorted(split)), "|", " ".join(sorted(serial)))
"""


POINTS = [dict(technode=t, memcell=m, subarray=s, adc_bits=a, cell_bits=c, parallel_read=min(s, 64))
          for t, m, s, a, c in itertools.product([130, 45, 22, 7, 2], ["sram", "rram", "fefet"], [64, 128, 256],
                                                 [3, 5, 7], [1, 2])]


def test_two_cpu_devices_give_identical_results(tmp_path):
    import jax

    import dse

    assert len(jax.devices()) == 1
    one = dse.evaluate("vgg8", POINTS)
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    env.update(XLA_FLAGS="--xla_force_host_platform_device_count=2",
               PYTHONPATH=os.pathsep.join([os.path.join(REPO, "tests"), env.get("PYTHONPATH", "")]))
    r = subprocess.run([sys.executable, "-c", EVALUATE, str(tmp_path / "two.npz")], cwd=REPO, env=env,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    devices, rest = r.stdout.split(None, 1)
    split, serial = (part.split() for part in rest.split("|"))
    assert devices == "2" and split == ["columns", "hardware", "layout", "performance", "subarray"], r.stdout
    assert serial == split, r.stdout        # sharded stages (collectives) run one at a time: no deadlock
    two = np.load(tmp_path / "two.npz")
    assert sorted(two.files) == sorted(one.data_vars)
    feasible = one["status"].values == 0
    assert 100 < feasible.sum() < len(feasible)                       # feasible and infeasible points
    for name in two.files:
        mine = one[name].values.astype(str) if name == "error" else one[name].values
        np.testing.assert_array_equal(mine, two[name], err_msg=name)    # bit for bit (NaN where NaN)
