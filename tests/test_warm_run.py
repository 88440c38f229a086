"""A warm second ``dse run`` compiles nothing: the model's stages are loaded whole from the
executable store (``dse.cache.load_executable``), every other XLA program comes from JAX's
persistent cache.

Counted with JAX's monitoring events (compilation requests that use the persistent cache, cache
hits and misses) and the stages loaded, not with seconds. The first runs fill the caches (the
default cache folder, shared with the other tests: a stage that JAX's cache already held is compiled
once more to be stored, so up to two runs)."""
import json
import subprocess
import sys

from cli_helpers import REPO  # tests/ is on sys.path

SWEEP = """
network: vgg8
fixed: {roadmap: lstp}
grid:
  technode: [22, 7]
  memcell: [sram, rram]
  adc_bits: [3, 5]
"""

PROBE = """
import collections, json, sys
import jax.monitoring as m
events = collections.Counter()
m.register_event_listener(lambda e, **k: events.update([e]))
from dse.cli.main import main
rc = main(sys.argv[1:])
from dse import executables as X
print("PROBE " + json.dumps({"rc": rc, "events": events, "stages": X.stage_count(), "loaded": sum(X.LOADED.values())}))
"""


def _run_probed(*args) -> dict:
    r = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, f"{r.stdout}\n{r.stderr}"
    line = [s for s in r.stdout.splitlines() if s.startswith("PROBE ")][-1]
    return json.loads(line[6:])


def test_warm_second_run_compiles_nothing(tmp_path):
    sweep = tmp_path / "small.yaml"
    sweep.write_text(SWEEP)
    args = ("run", str(sweep), "--out", str(tmp_path / "out.nc"), "--quiet", "--force")
    _run_probed(*args)
    _run_probed(*args)
    warm = _run_probed(*args)
    ev = warm["events"]
    requests = ev.get("/jax/compilation_cache/compile_requests_use_cache", 0)
    assert warm["rc"] == 0 and warm["stages"] >= 5       # floorplan, parameters, subarray, area, performance, ...
    assert warm["loaded"] == warm["stages"], warm           # every stage loaded whole
    assert ev.get("/jax/compilation_cache/cache_misses", 0) == 0
    assert ev.get("/jax/compilation_cache/cache_hits", 0) == requests, ev   # nothing compiled
