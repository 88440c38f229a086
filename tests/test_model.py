"""The end-to-end model: exact identities and compilation behaviour."""
import numpy as np

import dse
from dse import engine as E
from dse import plan as P
from dse.design import encode
from dse.network import load_network


POINTS = [
    {"technode": 22, "memcell": "sram", "subarray": 128, "parallel_read": 64, "adc_bits": 5},
    {"technode": 7, "memcell": "fefet", "subarray": 64, "cell_bits": 2, "adc": "sar"},
    {"technode": 65, "memcell": "rram", "roadmap": "hp", "mode": "sequential", "mapping": "conventional"},
    {"technode": 2, "memcell": "sram", "subarray": 256, "global_bus": "htree", "pipeline": False},
    {"technode": 130, "memcell": "rram", "cell_bits": 4, "r_on": 6e3, "sense": "voltage"},
    {"technode": 10, "memcell": "rram"},   # RRAM below 22 nm: refused by the reference
]


def test_batch_equals_single_evaluations():
    batch = dse.evaluate("vgg8", POINTS)
    for i, p in enumerate(POINTS):
        one = dse.evaluate("vgg8", [p])
        for name in ("area", "area_adc", "area_accum", "area_other", "area_ic", "area_array",
                     "memory_utilization", "layer_tiles", "layer_utilization"):
            np.testing.assert_array_equal(batch[name].values[i], one[name].values[0], err_msg=f"{name} point {i}")
        # latency/energy: the same tables, padded differently (sums may reassociate)
        for name in ("latency", "energy_dynamic", "leakage_power", "tops_per_w", "layer_energy_adc"):
            np.testing.assert_allclose(batch[name].values[i], one[name].values[0], rtol=1e-12,
                                       err_msg=f"{name} point {i}")
        assert str(batch["error"].values[i]) == str(one["error"].values[0])


def test_infeasible_points_carry_reasons_and_nan():
    ds = dse.evaluate("vgg8", POINTS)
    assert "RRAM is not supported" in str(ds["error"].values[5])
    assert np.isnan(ds["area"].values[5])
    assert all(str(e) == "" for i, e in enumerate(ds["error"].values[:5]) if i != 2)
    # RRAM sequential read at 65 nm HP: the reference's sensing clock is NaN; the area stays valid
    assert "not finite" in str(ds["error"].values[2]) and np.isfinite(ds["area"].values[2])
    assert np.isnan(ds["latency"].values[2]) and np.isfinite(ds["latency"].values[[0, 1, 3, 4]]).all()
    assert ds["area"].attrs["units"] == "m^2"


def test_area_breakdown_is_consistent():
    ds = dse.evaluate("vgg8", POINTS[:5])
    parts = sum(ds[k].values for k in ("area_array", "area_ic", "area_adc", "area_accum", "area_other"))
    # the breakdown never exceeds the chip's bounding box
    assert np.all(parts <= ds["area"].values * (1 + 1e-12))


def test_second_batch_compiles_nothing():
    """Chunks of one evaluation (a sweep's group) share every compiled stage."""
    from dse import executables as X
    ev = E.Evaluation(load_network("vgg8"), encode(POINTS), batch_size=2)
    first = ev.run(0, 2)
    before = X.stage_count()
    rest = ev.run(2, 6)
    assert X.stage_count() == before        # stages compiled or loaded from the executable store
    assert X.stage_count("hardware") >= 1 and X.stage_count("performance") >= 1
    assert np.isfinite(first["latency"]).all() and np.isfinite(rest["tops_per_w"][[1, 2]]).all()


def test_networks_share_the_hardware_compilation(tmp_path):
    small = tmp_path / "small.csv"
    small.write_text("16,16,3,3,3,32,0,1\n8,8,32,3,3,64,1,1\n1,1,1024,1,1,10,0,1\n")
    from dse import executables as X
    E.run_model(load_network("vgg8"), encode(POINTS[:1]))
    n = X.stage_count("hardware")
    ds = dse.evaluate(str(small), POINTS[:1])
    assert X.stage_count("hardware") == n  # 3 and 8 layers share the 8-layer bucket
    assert ds.sizes["layer"] == 3 and np.isfinite(ds["area"].values[0])


def test_shared_column_conductances_equal_each_point_own(monkeypatch):
    """The engine computes the column states' conductances once per distinct set of column
    parameters (batched, padded); each point's own computation agrees."""
    import jax

    from dse.tech.memcell import memcell
    from dse.tech.params import make_params
    from dse.traces.resistance import column_conductance_entries, column_params

    pts = [dict(p, subarray=64, cell_bits=2, technode=t, adc_bits=a) for p in POINTS[1:2]
           for t in (7, 5) for a in (3, 4, 5)] + [dict(POINTS[4], adc_bits=4)]
    ev = E.Evaluation(load_network("vgg8"), encode(pts), batch_size=8)
    columns = ev.plan.columns
    assert len(np.unique(columns.index[:6])) == 2          # adc_bits do not enter the conductances
    assert ev.key_index[6] != ev.key_index[0]             # another key, another group
    g = columns.of_groups(columns.index)
    prm = make_params(encode(pts))
    cp = column_params(memcell(prm), prm)
    for i in range(len(pts)):
        own = column_conductance_entries(ev.tables[ev.key_index[i]], **jax.tree_util.tree_map(lambda a: a[i], cp))
        np.testing.assert_allclose(g[i], own, rtol=1e-13)
        assert np.isfinite(g[i]).all() and g[i].max() > 0
    # a cache smaller than the groups asked for at once: recomputed, same values
    monkeypatch.setattr(P, "COLUMN_CACHE", 2)
    columns.cache.clear()
    np.testing.assert_array_equal(columns.of_groups(columns.index[::-1]), g[::-1])
    assert len(columns.cache) == len(np.unique(columns.index))


def test_packing_round_trip_keeps_values_and_dtypes():
    """Per-point trees travel between stages as one float64 matrix: unpacking gives every leaf back
    exactly, in its dtype and shape, from host or device arrays."""
    import jax
    import jax.numpy as jnp

    from dse.pytree import Packing

    rng = np.random.default_rng(3)
    tree = {"a": rng.normal(size=5), "b": (rng.integers(-2**40, 2**40, size=5), rng.random(5) < 0.5),
            "c": rng.normal(size=(5, 3, 2)), "d": np.arange(5, dtype=np.int32)}
    p = Packing.of(tree)
    mat = p.pack(tree)
    assert mat.shape == (5, 1 + 1 + 1 + 6 + 1) and mat.dtype == np.float64
    back = p.unpack(jnp.asarray(mat))
    for got, want in zip(jax.tree_util.tree_leaves(back), jax.tree_util.tree_leaves(tree)):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(np.asarray(got), want)
    np.testing.assert_array_equal(p.pack(jax.device_put(tree)), mat)
    assert Packing.of(jax.tree_util.tree_map(lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype), tree)) == p


def test_non_finite_points_name_the_metrics_and_the_cause():
    """1 nm FeFET with 64-row subarrays: the reference's flip-flop layout overflows an int; the reason
    says so and names the area metrics that are not finite."""
    import dse
    from dse import status as S

    ds = dse.evaluate("vgg8", [dict(technode=1, memcell="fefet", subarray=64, adc_bits=3, parallel_read=8),
                               dict(technode=1, memcell="fefet", subarray=128, adc_bits=3, parallel_read=8)])
    err, ok = (str(e) for e in ds["error"].values)
    assert ok == ""
    assert int(ds["status"][0]) & S.NEGATIVE_LAYOUT and int(ds["status"][0]) & S.NUMERIC
    assert "area metrics are not finite (area, area_accum, area_ic)" in err
    assert "INT_MIN" in err and "flip-flops" in err
