"""`dse optimize` on a real PostgreSQL server (started here, Unix socket only, password required): two
processes on one study, one of them killed while it holds running trials; the study ends with its
budget, the killed worker's trials taken over, and no output holds the password."""
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import optuna
import pytest
import xarray as xr

from cli_helpers import CONFORMANCE, REPO  # tests/ is on sys.path

TINY = os.path.join(CONFORMANCE, "networks", "tiny.csv")
SECRET = "pg-s3cr3t-Pw"
BUDGET = 48

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
  objectives: {{area: min, memory_utilization: max}}
  constraints: ["area <= 5 mm^2"]
  trials: {BUDGET}
  batch: 4
  seed: 5
  storage: {{storage}}
"""


def _missing() -> str | None:
    if not os.path.isfile(TINY):
        return f"conformance network not found at {TINY}"
    missing = [b for b in ("initdb", "pg_ctl", "postgres") if shutil.which(b) is None]
    if missing:
        return f"PostgreSQL binaries not on PATH: {', '.join(missing)}"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg (PostgreSQL driver) not installed: pip install -e '.[postgres]'"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=str(_missing()))


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL server in a temporary folder, on a Unix socket only, with password authentication;
    run as ``nobody`` when the tests run as root (PostgreSQL refuses root). Yields the storage URL."""
    folder = tempfile.mkdtemp(prefix="dse-pg-")      # short: a socket path has at most 107 bytes
    as_user: dict = {}
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
        as_user = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
    pwfile = os.path.join(folder, "pw")
    with open(pwfile, "w") as f:
        f.write(SECRET + "\n")
    if as_user:
        os.chown(pwfile, as_user["user"], as_user["group"])
    data = os.path.join(folder, "data")

    def pg(*args):
        return subprocess.run(args, cwd=folder, capture_output=True, text=True, timeout=120, **as_user)

    r = pg("initdb", "-D", data, "-U", "dse", "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8",
           "--no-sync")
    assert r.returncode == 0, r.stdout + r.stderr
    r = pg("pg_ctl", "-D", data, "-l", os.path.join(folder, "server.log"), "-w", "-o",
           f"-c listen_addresses='' -c unix_socket_directories={folder} -c fsync=off", "start")
    assert r.returncode == 0, r.stdout + r.stderr
    try:
        yield f"postgresql+psycopg://dse:{SECRET}@/postgres?host={folder}"
    finally:
        pg("pg_ctl", "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def _trials(url: str) -> list[tuple[int, str, str]]:
    """(trial id, state, worker) of every trial, read straight from the database ([] before the tables exist)."""
    import psycopg

    try:
        with psycopg.connect(host=url.split("host=")[1], user="dse", password=SECRET, dbname="postgres",
                             connect_timeout=5) as c:
            return c.execute("SELECT t.trial_id, t.state::text, a.value_json FROM trials t JOIN trial_user_attributes a "
                             "ON a.trial_id = t.trial_id AND a.key = 'worker'").fetchall()
    except psycopg.Error:
        return []


def _kill_moment(url: str, victim: int, other: int) -> list[int]:
    """The trials ``victim`` holds RUNNING, once both workers have finished trials (else [])."""
    rows = _trials(url)
    finished = {w.split(":")[1] for _, state, w in rows if state in ("COMPLETE", "FAIL")}
    if not {str(victim), str(other)} <= finished:
        return []
    return [tid for tid, state, w in rows if state == "RUNNING" and f":{victim}:" in w]


def test_two_workers_one_killed_on_postgresql(postgres, tmp_path):
    url = postgres
    path = tmp_path / "s.yaml"
    path.write_text(STUDY.replace("{storage}", url))
    env = dict(os.environ, DSE_OPTIMIZE_BATCH_DELAY="1.0")
    # one worker takes the storage from the study file, the other from --storage
    args = [["optimize", str(path), "--out", str(tmp_path / "a.nc")],
            ["optimize", str(path), "--out", str(tmp_path / "b.nc"), "--storage", url]]
    procs = [subprocess.Popen([sys.executable, "-m", "dse", *a], cwd=REPO, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for a in args]
    a, b = procs
    try:
        t0 = time.monotonic()
        while not (held := _kill_moment(url, a.pid, b.pid)):
            assert a.poll() is None and b.poll() is None, "a worker ended before it could be killed"
            assert time.monotonic() - t0 < 300, "both workers never had trials at once"
            time.sleep(0.005)
        a.send_signal(signal.SIGKILL)
        out_a, err_a = a.communicate(timeout=60)
        out_b, err_b = b.communicate(timeout=300)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert a.returncode == -signal.SIGKILL and b.returncode == 0, err_b
    assert "taken over from a stopped worker" in err_b, err_b

    trials = optuna.load_study(study_name="s", storage=url).get_trials()
    within = [t for t in trials if not t.user_attrs.get("over_budget")]
    assert sorted(t.number for t in within) == list(range(BUDGET))          # none lost, none twice
    assert len(trials) - len(within) <= 1                                    # at most one asked past the budget
    assert all(t.state.name in ("COMPLETE", "FAIL") for t in trials)
    for t in trials:                                                          # the killed worker's trials
        if t._trial_id in held:
            assert f":{a.pid}:" not in t.user_attrs["worker"] and t.datetime_complete is not None
    assert optuna.load_study(study_name="s", storage=url).metric_names == ["area", "memory_utilization"]
    ds = xr.open_dataset(tmp_path / "b.nc")
    assert ds.sizes["trial"] == BUDGET and ds.attrs["storage"].startswith("postgresql+psycopg://dse:***@/postgres")
    assert "dse:***@" in ds.attrs["study_text"]

    # no output holds the password: result files, CSV, captured stdout and stderr
    files = [p for p in tmp_path.iterdir() if p.is_file() and p.name != "s.yaml"]
    assert {p.suffix for p in files} >= {".nc", ".csv"}
    for p in files:
        assert SECRET.encode() not in p.read_bytes(), p
    for text in (out_a, err_a, out_b, err_b):
        assert SECRET not in text
    assert "dse:***@" in err_b
