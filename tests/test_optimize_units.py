"""dse optimize building blocks: Pareto front, hypervolume, search space, study files, constraints."""
import os

import numpy as np
import optuna.distributions as od
import pytest

from dse.metrics import higher_is_better
from dse.search.evaluate import constraint_value
from dse.pareto import hypervolume, pareto_mask
from dse.search.results import default_reference
from dse.search.space import parse_space
from dse.search.spec import load_study
from dse.sweep.spec import SweepError

from cli_helpers import CONFORMANCE  # tests/ is on sys.path

TINY = os.path.join(CONFORMANCE, "networks", "tiny.csv")


def test_pareto_front_of_a_known_set():
    pts = np.array([[1, 5], [2, 3], [3, 4], [4, 1], [2, 3], [5, 5], [np.nan, 0]])
    assert pareto_mask(pts, [False, False]).tolist() == [True, True, False, True, True, False, False]
    # maximizing the second objective, (1, 5) dominates every other point
    assert pareto_mask(pts, [False, True]).tolist() == [True, False, False, False, False, False, False]


def test_hypervolume_hand_worked():
    # staircase (1,3), (2,2), (3,1) up to (4,4): 3x1 + 2x1 + 1x1 = 6
    assert hypervolume([[1, 3], [2, 2], [3, 1]], [4, 4]) == 6.0
    # a dominated point and a point beyond the reference add nothing
    assert hypervolume([[1, 3], [2, 2], [3, 1], [3, 3], [5, 0]], [4, 4]) == 6.0
    # maximizing the second objective: (1, 2) and (2, 3) against (4, 0): 3x2 + 2x3 - 2x2 = 8
    assert hypervolume([[1, 2], [2, 3]], [4, 0], maximize=[False, True]) == 8.0
    # 3-D: boxes 2x2x1 and 1x1x2 overlapping in a unit cube: 4 + 2 - 1 = 5
    assert hypervolume([[0, 0, 1], [1, 1, 0]], [2, 2, 2]) == 5.0
    assert hypervolume(np.zeros((0, 2)), [1, 1]) == 0.0


def test_hypervolume_matches_optuna_on_random_sets():
    wfg = pytest.importorskip("optuna._hypervolume").compute_hypervolume
    rng = np.random.default_rng(1)
    for d in (2, 3, 4):
        p = rng.random((60, d))
        assert hypervolume(p, np.full(d, 1.1)) == pytest.approx(wfg(p, np.full(d, 1.1)), rel=1e-12)


def test_default_reference_is_nadir_plus_a_tenth_of_the_range():
    v = np.array([[1.0, 10.0], [3.0, 30.0]])
    assert default_reference(v, [False, True]).tolist() == pytest.approx([3.2, 8.0])


def test_directions_come_from_the_metric_registry():
    assert higher_is_better("tops_per_w") and higher_is_better("accuracy") and higher_is_better("memory_utilization")
    assert not higher_is_better("area") and not higher_is_better("latency")


def test_search_space_kinds():
    s = parse_space({"technode": [130, 22, 22], "adc_bits": {"low": 3, "high": 7},
                     "r_on": {"low": "6 kOhm", "high": "240 kOhm", "log": True},
                     "subarray": {"low": 64, "high": 512}, "on_off": {"low": 10, "high": 20, "step": 2}}, "f.yaml")
    d = s.distributions()
    assert d["technode"] == od.CategoricalDistribution([130, 22])
    assert d["adc_bits"] == od.IntDistribution(3, 7)
    assert d["r_on"] == od.FloatDistribution(6e3, 240e3, log=True)
    assert d["subarray"] == od.CategoricalDistribution([64, 128, 256, 512])
    assert d["on_off"] == od.FloatDistribution(10, 20, step=2)
    assert not s.categorical and s.size() == float("inf")
    assert parse_space({"technode": [7, 5], "memcell": ["sram", "rram"]}, "f").size() == 4


@pytest.mark.parametrize("space, msg", [
    ({"technod": [7]}, "unknown design parameter 'technod' (did you mean 'technode'?)"),
    ({"memcell": {"low": 1, "high": 2}}, "give a list of values, not a range"),
    ({"adc_bits": {"low": 3, "hgh": 7}}, "unknown key 'hgh' (did you mean 'high'?)"),
    ({"adc_bits": 5}, "a single value belongs in 'fixed'"),
    ({"r_on": {"low": "6 kHz", "high": 1e5}}, "expected ohm"),
])
def test_search_space_errors(space, msg):
    with pytest.raises(SweepError, match=None) as e:
        parse_space(space, "f.yaml: key 'optimize: space'")
    assert msg in str(e.value) and "f.yaml" in str(e.value)


def _study(tmp_path, body):
    p = tmp_path / "s.yaml"
    p.write_text(f"network: {TINY}\n" + body)
    return str(p)


def test_study_file_defaults(tmp_path):
    spec = load_study(_study(tmp_path, "optimize:\n  space: {technode: [7, 22]}\n  objectives: [area, memory_utilization]\n"
                                       "  constraints: ['area <= 50 mm^2']\nkeep: ['memory_utilization >= 0.1']\n"))
    assert [(o.name, o.maximize) for o in spec.objectives] == [("area", False), ("memory_utilization", True)]
    assert spec.sampler == "nsga2" and spec.trials == 100 and spec.batch == 64 and spec.population == 64
    assert spec.storage == "sqlite:///results/s.db" and spec.study_name == "s" and spec.output == "results/s.nc"
    assert [c.text for c in spec.constraints] == ["area <= 50 mm^2", "memory_utilization >= 0.1"]
    # the constraint's relative violation: area 60 mm^2 against 50 mm^2
    assert constraint_value(spec.constraints[0], {"area": 60e-6}) == pytest.approx(0.2)
    assert constraint_value(spec.constraints[0], {"area": 40e-6}) == pytest.approx(-0.2)
    assert constraint_value(spec.constraints[1], {"memory_utilization": 0.05}) == pytest.approx(0.5)


def test_constraints_in_the_metrics_own_units(tmp_path):
    """TOPS/W, GOPS/W and TOPS/mm^2 bounds compare with the metrics as the datasets hold them."""
    spec = load_study(_study(tmp_path, "optimize:\n  space: {technode: [7, 22]}\n  objectives: [area]\n"
                                       "  constraints: ['tops_per_w >= 10 TOPS/W', 'tops_per_mm2 >= 400 GOPS/mm^2',"
                                       " 'area <= 100 mm^2']\n"))
    eff, dens, area = spec.constraints
    assert constraint_value(eff, {"tops_per_w": 12.0}) == pytest.approx(-0.2)
    assert constraint_value(eff, {"tops_per_w": 5.0}) == pytest.approx(0.5)
    assert constraint_value(dens, {"tops_per_mm2": 0.2}) == pytest.approx(0.5)
    assert constraint_value(area, {"area": 1e-4}) == 0.0            # 100 mm^2 is exactly the double 1e-4


@pytest.mark.parametrize("body, msg", [
    ("optimize:\n  space: {technode: [7]}\n  objectives: {aera: min}\n", "'aera' is not a metric (did you mean 'area'?)"),
    ("optimize:\n  space: {technode: [7]}\n  objectives: {area: smallest}\n", "direction must be max or min"),
    ("optimize:\n  space: {technode: [7]}\n  objectives: {area: min}\n  sampler: nsga3\n", "did you mean 'nsga2'?"),
    ("optimize:\n  space: {technode: [7]}\n  objectives: {area: min}\n  trails: 5\n", "unknown key 'trails' (did you mean 'trials'?)"),
    ("optimize:\n  space: {r_on: {low: 1, high: 9}}\n  objectives: {area: min}\n  sampler: grid\n", "grid needs every"),
    ("optimize:\n  space: {technode: [7]}\n  objectives: {layer_tiles: min}\n", "per-layer metric"),
    ("optimize:\n  space: {technode: [7]}\n  objectives: {area: min}\n  constraints: ['area <= 5 GHz']\n", "expected m^2"),
    ("optimize:\n  space: {technode: [7]}\n  objectives: {area: min}\n  constraints: ['subarray <= 64']\n", "'where'"),
    ("optimise:\n  space: {technode: [7]}\n", "unknown key 'optimise' (did you mean 'optimize'?)"),
    ("fixed: {technode: 7}\noptimize:\n  space: {technode: [7]}\n  objectives: {area: min}\n", "both fixed and searched"),
])
def test_study_file_errors_name_file_and_key(tmp_path, body, msg):
    path = _study(tmp_path, body)
    with pytest.raises(SweepError) as e:
        load_study(path)
    assert msg in str(e.value) and path in str(e.value)


SECRET = "s3cr3t-pw"


def test_storage_urls_are_masked():
    from dse.search.storage import mask_secrets, masked_url

    url = f"postgresql+psycopg://alice:{SECRET}@db.example/studies"
    assert masked_url(url) == "postgresql+psycopg://alice:***@db.example/studies"
    assert masked_url("sqlite:///results/s.db") == "sqlite:///results/s.db"
    assert SECRET not in mask_secrets(f"storage: {url}\ntrials: 4\n", url)


def test_no_password_in_study_results_or_messages(tmp_path):
    """A study file naming a password-protected database: the dataset's attributes and the CLI's
    stderr (the storage cannot be opened here) show the URL masked."""
    import optuna

    from cli_helpers import dse_cli
    from dse.search.results import study_dataset

    url = f"postgresql+psycopg://alice:{SECRET}@/studies?host={tmp_path}"
    path = _study(tmp_path, f"optimize:\n  space: {{technode: [7, 22]}}\n  objectives: [area]\n  storage: {url}\n")
    spec = load_study(path)
    assert spec.storage == url
    ds = study_dataset(optuna.create_study(directions=["minimize"]), spec)
    assert ds.attrs["storage"].startswith("postgresql+psycopg://alice:***@/studies?host=")
    assert not [k for k, v in ds.attrs.items() if SECRET in str(v)]
    r = dse_cli("optimize", path, "--out", str(tmp_path / "o.nc"), check=False)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "alice:***@" in r.stderr and SECRET not in r.stderr + r.stdout
