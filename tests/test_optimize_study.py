"""`dse optimize` / `dse pareto` end to end on a small network: results, kill and resume,
two processes on one SQLite study, accuracy as a pluggable metric."""
import os
import signal
import subprocess
import sys

import numpy as np
import optuna
import pandas as pd
import pytest
import xarray as xr

from dse.pareto import hypervolume, pareto_mask

from cli_helpers import CONFORMANCE, REPO, dse_cli, dse_killed_when  # tests/ is on sys.path

TINY = os.path.join(CONFORMANCE, "networks", "tiny.csv")
pytestmark = pytest.mark.skipif(not os.path.isfile(TINY), reason=f"conformance network not found at {TINY}")

STUDY = f"""
network: {TINY}
fixed: {{roadmap: lstp}}
where: [parallel_read <= subarray]
optimize:
  space:
    technode: [130, 65, 32, 22, 14, 7]
    memcell: [sram, rram]
    subarray: [64, 128, 256]
    adc_bits: {{low: 3, high: 7}}
    parallel_read: [16, 64, 128]
    r_on: {{low: 6 kOhm, high: 240 kOhm, log: true}}
  objectives: {{area: min, memory_utilization: max}}
  constraints: ["area <= 5 mm^2"]
  trials: {{trials}}
  batch: {{batch}}
  seed: 3
"""


def study_file(tmp_path, trials=24, batch=8, name="s.yaml"):
    p = tmp_path / name
    p.write_text(STUDY.replace("{trials}", str(trials)).replace("{batch}", str(batch)))
    return str(p)


def trials_of(db, name):
    return optuna.load_study(study_name=name, storage=f"sqlite:///{db}").get_trials()


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    d = tmp_path_factory.mktemp("opt")
    path = study_file(d)
    out = d / "res.nc"
    r = dse_cli("optimize", path, "--out", str(out), "--quiet")
    return d, path, out, r


def test_results_dataset_csv_front_and_hypervolume(finished):
    d, path, out, r = finished
    ds = xr.open_dataset(out).load()
    assert ds.sizes["trial"] == 24 and ds.trial.values.tolist() == list(range(24))
    assert set(ds["state"].values) <= {"COMPLETE", "FAIL"}
    # failed trials say why; complete ones carry the model's metrics
    failed = ds["state"].values == "FAIL"
    assert all(e for e in ds["error"].values[failed].astype(str))
    ok = ds["state"].values == "COMPLETE"
    assert np.isfinite(ds["area"].values[ok]).all() and ds["area"].attrs["units"] == "m^2"
    # feasible = complete and area <= 5 mm^2
    assert (ds["feasible"].values == (ok & (ds["area"].values <= 5e-6))).all()
    # the front is the non-dominated set of the feasible trials, the hypervolume is its volume
    feas = ds["feasible"].values.astype(bool)
    vals = np.stack([ds["area"].values, ds["memory_utilization"].values], 1)
    front = np.zeros(24, bool)
    front[np.flatnonzero(feas)[pareto_mask(vals[feas], [False, True])]] = True
    assert (ds["pareto"].values.astype(bool) == front).all() and front.any()
    ref = ds.attrs["hv_reference"]
    assert ds.attrs["hypervolume"] == hypervolume(vals[front], ref, [False, True]) > 0
    a, m = vals[feas, 0], vals[feas, 1]
    assert ref[0] == pytest.approx(a.max() + 0.1 * (a.max() - a.min()))
    assert ref[1] == pytest.approx(m.min() - 0.1 * (m.max() - m.min()))
    assert ds.attrs["objectives"] == "area:min,memory_utilization:max"
    # CSV: every trial, and the front
    all_csv, front_csv = pd.read_csv(d / "res.csv"), pd.read_csv(d / "res_pareto.csv")
    assert len(all_csv) == 24 and len(front_csv) == front.sum()
    assert sorted(front_csv["trial"]) == sorted(ds.trial.values[front].tolist())
    # the default storage is an SQLite file beside the result
    assert os.path.exists(d / "res.db") and len(trials_of(d / "res.db", "s")) == 24


def test_study_result_is_cf_conformant(finished):
    pytest.importorskip("cf_xarray")
    _, _, out, _ = finished
    ds = xr.open_dataset(out)
    assert ds.attrs["Conventions"].startswith("CF-")
    assert ds["area"].attrs["units"] == "m^2" and ds["area"].attrs["long_name"] == "chip area"
    assert all("long_name" in ds[v].attrs and "description" not in ds[v].attrs for v in ds.data_vars)
    assert ds["r_on"].attrs["units"] == "ohm" and ds["subarray"].attrs["units"] == "1"
    assert ds["technode"].attrs["units"] == "nm"
    assert "units" not in ds["memcell"].attrs and ds["memcell"].attrs["long_name"] == "memory cell"


def test_pareto_command_prints_the_front_and_draws_png(finished):
    d, path, out, r = finished
    ds = xr.open_dataset(out)
    r = dse_cli("pareto", str(out), "--out", str(d / "front.png"))
    lines = r.stdout.strip().splitlines()
    assert lines[0].split()[:3] == ["trial", "area", "[mm²]"]
    assert len(lines) == 1 + int(ds["pareto"].sum()) + 2   # header, rows, hypervolume, png path
    first_area = float(lines[1].split()[1])
    assert first_area == pytest.approx(float(ds["area"].where(ds["pareto"]).min()) * 1e6, rel=1e-4)
    assert lines[-1] == str(d / "front.png") and os.path.getsize(d / "front.png") > 10_000


def test_bad_study_file_exits_2_without_traceback(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text(f"network: {TINY}\noptimize:\n  space: {{technode: [7]}}\n  objectives: {{tops_pr_w: max}}\n")
    r = dse_cli("optimize", str(p), check=False)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert str(p) in r.stderr and "'tops_pr_w'" in r.stderr
    r = dse_cli("pareto", str(tmp_path / "missing.nc"), check=False)
    assert r.returncode == 2 and "no such result file" in r.stderr


def test_accuracy_objective_without_section_is_a_clear_error(tmp_path):
    """Accuracy as an objective needs the study's `accuracy:` section (the model and data)."""
    p = tmp_path / "acc.yaml"
    p.write_text(f"network: {TINY}\noptimize:\n  space: {{technode: [7, 22]}}\n  objectives: {{accuracy: max, area: min}}\n")
    from dse.search import evaluate

    r = dse_cli("optimize", str(p), "--out", str(tmp_path / "acc.nc"), check=False)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "needs an `accuracy:` section" in r.stderr and "dse.accuracy" in r.stderr
    assert evaluate.PROVIDERS["accuracy"] is evaluate._accuracy_provider


def _finished_trials(db) -> int:
    """Trials told so far (COMPLETE or FAIL), read straight from the SQLite file (0 before it exists)."""
    import sqlite3

    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            return con.execute("SELECT count(*) FROM trials WHERE state IN ('COMPLETE', 'FAIL')").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_killed_study_resumes_to_exactly_the_budget(tmp_path):
    """SIGKILL after the first batch is told: the killed worker's RUNNING trials are taken over, and the
    study ends with exactly its budget of trials, each evaluated with the parameters it was asked with."""
    path = study_file(tmp_path, trials=40, batch=8)
    db = tmp_path / "k.db"
    out = tmp_path / "k.nc"
    status, err = dse_killed_when(["optimize", path, "--out", str(out), "--quiet"], lambda: _finished_trials(db) >= 8)
    assert status == -signal.SIGKILL and not out.exists(), err
    t = trials_of(db, "s")
    states = [x.state.name for x in t]
    finished = sum(s in ("COMPLETE", "FAIL") for s in states)
    running = [x.number for x in t if x.state.name == "RUNNING"]
    assert 8 <= finished < 40 and len(t) == finished + len(running) and len(running) <= 8
    r = dse_cli("optimize", path, "--out", str(out), "--quiet")
    if running:
        assert f"{len(running)} taken over from a stopped worker" in r.stderr
    assert f"({40 - finished} evaluated by this process" in r.stderr
    t = trials_of(db, "s")
    assert len(t) == 40 and [x.number for x in t] == list(range(40))
    assert all(x.state.name in ("COMPLETE", "FAIL") for x in t)
    for n in running:
        assert t[n].datetime_complete is not None
    ds = xr.open_dataset(out)
    assert ds.sizes["trial"] == 40
    # a finished study run again adds nothing
    r = dse_cli("optimize", path, "--out", str(out), "--quiet")
    assert len(trials_of(db, "s")) == 40 and "(0 evaluated by this process" in r.stderr


OPEN_AT_ONCE = """
import sys
from dse.search.study import open_storage
open_storage(sys.argv[1])
"""


def test_processes_creating_one_new_sqlite_file_at_once_all_open_it(tmp_path):
    """Creating a study database races on its tables and alembic version row (the CI failure
    'UNIQUE constraint failed: alembic_version.version_num'); all openers must succeed."""
    for r in range(4):
        url = f"sqlite:///{tmp_path}/race{r}.db"
        procs = [subprocess.Popen([sys.executable, "-c", OPEN_AT_ONCE, url], cwd=REPO, stderr=subprocess.PIPE,
                                  text=True) for _ in range(4)]
        errs = [p.communicate(timeout=120)[1] for p in procs]
        assert [p.returncode for p in procs] == [0] * 4, errs
        assert optuna.storages.RDBStorage(url).get_all_studies() == []


def test_two_processes_cooperate_on_one_sqlite_study(tmp_path):
    path = study_file(tmp_path, trials=48, batch=4)
    db = tmp_path / "shared.db"
    env = dict(os.environ, DSE_OPTIMIZE_BATCH_DELAY="0.4")
    procs = [subprocess.Popen([sys.executable, "-m", "dse", "optimize", path, "--quiet", "--storage",
                               f"sqlite:///{db}", "--out", str(tmp_path / f"w{i}.nc")], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (o, e) in zip(procs, outs):
        assert p.returncode == 0, e
    t = trials_of(db, "s")
    within = [x for x in t if not x.user_attrs.get("over_budget")]
    assert [x.number for x in within] == list(range(48))
    assert all(x.state.name in ("COMPLETE", "FAIL") for x in t)
    assert len(t) - len(within) <= 1           # at most one trial asked past the budget by the slower worker
    workers = {x.user_attrs["worker"] for x in within}
    assert len(workers) == 2                   # both processes evaluated trials
    # each process waited for the other, so both results hold the whole study
    for i in range(2):
        ds = xr.open_dataset(tmp_path / f"w{i}.nc")
        assert ds.sizes["trial"] == 48 and set(ds["worker"].values) == workers
