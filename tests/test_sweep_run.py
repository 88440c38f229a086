"""`dse run` end to end: results, interruption and resume, show, plot, estimate."""
import json
import os

import numpy as np
import pytest
import xarray as xr

from cli_helpers import dse_cli, dse_killed_when  # tests/ is on sys.path

SWEEP = """
network: vgg8
fixed: {roadmap: lstp, r_on: 100 kOhm}
grid:
  technode: [130, 90, 65, 45, 32, 22, 14, 10, 7, 5, 3, 2, 1]
  memcell: [sram, rram, fefet]
  subarray: [64, 128, 256]
  adc_bits: [3, 5, 7]
  cell_bits: [1, 2, 4]
  parallel_read: [32, 128]
where: [parallel_read <= subarray]
"""


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("sweep")
    p = d / "grid.yaml"
    p.write_text(SWEEP)
    return d, p


@pytest.fixture(scope="module")
def full_result(sweep_file):
    d, p = sweep_file
    out = d / "full.nc"
    r = dse_cli("run", str(p), "--out", str(out), "--quiet")
    return out, r


def test_run_writes_grid_dataset_with_units_and_errors(full_result):
    out, r = full_result
    ds = xr.open_dataset(out)
    assert dict(ds.sizes)["technode"] == 13 and dict(ds.sizes)["parallel_read"] == 2
    assert ds["area"].attrs["units"] == "m^2"
    a = ds["area"].sel(technode=7, memcell="sram", subarray=128, adc_bits=5, cell_bits=1, parallel_read=32)
    assert 1e-7 < float(a) < 1e-3
    # RRAM below 22 nm is refused, subarray 64 with 128 parallel rows is excluded by the filter
    assert "RRAM" in str(ds["error"].sel(technode=7, memcell="rram", subarray=128, adc_bits=5, cell_bits=1,
                                         parallel_read=32).values)
    assert "excluded" in str(ds["error"].sel(technode=7, memcell="sram", subarray=64, adc_bits=5, cell_bits=1,
                                             parallel_read=128).values)
    assert "versions" in ds.attrs and "grid:" in ds.attrs["sweep_text"]
    assert "points: 2106" in r.stdout and "infeasible points by reason" in r.stdout


def test_run_result_is_cf_conformant(full_result):
    """CF attributes that cf_xarray decodes: Conventions, units on metrics and numeric knob axes,
    long names, and the status bit mask as flags."""
    cf_xarray = pytest.importorskip("cf_xarray")  # noqa: F841
    from dse import status

    ds = xr.open_dataset(full_result[0])
    assert ds.attrs["Conventions"].startswith("CF-")
    assert ds["technode"].attrs["units"] == "nm" and ds["parallel_read"].attrs["units"] == "1"
    assert ds["memcell"].attrs["long_name"] == "memory cell" and "units" not in ds["memcell"].attrs
    assert all("long_name" in ds[v].attrs and "description" not in ds[v].attrs for v in ds.data_vars)
    assert ds["tops_per_w"].attrs["units"] == "TOPS/W" and ds["area"].attrs["units"] == "m^2"
    st = ds["status"]
    assert st.cf.is_flag_variable
    flags = st.cf.flags
    rram = flags["rram_node"].sel(technode=7, memcell="rram", subarray=128, adc_bits=5, cell_bits=1,
                                  parallel_read=32)
    assert bool(rram) and not bool(flags["rram_node"].sel(technode=22, memcell="rram", subarray=128, adc_bits=5,
                                                           cell_bits=1, parallel_read=32))
    assert int((flags["excluded"]).sum()) == int(((st & status.EXCLUDED) != 0).sum()) > 0


def test_unreadable_result_files_exit_2_with_one_line(tmp_path):
    bad = tmp_path / "bad.nc"
    bad.write_bytes(b"\x89HDF not really\n")
    other = tmp_path / "other.nc"
    xr.Dataset({"a": ("x", np.arange(3.0))}).to_netcdf(other)
    for cmd in ("show", "plot", "pareto"):
        for path, msg in ((bad, "cannot be read as a netCDF result"), (tmp_path / "none.nc", "no such result file")):
            r = dse_cli(cmd, str(path), check=False)
            assert r.returncode == 2 and "Traceback" not in r.stderr, (cmd, r.stderr)
            assert r.stderr.count("\n") == 1 and str(path) in r.stderr and msg in r.stderr, (cmd, r.stderr)
    r = dse_cli("show", str(other), check=False)
    assert r.returncode == 2 and "not a result of dse run (no variable 'error'" in r.stderr


def test_version():
    import dse

    r = dse_cli("--version")
    assert r.stdout.startswith(f"dse {dse.__version__} (") and "jax" in r.stdout


def test_existing_result_is_not_overwritten(full_result, sweep_file):
    out, _ = full_result
    r = dse_cli("run", str(sweep_file[1]), "--out", str(out), check=False)
    assert r.returncode == 2 and "--force" in r.stderr


def test_killed_run_resumes_to_the_same_dataset(full_result, sweep_file):
    """SIGKILL once the first chunk is on disk: every finished chunk survives, a re-run computes only
    the rest and writes the same dataset as an uninterrupted run."""
    d, p = sweep_file
    out = d / "resumed.nc"
    partial = str(out) + ".partial"
    def chunks():     # finished chunks (not a chunk being written beside its name)
        return [f for f in os.listdir(partial) if f.startswith("chunk_") and f.endswith(".npz")] \
            if os.path.isdir(partial) else []
    status, err = dse_killed_when(["run", str(p), "--out", str(out), "--quiet"], lambda: len(chunks()) >= 1)
    assert status == -9, err
    assert not out.exists()
    saved = len(chunks())
    assert 1 <= saved < 3                                     # 2106 points in chunks of 1024
    r = dse_cli("run", str(p), "--out", str(out))
    assert f"resuming: {1024 * saved} of" in r.stderr
    assert not os.path.exists(partial)
    a, b = xr.open_dataset(full_result[0]), xr.open_dataset(out)
    for name in a.data_vars:
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)
    assert {k: v for k, v in a.attrs.items() if k != "created"} == {k: v for k, v in b.attrs.items() if k != "created"}


def test_show_and_plot(full_result, tmp_path):
    out, _ = full_result
    r = dse_cli("show", str(out))
    assert "min area" in r.stdout and "feasible" in r.stdout
    png = tmp_path / "p.png"
    r = dse_cli("plot", str(out), "--x", "area", "--y", "memory_utilization", "--color", "memcell", "--out", str(png))
    assert png.exists() and png.stat().st_size > 10_000
    r = dse_cli("plot", str(out), "--x", "aera", check=False)
    assert r.returncode == 2 and "unknown metric 'aera'" in r.stderr


def test_estimate_json_and_report():
    r = dse_cli("estimate", "vgg8", "--set", "technode=7", "--set", "memcell=fefet", "--set", "r_on=40 kOhm", "--json")
    doc = json.loads(r.stdout)
    assert doc["point"]["technode"] == 7 and doc["metrics"]["area"]["units"] == "m^2"
    assert len(doc["metrics"]["layer_tiles"]["value"]) == 8
    r = dse_cli("estimate", "vgg8", "--set", "technode=7")
    assert "chip summary" in r.stdout and "mm^2" in r.stdout
    r = dse_cli("estimate", "vgg8", "--set", "technode=4", check=False)
    assert r.returncode == 2 and "'technode' = 4" in r.stderr
