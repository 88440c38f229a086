"""Chip-level circuits (buffers, adder trees, pooling, activation, buses) against the reference.

Module inputs are the ones the chip hierarchy feeds them for a few conformance design
points (nodes 130 to 1 nm, SRAM/RRAM/FeFET); the expected areas (m^2) come from an
instrumented build of NeuroSim V1.4 (numbers only). Exact identities check the
vectorization (batch == single evaluations) and the integer semantics.
"""
from __future__ import annotations

import jax
import numpy as np
import pytest

import dse  # noqa: F401  (float64)
from dse.circuits.adder_tree import adder_tree, num_adder_each_tree
from dse.circuits.bit_shifter import bit_shifter
from dse.circuits.buffer import buffer
from dse.circuits.max_pooling import max_pooling
from dse.circuits.sigmoid import sigmoid
from dse.design import encode
from dse.interconnect import DECREMENT, HALVE, repeater_design
from dse.interconnect.htree import htree
from dse.interconnect.xy_bus import xy_bus
from dse.tech.memcell import memcell
from dse.tech.params import make_params
from dse.tech.technology import technology

POINTS = {
    'tiny-2': {'technode': 2, 'memcell': 'sram', 'mode': 'parallel', 'cell_bits': 1, 'mapping': 'novel', 'pipeline': True, 'global_bus': 'htree', 'adc': 'sar', 'sense': 'current', 'roadmap': 'lstp', 'r_on': 40000.0, 'on_off': 150.0, 'col_mux': 4, 'speedup': 8, 'global_buffer': 'regfile', 'tile_buffer': 'sram', 'pe_buffer': 'sram', 'validated': True, 'synchronous': True, 'chip_activation': True, 'activation': 'relu', 'adc_bits': 7, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 128, 'parallel_read': 32},
    'tiny-414': {'technode': 65, 'memcell': 'sram', 'mode': 'parallel', 'cell_bits': 1, 'mapping': 'conventional', 'pipeline': False, 'global_bus': 'xy', 'adc': 'mlsa', 'sense': 'voltage', 'roadmap': 'hp', 'r_on': 100000.0, 'on_off': 150.0, 'col_mux': 16, 'speedup': 8, 'global_buffer': 'sram', 'tile_buffer': 'sram', 'pe_buffer': 'regfile', 'validated': True, 'synchronous': True, 'chip_activation': False, 'activation': 'sigmoid', 'adc_bits': 6, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 128, 'parallel_read': 128},
    'tiny-42': {'technode': 5, 'memcell': 'fefet', 'mode': 'sequential', 'cell_bits': 2, 'mapping': 'novel', 'pipeline': False, 'global_bus': 'xy', 'adc': 'mlsa', 'sense': 'current', 'roadmap': 'lstp', 'r_on': 40000.0, 'on_off': 2.8, 'col_mux': 8, 'speedup': 8, 'global_buffer': 'sram', 'tile_buffer': 'sram', 'pe_buffer': 'sram', 'validated': True, 'synchronous': True, 'chip_activation': True, 'activation': 'relu', 'adc_bits': 5, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 64, 'parallel_read': 64},
    'tiny-49': {'technode': 32, 'memcell': 'rram', 'mode': 'sequential', 'cell_bits': 2, 'mapping': 'novel', 'pipeline': True, 'global_bus': 'xy', 'adc': 'mlsa', 'sense': 'voltage', 'roadmap': 'lstp', 'r_on': 240000.0, 'on_off': 10.0, 'col_mux': 8, 'speedup': 8, 'global_buffer': 'regfile', 'tile_buffer': 'regfile', 'pe_buffer': 'sram', 'validated': True, 'synchronous': True, 'chip_activation': False, 'activation': 'relu', 'adc_bits': 5, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 128, 'parallel_read': 128},
    'tiny-6': {'technode': 1, 'memcell': 'sram', 'mode': 'parallel', 'cell_bits': 1, 'mapping': 'novel', 'pipeline': False, 'global_bus': 'xy', 'adc': 'mlsa', 'sense': 'current', 'roadmap': 'lstp', 'r_on': 100000.0, 'on_off': 10.0, 'col_mux': 8, 'speedup': 8, 'global_buffer': 'sram', 'tile_buffer': 'sram', 'pe_buffer': 'sram', 'validated': True, 'synchronous': True, 'chip_activation': False, 'activation': 'sigmoid', 'adc_bits': 3, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 128, 'parallel_read': 16},
    'tiny-16': {'technode': 130, 'memcell': 'sram', 'mode': 'sequential', 'cell_bits': 1, 'mapping': 'conventional', 'pipeline': False, 'global_bus': 'xy', 'adc': 'mlsa', 'sense': 'current', 'roadmap': 'lstp', 'r_on': 6000.0, 'on_off': 150.0, 'col_mux': 16, 'speedup': 4, 'global_buffer': 'regfile', 'tile_buffer': 'sram', 'pe_buffer': 'regfile', 'validated': True, 'synchronous': True, 'chip_activation': False, 'activation': 'sigmoid', 'adc_bits': 5, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 64, 'parallel_read': 64},
    'tiny-29': {'technode': 14, 'memcell': 'sram', 'mode': 'sequential', 'cell_bits': 1, 'mapping': 'conventional', 'pipeline': True, 'global_bus': 'xy', 'adc': 'sar', 'sense': 'current', 'roadmap': 'lstp', 'r_on': 6000.0, 'on_off': 10.0, 'col_mux': 16, 'speedup': 4, 'global_buffer': 'regfile', 'tile_buffer': 'regfile', 'pe_buffer': 'sram', 'validated': True, 'synchronous': True, 'chip_activation': True, 'activation': 'sigmoid', 'adc_bits': 5, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 128, 'parallel_read': 128},
    'tiny-87': {'technode': 22, 'memcell': 'rram', 'mode': 'parallel', 'cell_bits': 2, 'mapping': 'novel', 'pipeline': True, 'global_bus': 'xy', 'adc': 'mlsa', 'sense': 'current', 'roadmap': 'hp', 'r_on': 40000.0, 'on_off': 100.0, 'col_mux': 8, 'speedup': 8, 'global_buffer': 'regfile', 'tile_buffer': 'regfile', 'pe_buffer': 'regfile', 'validated': True, 'synchronous': True, 'chip_activation': True, 'activation': 'relu', 'adc_bits': 6, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 128, 'parallel_read': 128},
    'small-34': {'technode': 65, 'memcell': 'sram', 'mode': 'sequential', 'cell_bits': 1, 'mapping': 'conventional', 'pipeline': True, 'global_bus': 'htree', 'adc': 'mlsa', 'sense': 'voltage', 'roadmap': 'lstp', 'r_on': 100000.0, 'on_off': 100.0, 'col_mux': 8, 'speedup': 4, 'global_buffer': 'regfile', 'tile_buffer': 'sram', 'pe_buffer': 'sram', 'validated': True, 'synchronous': True, 'chip_activation': True, 'activation': 'sigmoid', 'adc_bits': 7, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 64, 'parallel_read': 64},
}

# per point: gbus = (kind, rows, cols, bus width, unit height, unit width, area);
# gbuf = (height, area of one core); pool = (units, width, area);
# thtree = (rows, bus width, PE height, PE width, area); tacc = (operands, bits, trees, width, area);
# pebuf = (flip-flops, height, area); relu = (units, width, area);
# sig / tsig = (entries, functions, width, area) for chip / tile sigmoid
REF = {
    'tiny-2': {'gbus': ['htree', 2.0, 2.0, 1280.0, 0.0005069314396674782, 0.0005069314396674782, 1.8492858919069605e-08], 'gbuf': [0.0010138628793349563, 2.0422963200000004e-09], 'pool': [128.0, 2.0143713332710686e-06, 1.5562368000000002e-09], 'thtree': [4.0, 4608.0, 0.00016132846354122211, 0.00016132846354122214, 1.8468882506199112e-08], 'tacc': [9.0, 29.0, 128.0, 0.0004839853906236664, 3.6699609600000006e-09], 'pebuf': [1024.0, 0.00016257975000000003, 1.7558613000000006e-10], 'relu': [640.0, 6.714571110903562e-07, 6.303744000000001e-10], 'sig': None, 'tsig': None},
    'tiny-414': {'gbus': ['xybus', 2.0, 2.0, 1088.0, 0.0010309603648087312, 0.0010309603648087312, 2.4060140609760243e-06], 'gbuf': [0.0020619207296174624, 2.32479104e-08], 'pool': [32.0, 1.1274880777940026e-05, 2.067164736e-08], 'thtree': [2.0, 512.0, 0.0004926798435190951, 0.0004926798435190951, 2.8693674086552094e-08], 'tacc': [2.0, 24.0, 32.0, 0.0009853596870381901, 1.864332288e-08], 'pebuf': [1024.0, 0.00041691475, 1.235735319e-08], 'relu': None, 'sig': None, 'tsig': [25.0, 16.0, 0.0009853596870381901, 2.045435392e-08]},
    'tiny-42': {'gbus': ['xybus', 2.0, 2.0, 1152.0, 0.004358202935763712, 0.004358202935763713, 1.091991327584956e-06], 'gbuf': [0.008716405871527425, 3.9262540799999995e-10], 'pool': [32.0, 4.504441552940191e-08, 3.5603712000000004e-10], 'thtree': [4.0, 2304.0, 0.0014480530322101407, 0.001448053032210141, 1.204200901585953e-07], 'tacc': [9.0, 27.0, 32.0, 0.004344159096630423, 1.5307833600000002e-09], 'pebuf': [512.0, 0.0006845140571428572, 8.378452059428573e-10], 'relu': [32.0, 1.5014805176467304e-08, 5.6401920000000004e-11], 'sig': None, 'tsig': None},
    'tiny-49': {'gbus': ['xybus', 2.0, 2.0, 1440.0, 0.0017316904857630992, 0.001731690485763099, 2.78489078568033e-06], 'gbuf': [0.0034633809715261983, 4.31535161344e-08], 'pool': [64.0, 1.2459939143046012e-05, 7.949254656e-09], 'thtree': [4.0, 2304.0, 0.0005438897536190127, 0.0005438897536190127, 2.2781757820708573e-07], 'tacc': [9.0, 26.0, 32.0, 0.0016316692608570379, 1.7509279334400003e-08], 'pebuf': [1024.0, 0.00034220352, 2.996060258304e-09], 'relu': None, 'sig': None, 'tsig': None},
    'tiny-6': {'gbus': ['xybus', 2.0, 2.0, 1152.0, 0.00033370671790965747, 0.0003337067179096575, 5.3820219464469566e-08], 'gbuf': [0.0006674134358193149, 2.1299200000000002e-10], 'pool': [64.0, 3.191305247526694e-07, 4.85376e-10], 'thtree': [4.0, 4608.0, 0.00010484830276165658, 0.00010484830276165658, 9.058893358607129e-09], 'tacc': [9.0, 26.0, 64.0, 0.00031454490828496974, 1.0285056000000002e-09], 'pebuf': [1024.0, 0.00010387600000000002, 9.972096000000003e-11], 'relu': None, 'sig': None, 'tsig': [30.0, 144.0, 0.00031454490828496974, 2.1486445714285715e-09]},
    'tiny-16': {'gbus': ['xybus', 2.0, 2.0, 1152.0, 0.0029189340560436586, 0.0029189340560436586, 1.6086735963778016e-05], 'gbuf': [0.005837868112087317, 7.1220158464e-07], 'pool': [64.0, 0.00012199686100571288, 1.3119375359999998e-07], 'thtree': [2.0, 512.0, 0.0014259424080656272, 0.0014259424080656272, 1.6609377169148426e-07], 'tacc': [2.0, 27.0, 64.0, 0.0028518848161312544, 8.389495296000001e-08], 'pebuf': [512.0, 0.0018862220000000001, 2.2363048032e-08], 'relu': None, 'sig': None, 'tsig': [28.0, 16.0, 0.0028518848161312544, 8.596037631999999e-08]},
    'tiny-29': {'gbus': ['xybus', 2.0, 2.0, 1152.0, 0.00034368300149656536, 0.0003436830014965653, 2.0666220870432525e-07], 'gbuf': [0.0006873660029931307, 1.7799722401972228e-08], 'pool': [64.0, 2.589555247781161e-05, 3.2776264449331206e-09], 'thtree': [2.0, 512.0, 0.00016778368233824, 0.00016778368233823996, 3.0925244039244213e-09], 'tacc': [2.0, 26.0, 64.0, 0.0003355673646764799, 2.0183278634588164e-09], 'pebuf': [1024.0, 0.00021588224792054548, 1.2123014431906818e-09], 'relu': None, 'sig': [29.0, 64.0, 8.631850825937203e-06, 7.313553266113684e-09], 'tsig': None},
    'tiny-87': {'gbus': ['xybus', 2.0, 2.0, 1440.0, 0.0012311100192673346, 0.0012311100192673346, 1.2129486842631027e-06], 'gbuf': [0.002462220038534669, 2.03967791104e-08], 'pool': [64.0, 8.283897779720229e-06, 3.757264896e-09], 'thtree': [4.0, 2304.0, 0.00039204123562597645, 0.0003920412356259765, 1.0817703586173545e-07], 'tacc': [9.0, 23.0, 32.0, 0.0011761237068779295, 7.341497856e-09], 'pebuf': [1024.0, 0.0002710397563636363, 1.6314425015039997e-09], 'relu': [320.0, 2.761299259906743e-06, 3.164012544e-09], 'sig': None, 'tsig': None},
    'small-34': {'gbus': ['htree', 8.0, 8.0, 1692.0, 0.0014489738350580632, 0.0014489738350580632, 1.062918809672504e-05], 'gbuf': [0.010142816845406442, 1.7805039616e-07], 'pool': [64.0, 7.021733661320596e-05, 3.305737344e-08], 'thtree': [2.0, 512.0, 0.0007129712040328136, 0.0007129712040328136, 4.1523442922871065e-08], 'tacc': [2.0, 27.0, 64.0, 0.0014259424080656272, 2.0973738240000002e-08], 'pebuf': [512.0, 0.0009431110000000001, 5.590762008e-09], 'relu': None, 'sig': [33.0, 64.0, 2.3405778871068654e-05, 1.1893446655999999e-07], 'tsig': None},
}

IDS = list(REF)


def _close(a, b, rtol=1e-9):
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    return np.all(np.abs(a - b) <= rtol * np.abs(b))


@pytest.fixture(scope="module")
def env():
    prm = make_params(encode([POINTS[i] for i in IDS]))
    return technology(prm), prm, memcell(prm)


def col(name, k):
    return np.array([REF[i][name][k] for i in IDS])


def test_global_interconnect(env):
    tech, prm, _ = env
    args = [col("gbus", k) for k in range(1, 6)]
    ht = htree(tech, prm, *args[:2], prm.global_bus_delay_tolerance, *args[2:], prm.tree_folded_ratio)
    xy = xy_bus(tech, prm, *args[:2], prm.global_bus_delay_tolerance, *args[2:], prm.tree_folded_ratio)
    is_ht = np.array([REF[i]["gbus"][0] == "htree" for i in IDS])
    assert _close(np.where(is_ht, ht.area, xy.area), col("gbus", 6))


def test_tile_htree(env):
    tech, prm, _ = env
    t = htree(tech, prm, col("thtree", 0), col("thtree", 0), prm.local_bus_delay_tolerance, col("thtree", 1),
              col("thtree", 2), col("thtree", 3), 16.0)
    assert _close(t.area, col("thtree", 4))


def test_global_buffer(env):
    tech, prm, cell = env
    b = buffer(tech, prm, cell, 128 * 128, 128, 1, prm.unit_length_wire_resistance, prm.global_buffer_type,
               new_height=col("gbuf", 0))
    assert _close(b.area, col("gbuf", 1))


def test_max_pooling(env):
    tech, prm, _ = env
    p = max_pooling(tech, prm, prm.num_bit_input, col("pool", 0), col("pool", 1))
    assert _close(p.area, col("pool", 2))


def test_tile_accumulation(env):
    tech, prm, _ = env
    a = adder_tree(tech, prm, col("tacc", 0), col("tacc", 1), col("tacc", 2), new_width=col("tacc", 3))
    assert _close(a.area, col("tacc", 4))


def test_pe_input_register(env):
    from dse.circuits.dff import dff
    tech, prm, _ = env
    d = dff(tech, prm, col("pebuf", 0), new_height=col("pebuf", 1))
    assert _close(d.area, col("pebuf", 2))


def _subset(key):
    idx = [k for k, i in enumerate(IDS) if REF[i][key] is not None]
    prm = make_params(encode([POINTS[IDS[k]] for k in idx]))
    vals = np.array([REF[IDS[k]][key] for k in idx])
    return technology(prm), prm, memcell(prm), vals


def test_relu():
    tech, prm, _, v = _subset("relu")
    r = bit_shifter(tech, prm, v[:, 0], prm.num_bit_input, new_width=v[:, 1])
    assert _close(r.area, v[:, 2])


@pytest.mark.parametrize("key", ["sig", "tsig"])
def test_sigmoid(key):
    tech, prm, cell, v = _subset(key)
    s = sigmoid(tech, prm, cell, prm.num_bit_input, v[:, 0], v[:, 1], new_width=v[:, 2])
    assert _close(s.area, v[:, 3])


def test_adder_count_integer_semantics():
    # 9 operands of 20 bits: stages of floor(9/2)=4, 2, 1 adders of 20, 21, 22 bits (the reference
    # drops the odd operand of a stage)
    assert float(num_adder_each_tree(9.0, 20.0)) == 4 * 20 + 2 * 21 + 1 * 22
    assert float(num_adder_each_tree(1.0, 20.0)) == 0.0
    assert float(num_adder_each_tree(2.0, 5.0)) == 5.0


def test_repeater_relaxation(env):
    tech, prm, _ = env
    fast = repeater_design(tech, prm, 0.0, HALVE)
    slow = repeater_design(tech, prm, 0.1, HALVE)
    dec = repeater_design(tech, prm, 0.1, DECREMENT)
    assert np.all(slow.repeater_size <= fast.repeater_size)
    assert np.all(dec.repeater_size <= fast.repeater_size)
    assert np.all(slow.min_dist < fast.min_dist)
    assert np.all(slow.width_inv_n >= tech.feature_size * 2 - 1e-30)


def test_batch_equals_single(env):
    tech, prm, _ = env
    args = [col("gbus", k) for k in range(1, 6)]
    batch = htree(tech, prm, *args[:2], 0.1, *args[2:], 4.0).area
    for k in (0, 3, len(IDS) - 1):
        one = jax.tree_util.tree_map(lambda x: x[k] if np.ndim(x) else x, (tech, prm))
        single = htree(one[0], one[1], *[a[k] for a in args[:2]], 0.1, *[a[k] for a in args[2:]], 4.0).area
        assert float(single) == float(np.asarray(batch)[k])


# ----------------------------------------------------------------------------------------------
# latency, dynamic energy and leakage
# ----------------------------------------------------------------------------------------------
# ``chip_circuits_perf.json``: for 14 conformance points (tiny and small networks; nodes 130 to
# 1 nm; SRAM, RRAM, FeFET; H-tree and X-Y bus; SRAM and register-file buffers; pipeline and
# layer-by-layer; synchronous and asynchronous), every chip-level module call the reference made
# in its performance pass (first and last layer): the module's construction inputs, the call
# arguments and the reference's outputs.
import json  # noqa: E402
import os  # noqa: E402

import jax.numpy as jnp  # noqa: E402

from dse.circuits.adder_tree import adder_tree_latency, adder_tree_power  # noqa: E402
from dse.circuits.bit_shifter import bit_shifter_latency, bit_shifter_power  # noqa: E402
from dse.circuits.buffer import buffer_latency, buffer_power, with_shared_cell  # noqa: E402
from dse.circuits.max_pooling import max_pooling_latency, max_pooling_power  # noqa: E402
from dse.circuits.sigmoid import sigmoid_latency, sigmoid_power  # noqa: E402
from dse.interconnect.bus import HORIZONTAL, VERTICAL, bus, bus_latency, bus_power  # noqa: E402
from dse.interconnect.htree import htree_latency, htree_power  # noqa: E402
from dse.interconnect.xy_bus import xy_bus_latency, xy_bus_power  # noqa: E402

with open(os.path.join(os.path.dirname(__file__), "data", "chip_circuits_perf.json")) as _fh:
    PERF = json.load(_fh)
PERF_CASES = PERF["cases"]
_PAD = 112


def _group(kind, method, **match):
    cases = [c for c in PERF_CASES if c["kind"] == kind and c["method"] == method
             and all(c["build"].get(k) == v for k, v in match.items())]
    assert cases, (kind, method, match)
    # one batch size for every group: the device formulas are compiled once per input shape
    cases = (cases * (_PAD // len(cases) + 1))[:_PAD]
    prm = make_params(encode([PERF["points"][c["point"]] for c in cases]))
    b = {k: np.array([c["build"][k] for c in cases]) for k in cases[0]["build"] if k != "tolerance"}
    args = [np.array([c["args"][k] for c in cases]) for k in range(len(cases[0]["args"]))]
    ref = np.array([c["ref"] for c in cases])
    clk = np.array([c["clk_freq"] for c in cases])
    return cases, technology(prm), prm, memcell(prm), b, args, ref, clk


def _check(cases, got, ref, rtol=1e-9):
    got = np.stack([np.broadcast_to(np.asarray(g, float), ref.shape[:1]) for g in got], axis=1)
    same = (got == ref) | (np.isnan(got) & np.isnan(ref)) | (np.abs(got - ref) <= rtol * np.abs(ref))
    bad = [(c["point"], c["module"], c["layer"], list(g), list(r)) for c, g, r, ok in zip(cases, got, ref, same.all(1))
           if not ok]
    assert not bad, bad[:5]


@pytest.mark.parametrize("mode", [HORIZONTAL, VERTICAL])
@pytest.mark.parametrize("method", ["latency", "power"])
def test_pe_bus_perf(mode, method):
    cases, tech, prm, _, b, a, ref, clk = _group("bus", method, mode=mode)
    s = bus(tech, prm, b["num_row"], b["num_col"], 0.0, b["bus_width"], b["unit_height"], b["unit_width"], mode=mode)
    if method == "latency":
        _check(cases, [bus_latency(s, tech, prm, a[0], clk_freq=clk).read_latency], ref)
    else:
        p = bus_power(s, tech, prm, a[0], a[1], a[2] != 0)
        _check(cases, [p.read_dynamic_energy, p.leakage], ref)


@pytest.mark.parametrize("method", ["latency", "power"])
def test_htree_perf(method):
    cases, tech, prm, _, b, a, ref, clk = _group("htree", method)
    tol = jnp.where(np.array([c["build"]["tolerance"] == "global" for c in cases]),
                    prm.global_bus_delay_tolerance, prm.local_bus_delay_tolerance)
    s = htree(tech, prm, b["num_row"], b["num_row"], tol, b["bus_width"], b["unit_height"], b["unit_width"],
              b["folded_ratio"])
    if method == "latency":
        lat = htree_latency(s, tech, prm, a[0], a[1], a[2], clk_freq=clk)
        _check(cases, [lat.read_latency, lat.critical_latency], ref)
    else:
        p = htree_power(s, tech, prm, *a)
        _check(cases, [p.read_dynamic_energy, p.leakage], ref)


@pytest.mark.parametrize("method", ["latency", "power"])
def test_xy_bus_perf(method):
    cases, tech, prm, _, b, a, ref, clk = _group("xy_bus", method)
    s = xy_bus(tech, prm, b["num_row"], b["num_col"], prm.global_bus_delay_tolerance, b["bus_width"],
               b["unit_height"], b["unit_width"], b["folded_ratio"])
    if method == "latency":
        _check(cases, [xy_bus_latency(s, tech, prm, *a, clk_freq=clk).read_latency], ref)
    else:
        p = xy_bus_power(s, tech, prm, *a)
        _check(cases, [p.read_dynamic_energy, p.leakage], ref)


@pytest.mark.parametrize("method", ["latency", "power"])
def test_adder_tree_perf(method):
    cases, tech, prm, _, b, a, ref, clk = _group("adder_tree", method)
    s = adder_tree(tech, prm, b["num_subcore_row"], b["num_adder_bit"], b["num_adder_tree"], new_width=b["width"])
    if method == "latency":
        _check(cases, [adder_tree_latency(s, tech, prm, *a, clk_freq=clk).read_latency], ref)
    else:
        p = adder_tree_power(s, tech, prm, *a)
        _check(cases, [p.read_dynamic_energy, p.leakage], ref)


@pytest.mark.parametrize("method", ["latency", "power"])
def test_buffer_perf(method):
    cases, tech, prm, cell, b, a, ref, clk = _group("buffer", method)
    s = buffer(tech, prm, cell, b["num_bit"], b["interface_width"], 1, prm.unit_length_wire_resistance, b["sram"],
               new_width=b["width"])
    s = with_shared_cell(s, tech, prm, cell, b["width_access_cmos"], b["cap_sram_cell"])
    if method == "latency":
        lat = buffer_latency(s, tech, prm, cell, *a, clk_freq=clk)
        _check(cases, [lat.read_latency, lat.write_latency], ref)
    else:
        p = buffer_power(s, tech, prm, *a)
        _check(cases, [p.read_dynamic_energy, p.write_dynamic_energy, p.leakage], ref)


@pytest.mark.parametrize("method", ["latency", "power"])
def test_max_pooling_perf(method):
    cases, tech, prm, _, b, a, ref, clk = _group("max_pooling", method)
    s = max_pooling(tech, prm, b["num_bit"], b["num_max_pooling"], b["width"])
    if method == "latency":
        _check(cases, [max_pooling_latency(s, tech, prm, *a, clk_freq=clk).read_latency], ref)
    else:
        p = max_pooling_power(s, tech, prm, *a)
        _check(cases, [p.read_dynamic_energy, p.leakage], ref)


@pytest.mark.parametrize("method", ["latency", "power"])
def test_sigmoid_perf(method):
    cases, tech, prm, cell, b, a, ref, clk = _group("sigmoid", method)
    s = sigmoid(tech, prm, cell, b["num_y_bit"], b["num_entry"], b["num_function"], new_width=b["width"])
    if method == "latency":
        _check(cases, [sigmoid_latency(s, tech, prm, *a, clk_freq=clk).read_latency], ref)
    else:
        p = sigmoid_power(s, tech, prm, cell, *a)
        _check(cases, [p.read_dynamic_energy, p.leakage], ref)


@pytest.mark.parametrize("method", ["latency", "power"])
def test_relu_perf(method):
    cases, tech, prm, _, b, a, ref, clk = _group("bit_shifter", method)
    s = bit_shifter(tech, prm, b["num_unit"], b["num_bit"], new_width=b["width"])
    if method == "latency":
        _check(cases, [bit_shifter_latency(s, tech, prm, *a).read_latency], ref)
    else:
        p = bit_shifter_power(s, tech, prm, *a)
        _check(cases, [p.read_dynamic_energy, p.leakage], ref)


def test_perf_layer_axis_broadcast():
    # per-layer arguments with a trailing (L,) axis == one evaluation per layer
    cases, tech, prm, cell, b, a, ref, clk = _group("htree", "power")
    k = 0
    one = jax.tree_util.tree_map(lambda x: x[k] if np.ndim(x) else x, (tech, prm))
    s = htree(one[0], one[1], b["num_row"][k], b["num_row"][k], 0.1, b["bus_width"][k], b["unit_height"][k],
              b["unit_width"][k], b["folded_ratio"][k])
    bits = np.array([3.0, 17.0, 1280.0])
    reads = np.array([10.0, 0.0, 2.5])
    lay = htree_power(s, one[0], one[1], a[0][k], a[1][k], bits, reads)
    lat = htree_latency(s, one[0], one[1], a[0][k], a[1][k], reads)
    assert np.shape(lay.read_dynamic_energy) == (3,)
    for j in range(3):
        p = htree_power(s, one[0], one[1], a[0][k], a[1][k], bits[j], reads[j])
        assert float(p.read_dynamic_energy) == float(lay.read_dynamic_energy[j])
        assert float(p.leakage) == float(lay.leakage[j])
        assert float(htree_latency(s, one[0], one[1], a[0][k], a[1][k], reads[j]).read_latency) == float(
            lat.read_latency[j])
    # the adder tree takes a per-layer operand count too
    t = adder_tree(one[0], one[1], 9.0, 20.0, 32.0, new_width=1e-4)
    nu = np.array([0.0, 1.0, 2.0, 5.0, 9.0])
    e = adder_tree_power(t, one[0], one[1], 3.0, nu).read_dynamic_energy
    lt = adder_tree_latency(t, one[0], one[1], 3.0, nu).read_latency
    for j in range(5):
        assert float(adder_tree_power(t, one[0], one[1], 3.0, nu[j]).read_dynamic_energy) == float(e[j])
        assert float(adder_tree_latency(t, one[0], one[1], 3.0, nu[j]).read_latency) == float(lt[j])
    # 0 operands means the whole tree; 1 operand adds nothing but still pays the first stage
    assert float(e[0]) == float(e[4]) and float(e[1]) == 0.0 and float(lt[1]) > 0


def test_perf_batch_equals_single():
    cases, tech, prm, cell, b, a, ref, clk = _group("buffer", "power")
    s = buffer(tech, prm, cell, b["num_bit"], b["interface_width"], 1, prm.unit_length_wire_resistance, b["sram"],
               new_width=b["width"])
    batch = buffer_power(s, tech, prm, *a).read_dynamic_energy
    for k in (0, len(cases) // 2, len(cases) - 1):
        one = jax.tree_util.tree_map(lambda x: x[k] if np.ndim(x) else x, (tech, prm, cell))
        sk = buffer(one[0], one[1], one[2], b["num_bit"][k], b["interface_width"][k], 1,
                    one[1].unit_length_wire_resistance, b["sram"][k], new_width=b["width"][k])
        single = buffer_power(sk, one[0], one[1], *[x[k] for x in a]).read_dynamic_energy
        assert float(single) == float(np.asarray(batch)[k])
