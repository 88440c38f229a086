"""`dse run` beyond one process: a local Dask cluster of 2 workers and two plain processes on one sweep
give the single process's dataset bit for bit; a killed worker, a killed client and a re-run too."""
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr

from cli_helpers import REPO, dse_cli  # tests/ is on sys.path

MAIN_JOB = os.path.join(REPO, "sweeps", "vgg8_grid.yaml")   # 8775 points: 9 chunks of 1024
CHUNKS = 9
needs_dask = pytest.mark.skipif(subprocess.run([sys.executable, "-c", "import distributed"]).returncode != 0,
                                reason="dask.distributed is not installed (pip install -e '.[cluster]')")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The main job run by one process (this one: its compiled stages are shared with other tests)."""
    from dse.sweep.runner import run_sweep
    from dse.sweep.spec import load_sweep

    out = tmp_path_factory.mktemp("single") / "single.nc"
    run_sweep(load_sweep(MAIN_JOB, output=str(out)), progress=False)
    return xr.open_dataset(out).load()


def assert_same(a: xr.Dataset, path) -> None:
    b = xr.open_dataset(path).load()
    assert sorted(a.data_vars) == sorted(b.data_vars)
    for name in a.data_vars:
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)
    assert {k: v for k, v in a.attrs.items() if k != "created"} == {k: v for k, v in b.attrs.items() if k != "created"}


def chunks(out) -> list[str]:
    partial = f"{out}.partial"
    return sorted(f for f in os.listdir(partial) if f.startswith("chunk_") and f.endswith(".npz")) if os.path.isdir(partial) else []


@needs_dask
def test_local_cluster_of_two_workers_gives_the_same_dataset(reference, tmp_path):
    out = tmp_path / "cluster.nc"
    r = dse_cli("run", MAIN_JOB, "--out", str(out), "--workers", "2")
    assert "local Dask cluster of 2 worker processes" in r.stderr
    assert "8775/8775" in r.stderr                 # progress counts the points done across the cluster
    assert_same(reference, out)
    assert not os.path.exists(f"{out}.partial")


def _worker_pids(pid: int) -> list[int]:
    """The Dask worker processes of a local cluster: children of ``pid`` started by multiprocessing."""
    out = []
    for p in os.listdir("/proc"):
        try:
            with open(f"/proc/{p}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{p}/cmdline", "rb") as f:
                cmd = f.read()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid and b"spawn_main" in cmd:
            out.append(int(p))
    return out


def _wait(p, condition, what, timeout=600):
    t0 = time.monotonic()
    while not condition():
        if p.poll() is not None:
            raise AssertionError(f"dse run ended (status {p.returncode}) before {what}:\n{p.stderr.read()}")
        if time.monotonic() - t0 > timeout:
            p.kill()
            raise AssertionError(f"dse run: {what} not reached in {timeout} s")
        time.sleep(0.005)


@needs_dask
def test_killed_worker_and_killed_client_resume_to_the_same_dataset(reference, tmp_path):
    """SIGKILL one worker once a chunk is on disk: the sweep goes on (Dask runs the lost chunk again);
    SIGKILL the client once one more chunk is saved: a re-run computes only the missing chunks and
    writes the single process's dataset."""
    out = tmp_path / "killed.nc"
    p = subprocess.Popen([sys.executable, "-m", "dse", "run", MAIN_JOB, "--out", str(out), "--workers", "2", "--quiet"],
                         cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait(p, lambda: len(chunks(out)) >= 1 and len(_worker_pids(p.pid)) == 2, "a first chunk")
        victim = _worker_pids(p.pid)[0]
        os.kill(victim, signal.SIGKILL)
        saved = len(chunks(out))
        _wait(p, lambda: len(chunks(out)) > saved, "a chunk after the worker was killed")
        p.send_signal(signal.SIGKILL)
        _, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == -signal.SIGKILL, err
    assert not out.exists()
    kept = chunks(out)
    saved = len(kept)
    assert 2 <= saved < CHUNKS
    deadline = time.monotonic() + 30           # the local cluster's workers end with their client
    while _worker_pids(p.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    r = dse_cli("run", MAIN_JOB, "--out", str(out), "--workers", "2")
    points = sum(min(1024, 8775 - int(name[6:-4])) for name in kept)   # the last chunk is smaller
    assert f"resuming: {points} of 8775 points" in r.stderr
    assert f"{CHUNKS - saved} of {CHUNKS} chunks computed by this run" in r.stderr
    assert_same(reference, out)


def test_two_processes_on_one_sweep_split_its_chunks(reference, tmp_path):
    """Two plain `dse run` on one sweep at once: each chunk is computed by one of them, and both
    write the single process's dataset."""
    out = tmp_path / "shared.nc"
    procs = [subprocess.Popen([sys.executable, "-m", "dse", "run", MAIN_JOB, "--out", str(out)], cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errs = [p.communicate(timeout=600)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    computed = []
    for e in errs:
        m = re.search(r"(\d+) of 9 chunks computed by this run", e)
        computed.append(int(m.group(1)) if m else CHUNKS)
    assert sum(computed) == CHUNKS, errs          # no chunk computed twice
    assert_same(reference, out)
    assert not os.path.exists(f"{out}.partial")


def test_cluster_options_without_dask_or_together_exit_2(tmp_path):
    fake = tmp_path / "no_dask"
    fake.mkdir()
    (fake / "distributed.py").write_text("raise ImportError('No module named distributed')\n")
    env = {"PYTHONPATH": str(fake)}
    r = dse_cli("run", MAIN_JOB, "--out", str(tmp_path / "x.nc"), "--workers", "2", env=env, check=False)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "install the cluster extra: pip install -e '.[cluster]'" in r.stderr.splitlines()[-1]
    r = dse_cli("run", MAIN_JOB, "--cluster", "tcp://127.0.0.1:1", "--workers", "2", check=False)
    assert r.returncode == 2 and "either --cluster" in r.stderr


def test_chunk_claims_are_exclusive_and_stale_ones_are_taken_over(tmp_path):
    import json

    from dse.sweep.store import ChunkStore

    out = str(tmp_path / "r.nc")
    a, b = (ChunkStore(out, "f", 10, 4) for _ in range(2))
    assert a.open() == {} and b.open() == {}
    with a.member(), b.member():
        assert a.claim(0) and not b.claim(0) and a.claimable(4)
        assert b.claim(4) and not a.claim(4)
        a.save(0, {"status": np.zeros(4, np.int64)})
        assert not b.claim(0) and not b.claimable(0) and list(b.load_new({})) == [0]
        # a claim left by a process that is gone (same host, dead pid) is taken over at once
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True).stdout.strip()
        with open(tmp_path / "r.nc.partial" / "claim_000000008.json", "w") as f:
            json.dump({"host": a.host, "pid": int(dead), "id": "gone"}, f)
        assert a.claimable(8) and a.claim(8) and not b.claim(8)
        a.finish()
        assert os.path.isdir(tmp_path / "r.nc.partial")       # b is still a live member
        b.finish()
    assert not os.path.exists(tmp_path / "r.nc.partial")
