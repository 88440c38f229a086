"""Sweep files: validation messages (file, key, what is allowed) and point generation."""
import os

import pytest

from cli_helpers import REPO, dse_cli  # tests/ is on sys.path
from dse.sweep.spec import SweepError, load_sweep


def write(tmp_path, text, name="s.yaml"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


@pytest.mark.parametrize("text, fragments", [
    ("network: vgg8\ngrdi: {technode: [7]}\n", ["unknown key 'grdi'", "did you mean 'grid'"]),
    ("network: vgg8\ngrid: {technod: [7]}\n", ["unknown design parameter 'technod'", "did you mean 'technode'"]),
    ("network: vgg8\ngrid: {technode: [4]}\n", ["'technode' = 4", "one of 130, 90"]),
    ("network: vgg8\ngrid: {adc_bits: [0, 5]}\n", ["'adc_bits' = 0", ">= 1"]),
    ("network: vgg8\nfixed: {r_on: 6 kHz}\n", ["'r_on'", "expected ohm"]),
    ("network: vgg8\nfixed: {pipeline: sometimes}\n", ["'pipeline'", "true or false"]),
    ("network: vgg8\ngrid: {technode: 7}\n", ["'technode' must be a non-empty list"]),
    ("network: nosuchnet.csv\n", ["key 'network'", "no such network file"]),
    ("network: vgg8\ntraces: /nonexistent/traces\n", ["key 'traces'", "no such folder"]),
    ("grid: {technode: [7]}\n", ["missing key 'network'"]),
    ("network: vgg8\nkeep: ['area <= 100 parsecs']\n", ["key 'keep'", "neither a known name"]),
    ("network: vgg8\nmetrics: [aera]\n", ["unknown metric 'aera'", "did you mean 'area'"]),
    ("network: vgg8\ngrid: {technode: [7]}\npoints: [{technode: 22}]\n", ["only one of 'grid', 'points'"]),
    ("network: vgg8\nsample: {method: sobol, n: 10, space: {adc_bits: [3, 4]}}\n", ["'method' must be random or lhs"]),
    ("network: [vgg8\n", ["not valid YAML"]),
])
def test_bad_sweep_files_name_file_and_key(tmp_path, text, fragments):
    path = write(tmp_path, text)
    with pytest.raises(SweepError) as e:
        load_sweep(path)
    msg = str(e.value)
    assert path in msg
    for frag in fragments:
        assert frag in msg, msg


def test_cli_reports_bad_file_with_exit_status_2_and_no_traceback(tmp_path):
    path = write(tmp_path, "network: vgg8\ngrid: {technode: [4]}\n")
    r = dse_cli("run", path, check=False)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert "'technode' = 4" in r.stderr and path in r.stderr


def test_missing_sweep_file_exit_2(tmp_path):
    r = dse_cli("run", str(tmp_path / "none.yaml"), check=False)
    assert r.returncode == 2 and "cannot read the sweep file" in r.stderr and "Traceback" not in r.stderr


def test_grid_with_units_and_where_filter(tmp_path):
    path = write(tmp_path, """
network: vgg8
fixed: {r_on: 6 kOhm, clk_freq: 500 MHz}
grid:
  subarray: [64, 128]
  parallel_read: [32, 64, 128]
where: [parallel_read <= subarray]
""")
    s = load_sweep(path)
    assert len(s.points) == 6 and list(s.axes) == ["subarray", "parallel_read"]
    assert s.excluded.tolist() == [False, False, True, False, False, False]
    assert s.points[0]["r_on"] == 6000.0 and s.points[0]["clk_freq"] == 5e8


def test_lhs_sample_is_stratified_and_seeded(tmp_path):
    path = write(tmp_path, """
network: vgg8
sample:
  method: lhs
  n: 50
  seed: 3
  space:
    r_on: {low: 6 kOhm, high: 240 kOhm, log: true}
    adc_bits: [3, 4, 5, 6, 7]
""")
    a, b = load_sweep(path), load_sweep(path)
    assert a.points == b.points
    r = sorted(p["r_on"] for p in a.points)
    assert 6e3 <= r[0] and r[-1] <= 240e3
    # Latin hypercube: exactly one sample in each of the 50 equal strata (log scale)
    import math
    strata = sorted(int((math.log(x) - math.log(6e3)) / (math.log(240e3) - math.log(6e3)) * 50) for x in r)
    assert strata == list(range(50))
    assert {p["adc_bits"] for p in a.points} == {3, 4, 5, 6, 7}


def test_shipped_grid_has_at_least_5000_points():
    s = load_sweep(os.path.join(REPO, "sweeps", "vgg8_grid.yaml"))
    assert int((~s.excluded).sum()) >= 5000
