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

from cli_helpers import CONFORMANCE as CONF  # tests/ is on sys.path

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


def _design(network, traces, point):
    """(net, layers, floorplan, prm, tech, cell, subarray, tables) of one point on a conformance
    network with its traces; tables at the network's own sizes."""
    import jax

    from dse import design as D
    from dse import traces as T
    from dse.array.subarray import subarray
    from dse.chip.floorplan import floorplan
    from dse.chip.layer_tables import layer_tables
    from dse.network import layers_tuple, load_network
    from dse.tech.memcell import memcell
    from dse.tech.params import make_params
    from dse.tech.technology import technology

    net = load_network(os.path.join(CONF, "networks", network))
    prm = jax.tree_util.tree_map(lambda x: x[0] if np.ndim(x) else x, make_params(D.encode([point])))
    tech, cell = technology(prm), memcell(prm)
    sub = subarray(tech, prm, cell)
    lay = layers_tuple(net)
    fp = floorplan(prm, lay)
    folder = os.path.join(CONF, "traces", traces)
    tb = layer_tables(net, [T.layer_stats(folder, net, i, T.stats_key_from_floorplan(fp, prm, i))
                            for i in range(len(lay))])
    return net, lay, fp, prm, tech, cell, sub, tb


def _evaluate(r):
    from dse.chip.chip import chip_area
    from dse.chip.performance import chip_performance

    net, lay, fp, prm, tech, cell, sub, tb = _design(r["network"], r["traces"], r["point"])
    chip = chip_area(tech, prm, cell, lay, fp, sub)
    return chip_performance(tech, prm, cell, sub, chip, fp, tb, len(lay), net.num_computation)


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


def _small_network_point(point):
    """(sub, tech, prm, cell, tables) of one point on the small conformance network, its tables
    padded as the engine pads them."""
    import jax

    from dse.chip.layer_tables import bucket_shapes, stack_tables

    _, _, _, prm, tech, cell, sub, tb = _design("small.csv", "small", point)
    tb = jax.tree_util.tree_map(lambda a: a[0], stack_tables([tb], bucket_shapes([tb.shapes()], 8)))
    return sub, tech, prm, cell, tb


@pytest.mark.skipif(not os.path.isdir(os.path.join(CONF, "traces", "small")), reason="conformance traces missing")
@pytest.mark.parametrize("kw", [
    dict(memcell="rram", mode="parallel", cell_bits=2, adc="mlsa", roadmap="lstp"),
    dict(memcell="fefet", mode="parallel", cell_bits=1, adc="sar", roadmap="hp", technode=45),
    dict(memcell="sram", mode="parallel", cell_bits=1, adc="mlsa", roadmap="hp"),
])
def test_conversion_energy_sums_in_steps_equal_full_sums(kw):
    """The ADC conversion energies of the column states, summed per layer in steps of 32 states up
    to the key's widest layer, equal the plain sums over the whole padded state axis (tables padded
    as the engine pads them, layers with more and fewer states than one step)."""
    import jax

    from dse.array.subarray_performance import adc_column_energy
    from dse.chip.performance import STATE_CHUNK, _conversion_energy_sums
    from dse.traces.resistance import column_resistance_entries

    point = dict(technode=22, subarray=64, parallel_read=16, adc_bits=5, r_on=20000.0, on_off=10.0)
    point.update(kw)
    sub, tech, prm, cell, tb = _small_network_point(point)
    counts = np.asarray(tb.state_valid).sum(-1)
    assert tb.weight.shape[-1] % STATE_CHUNK == 0 and tb.weight.shape[-1] > counts.max()
    r = column_resistance_entries(tb, cell, prm, sub.res_cell_access)
    e = np.asarray(adc_column_energy(sub, tech, prm, r))
    w = np.where(np.asarray(tb.state_valid), np.asarray(tb.weight), 0.0)
    want_par = np.sum(np.where(w > 0, w * e, 0.0), -1)
    want_seq = np.sum(np.where(w > 0, w * np.asarray(tb.state_n) * e, 0.0), -1)
    got_par, got_seq = (np.asarray(x) for x in jax.jit(_conversion_energy_sums)(sub, tech, prm, cell, tb))
    np.testing.assert_allclose(got_par, want_par, rtol=1e-13, atol=0)
    np.testing.assert_allclose(got_seq, want_seq, rtol=1e-13, atol=0)
    assert (want_par[counts > 0] > 0).all()


@pytest.mark.skipif(not os.path.isdir(os.path.join(CONF, "traces", "small")), reason="conformance traces missing")
@pytest.mark.parametrize("kw", [
    dict(memcell="rram", mode="parallel", subarray=128, parallel_read=64, synchronous=False),
    dict(memcell="sram", mode="sequential", subarray=128, parallel_read=128, synchronous=True),
    dict(memcell="fefet", mode="parallel", subarray=256, parallel_read=256, synchronous=True, cell_bits=2),
])
def test_histogram_latencies_in_steps_equal_full_products(kw):
    """The reads' latency per active-row histogram, summed in steps of 32 active-row counts up to the
    key's largest count, equals the product of the whole padded histogram with the read latency on
    the full grid of counts (ADC, accumulation and other parts; cycles and seconds)."""
    import jax
    import jax.numpy as jnp

    from dse.array.subarray_performance import subarray_read_latency, subarray_timing
    from dse.chip.performance import ROW_CHUNK, _histogram_latencies, clock

    point = dict(technode=22, adc_bits=5, r_on=20000.0, on_off=10.0)
    point.update(kw)
    sub, tech, prm, cell, tb = _small_network_point(point)
    timing = subarray_timing(sub, tech, prm, cell)
    _, freq = clock(sub, tech, prm, cell, timing)
    hist = np.asarray(tb.hist)
    N = hist.shape[-1]
    rl = subarray_read_latency(sub, tech, prm, cell, jnp.arange(N, dtype=jnp.float64) / prm.num_row_sub_array, freq,
                               timing)
    want = np.stack([hist @ np.asarray(getattr(rl, k)) for k in ("read_latency_adc", "read_latency_accum",
                                                                  "read_latency_other")], -1)
    got = np.asarray(jax.jit(_histogram_latencies)(sub, tech, prm, cell, tb, freq, timing))
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)
    used = np.flatnonzero(hist.any(axis=(0, 1))).max() + 1
    assert N >= used > ROW_CHUNK and (want[..., 0] > 0).any()
