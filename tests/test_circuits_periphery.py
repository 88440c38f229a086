"""Peripheral and arithmetic circuits of the subarray against module figures of the reference.

``tests/data/circuits_periphery.json`` holds, for design points at nodes 130 to 1 nm with SRAM,
RRAM and FeFET cells in parallel and sequential modes, the subarray quantities each module is
built from (array height/width, line resistances) and the reference's figures for every module
the subarray instantiates (area, height, width, transistor widths, capacitances), printed by an
instrumented build of the reference. The helpers below rebuild each module with the arguments
the reference's subarray passes (conventional parallel / sequential modes), batched over all
points that use it.
"""
import json
import math
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dse  # noqa: F401
from dse import design as D
from dse.circuits.adder import adder
from dse.circuits.cell_layout import MAGIC, OVERRIDE, c_int
from dse.circuits.decoder_driver import decoder_driver
from dse.circuits.dff import dff
from dse.circuits.level_shifter import level_shifter
from dse.circuits.mux import mux
from dse.circuits.new_switch_matrix import new_switch_matrix
from dse.circuits.precharger import precharger
from dse.circuits.row_decoder import row_decoder
from dse.circuits.sense_amp import sense_amp
from dse.circuits.shift_add import shift_add
from dse.circuits.sram_write_driver import sram_write_driver
from dse.circuits.switch_matrix import switch_matrix
from dse.circuits.wl_new_decoder_driver import wl_new_decoder_driver
from dse.tech import layout as L
from dse.tech.params import make_params
from dse.tech.technology import technology

DATA = os.path.join(os.path.dirname(__file__), "data", "circuits_periphery.json")
with open(DATA) as fh:
    _REF = json.load(fh)
POINTS = _REF["subarray_points"]
RTOL = 1e-9

# reference field -> attribute of our module state
FIELDS = {
    "area": "area", "height": "height", "width": "width",
    "widthInvN": "width_inv_n", "widthInvP": "width_inv_p", "widthNandN": "width_nand_n",
    "widthNandP": "width_nand_p", "widthNorN": "width_nor_n", "widthNorP": "width_nor_p",
    "widthDriverInvN": "width_driver_inv_n", "widthDriverInvP": "width_driver_inv_p",
    "numNor": "num_nor", "numNand": "num_nand", "numMetalConnection": "num_metal_connection",
    "capInvInput": "cap_inv_input", "capInvOutput": "cap_inv_output", "capNandInput": "cap_nand_input",
    "capNandOutput": "cap_nand_output", "capNorInput": "cap_nor_input", "capNorOutput": "cap_nor_output",
    "capDriverInvInput": "cap_driver_inv_input", "capDriverInvOutput": "cap_driver_inv_output",
    "widthTgN": "width_tg_n", "widthTgP": "width_tg_p", "resTg": "res_tg", "capTgDrain": "cap_tg_drain",
    "capTgGateN": "cap_tg_gate_n", "capTgGateP": "cap_tg_gate_p", "widthTgShared": "width_tg_shared",
    "widthPMOSBitlineEqual": "width_pmos_bitline_equal",
    "widthPMOSBitlinePrecharger": "width_pmos_bitline_precharger",
    "capOutputBitlinePrecharger": "cap_output_bitline_precharger", "capLoad": "cap_load",
    "capMidGateN": "cap_mid_gate_n", "capLowDrain": "cap_low_drain", "capHighDrain": "cap_high_drain",
    "hDff": "h_dff", "wDff": "w_dff", "numDff": "num_dff", "hAdder": "h_adder", "wAdder": "w_adder",
    "dffarea": ("dff", "area"), "dffheight": ("dff", "height"), "dffwidth": ("dff", "width"),
    "adderarea": ("adder", "area"), "adderheight": ("adder", "height"), "adderwidth": ("adder", "width"),
}


def _setup(entries):
    pts = [e["point"] for e in entries]
    prm = make_params(D.encode(pts))
    tech = technology(prm)
    return prm, tech


def _arr(entries, fn):
    return jnp.asarray(np.array([fn(e) for e in entries], float))


def _counts(e):
    """Structural counts of the reference's subarray for one point (numbers of columns muxed, adders, bits)."""
    p, s = e["point"], e["subarray"]
    n = p["subarray"]
    sram = p["memcell"] == "sram"
    cell_bit = 1 if sram else min(p["cell_bits"], p["weight_bits"])
    ncps = math.ceil(p["weight_bits"] / cell_bit)
    ncm = min(s["numColMuxed"], n)
    levels = 2 ** p["adc_bits"]
    lg = math.ceil(math.log2(n))
    return dict(n=n, sram=sram, par=p["mode"] == "parallel", cell_bit=cell_bit, ncps=ncps, ncm=ncm,
                levels=levels, lg=lg, nadd=s["numAdd"], pulses=p["input_bits"], nrp=p["parallel_read"])


def _accum_args(e, which):
    """(count, bits[, pulses]) the reference passes to the adder / dff / shift-adds of a point."""
    c = _counts(e)
    n = c["n"]
    if c["sram"] and not c["par"]:
        bits = c["lg"] + 1
        units, adders = n // c["ncps"], n
        sw, si = (units, bits, c["ncps"]), (units, bits + c["ncps"], c["pulses"])
    elif c["sram"]:
        bits = int(math.log2(c["levels"]) + math.ceil(math.log2(c["nadd"])))
        units = adders = n // c["ncm"]
        sw, si = (units, bits, c["ncps"]), (units, bits + c["ncps"], c["pulses"])
    elif not c["par"]:
        bits = c["lg"] + c["cell_bit"]
        units = adders = n // c["ncm"]
        k = (c["ncps"] - 1) * c["cell_bit"] + 1
        sw, si = (units, bits, k), (units, bits + k, c["pulses"])
    else:
        bits = int(math.log2(c["levels"]) + math.ceil(math.log2(c["nadd"])))
        units = adders = n // c["ncm"]
        lb = math.log2(c["levels"])
        sw, si = (units, lb, c["ncps"]), (units, lb + c["ncps"], c["pulses"])
    return {"dff": (bits * adders,), "adder": (bits - 1, adders), "shiftAddWeight": sw, "shiftAddInput": si}[which]


def _mux_res(e):
    c, s = _counts(e), e["subarray"]
    if c["sram"]:
        half = c["nrp"] // 2          # an int division in the reference
        return s["resCellAccess"] / half if half else math.inf
    if not c["par"]:
        return s["resMemCellOn"]
    return s["resMemCellAvg"] / c["nrp"]


def build(name, entries):
    """Build module ``name`` for all ``entries`` at once, as the reference's subarray does."""
    prm, tech = _setup(entries)
    ha = _arr(entries, lambda e: e["subarray"]["heightArray"])
    wa = _arr(entries, lambda e: e["subarray"]["widthArray"])
    n = _arr(entries, lambda e: e["point"]["subarray"])
    if name == "wlDecoder":
        return row_decoder(tech, prm, jnp.ceil(jnp.log2(n)), new_height=ha)
    if name == "muxDecoder":
        return row_decoder(tech, prm, _arr(entries, lambda e: math.ceil(math.log2(_counts(e)["ncm"]))), mux=True)
    if name == "wlSwitchMatrix":
        res = _arr(entries, lambda e: e["subarray"]["resRow"])
        res = jnp.where(prm.buffernumber > 0, res / (prm.buffernumber + 1), res)
        return switch_matrix(tech, prm, n, res, mode=L.ROW_MODE, new_height=ha)
    if name == "slSwitchMatrix":
        res = _arr(entries, lambda e: e["subarray"]["resMemCellOn"] if e["point"]["mode"] == "sequential"
                   else e["subarray"]["resMemCellAvg"] / e["point"]["parallel_read"] * e["point"]["subarray"])
        return switch_matrix(tech, prm, n, res, mode=L.COL_MODE, new_width=wa)
    if name == "wlNewSwitchMatrix":
        return new_switch_matrix(tech, prm, n, new_height=ha)
    if name == "wlNewDecoderDriver":
        return wl_new_decoder_driver(tech, n, new_height=ha)
    if name == "mux":
        ncm = _arr(entries, lambda e: _counts(e)["ncm"])
        num_input = _arr(entries, lambda e: e["point"]["subarray"] // _counts(e)["ncm"])
        res = _arr(entries, _mux_res)
        first = mux(tech, prm, num_input, ncm, res, new_width=wa)
        dec = row_decoder(tech, prm, jnp.ceil(jnp.log2(ncm)), mux=True)
        return mux(tech, prm, num_input, ncm, res, new_height=jnp.maximum(dec.height, first.height), new_width=wa,
                   option=OVERRIDE)
    if name == "precharger":
        return precharger(tech, n, _arr(entries, lambda e: e["subarray"]["resCol"]), new_width=wa)
    if name == "sramWriteDriver":
        return sram_write_driver(tech, n, new_width=wa)
    if name == "senseAmp":
        pitch = _arr(entries, lambda e: e["subarray"]["lengthRow"]) / n
        return sense_amp(tech, n, pitch, new_width=wa, option=MAGIC)
    if name in ("wllevelshifter", "bllevelshifter"):
        return level_shifter(tech, prm, n, new_height=ha)
    if name == "sllevelshifter":
        return level_shifter(tech, prm, n, new_width=wa)
    args = [_arr(entries, lambda e, i=i: _accum_args(e, name)[i]) for i in range(len(_accum_args(entries[0], name)))]
    if name == "dff":
        return dff(tech, prm, *args, new_width=wa)
    if name == "adder":
        return adder(tech, prm, *args, new_width=wa)
    if name in ("shiftAddWeight", "shiftAddInput"):
        return shift_add(tech, prm, *args, new_width=wa)
    raise KeyError(name)


def _get(state, key):
    attr = FIELDS[key]
    if isinstance(attr, tuple):
        return getattr(getattr(state, attr[0]), attr[1])
    return getattr(state, attr)


MODULES = sorted({m for e in POINTS for m in e["modules"]})


@pytest.mark.parametrize("name", MODULES)
def test_module_matches_reference(name):
    # every module is built for all points (one batch shape keeps the eager op cache warm);
    # only the points whose reference subarray has the module are compared
    used = np.array([name in e["modules"] for e in POINTS])
    state = build(name, POINTS)
    entries = [e for e in POINTS if name in e["modules"]]
    checked = 0
    for key in entries[0]["modules"][name]:
        if key not in FIELDS:
            continue
        ours = np.broadcast_to(np.asarray(_get(state, key)), (len(POINTS),))[used]
        ref = np.array([e["modules"][name][key] for e in entries])
        where = [f"{e['point']['technode']}nm {e['point']['memcell']} {e['point']['mode']}" for e in entries]
        bad = ~np.isclose(ours, ref, rtol=RTOL, atol=0.0)
        assert not bad.any(), f"{name}.{key}: " + "; ".join(
            f"{w}: ours {o!r} ref {r!r}" for w, o, r, b in zip(where, ours, ref, bad) if b)
        checked += 1
    assert checked >= 3


def test_reference_covers_nodes_cells_modes():
    seen = {(e["point"]["technode"], e["point"]["memcell"], e["point"]["mode"]) for e in POINTS}
    assert {n for n, _, _ in seen} >= {130, 65, 22, 14, 7, 3, 2, 1}
    assert {c for _, c, _ in seen} == {"sram", "rram", "fefet"}
    assert {m for _, _, m in seen} == {"parallel", "sequential"}
    assert "senseAmp" in MODULES and "wlNewDecoderDriver" in MODULES and "wlSwitchMatrix" in MODULES


def test_crosspoint_decoder_driver():
    # repeated to the batch size of the other tests so that the eager op cache is reused
    entries = [_REF["crosspoint_decoder_driver"][i % 4] for i in range(len(POINTS))]
    prm, tech = _setup(entries)
    n = _arr(entries, lambda e: e["point"]["subarray"])
    d = decoder_driver(tech, prm, n, n, _arr(entries, lambda e: e["res_mem_cell_on"]), mode=L.ROW_MODE,
                       new_height=_arr(entries, lambda e: e["height_array"]))
    for key in ("area", "height", "width", "widthTgN", "widthTgP", "resTg", "capTgDrain"):
        ref = np.array([e["ref"][key] for e in entries])
        np.testing.assert_allclose(np.asarray(_get(d, key)), ref, rtol=RTOL, err_msg=key)


def _one(tree, i):
    return jax.tree_util.tree_map(lambda x: x[i], tree)


def test_batch_equals_single_points_under_jit():
    # one batched (eager) evaluation == per-point evaluations of the jitted function
    prm, tech = _setup(POINTS)
    k = _arr(POINTS, lambda e: math.ceil(math.log2(e["point"]["subarray"])))
    h = _arr(POINTS, lambda e: e["subarray"]["heightArray"])
    batch = row_decoder(tech, prm, k, new_height=h)
    f = jax.jit(lambda t, p, k1, h1: row_decoder(t, p, k1, new_height=h1))
    for i in (0, 7, 13, 19):
        one = f(_one(tech, i), _one(prm, i), k[i], h[i])
        for name in ("area", "height", "width", "width_nor_p", "cap_nor_output", "cap_driver_inv_input"):
            np.testing.assert_allclose(float(getattr(one, name)), float(getattr(batch, name)[i]), rtol=1e-13,
                                       err_msg=name)


def test_layout_options():
    prm, tech = _setup(POINTS)
    num = jnp.full((len(POINTS),), 100.0)
    nat = dff(tech, prm, num)
    np.testing.assert_allclose(nat.area, nat.height * nat.width, rtol=1e-15)
    magic = dff(tech, prm, num, new_height=1e-5, option=MAGIC)
    np.testing.assert_allclose(magic.area, nat.area, rtol=1e-14)
    np.testing.assert_allclose(magic.height, 1e-5)
    over = dff(tech, prm, num, new_height=1e-5, new_width=2e-5, option=OVERRIDE)
    np.testing.assert_allclose(over.area, 2e-10)
    with pytest.raises(ValueError):
        dff(tech, prm, num, new_height=1e-5, option=OVERRIDE)


def test_c_int_follows_x86_conversion():
    x = jnp.asarray([2.7, -2.7, jnp.inf, jnp.nan, 3e9])
    np.testing.assert_array_equal(np.asarray(c_int(x)), [2.0, -2.0, -2.0 ** 31, -2.0 ** 31, -2.0 ** 31])
