"""One place decides where caches live on disk (dse.cache.cache_dir); DSE_CACHE_DIR=off disables all."""
import subprocess
import sys

import numpy as np

from cli_helpers import REPO


def test_cache_dir_honours_off_and_the_folder(tmp_path, monkeypatch):
    from dse.cache import cache_dir

    monkeypatch.setenv("DSE_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir("accuracy") == str(tmp_path / "c" / "accuracy") and (tmp_path / "c" / "accuracy").is_dir()
    assert cache_dir("traces", create=False) == str(tmp_path / "c" / "traces")
    for off in ("off", "OFF", "0", "none", ""):
        monkeypatch.setenv("DSE_CACHE_DIR", off)
        assert cache_dir("accuracy") is None


def test_accuracy_caches_follow_dse_cache_dir_off(tmp_path, monkeypatch):
    """`dse accuracy` and a sweep's accuracy column used to write into ./off/accuracy."""
    from dse.cli.main import build_parser
    from dse.sweep import runner

    monkeypatch.setenv("DSE_CACHE_DIR", "off")
    assert build_parser().parse_args(["accuracy", "models/digits_cnn"]).cache_dir is None
    seen = {}

    class Probe:
        def __init__(self, *a, cache_dir=None, **k):
            seen["cache_dir"] = cache_dir
            self.evaluated, self.y, self.data = 0, [], "digits"

        def accuracy(self, pts):
            return np.zeros(len(pts))

    monkeypatch.setattr("dse.accuracy.evaluate.Evaluator", Probe)

    class Sweep:
        accuracy = {"model": "models/digits_cnn"}
        points = [{}]

    runner.accuracy_column(Sweep(), np.zeros(1, np.int64), progress=False)
    assert seen["cache_dir"] is None
    monkeypatch.setenv("DSE_CACHE_DIR", str(tmp_path))
    runner.accuracy_column(Sweep(), np.zeros(1, np.int64), progress=False)
    assert seen["cache_dir"] == str(tmp_path / "accuracy")


def test_compilation_cache_off_in_a_fresh_process(tmp_path):
    r = subprocess.run([sys.executable, "-c", "import dse, jax; print(jax.config.jax_compilation_cache_dir)"],
                       capture_output=True, text=True, cwd=str(tmp_path),
                       env={"DSE_CACHE_DIR": "off", "PATH": "/usr/bin:/bin", "PYTHONPATH": REPO})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() in ("None", "") and not (tmp_path / "off").exists()
