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


# ================================================================================================
# latency, dynamic energy and leakage
# ================================================================================================
# ``circuits_periphery_perf.json``: for 20 design points (nodes 130 to 1 nm, SRAM/RRAM/FeFET,
# parallel/sequential, synchronous/asynchronous, one non-validated), the subarray quantities the
# modules are called with and the reference's module figures printed by an instrumented build:
# latencies of the first read of layer 1 (clock pass in synchronous mode: seconds; performance
# pass: adder seconds, flip-flop and shift-add clock cycles) and energies / leakage of the first
# read with active rows.
PERF_DATA = os.path.join(os.path.dirname(__file__), "data", "circuits_periphery_perf.json")
with open(PERF_DATA) as fh:
    PERF = json.load(fh)["points"]


def _perf_figures():
    """Our figures, keyed (kind, module, field), with the arguments the reference's subarray passes."""
    from dse.circuits.adder import adder_latency, adder_power
    from dse.circuits.dff import dff_latency, dff_power
    from dse.circuits.mux import mux_latency, mux_power
    from dse.circuits.new_switch_matrix import new_switch_matrix_latency, new_switch_matrix_power
    from dse.circuits.precharger import precharger_latency, precharger_power
    from dse.circuits.row_decoder import row_decoder_latency, row_decoder_power
    from dse.circuits.sense_amp import sense_amp_latency, sense_amp_power
    from dse.circuits.shift_add import shift_add_latency, shift_add_power
    from dse.circuits.sram_write_driver import sram_write_driver_power
    from dse.circuits.switch_matrix import switch_matrix_latency, switch_matrix_power
    from dse.circuits.wl_new_decoder_driver import wl_new_decoder_driver_latency, wl_new_decoder_driver_power
    from dse.tech.memcell import memcell

    D = PERF
    prm, tech = _setup(D)
    cell = memcell(prm)
    S = lambda k: _arr(D, lambda e: e["subarray"][k])  # noqa: E731
    n = _arr(D, lambda e: e["point"]["subarray"])
    sram = _arr(D, lambda e: e["point"]["memcell"] == "sram") > 0
    par = _arr(D, lambda e: e["point"]["mode"] == "parallel") > 0
    ncps = _arr(D, lambda e: _counts(e)["ncps"])
    cell_bit = _arr(D, lambda e: _counts(e)["cell_bit"])
    levels = _arr(D, lambda e: 2 ** e["point"]["adc_bits"])
    ncm, nadd, act = S("numColMuxed"), S("numAdd"), S("activityRowRead")
    cap_row1, cap_row2, cap_col, res_row = S("capRow1"), S("capRow2"), S("capCol"), S("resRow")
    buffered = prm.buffernumber > 0
    out = {}

    def put(kind, module, **fields):
        for f, v in fields.items():
            out[(kind, module, f)] = v

    # ---- word-line path ----
    wl = build("wlDecoder", D)
    lat = row_decoder_latency(wl, tech, 1e20, jnp.where(sram, cap_row1, cap_row2), 0.0, res_row, n, 1.0, 0.0)
    put("latency", "wlDecoder", readLatency=lat.read_latency, writeLatency=lat.write_latency,
        rampOutput=lat.ramp_output)
    pw = row_decoder_power(wl, tech, prm, jnp.where(sram, n * act, n * act * ncm), 0.0)
    put("power", "wlDecoder", readDynamicEnergy=pw.read_dynamic_energy, leakage=pw.leakage)

    drv = build("wlNewDecoderDriver", D)
    l2 = wl_new_decoder_driver_latency(drv, tech, lat.ramp_output, cap_row2, res_row, 1.0, 0.0)
    put("latency", "wlNewDecoderDriver", readLatency=l2.read_latency, rampOutput=l2.ramp_output)
    pw = wl_new_decoder_driver_power(drv, tech, cell, n * act * ncm, 0.0)
    put("power", "wlNewDecoderDriver", readDynamicEnergy=pw.read_dynamic_energy, leakage=pw.leakage)

    # SRAM switch matrix: without repeaters the reference uses the wire-only row capacitance per cell
    sm = build("wlSwitchMatrix", D)
    unit_cap = jnp.where(buffered, cap_row1, S("lengthRow") * 0.2e-15 / 1e-6) / n
    lat = switch_matrix_latency(sm, tech, prm, 1e20, 1.0, 0.0, unit_cap=unit_cap, unit_res=res_row / n,
                                drive_cap_in=S("drivecapin"))
    put("latency", "wlSwitchMatrix", readLatency=lat.read_latency)
    pw = switch_matrix_power(sm, tech, prm, cell, ncm, act)
    put("power", "wlSwitchMatrix", readDynamicEnergy=pw.read_dynamic_energy, leakage=pw.leakage)
    pw = switch_matrix_power(build("slSwitchMatrix", D), tech, prm, cell, 0.0, act)
    put("power", "slSwitchMatrix", readDynamicEnergy=pw.read_dynamic_energy, leakage=pw.leakage)

    nsm = build("wlNewSwitchMatrix", D)
    cap = jnp.where(buffered, cap_row2 / (prm.buffernumber + 1) + S("drivecapin"), cap_row2)
    res = jnp.where(buffered, res_row / n * (n / (prm.buffernumber + 1)), res_row)
    lat = new_switch_matrix_latency(nsm, tech, prm, 1e20, cap, res, 1.0, 0.0)
    put("latency", "wlNewSwitchMatrix", readLatency=lat.read_latency, rampOutput=lat.ramp_output)
    pw = new_switch_matrix_power(nsm, tech, prm, cell, ncm, act)
    put("power", "wlNewSwitchMatrix", readDynamicEnergy=pw.read_dynamic_energy, leakage=pw.leakage)

    # ---- column path ----
    mx = build("mux", D)
    put("latency", "mux", readLatency=mux_latency(mx, 0.0, 1.0).read_latency)
    pw = mux_power(mx, tech, cell, ncm)
    put("power", "mux", readDynamicEnergy=pw.read_dynamic_energy, leakage=pw.leakage)
    md = build("muxDecoder", D)
    outputs = jnp.floor(n / ncm)                  # ceil of an int division in the reference
    lat = row_decoder_latency(md, tech, 1e20, mx.cap_tg_gate_n * outputs, mx.cap_tg_gate_p * outputs, 0.0, 0.0,
                              1.0, 0.0)
    put("latency", "muxDecoder", readLatency=lat.read_latency, rampOutput=lat.ramp_output)
    pw = row_decoder_power(md, tech, prm, ncm, 1.0)
    put("power", "muxDecoder", readDynamicEnergy=pw.read_dynamic_energy, writeDynamicEnergy=pw.write_dynamic_energy,
        leakage=pw.leakage)

    pc = build("precharger", D)
    lat = precharger_latency(pc, tech, 1e20, cap_col, 1.0, 0.0)
    put("latency", "precharger", readLatency=lat.read_latency, writeLatency=lat.write_latency)
    pw = precharger_power(pc, tech, cap_col, jnp.where(par, ncm * nadd, n * act), 0.0, n, n, 0.0)
    put("power", "precharger", readDynamicEnergy=pw.read_dynamic_energy, leakage=pw.leakage)
    put("power", "sramWriteDriver", leakage=sram_write_driver_power(build("sramWriteDriver", D), tech, 0.0, n,
                                                                    0.0).leakage)
    sa = build("senseAmp", D)
    put("latency", "senseAmp", readLatency=sense_amp_latency(sa, tech, 1.0).read_latency)
    pw = sense_amp_power(sa, tech, n * act, n)
    put("power", "senseAmp", readDynamicEnergy=pw.read_dynamic_energy, leakage=pw.leakage)

    # ---- accumulation ----
    ad, df = build("adder", D), build("dff", D)
    lat = adder_latency(ad, tech, prm, 1e20, df.cap_tg_drain, 1.0)
    put("latency", "adder", readLatency=lat.read_latency, rampOutput=lat.ramp_output)
    put("latency", "dff", readLatency=dff_latency(df, prm, 1.0).read_latency)
    lg = jnp.ceil(jnp.log2(n))
    reads = jnp.where(par, ncm * (nadd - 1), jnp.where(sram, n * act, ncm * n * act))
    adders = jnp.where(par, jnp.floor(n / ncm), jnp.where(sram, jnp.floor(n / ncps), jnp.ceil(n / ncm)))
    dffs = jnp.where(par, jnp.floor(n / ncm) * (jnp.log2(levels) + jnp.ceil(jnp.log2(nadd)) / 2),
                     jnp.where(sram, jnp.floor(n / ncps) * (lg / 2 + 1), jnp.ceil(n / ncm) * (lg / 2 + cell_bit)))
    pw = adder_power(ad, tech, prm, reads, adders)
    put("power", "adder", readDynamicEnergy=pw.read_dynamic_energy, leakage=pw.leakage)
    pw = dff_power(df, tech, prm, reads, dffs, prm.validated)
    put("power", "dff", readDynamicEnergy=pw.read_dynamic_energy, writeDynamicEnergy=pw.write_dynamic_energy,
        leakage=pw.leakage)
    seq_sram = sram & ~par
    steps = {"shiftAddWeight": jnp.where(seq_sram, ncps - 1, (ncps - 1) * jnp.floor(ncm / ncps)),
             "shiftAddInput": jnp.where(seq_sram, 1.0, jnp.floor(ncm / ncps))}
    for name, num in steps.items():
        s = build(name, D)
        lat, add_lat = shift_add_latency(s, tech, prm, cell, 1.0)
        put("latency", name, readLatency=lat.read_latency)
        put("latency", name + "Adder", readLatency=add_lat)
        pw = shift_add_power(s, tech, prm, num)
        put("power", name, readDynamicEnergy=pw.read_dynamic_energy, leakage=pw.leakage)
    return out


_PERF_CACHE = {}


def perf_figures():
    if not _PERF_CACHE:
        _PERF_CACHE.update(_perf_figures())
    return _PERF_CACHE


PERF_KEYS = sorted({(kind, m, f) for e in PERF for kind in ("latency", "power") for m in e[kind]
                    for f in e[kind][m]})


@pytest.mark.parametrize("kind,module", sorted({k[:2] for k in PERF_KEYS}))
def test_module_perf_matches_reference(kind, module):
    figs = perf_figures()
    checked = 0
    for (k, m, f) in PERF_KEYS:
        if (k, m) != (kind, module):
            continue
        assert (k, m, f) in figs, f"no figure computed for {k} {m}.{f}"
        ours = np.broadcast_to(np.asarray(figs[(k, m, f)]), (len(PERF),))
        for i, e in enumerate(PERF):
            if m not in e[k] or f not in e[k][m]:
                continue
            ref = e[k][m][f]
            p = e["point"]
            assert np.isclose(ours[i], ref, rtol=RTOL, atol=0.0), (
                f"{m}.{f} at {e['id']} ({p['technode']} nm {p['memcell']} {p['mode']} "
                f"{'sync' if p['synchronous'] else 'async'}): ours {ours[i]!r} ref {ref!r}")
            checked += 1
    assert checked >= 3


def test_perf_reference_covers_nodes_cells_modes():
    seen = {(e["point"]["technode"], e["point"]["memcell"], e["point"]["mode"], e["point"]["synchronous"])
            for e in PERF}
    assert {s[0] for s in seen} >= {130, 65, 22, 14, 7, 2, 1}
    assert {s[1] for s in seen} == {"sram", "rram", "fefet"}
    assert {s[3] for s in seen} == {True, False}
    assert any(not e["point"]["validated"] for e in PERF)
    mods = {m for e in PERF for m in e["power"]}
    assert mods >= {"wlDecoder", "wlNewDecoderDriver", "wlSwitchMatrix", "wlNewSwitchMatrix", "slSwitchMatrix", "mux",
                    "muxDecoder", "precharger", "sramWriteDriver", "senseAmp", "adder", "dff", "shiftAddWeight",
                    "shiftAddInput"}


def test_perf_broadcasts_over_a_layer_axis():
    # one design point (0-d state) with per-layer read counts / activities of shape (L,)
    from dse.circuits.dff import dff_power
    from dse.circuits.row_decoder import row_decoder_latency, row_decoder_power
    from dse.circuits.shift_add import shift_add_latency, shift_add_power
    from dse.circuits.switch_matrix import switch_matrix_power
    from dse.tech.memcell import memcell
    prm, tech = _setup(PERF)
    cell = memcell(prm)
    i = 6
    p1, t1, c1 = _one(prm, i), _one(tech, i), _one(cell, i)
    wl, sm, sa = (_one(build(m, PERF), i) for m in ("wlDecoder", "wlSwitchMatrix", "shiftAddInput"))
    reads = jnp.asarray([0.0, 3.0, 17.5])
    acts = jnp.asarray([0.0, 0.25, 0.75])
    cases = [
        (lambda r, a: row_decoder_power(wl, t1, p1, r, 2 * r).read_dynamic_energy),
        (lambda r, a: row_decoder_latency(wl, t1, 1e20, 1e-14, 0.0, 100.0, 128.0, r, r).read_latency),
        (lambda r, a: switch_matrix_power(sm, t1, p1, c1, r, a).read_dynamic_energy),
        (lambda r, a: dff_power(sm.dff, t1, p1, r, 64.0 * a, True).read_dynamic_energy),
        (lambda r, a: shift_add_power(sa, t1, p1, r).read_dynamic_energy),
        (lambda r, a: shift_add_latency(sa, t1, p1, c1, r)[0].read_latency),
    ]
    # a traced temperature of 300 K gives the default figures
    np.testing.assert_allclose(np.asarray(row_decoder_power(wl, t1, p1, 1.0, 0.0, temperature=p1.temp).leakage),
                               np.asarray(row_decoder_power(wl, t1, p1, 1.0, 0.0).leakage), rtol=1e-15)
    for fn in cases:
        vec = np.asarray(fn(reads, acts))
        assert vec.shape == (3,)
        single = [float(fn(reads[j], acts[j])) for j in range(3)]
        np.testing.assert_allclose(vec, single, rtol=1e-15)


def test_perf_cycle_semantics():
    # synchronous: flip-flops and shift-adds count clock cycles; asynchronous: seconds
    from dse.circuits.dff import dff_latency
    from dse.circuits.shift_add import shift_add_latency
    from dse.tech.memcell import memcell
    prm, tech = _setup(PERF)
    cell = memcell(prm)
    sync = np.array([e["point"]["synchronous"] for e in PERF])
    d = build("dff", PERF)
    lat = np.asarray(dff_latency(d, prm, 5.0).read_latency)
    np.testing.assert_array_equal(lat[sync], 5.0)
    np.testing.assert_allclose(lat[~sync], 5.0 / np.asarray(prm.clk_freq)[~sync] / 2, rtol=1e-15)
    s = build("shiftAddInput", PERF)
    lat, add = shift_add_latency(s, tech, prm, cell, 8.0)
    np.testing.assert_array_equal(np.asarray(lat.read_latency)[sync], 8.0)
    assert (np.asarray(add) > 0).all() and (np.asarray(add) < 1e-8).all()
