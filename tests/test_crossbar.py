"""Cross-point (no access device) RRAM / FeFET arrays against the reference (NeuroSim V1.4).

Reference figures come from an instrumented build of the reference run with its access type
set to "none" (numbers only). Pinned: the subarray bounding box (height, width, area), the
cells' average parallel-read resistance and the word-line driver's area (decoder driver in
sequential read, switch matrix in parallel read), for RRAM (130..22 nm) and FeFET (90..1 nm),
parallel / sequential read, flash / SAR ADCs, 64..256 subarrays; and the chip area with its
breakdown on the tiny network. The 1T1R figures are pinned in test_subarray.py.

``data/crossbar_performance.json``: per-read figures of the same instrumented build on cross-point
points of the tiny network (RRAM / FeFET, parallel and sequential read, flash and SAR ADCs,
synchronous and asynchronous, 65..1 nm): the clock pass's sensing cycle, the leakage and, for the
least and the most active read, activityRowRead, the column resistances handed to the subarray,
the clock, readLatency and readDynamicEnergy with their ADC / accumulation / other split.
"""
import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dse import design as D
from dse import engine as E
from dse import status as S
from dse.array.subarray import subarray
from dse.array.subarray_performance import (adc_column_energy, subarray_leakage, subarray_read_energy,
                                            subarray_read_latency, subarray_timing)
from dse.network import from_layers
from dse.tech.memcell import memcell
from dse.tech.params import make_params
from dse.tech.technology import technology

RTOL = 1e-9

#: (design point without the access knob, reference (height, width, area, resMemCellAvg, WL driver area))
SUB = [
    ({'technode': 130, 'memcell': 'rram', 'mode': 'parallel', 'subarray': 64, 'parallel_read': 64, 'adc': 'mlsa', 'sense': 'voltage', 'adc_bits': 5, 'cell_bits': 1, 'col_mux': 4, 'r_on': 240000.0, 'on_off': 17.0, 'roadmap': 'hp', 'weight_bits': 8, 'input_bits': 8},
     (0.005189964745454545, 0.0028563791999999997, 1.4824507347649656e-05, 453333.3333333333, 3.4082048000000006e-09)),
    ({'technode': 65, 'memcell': 'rram', 'mode': 'sequential', 'subarray': 64, 'parallel_read': 64, 'adc': 'mlsa', 'sense': 'current', 'adc_bits': 4, 'cell_bits': 1, 'col_mux': 4, 'r_on': 100000.0, 'on_off': 150.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 8},
     (0.0016561025, 0.001083158, 1.793820671695e-06, 198675.4966887417, 5.975423999999999e-10)),
    ({'technode': 22, 'memcell': 'rram', 'mode': 'parallel', 'subarray': 128, 'parallel_read': 64, 'adc': 'sar', 'sense': 'current', 'adc_bits': 5, 'cell_bits': 2, 'col_mux': 4, 'r_on': 100000.0, 'on_off': 2.8, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 8},
     (0.0007582001064444661, 0.00028058233599999994, 2.127375570216369e-07, 147368.42105263157, 2.0545536e-10)),
    ({'technode': 45, 'memcell': 'rram', 'mode': 'sequential', 'subarray': 128, 'parallel_read': 32, 'adc': 'sar', 'sense': 'current', 'adc_bits': 4, 'cell_bits': 4, 'col_mux': 8, 'r_on': 240000.0, 'on_off': 150.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 8},
     (0.0011604935468750002, 0.0006871775, 7.974650543076955e-07, 476821.19205298007, 4.4826624000000005e-10)),
    ({'technode': 1, 'memcell': 'fefet', 'mode': 'parallel', 'subarray': 128, 'parallel_read': 128, 'adc': 'mlsa', 'sense': 'current', 'adc_bits': 6, 'cell_bits': 2, 'col_mux': 16, 'r_on': 6000.0, 'on_off': 2.8, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 8},
     (0.0006879294545454547, 0.001200368, 8.257685034938184e-07, 8842.105263157895, 1.5826944000000003e-10)),
    ({'technode': 2, 'memcell': 'fefet', 'mode': 'parallel', 'subarray': 64, 'parallel_read': 16, 'adc': 'sar', 'sense': 'current', 'adc_bits': 4, 'cell_bits': 4, 'col_mux': 8, 'r_on': 240000.0, 'on_off': 100.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 8},
     (0.0008320842125, 0.0014465737999999997, 1.2036712211961323e-06, 475247.52475247526, 9.676800000000003e-12)),
    ({'technode': 1, 'memcell': 'fefet', 'mode': 'sequential', 'subarray': 128, 'parallel_read': 128, 'adc': 'sar', 'sense': 'current', 'adc_bits': 4, 'cell_bits': 2, 'col_mux': 8, 'r_on': 6000.0, 'on_off': 10.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 8},
     (0.0006571500000000001, 0.001462672, 9.611949048000001e-07, 10909.090909090908, 6.817382400000001e-10)),
    ({'technode': 7, 'memcell': 'fefet', 'mode': 'sequential', 'subarray': 256, 'parallel_read': 64, 'adc': 'sar', 'sense': 'voltage', 'adc_bits': 7, 'cell_bits': 1, 'col_mux': 8, 'r_on': 240000.0, 'on_off': 17.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 8},
     (0.00031600112397332244, 0.00033556552638571997, 1.0603908350458709e-07, 453333.3333333333, 8.404933017599999e-11)),
    ({'technode': 14, 'memcell': 'fefet', 'mode': 'parallel', 'subarray': 64, 'parallel_read': 64, 'adc': 'mlsa', 'sense': 'current', 'adc_bits': 7, 'cell_bits': 2, 'col_mux': 16, 'r_on': 40000.0, 'on_off': 17.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 8},
     (0.00042070561589848125, 0.00041255812196965, 1.7356551879716235e-07, 75555.55555555555, 8.944975872000002e-11)),
    ({'technode': 14, 'memcell': 'fefet', 'mode': 'sequential', 'subarray': 128, 'parallel_read': 64, 'adc': 'mlsa', 'sense': 'current', 'adc_bits': 3, 'cell_bits': 1, 'col_mux': 8, 'r_on': 6000.0, 'on_off': 2.8, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 8},
     (0.00041411160880818436, 0.00053773859596965, 2.22683795095246e-07, 8842.105263157895, 1.1040655933440001e-09)),
    ({'technode': 3, 'memcell': 'fefet', 'mode': 'parallel', 'subarray': 128, 'parallel_read': 32, 'adc': 'mlsa', 'sense': 'voltage', 'adc_bits': 3, 'cell_bits': 4, 'col_mux': 16, 'r_on': 240000.0, 'on_off': 150.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 8},
     (0.000189623168, 0.0003141887999999999, 5.957747560611838e-08, 476821.19205298007, 2.890137600000001e-11)),
    ({'technode': 90, 'memcell': 'fefet', 'mode': 'sequential', 'subarray': 128, 'parallel_read': 128, 'adc': 'sar', 'sense': 'current', 'adc_bits': 6, 'cell_bits': 1, 'col_mux': 16, 'r_on': 40000.0, 'on_off': 10.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 8},
     (0.0019040526319044164, 0.0022536309090909097, 4.291031863795689e-06, 72727.27272727272, 7.85866752e-09)),
    ({'technode': 32, 'memcell': 'rram', 'mode': 'parallel', 'subarray': 64, 'parallel_read': 64, 'adc': 'mlsa', 'sense': 'current', 'adc_bits': 5, 'cell_bits': 1, 'col_mux': 8, 'r_on': 100000.0, 'on_off': 150.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 8},
     (0.0005238821902856623, 0.0004320870399999999, 2.263627049092485e-07, 198675.4966887417, 2.09190912e-10)),
    ({'technode': 5, 'memcell': 'fefet', 'mode': 'sequential', 'subarray': 128, 'parallel_read': 32, 'adc': 'mlsa', 'sense': 'voltage', 'adc_bits': 6, 'cell_bits': 1, 'col_mux': 16, 'r_on': 100000.0, 'on_off': 17.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 8},
     (0.000302763225, 0.0005178911999999999, 1.5679840991112e-07, 188888.88888888888, 6.854400000000001e-11)),
]

#: (design point, reference chip (area, area_ic, area_adc, area_accum, area_other, area_array)) on "tiny"
CHIP = [
    ({'technode': 22, 'memcell': 'rram', 'mode': 'sequential', 'cell_bits': 1, 'mapping': 'conventional', 'pipeline': True, 'global_bus': 'xy', 'adc': 'mlsa', 'sense': 'voltage', 'roadmap': 'lstp', 'r_on': 40000.0, 'on_off': 17.0, 'col_mux': 16, 'speedup': 1, 'global_buffer': 'regfile', 'tile_buffer': 'regfile', 'pe_buffer': 'sram', 'validated': True, 'synchronous': True, 'chip_activation': False, 'activation': 'relu', 'adc_bits': 5, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 128, 'parallel_read': 128, 'access': 'crossbar'},
     (6.0447176320114615e-06, 9.384222839942188e-07, 4.877090816000001e-10, 6.75353305088e-08, 4.4831291919124476e-07, 6.710886400000001e-09)),
    ({'technode': 1, 'memcell': 'fefet', 'mode': 'parallel', 'cell_bits': 1, 'mapping': 'novel', 'pipeline': False, 'global_bus': 'xy', 'adc': 'mlsa', 'sense': 'voltage', 'roadmap': 'lstp', 'r_on': 6000.0, 'on_off': 2.8, 'col_mux': 16, 'speedup': 4, 'global_buffer': 'regfile', 'tile_buffer': 'regfile', 'pe_buffer': 'sram', 'validated': True, 'synchronous': True, 'chip_activation': True, 'activation': 'relu', 'adc_bits': 5, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 128, 'parallel_read': 16, 'access': 'crossbar'},
     (0.0002253708488044901, 2.1147885399064765e-06, 9.19896064e-09, 1.9590553600000003e-08, 1.1872890692517646e-06, 1.3421772800000003e-09)),
    ({'technode': 2, 'memcell': 'fefet', 'mode': 'sequential', 'cell_bits': 4, 'mapping': 'novel', 'pipeline': True, 'global_bus': 'htree', 'adc': 'sar', 'sense': 'current', 'roadmap': 'lstp', 'r_on': 6000.0, 'on_off': 150.0, 'col_mux': 8, 'speedup': 4, 'global_buffer': 'sram', 'tile_buffer': 'regfile', 'pe_buffer': 'sram', 'validated': True, 'synchronous': False, 'chip_activation': False, 'activation': 'sigmoid', 'adc_bits': 6, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 64, 'parallel_read': 64, 'access': 'crossbar'},
     (0.0001424612620246603, 4.302656424679062e-07, 8.741191680000002e-09, 1.2116248320000002e-08, 3.683666373029714e-07, 1.703936e-10)),
    ({'technode': 7, 'memcell': 'fefet', 'mode': 'parallel', 'cell_bits': 1, 'mapping': 'novel', 'pipeline': True, 'global_bus': 'htree', 'adc': 'sar', 'sense': 'current', 'roadmap': 'lstp', 'r_on': 100000.0, 'on_off': 100.0, 'col_mux': 4, 'speedup': 8, 'global_buffer': 'sram', 'tile_buffer': 'regfile', 'pe_buffer': 'regfile', 'validated': True, 'synchronous': True, 'chip_activation': True, 'activation': 'relu', 'adc_bits': 3, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 128, 'parallel_read': 32, 'access': 'crossbar'},
     (4.867229002160886e-05, 1.0550591109992312e-06, 2.3589353880952826e-07, 2.938517744904088e-07, 8.92841899232933e-07, 8.388608e-09)),
    ({'technode': 14, 'memcell': 'fefet', 'mode': 'sequential', 'cell_bits': 2, 'mapping': 'conventional', 'pipeline': True, 'global_bus': 'xy', 'adc': 'mlsa', 'sense': 'voltage', 'roadmap': 'lstp', 'r_on': 40000.0, 'on_off': 2.8, 'col_mux': 8, 'speedup': 8, 'global_buffer': 'regfile', 'tile_buffer': 'regfile', 'pe_buffer': 'regfile', 'validated': True, 'synchronous': True, 'chip_activation': False, 'activation': 'relu', 'adc_bits': 7, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 64, 'parallel_read': 32, 'access': 'crossbar'},
     (1.822268639327077e-05, 1.8697796659245234e-06, 3.0568508773539845e-09, 8.691806468772404e-08, 3.801160347832994e-07, 1.6106127360000001e-09)),
    ({'technode': 65, 'memcell': 'rram', 'mode': 'parallel', 'cell_bits': 2, 'mapping': 'novel', 'pipeline': True, 'global_bus': 'xy', 'adc': 'sar', 'sense': 'voltage', 'roadmap': 'hp', 'r_on': 40000.0, 'on_off': 10.0, 'col_mux': 16, 'speedup': 4, 'global_buffer': 'regfile', 'tile_buffer': 'sram', 'pe_buffer': 'regfile', 'validated': True, 'synchronous': True, 'chip_activation': False, 'activation': 'relu', 'adc_bits': 3, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 128, 'parallel_read': 128, 'access': 'crossbar'},
     (0.00013702690082840614, 2.2463434552211853e-05, 6.298450995199999e-07, 7.607148057599999e-07, 6.2105830804575985e-06, 7.51435776e-08)),
    ({'technode': 32, 'memcell': 'fefet', 'mode': 'parallel', 'cell_bits': 2, 'mapping': 'conventional', 'pipeline': False, 'global_bus': 'xy', 'adc': 'mlsa', 'sense': 'voltage', 'roadmap': 'hp', 'r_on': 100000.0, 'on_off': 150.0, 'col_mux': 8, 'speedup': 1, 'global_buffer': 'regfile', 'tile_buffer': 'regfile', 'pe_buffer': 'regfile', 'validated': True, 'synchronous': True, 'chip_activation': False, 'activation': 'relu', 'adc_bits': 5, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 64, 'parallel_read': 32, 'access': 'crossbar'},
     (1.9899339325760717e-05, 2.772592639492583e-06, 5.6222601588363645e-08, 1.3391319531520003e-07, 6.078511364356655e-07, 4.110417920000001e-09)),
]

TINY = ((8, 8, 3, 3, 3, 16, 0, 1), (8, 8, 16, 3, 3, 32, 1, 1), (4, 4, 32, 3, 3, 64, 1, 1), (1, 1, 256, 1, 1, 10, 0, 1))


def _subarrays(points):
    prm = make_params(D.encode(points))
    cell = memcell(prm)
    return prm, cell, subarray(technology(prm), prm, cell)


@pytest.fixture(scope="module")
def xbar():
    return _subarrays([dict(p, access="crossbar") for p, _ in SUB])


@pytest.mark.parametrize("i", range(len(SUB)))
def test_subarray_matches_reference(xbar, i):
    _, _, s = xbar
    point, (h, w, a, r_avg, drv) = SUB[i]
    seq = point["mode"] == "sequential"
    driver = s.wl_decoder_driver if seq else s.wl_switch_matrix
    got = [s.height[i], s.width[i], s.area[i], s.res_mem_cell_avg[i], driver.area[i]]
    np.testing.assert_allclose(np.asarray(got, float), [h, w, a, r_avg, drv], rtol=RTOL, err_msg=str(point))
    assert int(s.status[i]) == 0
    # the 1T1R drivers and word-line repeaters are absent
    assert float(s.wl_new_decoder_driver.area[i]) == 0.0 and float(s.wl_new_switch_matrix.area[i]) == 0.0
    assert float(s.wl_repeater.area[i]) == 0.0


def test_cell_and_array_geometry(xbar):
    prm, cell, s = xbar
    assert np.all(np.asarray(cell.access_type) == D.ACCESS_CROSSBAR)
    assert np.all(np.asarray(cell.height_in_feature_size) == 2.0)
    assert np.all(np.asarray(cell.width_in_feature_size) == 2.0)
    # 2F x 2F cells at the memory's own F (the wire width), no access resistance or loads
    np.testing.assert_allclose(s.area_array, s.num_row * s.num_col * 4 * np.asarray(prm.feature_size) ** 2,
                               rtol=1e-12)
    np.testing.assert_array_equal(s.res_mem_cell_on, cell.resistance_on)
    np.testing.assert_array_equal(s.res_cell_access, 0.0)
    np.testing.assert_array_equal(s.cap_row2, s.length_row * 0.2e-9)


def test_sram_ignores_the_access_knob():
    pts = [{"technode": 22, "memcell": "sram", "subarray": 128}, {"technode": 7, "memcell": "sram", "mode": "sequential"}]
    _, cell, s = _subarrays(pts + [dict(p, access="crossbar") for p in pts])
    assert np.all(np.asarray(cell.access_type) == D.ACCESS_1T1R)
    for f in ("area", "height", "width", "area_adc", "area_accum", "area_other"):
        v = np.asarray(getattr(s, f))
        np.testing.assert_array_equal(v[:2], v[2:])


def test_batch_equals_single(xbar):
    _, _, s = xbar
    for i in (4,):
        _, _, one = _subarrays([dict(SUB[i][0], access="crossbar")])
        for f in ("area", "height", "width", "area_adc", "area_accum", "area_other", "used_area"):
            assert float(getattr(one, f)[0]) == float(getattr(s, f)[i]), (i, f)


def test_chip_area_matches_reference():
    out = E.run_model(from_layers(TINY, "tiny"), D.encode([p for p, _ in CHIP]))
    for i, (point, ref) in enumerate(CHIP):
        assert int(out["status"][i]) & ~(S.NOT_MODELLED | S.PERF_ONLY) == 0, point  # area only here
        got = [out[k][i] for k in ("area", "area_ic", "area_adc", "area_accum", "area_other", "area_array")]
        np.testing.assert_allclose(np.asarray(got, float), ref, rtol=RTOL, err_msg=str(point))


PERF = json.load(open(os.path.join(os.path.dirname(__file__), "data", "crossbar_performance.json")))
NCOL = 256


@pytest.fixture(scope="module")
def perf():
    prm, cell, sub = _subarrays([dict(c["point"], access="crossbar") for c in PERF])
    tech = technology(prm)
    act = jnp.asarray([[r["act"] for r in c["reads"]] for c in PERF])
    clk = jnp.asarray([[r["clk"] for r in c["reads"]] for c in PERF])
    res = np.ones((len(PERF), 2, NCOL))
    mask = np.zeros((len(PERF), 2, NCOL), bool)
    for i, c in enumerate(PERF):
        for j, r in enumerate(c["reads"]):
            res[i, j, :len(r["R"])] = r["R"]
            mask[i, j, :len(r["R"])] = True

    def one(sub, tech, prm, cell, act, clk, res, mask):
        tm = subarray_timing(sub, tech, prm, cell)
        col = jnp.where(mask, adc_column_energy(sub, tech, prm, res), 0.0)
        e = subarray_read_energy(sub, tech, prm, cell, act, adc_sum=jnp.sum(col, axis=-1))
        lat = subarray_read_latency(sub, tech, prm, cell, act, clk, timing=tm)
        return tm.sensing, lat, e, subarray_leakage(sub, tech, prm, cell).leakage

    return jax.vmap(one)(sub, tech, prm, cell, act, clk, jnp.asarray(res), jnp.asarray(mask))


@pytest.mark.parametrize("i", range(len(PERF)), ids=[
    f"{c['id']}-{c['point']['technode']}nm-{c['point']['memcell']}-{c['point']['mode']}-{c['point']['adc']}"
    f"{'' if c['point']['synchronous'] else '-async'}" for c in PERF])
def test_read_latency_energy_leakage(perf, i):
    sensing, lat, e, leak = perf
    case = PERF[i]
    if case["sensing"] is not None:
        np.testing.assert_allclose(float(sensing[i]), case["sensing"], rtol=RTOL, err_msg="sensing cycle")
    np.testing.assert_allclose(float(leak[i]), case["leakage"], rtol=RTOL, err_msg="leakage")
    got = dict(lat=lat.read_latency, latADC=lat.read_latency_adc, latAccum=lat.read_latency_accum,
               latOther=lat.read_latency_other, E=e.read_dynamic_energy, EADC=e.read_dynamic_energy_adc,
               EAccum=e.read_dynamic_energy_accum, EOther=e.read_dynamic_energy_other)
    for j, r in enumerate(case["reads"]):
        for name, v in got.items():
            np.testing.assert_allclose(float(v[i, j]), r[name], rtol=RTOL, atol=1e-300,
                                       err_msg=f"read {j} (activity {r['act']}): {name}")
