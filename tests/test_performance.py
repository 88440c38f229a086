"""Chip latency / energy / leakage composition (dse.chip.performance, dse.chip.aggregate).

End-to-end figures are checked against the reference's conformance files (tiny network, its
traces); the aggregation is checked on hand-made per-layer figures.
"""
import json
import os

import numpy as np
import pytest

import dse  # noqa: F401  (float64)
import jax.numpy as jnp

from dse.chip.aggregate import LayerFigures, aggregate

CONF = "/work/shared/conformance"
CHIP_KEYS = ["clock_period", "latency", "energy_dynamic", "energy_leakage", "leakage_power", "latency_buffer",
             "energy_buffer", "latency_ic", "energy_ic", "latency_adc", "latency_accum", "latency_other",
             "energy_adc", "energy_accum", "energy_other", "tops", "tops_per_w", "fps", "tops_per_mm2"]


def _lf(**kw):
    base = dict(latency=[1.0, 3.0, 2.0], energy_dynamic=[1.0, 2.0, 3.0], tile_leakage=[0.5, 0.25, 1.0],
                tile_leakage_sram_in_use=[0.1, 0.05, 0.2], num_tiles=[1.0, 2.0, 4.0])
    for k in ("latency_buffer", "latency_ic", "latency_adc", "latency_accum", "latency_other"):
        base[k] = [0.1, 0.3, 0.2]
    for k in ("energy_buffer", "energy_ic", "energy_adc", "energy_accum", "energy_other"):
        base[k] = [1.0, 1.0, 1.0]
    base.update(kw)
    return LayerFigures(**{k: jnp.asarray(v, jnp.float64) for k, v in base.items()})


def test_aggregate_layer_by_layer():
    out = aggregate(_lf(), 0, 3, 12.0, 2e-6, 1.22, 1)
    lat = np.array([1.0, 3.0, 2.0])
    tiles = np.array([1.0, 2.0, 4.0])
    leak = np.array([0.5, 0.25, 1.0])
    use = np.array([0.1, 0.05, 0.2])
    e_leak = ((tiles.sum() - tiles) * leak + tiles * use) * lat
    assert float(out["latency"]) == 6.0
    np.testing.assert_allclose(out["layer_energy_leakage"], e_leak, rtol=1e-15)
    np.testing.assert_allclose(out["leakage_power"], (tiles * leak).sum(), rtol=1e-15)
    np.testing.assert_allclose(out["latency_adc"], 0.6, rtol=1e-15)
    np.testing.assert_allclose(out["tops_per_w"], 12.0 / ((6.0 + e_leak.sum()) * 1e12) / 1.22, rtol=1e-15)
    np.testing.assert_allclose(out["tops_per_mm2"], 12.0 / 6e12 / 2.0, rtol=1e-15)


def test_aggregate_pipeline_running_clock_and_padding():
    lf = _lf(latency=[1.0, 3.0, 2.0, 99.0], energy_dynamic=[1.0, 2.0, 3.0, 99.0], tile_leakage=[0.5, 0.25, 1.0, 9.0],
             tile_leakage_sram_in_use=[0.1, 0.05, 0.2, 9.0], num_tiles=[1.0, 2.0, 4.0, 9.0],
             **{k: [0.1, 0.3, 0.2, 9.0] for k in ("latency_buffer", "latency_ic", "latency_adc", "latency_accum",
                                                    "latency_other")},
             **{k: [1.0, 1.0, 1.0, 9.0] for k in ("energy_buffer", "energy_ic", "energy_adc", "energy_accum",
                                                    "energy_other")})
    out = aggregate(lf, 1, 3, 12.0, 2e-6, 1.22, 0)          # 4th layer is padding
    clock = np.array([1.0, 3.0, 3.0])                       # running maximum in layer order
    lat = np.array([1.0, 3.0, 2.0])
    p = np.array([1.0, 2.0, 4.0]) * (np.array([0.5, 0.25, 1.0]) * (clock - lat) + np.array([0.1, 0.05, 0.2]) * lat) / clock
    np.testing.assert_allclose(out["layer_leakage_power"][:3], p, rtol=1e-15)
    assert float(out["latency"]) == 3.0
    np.testing.assert_allclose(out["energy_leakage"], p.sum() * 3.0, rtol=1e-15)
    np.testing.assert_allclose(out["latency_other"], 0.3, rtol=1e-15)
    np.testing.assert_allclose(out["energy_dynamic"], 6.0, rtol=1e-15)
    np.testing.assert_allclose(out["tops_per_w"], 12.0 / ((6.0 + p.sum() * 3.0) * 1e12), rtol=1e-15)


def _row(fname, pid):
    with open(os.path.join(CONF, fname)) as f:
        for line in f:
            r = json.loads(line)
            if r["id"] == pid:
                return r
    raise KeyError(pid)


def _evaluate(r):
    from dse import design as D
    from dse import traces as T
    from dse.array.subarray import subarray
    from dse.chip.chip import chip_area
    from dse.chip.floorplan import floorplan
    from dse.chip.performance import chip_performance, layer_tables
    from dse.network import layers_tuple, load_network
    from dse.tech.memcell import memcell
    from dse.tech.params import make_params
    from dse.tech.technology import technology

    net = load_network(os.path.join(CONF, "networks", r["network"]))
    prm = make_params(D.encode([r["point"]]))
    import jax
    prm = jax.tree_util.tree_map(lambda x: x[0] if np.ndim(x) else x, prm)
    tech, cell = technology(prm), memcell(prm)
    sub = subarray(tech, prm, cell)
    lay = layers_tuple(net)
    fp = floorplan(prm, lay)
    chip = chip_area(tech, prm, cell, lay, fp, sub)
    folder = os.path.join(CONF, "traces", r["traces"])
    sc = [T.layer_stats(folder, net, i, T.stats_key_from_floorplan(fp, prm, i)) for i in range(len(lay))]
    return chip_performance(tech, prm, cell, sub, chip, fp, layer_tables(net, sc), len(lay), net.num_computation)


@pytest.mark.skipif(not os.path.isdir(os.path.join(CONF, "traces", "tiny")), reason="conformance traces missing")
@pytest.mark.parametrize("pid", [
    "tiny-2",    # SRAM parallel, novel mapping, pipelined, chip activation, H-tree, SAR
    "tiny-16",   # SRAM sequential, conventional, layer by layer, XY bus (stale adder-tree leakage)
    "tiny-24",   # FeFET parallel, novel, pipelined (buffers see the 1T1R access width)
])
def test_conformance_chip_metrics(pid):
    r = _row("tiny.jsonl", pid)
    out = _evaluate(r)
    e = r["expect"]
    for k in CHIP_KEYS:
        np.testing.assert_allclose(float(np.asarray(out[k])), e[k], rtol=2e-4, atol=1e-30, err_msg=k)
    # per-layer figures (the conformance files' last layer carries the chip breakdown: skip it there)
    for k in ("layer_latency", "layer_energy_dynamic", "layer_leakage_power", "layer_energy_leakage",
              "layer_latency_buffer", "layer_energy_buffer", "layer_latency_ic", "layer_energy_ic"):
        np.testing.assert_allclose(np.asarray(out[k]), e[k], rtol=2e-4, err_msg=k)
    for k in ("layer_latency_adc", "layer_latency_accum", "layer_latency_other", "layer_energy_adc",
              "layer_energy_accum", "layer_energy_other"):
        np.testing.assert_allclose(np.asarray(out[k])[:-1], e[k][:-1], rtol=2e-4, atol=1e-30, err_msg=k)
