"""Compute-in-memory inference of quantized layers at a design point (manual section 9).

Each QConv/QDense dot product ``x . w`` (WAGE integers ``m = x 2^(ib-1)``, ``k = w 2^(wb-1)``) is
computed the way the chip does it:

* **Weights in cells.** ``k`` is stored offset-binary, ``u = k + 2^(wb-1)`` in ``[0, 2^wb - 1]``,
  split into ``n = ceil(wb / cell_bits)`` base-``L = 2^cell_bits`` digits (the traces' mapping,
  :func:`dse.traces.reader.weight_digits`). Digit ``d`` is the conductance ``G = d + g0`` in units of
  one level step, ``g0 = (L - 1) / (on_off - 1)`` (so ``Gmax / Gmin = on_off``).
* **Inputs bit-serially.** ``m`` is applied as ``ib`` two's-complement bit planes (plane ``z`` weighs
  ``2^z``, the top one ``-2^(ib-1)``).
* **Partial sums.** Rows are cut into subarrays of ``subarray`` rows and each subarray into groups of
  ``parallel_read`` rows read at once (1 in sequential mode); each group, bit plane and cell column
  gives one analog column sum ``I = sum(bit * G)``, multi-level cells included.
* **Dummy column.** A dummy column of ``Gmin`` cells carries ``D = g0 * sum(bit)`` for the same group
  and is the sense reference: the ADC converts ``I - D``, which removes the off-state current. The
  offset ``2^(wb-1) * sum(bit)`` of the offset-binary weights is subtracted digitally. (The reference puts its dummy at ``(Gmin + Gmax) / 2``; that
  recombines to an offset of ``(2^wb - 1) / 2``, half a step from the WAGE grid, so an ideal chip
  would not reproduce the quantized network.)
* **ADC.** ``I - D`` is quantized to ``adc_bits``: ``2^adc_bits - 1`` steps over a full scale
  ``fs`` calibrated per layer as the largest column current ``I`` (off current included, so a low
  on/off ratio coarsens the steps) on a calibration batch;
  linear references (step ``max(fs / (2^b - 1), 1)`` level, round to nearest, clip) or non-linear
  ones (outputs ``fs (c / (2^b - 1))^2``, denser at small sums where most partial sums lie). A
  step below one level is pointless, so an ADC with at least as many steps as ``fs`` is lossless.
* **Variation.** Every array cell is programmed to ``G (1 + sigma * N(0, 1))`` (>= 0), one draw per
  cell, seeded by ``seed`` and the layer index, so a design point is one chip for all images.
* **Retention.** ``G = G0 (t / t0)^(+-v)``, t0 = 1 s: toward ``Gmax`` (grows, capped at Gmax), toward
  ``Gmin`` (decays, floored at Gmin), toward ``Gmin + drift_target (Gmax - Gmin)`` (each cell moves
  toward it and stops there), or random (each cell grows, decays or stays, uniformly, clipped to
  [Gmin, Gmax]).

SRAM cells are digital: one bit per cell, ideal conductances (no off current, variation or drift).
With variation and drift off, ``on_off`` large and an ADC with enough steps, the result equals the
plain quantized network exactly (integer sums in float32 are exact below 2^24).
"""
from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any, Mapping

import jax
import jax.numpy as jnp
import numpy as np

from dse.accuracy import quant
from dse.accuracy.layers import patches, unroll_kernel

__all__ = ["Static", "CIMBackend", "point_params", "static_of", "group_index", "adc_quantize", "program_cells",
           "cim_matmul", "DRIFT_CODES"]

DRIFT_CODES = {"none": 0, "max": 1, "min": 2, "target": 3, "random": 4}

#: bump when the model's numbers change (it is part of the accuracy cache key)
MODEL_VERSION = 1


@dataclasses.dataclass(frozen=True)
class Static:
    """The shape-determining (compile-time) part of a design point for accuracy."""

    weight_bits: int
    input_bits: int
    cell_bits: int
    subarray: int
    parallel_read: int
    nonlinear_adc: bool = False


def static_of(point: Mapping[str, Any]) -> Static:
    """The :class:`Static` of a normalized design point (SRAM: 1 bit per cell; sequential: 1 row)."""
    sram = point["memcell"] == "sram"
    cb = 1 if sram else min(int(point["cell_bits"]), int(point["weight_bits"]))
    pr = 1 if point["mode"] == "sequential" else min(int(point["parallel_read"]), int(point["subarray"]))
    if int(point["weight_bits"]) < 2:
        raise ValueError("CIM inference needs weight_bits >= 2 (offset-binary weights)")
    return Static(int(point["weight_bits"]), int(point["input_bits"]), cb, int(point["subarray"]), pr,
                  point.get("adc_ref", "linear") == "nonlinear")


def point_params(point: Mapping[str, Any]) -> dict[str, float]:
    """The traced (vectorizable) part of a normalized design point, as plain numbers."""
    sram = point["memcell"] == "sram"
    st = static_of(point)
    levels = 2 ** st.cell_bits - 1
    r = max(float(point["on_off"]), 1.0 + 1e-6)
    return {
        "adc_levels": float(2 ** int(point["adc_bits"]) - 1),
        "g0": 0.0 if sram else levels / (r - 1.0),
        "sigma": 0.0 if sram else float(point.get("sigma", 0.0)),
        "drift": 0 if sram else DRIFT_CODES[point.get("drift", "none")],
        "drift_log": float(point.get("drift_nu", 0.0)) * math.log(float(point.get("drift_time", 1.0))),
        "drift_target": float(point.get("drift_target", 0.5)),
        "seed": int(point.get("seed", 0)),
    }


def group_index(rows: int, subarray: int, parallel_read: int) -> np.ndarray:
    """Row index of each slot of the ``(groups, parallel_read)`` layout, -1 for an empty slot.

    Rows fill subarrays of ``subarray`` rows in order; a subarray's rows are read in groups of
    ``parallel_read`` (the last group of a subarray may be short, the slots left are empty)."""
    per_sub = -(-subarray // parallel_read)
    out = []
    for s in range(-(-rows // subarray)):
        lo, hi = s * subarray, min((s + 1) * subarray, rows)
        for g in range(per_sub):
            a = lo + g * parallel_read
            if a >= hi:
                break
            slot = np.full(parallel_read, -1, np.int64)
            n = min(parallel_read, hi - a)
            slot[:n] = np.arange(a, a + n)
            out.append(slot)
    return np.stack(out)


def adc_quantize(i, fs, levels, nonlinear: bool = False):
    """ADC output for column sums ``i`` (level units): full scale ``fs``, ``levels = 2^bits - 1`` steps."""
    fs = jnp.maximum(fs, 1.0)
    step = jnp.maximum(fs / levels, 1.0)
    lin = jnp.clip(jnp.round(i / step), 0.0, levels) * step
    if not nonlinear:
        return lin
    c = jnp.clip(jnp.round(levels * jnp.sqrt(jnp.maximum(i, 0.0) / fs)), 0.0, levels)
    return jnp.where(fs / levels > 1.0, fs * (c / levels) ** 2, lin)


def program_cells(digits, dp, key, cell_bits: int):
    """Conductances (level units) of cells holding ``digits``, with variation and retention drift."""
    g0 = dp["g0"]
    gmax = (2 ** cell_bits - 1) + g0
    g = digits + g0
    eps = jax.random.normal(jax.random.fold_in(key, 0), g.shape, g.dtype)
    g = jnp.maximum(g * (1.0 + dp["sigma"] * eps), 0.0)
    r = jnp.exp(dp["drift_log"])

    def up(g, cap):
        return jnp.where(g < cap, jnp.minimum(g * r, cap), g)

    def down(g, floor):
        return jnp.where(g > floor, jnp.maximum(g / r, floor), g)

    target = g0 + dp["drift_target"] * (gmax - g0)
    sign = jax.random.randint(jax.random.fold_in(key, 1), g.shape, -1, 2).astype(g.dtype)
    rand = jnp.clip(g * r ** sign, g0, gmax)
    code = dp["drift"]
    return jnp.select([code == 1, code == 2, code == 3, code == 4],
                      [up(g, gmax), down(g, g0), jnp.where(g < target, up(g, target), down(g, target)), rand], g)


def cim_matmul(x_int, k_int, st: Static, dp, key, fs=None):
    """CIM dot products of integer inputs ``(M, R)`` and integer weights ``(R, O)``.

    Returns ``(result (M, O), max column sum)``; ``fs=None`` reads with an ideal ADC (calibration)."""
    wb, ib, cb = st.weight_bits, st.input_bits, st.cell_bits
    R = x_int.shape[-1]
    idx = group_index(R, st.subarray, st.parallel_read)
    valid = jnp.asarray(idx >= 0)
    safe = np.maximum(idx, 0)
    xg = jnp.where(valid, x_int[:, safe], 0.0)                      # (M, G, P)
    kg = jnp.where(valid[..., None], k_int[safe], 0.0)              # (G, P, O)
    # two's-complement bit planes of the inputs
    mu = jnp.where(xg < 0, xg + 2.0 ** ib, xg)
    planes = jnp.stack([jnp.floor(mu / 2.0 ** z) % 2.0 for z in range(ib)])   # (Z, M, G, P)
    pw = np.array([2.0 ** z for z in range(ib - 1)] + [-(2.0 ** (ib - 1))], np.float32)
    # offset-binary weight digits, least significant first
    L = 2 ** cb
    n = -(-wb // cb)
    u = kg + 2.0 ** (wb - 1)
    digits = jnp.stack([jnp.floor(u / float(L) ** j) % L for j in range(n)])  # (n, G, P, O)
    g = program_cells(digits, dp, key, cb)
    col = jnp.einsum("zmgp,jgpo->zmgjo", planes, g)                 # column sums
    dummy = dp["g0"] * planes.sum(-1)                               # (Z, M, G)
    peak = jnp.max(col)
    col = col - dummy[..., None, None]                              # dummy-referenced sensing
    if fs is not None:
        col = adc_quantize(col, fs, dp["adc_levels"], st.nonlinear_adc)
    sw = jnp.asarray([float(L) ** j for j in range(n)], col.dtype)
    # weighted sums as multiply-and-reduce: XLA:CPU miscomputed these as dots under jit(vmap) (jax 0.10)
    s = jnp.sum(col * sw[:, None], axis=(2, 3))
    s = s - 2.0 ** (wb - 1) * planes.sum((-1, -2))[..., None]
    return jnp.sum(s * jnp.asarray(pw, s.dtype)[:, None, None], axis=0), peak


class CIMBackend:
    """Layer backend running every QConv/QDense on the CIM model of one design point.

    ``dp`` holds the traced parameters (:func:`point_params`, as arrays); ``fs`` the per-layer ADC
    full scales, or ``None`` to calibrate (ideal ADC; the column-sum peaks are collected in ``peaks``)."""

    def __init__(self, st: Static, dp, fs=None):
        self.st = st
        self.dp = dp
        self.fs = fs
        self.key = jax.random.PRNGKey(dp["seed"])
        self.layer = 0
        self.peaks: list = []

    def bits(self, mod):
        return self.st.weight_bits, self.st.input_bits

    def _mvm(self, x, w):
        st = self.st
        key = jax.random.fold_in(self.key, self.layer)
        fs = None if self.fs is None else self.fs[self.layer]
        y, peak = cim_matmul(quant.to_int(x, st.input_bits), quant.to_int(w, st.weight_bits), st, self.dp, key, fs)
        self.peaks.append(peak)
        self.layer += 1
        return y / (2.0 ** (st.weight_bits - 1) * 2.0 ** (st.input_bits - 1))

    def conv(self, mod, xq, wq, wb, ib, k, stride, pad):
        p = patches(xq, k, stride, pad)
        y = self._mvm(p.reshape(-1, p.shape[-1]), unroll_kernel(wq).astype(p.dtype))
        return y.reshape(p.shape[:-1] + (wq.shape[-1],))

    def dense(self, mod, xq, wq, wb, ib):
        return self._mvm(xq, wq.astype(xq.dtype))

    def pool(self):
        pass


@functools.lru_cache(maxsize=64)
def predict_fn(model, st: Static):
    """A compiled function ``(variables, x_cal, x, dp) -> predicted classes (points, N)``,
    vectorized over design points (``dp`` leaves have a leading point axis)."""

    def one(variables, x_cal, x, dp):
        cal = CIMBackend(st, dp)
        model.apply(variables, x_cal, backend=cal)
        fs = jnp.stack(cal.peaks)
        logits = model.apply(variables, x, backend=CIMBackend(st, dp, fs))
        return jnp.argmax(logits, -1)

    return jax.jit(jax.vmap(one, in_axes=(None, None, None, 0)))


def stack_params(dps: list[dict]) -> dict:
    """Per-point parameter dicts as arrays with a leading point axis (float32 / int32)."""
    out = {}
    for k in dps[0]:
        dt = jnp.int32 if k in ("drift", "seed") else jnp.float32
        out[k] = jnp.asarray([d[k] for d in dps], dt)
    return out
