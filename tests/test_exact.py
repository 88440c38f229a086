"""What importing dse does to the process's XLA settings (dse/exact.py): the CPU instruction-set cap
(no fused multiply-adds) process-wide unless opted out; the algebraic simplifier off only in the
hardware model's own compilations."""
import os
import subprocess
import sys

from cli_helpers import REPO

PROBE = """
import os, warnings
warnings.simplefilter("always")
{before}
import dse, jax, jax.numpy as jnp
from dse import compile as C
print("XLA_FLAGS=" + os.environ.get("XLA_FLAGS", ""))
f = lambda x: (x * 1.0 + 0.0) / 4.0                  # the simplifier folds x * 1.0 and turns / 4 into * 0.25
x = jnp.ones(8)
print("user:", "multiply(" in jax.jit(f).lower(x).compile().as_text())
print("model:", "multiply(" in C.compiled("probe", f, x).as_text())
"""


def _probe(env, before=""):
    e = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "DSE_EXACT_CPU")}
    e.update(env, DSE_CACHE_DIR="off")
    r = subprocess.run([sys.executable, "-c", PROBE.format(before=before)], capture_output=True, text=True,
                       cwd=REPO, env=e, timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout, r.stderr


def test_import_caps_the_isa_and_leaves_the_simplifier_to_the_users_code():
    out, _ = _probe({"XLA_FLAGS": "--xla_cpu_enable_fast_min_max=false"})
    assert "XLA_FLAGS=--xla_cpu_enable_fast_min_max=false --xla_cpu_max_isa=AVX\n" in out
    assert "algsimp" not in out
    assert "user: True" in out and "model: False" in out  # user code simplified, not the hardware model


def test_opt_out_leaves_xla_flags_alone():
    out, _ = _probe({"XLA_FLAGS": "--xla_cpu_enable_fast_min_max=false", "DSE_EXACT_CPU": "0"})
    assert "XLA_FLAGS=--xla_cpu_enable_fast_min_max=false\n" in out
    assert "model: False" in out                          # the model's own options still apply


def test_a_users_own_isa_setting_is_kept():
    out, _ = _probe({"XLA_FLAGS": "--xla_cpu_max_isa=AVX2"})
    assert "XLA_FLAGS=--xla_cpu_max_isa=AVX2\n" in out


def test_jax_started_before_dse_gets_a_warning():
    out, err = _probe({}, before="import jax.numpy as jnp; jnp.ones(2).block_until_ready()")
    assert "XLA_FLAGS=\n" in out
    assert "started before dse was imported" in err
