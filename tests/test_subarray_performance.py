"""Subarray read latency, read dynamic energy and leakage against the reference.

``data/subarray_performance.json`` holds figures from an instrumented build of NeuroSim V1.4
(numbers only) on conformance points of the tiny network: SRAM / RRAM / FeFET, parallel
(full and partial: num_add > 1) and sequential read, flash ADC (current / voltage sensing)
and SAR, synchronous and asynchronous mode, 130 to 1 nm (2 nm and 1 nm with word-line
repeaters). Per point: the sensing cycle of the clock pass (synchronous points), the
subarray leakage and SRAM in-use leakage; per read (the first read, with no active row,
and the most active one): activityRowRead, the column resistances handed to the subarray,
the clock of the performance pass, and the reference's readLatency (cycles in synchronous
mode, s otherwise) and readDynamicEnergy with their ADC / accumulation / other split.
"""
import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dse.array.subarray import subarray
from dse.array.subarray_performance import (adc_column_energy, adc_conversions, read_energy_terms,
                                            subarray_clock_period, subarray_leakage, subarray_read_energy,
                                            subarray_read_latency, subarray_timing)
from dse.design import encode
from dse.tech.memcell import memcell
from dse.tech.params import make_params
from dse.tech.technology import technology

RTOL = 1e-9
DATA = json.load(open(os.path.join(os.path.dirname(__file__), "data", "subarray_performance.json")))
NCOL = 256
LAT = ("lat", "latADC", "latAccum", "latOther")
ENERGY = ("E", "EADC", "EAccum", "EOther")


def _states(points):
    prm = make_params(encode(points))
    tech = technology(prm)
    cell = memcell(prm)
    return subarray(tech, prm, cell), tech, prm, cell


def _padded_reads(cases):
    """(activity (P, 2), clk (P, 2), R padded to NCOL (P, 2, NCOL), column mask)."""
    act = np.array([[r["act"] for r in c["reads"]] for c in cases])
    clk = np.array([[r["clk"] for r in c["reads"]] for c in cases])
    res = np.ones((len(cases), 2, NCOL))
    mask = np.zeros((len(cases), 2, NCOL), bool)
    for i, c in enumerate(cases):
        for j, r in enumerate(c["reads"]):
            res[i, j, :len(r["R"])] = r["R"]
            mask[i, j, :len(r["R"])] = True
    return act, clk, res, mask


def _evaluate(sub, tech, prm, cell, act, clk, res, mask):
    def one(sub, tech, prm, cell, act, clk, res, mask):
        tm = subarray_timing(sub, tech, prm, cell)
        col = jnp.where(mask, adc_column_energy(sub, tech, prm, res), 0.0)
        e = subarray_read_energy(sub, tech, prm, cell, act, adc_sum=jnp.sum(col, axis=-1))
        lat = subarray_read_latency(sub, tech, prm, cell, act, clk, timing=tm)
        return tm.sensing, lat, e, subarray_leakage(sub, tech, prm, cell)
    return jax.vmap(one)(sub, tech, prm, cell, act, clk, res, mask)


@pytest.fixture(scope="module")
def figures():
    states = _states([c["point"] for c in DATA])
    reads = [jnp.asarray(a) for a in _padded_reads(DATA)]
    return states, reads, _evaluate(*states, *reads)


def _ids():
    return [f"{c['id']}-{c['point']['technode']}nm-{c['point']['memcell']}-{c['point']['mode']}-{c['point']['adc']}"
            f"-{c['point']['sense']}{'' if c['point']['synchronous'] else '-async'}" for c in DATA]


@pytest.mark.parametrize("i", range(len(DATA)), ids=_ids())
def test_pinned_read(figures, i):
    _, _, (sensing, lat, e, leak) = figures
    case = DATA[i]
    if case["sensing"] is not None:
        np.testing.assert_allclose(float(sensing[i]), case["sensing"], rtol=RTOL, err_msg="sensing cycle")
    np.testing.assert_allclose(float(leak.leakage[i]), case["leakage"], rtol=RTOL, err_msg="leakage")
    np.testing.assert_allclose(float(leak.leakage_sram_in_use[i]), case["leakage_sram_in_use"], rtol=RTOL,
                               atol=1e-30, err_msg="leakage_sram_in_use")
    got_lat = (lat.read_latency, lat.read_latency_adc, lat.read_latency_accum, lat.read_latency_other)
    got_e = (e.read_dynamic_energy, e.read_dynamic_energy_adc, e.read_dynamic_energy_accum,
             e.read_dynamic_energy_other)
    for j, r in enumerate(case["reads"]):
        for name, v in zip(LAT + ENERGY, got_lat + got_e):
            np.testing.assert_allclose(float(v[i, j]), r[name], rtol=RTOL, atol=1e-300,
                                       err_msg=f"read {j} (activity {r['act']}): {name}")


def test_clock_period_is_trace_independent(figures):
    (sub, tech, prm, cell), _, (sensing, _, _, _) = figures
    again = jax.vmap(subarray_clock_period)(sub, tech, prm, cell)
    np.testing.assert_array_equal(np.asarray(again), np.asarray(sensing))
    sync = np.array([c["point"]["synchronous"] for c in DATA])
    assert np.all(np.asarray(sensing)[sync] > 0)


def test_column_resistances_path_and_read_batches(figures):
    """Per-read inputs broadcast: a batch of reads equals the reads one by one; r_col and adc_sum agree.

    All points (RRAM sequential with NaN columns in its read with no active row); the
    first 40 columns of each read.
    """
    states = figures[0]
    act = jnp.asarray([[r["act"] for r in c["reads"]] for c in DATA])
    res = jnp.asarray([[r["R"][:40] for r in c["reads"]] for c in DATA])

    def one(sub, tech, prm, cell, act, res):
        batch = subarray_read_energy(sub, tech, prm, cell, act, res)
        singles = [subarray_read_energy(sub, tech, prm, cell, act[j], res[j]) for j in range(2)]
        sums = [subarray_read_energy(sub, tech, prm, cell, act[j],
                                     adc_sum=jnp.sum(adc_column_energy(sub, tech, prm, res[j]))) for j in range(2)]
        return batch, singles, sums

    batch, singles, sums = jax.vmap(one)(*states, act, res)
    for j in range(2):
        for a, b, c in zip(jax.tree.leaves(batch), jax.tree.leaves(singles[j]), jax.tree.leaves(sums[j])):
            assert np.array_equal(np.asarray(a)[:, j], np.asarray(b), equal_nan=True)
            np.testing.assert_allclose(np.asarray(b), np.asarray(c), rtol=1e-12)
    assert np.all(np.isfinite(np.asarray(batch.read_dynamic_energy)))


def test_energy_decomposition(figures):
    """E = const + per_row * n + conversions(n) * sum_c E_col(R_c), split as the reference reports it."""
    (sub, tech, prm, cell), (act, _, res, mask), (_, _, e, _) = figures

    def parts(sub, tech, prm, cell, act, res, mask):
        t = read_energy_terms(sub, tech, prm, cell)
        n = sub.num_row * act
        s = jnp.sum(jnp.where(mask, adc_column_energy(sub, tech, prm, res), 0.0), axis=-1)
        conv = adc_conversions(sub, act)
        k = t.adc_reads_const + t.adc_reads_per_row * n
        return t, n, s, conv, k

    t, n, s, conv, k = jax.vmap(parts)(sub, tech, prm, cell, act, res, mask)
    has_adc = np.asarray(t.adc_reads_const + t.adc_reads_per_row)[:, None] > 0
    np.testing.assert_array_equal(np.where(has_adc, np.asarray(k), 0), np.where(has_adc, np.asarray(conv), 0))
    c = lambda v: np.asarray(v)[:, None]  # noqa: E731
    adc = c(t.adc_const) + c(t.adc_per_row) * np.asarray(n) + np.where(has_adc, np.asarray(k) * np.asarray(s), 0)
    acc = c(t.accum_const) + c(t.accum_per_row) * np.asarray(n)
    oth = c(t.other_const) + c(t.other_per_row) * np.asarray(n)
    np.testing.assert_allclose(adc, np.asarray(e.read_dynamic_energy_adc), rtol=1e-12)
    np.testing.assert_allclose(acc, np.asarray(e.read_dynamic_energy_accum), rtol=1e-12)
    np.testing.assert_allclose(oth, np.asarray(e.read_dynamic_energy_other), rtol=1e-12)
    np.testing.assert_allclose(adc + acc + oth, np.asarray(e.read_dynamic_energy), rtol=1e-12)


def test_quirks(figures):
    """NaN columns (RRAM sequential read with no active row): the flash ADC drops them, the SAR does not."""
    assert DATA[11]["point"]["adc"] == "sar" and DATA[12]["point"]["mode"] == "sequential"
    e = jax.vmap(lambda sub, tech, prm, cell: adc_column_energy(sub, tech, prm, jnp.full((40,), jnp.nan)))(
        *figures[0])
    e = np.asarray(e)
    assert np.all(np.isnan(e[11])) and np.all(np.isfinite(e[12:14]))
    # the reference's reads with no active row in RRAM sequential mode carry NaN resistances
    assert np.all(np.isnan(DATA[12]["reads"][0]["R"]))


def test_switch_matrix_energy_linear_form(figures):
    """The word-line switch matrices' read energy enters the read as a constant plus a term per
    active row, derived from the circuits' own power functions (``switch_matrix_power``,
    ``new_switch_matrix_power``, pinned in test_circuits_periphery); at any activity the two agree."""
    from dse.array.subarray_performance import _linear_in_activity
    from dse.circuits.new_switch_matrix import new_switch_matrix_power
    from dse.circuits.switch_matrix import switch_matrix_power

    (sub, tech, prm, cell), _, _ = figures
    act = jnp.linspace(0.0, 1.0, 7)

    def one(sub, tech, prm, cell):
        out = []
        for state, power in ((sub.wl_switch_matrix, switch_matrix_power),
                             (sub.wl_new_switch_matrix, new_switch_matrix_power)):
            energy = lambda a: power(state, tech, prm, cell, sub.num_col_muxed, a,  # noqa: E731
                                     prm.temp).read_dynamic_energy
            const, per_row = _linear_in_activity(energy, sub.num_row)
            out.append((const + per_row * (sub.num_row * act), energy(act)))
        return out

    for linear, direct in jax.vmap(one)(sub, tech, prm, cell):
        assert np.all(np.asarray(direct) > 0)
        np.testing.assert_allclose(np.asarray(linear), np.asarray(direct), rtol=1e-12)
